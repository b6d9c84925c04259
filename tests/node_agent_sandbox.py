"""The node agent running real containers in the sandbox, against a recording stand-in for the API server.

:func:`run_pods` (outside) starts the sandbox; :func:`main` (inside) serves each Pod with
:class:`llm_stack_harness.controlplane.agent.NodeAgent` (its Pod bridge, network namespaces and processes are the
ones ``llm-stack verify`` uses) until the Pod's status written through the status subresource satisfies the Pod's
``until``, then writes every status patch and Event it recorded. The containers' image ``example/probe-server``
runs :data:`PROGRAM` (a small HTTP server) with the container's args.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

IMAGE = "example/probe-server"

PROGRAM = r"""
import http.server, pathlib, sys

mode = sys.argv[1]
if mode == "exit":
    sys.exit(int(sys.argv[2]))
# serve PORT MARKER: /ready answers 200; /healthz 200 twice, then 500, on the first start (MARKER absent); always 200
# once restarted (MARKER present).
port, marker = int(sys.argv[2]), pathlib.Path(sys.argv[3])
restarted = marker.exists()
marker.write_text("started")
health = {"left": 2}

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = True
        if self.path == "/healthz" and not restarted:
            ok = health["left"] > 0
            health["left"] -= 1
        self.send_response(200 if ok else 500)
        self.end_headers()

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
"""

UNTIL_TIMEOUT_S = 180.0
"""Longest wait for a Pod's ``until`` (a failure, not a verdict: the tests assert on what was recorded)."""


def run_pods(pods: Sequence[Mapping[str, Any]], *, work: Path, backoff_base_s: float) -> dict[str, Any]:
    """Serve each ``{"pod": ..., "until": ..., "settle_s": ...}`` in turn; ``until`` is ``restartCount=N``,
    ``phase=P`` or ``waiting=REASON``; ``settle_s`` keeps the agent running that much longer once it holds.
    Returns ``{pod name: {"statuses": [...], "events": [...], "reached": bool}}``."""
    from llm_stack_harness.base.sandbox import ROOT_ENV, sandbox_argv

    work.mkdir(parents=True, exist_ok=True)
    job = {"pods": [dict(p) for p in pods], "work_dir": str(work), "backoff_base_s": backoff_base_s,
           "results": str(work / "results.json")}  # fmt: skip
    job_file = work / "job.json"
    job_file.write_text(json.dumps(job))
    root = work / "sandbox-root"
    root.mkdir(exist_ok=True)
    env = dict(os.environ) | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), ROOT_ENV: str(root)}
    completed = subprocess.run(
        sandbox_argv(__name__, [str(job_file)]), env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=900, check=False,
    )  # fmt: skip
    results_file = Path(job["results"])
    assert completed.returncode == 0 and results_file.is_file(), (
        f"the node agent's sandbox failed (exit {completed.returncode}):\n{completed.stderr[-4000:]}"
    )
    results: dict[str, Any] = json.loads(results_file.read_text())
    return results


class RecordingApi:
    """The API calls the agent makes: the Pod it lists, the status patches and Events it writes."""

    def __init__(self, pod: dict[str, Any]) -> None:
        self.pod = pod
        self.statuses: list[dict[str, Any]] = []
        self.events: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def request(self, method: str, path: str, body: Any = None, *, content_type: str = "") -> Any:
        with self._lock:
            if method == "GET":
                return {"items": [self.pod]}
            if method == "PATCH" and path.endswith("/status"):
                self.statuses.append(json.loads(json.dumps(body["status"])))
                return {}
            if method == "POST" and path.endswith("/events"):
                name = f"event-{len(self.events)}"
                self.events[name] = dict(body) | {"metadata": dict(body["metadata"]) | {"name": name}}
                return self.events[name]
            if method == "PATCH" and "/events/" in path:
                self.events[path.rsplit("/", 1)[1]] |= body
                return {}
            raise AssertionError(f"unexpected API call {method} {path}")

    def get(self, *_args: Any) -> None:
        return None

    def latest(self) -> dict[str, Any] | None:
        with self._lock:
            return self.statuses[-1] if self.statuses else None


def _reached(status: Mapping[str, Any] | None, until: str) -> bool:
    if status is None:
        return False
    key, _, value = until.partition("=")
    container = status["containerStatuses"][0]
    if key == "restartCount":
        return bool(container["restartCount"] >= int(value) and container["ready"])
    if key == "phase":
        return bool(status["phase"] == value)
    return bool((container["state"].get("waiting") or {}).get("reason") == value)


def main(argv: Sequence[str]) -> int:
    """Inside the sandbox: each Pod served by a node agent of its own, one after the other."""
    from llm_stack_harness.controlplane import agent, nodes
    from llm_stack_harness.controlplane.pods import LocalImage, PodNetwork

    job = json.loads(Path(argv[0]).read_text())
    work = Path(job["work_dir"])
    program = work / "probe_server.py"
    program.write_text(PROGRAM)
    images = [LocalImage(IMAGE, Path(sys.executable), None, ("-I", str(program)))]
    network = PodNetwork()
    results: dict[str, Any] = {}
    for entry in job["pods"]:
        pod = entry["pod"]
        api = RecordingApi(pod)
        node_agent = agent.NodeAgent(
            api,  # type: ignore[arg-type]
            nodes.DEFAULT_NODES,
            serve=1,
            images=images,
            work_dir=work / "pods",
            network=network,
            backoff_base_s=float(job["backoff_base_s"]),
        )
        node_agent.sweep()  # serves the Pod in a thread of its own
        deadline = time.monotonic() + UNTIL_TIMEOUT_S
        reached = False
        while time.monotonic() < deadline:
            if _reached(api.latest(), entry["until"]):
                reached = True
                break
            time.sleep(0.1)
        if reached:
            time.sleep(float(entry.get("settle_s", 0)))
        node_agent.stop()
        results[pod["metadata"]["name"]] = {
            "statuses": api.statuses,
            "events": sorted(api.events.values(), key=lambda e: str(e["metadata"]["name"])),
            "reached": reached,
            "log": (work / "pods" / pod["metadata"]["namespace"] / pod["metadata"]["name"]).as_posix(),
        }
    Path(job["results"]).write_text(json.dumps(results))
    return 0
