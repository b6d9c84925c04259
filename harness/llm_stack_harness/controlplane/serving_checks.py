"""What ``llm-stack verify`` reports about the predictor Pods the node agent (:mod:`.agent`) ran, read from the Pods'
status as the agent wrote it through the API server:

- ``storage initializer``: KServe's storage-initializer init container ran to completion (exit 0), or its exit code
  and its own error (the end of its log, the status message);
- ``vLLM ready``: the model container passed its readiness probe, on the Pod's address and the port KServe wrote.

A bound predictor Pod the agent did not serve gets both findings as passes that say so: ``not served: <reason>``
(the stand-in reported it Ready); the report lists every such Pod (:attr:`.report.Report.not_served`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llm_inference_stack.facts import kserve

from .checks import Context, dig, meta, predictor_pods


def _status_of(pod: Mapping[str, Any], name: str, key: str) -> Mapping[str, Any]:
    for status in dig(pod, "status", key) or []:
        if status.get("name") == name:
            return dict(status)
    return {}


def _state(status: Mapping[str, Any]) -> str:
    state = status.get("state") or {}
    if "terminated" in state:
        return f"terminated (exit {state['terminated'].get('exitCode')})"
    if "waiting" in state:
        waiting = state["waiting"]
        return f"waiting ({waiting.get('reason')}{': ' + waiting['message'] if waiting.get('message') else ''})"
    if "running" in state:
        return "running"
    return "no status yet"


def _readiness_url(pod: Mapping[str, Any], container: Mapping[str, Any]) -> str:
    http = dig(container, "readinessProbe", "httpGet") or {}
    port = http.get("port")
    if isinstance(port, str):
        port = next((p.get("containerPort") for p in container.get("ports") or [] if p.get("name") == port), port)
    return f"http://{dig(pod, 'status', 'podIP') or '<pod IP>'}:{port}{http.get('path', '/')}"


def _storage_finding(pod: Mapping[str, Any], served: Any) -> tuple[bool, str]:
    name = meta(pod)["name"]
    init = next(
        (c for c in dig(pod, "spec", "initContainers") or [] if c.get("name") == kserve.STORAGE_INITIALIZER), None
    )
    if init is None:
        return True, f"Pod {name}: no {kserve.STORAGE_INITIALIZER} (KServe added none: no URI it downloads)"
    source = " -> ".join(map(str, init.get("args") or []))
    status = _status_of(pod, kserve.STORAGE_INITIALIZER, "initContainerStatuses")
    terminated = (status.get("state") or {}).get("terminated")
    if terminated and terminated.get("exitCode") == 0:
        return True, f"Pod {name}: {kserve.STORAGE_INITIALIZER} ({source}) completed, exit 0"
    if terminated:
        message = str(terminated.get("message") or "").strip().splitlines()
        return False, (
            f"Pod {name}: {kserve.STORAGE_INITIALIZER} ({source}) failed with exit {terminated.get('exitCode')}: "
            + " | ".join(message[-3:])
        )
    if served.stage == "failed":
        return False, f"Pod {name}: {served.error}"
    return False, f"Pod {name}: {kserve.STORAGE_INITIALIZER} ({source}) {_state(status)}"


def _ready_finding(pod: Mapping[str, Any], served: Any) -> tuple[bool, str]:
    name = meta(pod)["name"]
    container = next((c for c in dig(pod, "spec", "containers") or [] if c.get("name") == kserve.CONTAINER_NAME), None)
    if container is None:
        return False, f"Pod {name}: no {kserve.CONTAINER_NAME}"
    url = _readiness_url(pod, container)
    for init in dig(pod, "status", "initContainerStatuses") or []:
        code = ((init.get("state") or {}).get("terminated") or {}).get("exitCode")
        if code not in (None, 0):
            return False, f"Pod {name}: not started: init container {init.get('name')} exited {code}"
    status = _status_of(pod, kserve.CONTAINER_NAME, "containerStatuses")
    restarts = int(status.get("restartCount") or 0)
    if restarts and served.stage == "failed":  # restarted by the node agent: ready again or not, that is the finding
        return False, f"Pod {name}: {served.error} (restartCount {restarts})"
    if status.get("ready"):
        after = f", {served.ready_after_s:.0f} s after the agent started the Pod" if served.ready_after_s else ""
        return True, f"Pod {name}: {kserve.CONTAINER_NAME} passed its readiness probe {url}{after}"
    if served.stage == "failed":
        return False, f"Pod {name}: {served.error}"
    return False, f"Pod {name}: {kserve.CONTAINER_NAME} {_state(status)}, not ready at {url}"


def check_serving(ctx: Context) -> None:
    agent = ctx.node_agent
    if agent is None or not hasattr(agent, "served_pod"):
        return
    for isvc in ctx.of_kind("InferenceService"):
        found = predictor_pods(ctx, isvc)
        if found is None:
            continue  # the KServe Deployment check says why
        pods = [p for p in found[1] if dig(p, "spec", "nodeName")]
        if not pods:
            continue  # the scheduled check says why
        storage: list[tuple[bool, str]] = []
        ready: list[tuple[bool, str]] = []
        for pod in pods:
            uid = meta(pod).get("uid", "")
            served = agent.served_pod(uid)
            if served is None:
                skipped = agent.not_served.get(uid)
                text = (
                    f"Pod {meta(pod)['name']}: not served: {skipped.reason} (the stand-in reported it Ready)"
                    if skipped is not None
                    else f"Pod {meta(pod)['name']}: not seen by the node agent yet"
                )
                storage.append((skipped is not None, text))
                ready.append((skipped is not None, text))
                continue
            if served.stage == "waiting":
                text = f"Pod {meta(pod)['name']} left waiting: {served.error}"
                storage.append((False, text))
                ready.append((False, text))
                continue
            storage.append(_storage_finding(pod, served))
            ready.append(_ready_finding(pod, served))
        for check, results in (("storage initializer", storage), ("vLLM ready", ready)):
            ctx.report.add(isvc, check, all(ok for ok, _ in results), "; ".join(text for _, text in results))
    ctx.report.not_served = sorted(entry.line() for entry in agent.not_served.values())


__all__ = ["check_serving"]
