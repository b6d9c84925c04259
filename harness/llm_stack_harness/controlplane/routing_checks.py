"""Routing on the real data path (``probe --routing``): a seeded shared-prefix workload
(:class:`..base.shared_prefix.SharedPrefixWorkload`) through the gateway to a model with two vLLM Pods, and where its
requests went, read from each Pod's own vLLM counters.

With ``routing.mode: prefix-aware`` the Envoy Pod asks the InferencePool's endpoint picker (a real EPP Pod,
:meth:`.dataplane.GatewayDataPlane.start`) for each request's destination and sends it there; with ``service`` it
sends it to the predictor Service, which spreads connections over the Pods. The run measures, per mode:

- **placement**: the sessions are sent one after the other, each turn after the last answer, and each Pod's
  ``vllm:request_success_total`` is read between sessions, so each session's requests are counted on the Pods that
  served them;
- **prefix-cache hits**: ``vllm:prefix_cache_hits_total`` / ``vllm:prefix_cache_queries_total`` over the run, summed
  over the Pods (tokens found in a Pod's prefix cache / prompt tokens it was asked to prefill);
- **time to first token** of each streamed request through the gateway, p50/p95;
- **the gateway's added latency**, paired: the same request straight to a Pod and through the gateway, alternately,
  the difference of their whole times, p50/p99;
- with an endpoint picker, its own ``inference_extension_prefix_indexer_hit_ratio``.

The checks (prefix-aware only): every request succeeded, each session's requests all landed on one Pod, the prefix
cache hit rate is at least :data:`MIN_HIT_RATE`, and the endpoint picker's metrics saw the prefix matches.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import math
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llm_inference_stack.facts import inference_extension, kserve

from ..base.errors import HarnessError
from ..base.shared_prefix import SharedPrefixWorkload
from .checks import condition_true
from .gateway_checks import ProbeReport, api_keys
from .kube import JsonDict, KubeClient
from .pod_kill import PODS, ready_pods
from .scaling import counter_sum

SUCCESS = "vllm:request_success_total"
HITS, QUERIES = "vllm:prefix_cache_hits_total", "vllm:prefix_cache_queries_total"
EPP_HIT_RATIO = "inference_extension_prefix_indexer_hit_ratio"
"""The EPP's histogram of the prefix scorer's matched fraction per request (``pkg/epp/metrics/metrics.go``)."""
MIN_HIT_RATE = 0.6
"""The prefix cache hit rate a prefix-aware run must reach: a session's first turn misses, each later one finds the
system prompt (all but its last partial block) on the Pod that served the first."""
PAIRS = 40
"""Requests sent both straight to a Pod and through the gateway, for the added latency."""
REQUEST_TIMEOUT_S = 60.0
PODS_WAIT_S = 300.0
UNREADY_WAIT_S = 75.0
"""Longest the check waits for the stopped Pod to be reported not Ready (its readiness probe: 3 failures 10 s apart,
each timing out after 5 s), before its liveness probe (6 failures 15 s apart) would restart it."""
PICKER_SYNC_S = 2.0
RESUME_SETTLE_S = 5.0
PICKER_WAIT_S = 60.0
"""Longest the run waits for the endpoint picker to have scraped every Pod (it does every 50 ms once it tracks it)."""


@dataclasses.dataclass(frozen=True)
class Sent:
    """One request: how it ended and when its first token and its end came (seconds after it was sent)."""

    status: int
    ttft_s: float | None
    total_s: float
    detail: str = ""


def send_chat(url: str, key: str, model: str, messages: list[dict[str, str]], max_tokens: int) -> Sent:
    """One streamed chat completion to ``url`` (``http://host:port``), read to its end."""
    host_port = url.split("://", 1)[1]
    host, _, port = host_port.partition(":")
    body = json.dumps({
        "model": model, "messages": messages, "max_tokens": max_tokens, "stream": True, "ignore_eos": True,
    })  # fmt: skip
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, int(port or 80), timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("POST", "/v1/chat/completions", body, {
            "Authorization": f"Bearer {key}", "Content-Type": "application/json",
        })  # fmt: skip
        response = connection.getresponse()
        if response.status != 200:
            return Sent(
                response.status, None, time.perf_counter() - started, response.read()[:300].decode("utf-8", "replace")
            )
        first: float | None = None
        done = False
        for line in response:
            if line.startswith(b"data: ") and first is None and b'"content"' in line:
                first = time.perf_counter() - started
            if line.strip() == b"data: [DONE]":
                done = True
        total = time.perf_counter() - started
        return Sent(200 if done else 599, first, total, "" if done else "the stream ended without [DONE]")
    except OSError as error:
        return Sent(0, None, time.perf_counter() - started, f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def _pod_counters(pods: Mapping[str, tuple[str, int]]) -> dict[str, dict[str, float]]:
    out = {}
    for name, (address, port) in pods.items():
        with urllib.request.urlopen(f"http://{address}:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
        out[name] = {metric: counter_sum(text, metric) for metric in (SUCCESS, HITS, QUERIES)}
    return out


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) of ``values``, nearest rank; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def routed_target(objects: Sequence[JsonDict]) -> tuple[str, str, str | None]:
    """(namespace, InferenceService, InferencePool or None) of the model the run loads: the first InferencePool's,
    else the first InferenceService's."""
    for pool in (o for o in objects if o.get("kind") == inference_extension.POOL_KIND):
        labels = ((pool.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        return pool["metadata"]["namespace"], str(labels[kserve.INFERENCE_SERVICE_LABEL]), pool["metadata"]["name"]
    isvc = next(o for o in objects if o.get("kind") == "InferenceService")
    return isvc["metadata"]["namespace"], isvc["metadata"]["name"], None


def wait_pods(client: KubeClient, namespace: str, isvc: str, count: int = PODS) -> dict[str, tuple[str, int]]:
    deadline = time.monotonic() + PODS_WAIT_S
    while True:
        pods = ready_pods(client, namespace, kserve.predictor_name(isvc))
        if len(pods) >= count or time.monotonic() > deadline:
            return pods
        time.sleep(2.0)


@dataclasses.dataclass
class RoutingRun:
    """What one run measured (``details.routing``)."""

    mode: str
    pods: list[str]
    sessions: list[dict[str, int]] = dataclasses.field(default_factory=list)
    """Per session, the requests each Pod served (by its own success counter)."""
    sent: list[Sent] = dataclasses.field(default_factory=list)
    hits: float = 0.0
    queries: float = 0.0
    added_ms: list[float] = dataclasses.field(default_factory=list)
    epp_hit_ratio: dict[str, float] | None = None
    served: dict[str, int] = dataclasses.field(default_factory=dict)
    """Requests each Pod served over the workload (its own success counter)."""

    @property
    def hit_rate(self) -> float | None:
        return round(self.hits / self.queries, 4) if self.queries else None

    @property
    def failed(self) -> list[Sent]:
        return [s for s in self.sent if s.status != 200]

    def summary(self) -> dict[str, Any]:
        ttft = [s.ttft_s for s in self.sent if s.ttft_s is not None]
        total = sum(s.total_s for s in self.sent)

        def ms(q: float) -> float | None:
            value = percentile(self.added_ms, q)
            return round(value, 2) if value is not None else None

        return {
            "mode": self.mode, "pods": self.pods, "sessions": self.sessions, "served": self.served,
            "requests": len(self.sent),
            "failed": [dataclasses.asdict(s) for s in self.failed[:10]], "hit_rate": self.hit_rate,
            "prefix_cache": {"hits": self.hits, "queries": self.queries},
            "ttft_p50_s": _round(percentile(ttft, 0.5)), "ttft_p95_s": _round(percentile(ttft, 0.95)),
            "throughput_rps": round(len(self.sent) / total, 3) if total else None,
            "added_latency_ms": {"p50": ms(0.5), "p99": ms(0.99), "pairs": len(self.added_ms)},
            "epp_prefix_hit_ratio": self.epp_hit_ratio,
        }  # fmt: skip


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def run_workload(
    run: RoutingRun, workload: SharedPrefixWorkload, *, base_url: str, key: str, model: str,
    pods: Mapping[str, tuple[str, int]], log: Callable[[str], None],
) -> None:  # fmt: skip
    """The sessions through the gateway: one after the other, each Pod's counters read between sessions (where each
    session went); or ``concurrency`` sessions at a time (the counters read before and after only)."""
    start = _pod_counters(pods)
    if workload.concurrency == 1:
        before = start
        for session in range(workload.sessions):
            for turn in range(workload.turns):
                run.sent.append(
                    send_chat(base_url, key, model, workload.messages(session, turn), workload.output_tokens)
                )
            after = _pod_counters(pods)
            run.sessions.append({p: round(after[p][SUCCESS] - before[p][SUCCESS]) for p in pods})
            before = after
            log(f"routing ({run.mode}): session {session}: {run.sessions[-1]}")
    else:
        pending = list(range(workload.sessions))
        lock = threading.Lock()

        def user() -> None:
            while True:
                with lock:
                    if not pending:
                        return
                    session = pending.pop(0)
                for turn in range(workload.turns):
                    sent = send_chat(base_url, key, model, workload.messages(session, turn), workload.output_tokens)
                    with lock:
                        run.sent.append(sent)

        users = [threading.Thread(target=user, daemon=True) for _ in range(workload.concurrency)]
        for thread in users:
            thread.start()
        for thread in users:
            thread.join()
        log(f"routing ({run.mode}): {len(run.sent)} requests, {workload.concurrency} sessions at a time")
    end = _pod_counters(pods)
    run.hits = sum(end[p][HITS] - start[p][HITS] for p in pods)
    run.queries = sum(end[p][QUERIES] - start[p][QUERIES] for p in pods)
    run.served = {p: round(end[p][SUCCESS] - start[p][SUCCESS]) for p in pods}


def measure_added_latency(
    run: RoutingRun, workload: SharedPrefixWorkload, *, base_url: str, key: str, model: str,
    pods: Mapping[str, tuple[str, int]], pairs: int = PAIRS,
) -> None:  # fmt: skip
    """The same request (session 0's first turn, cached after its first time) straight to each Pod in turn and
    through the gateway, alternately; the difference of each pair's whole times, in ms."""
    messages = workload.messages(0, 0)
    addresses = [f"http://{address}:{port}" for address, port in pods.values()]
    send_chat(base_url, key, model, messages, 1)
    for address in addresses:
        send_chat(address, key, model, messages, 1)
    for index in range(pairs):
        direct = send_chat(addresses[index % len(addresses)], key, model, messages, 1)
        routed = send_chat(base_url, key, model, messages, 1)
        if direct.status == 200 and routed.status == 200:
            run.added_ms.append((routed.total_s - direct.total_s) * 1000.0)


def epp_hit_ratio(address: str | None) -> dict[str, float] | None:
    """The endpoint picker's prefix hit-ratio histogram: count and mean (None without a picker)."""
    if address is None:
        return None
    with urllib.request.urlopen(f"http://{address}:{inference_extension.METRICS_PORT}/metrics", timeout=10) as r:
        text = r.read().decode()
    count, total = counter_sum(text, f"{EPP_HIT_RATIO}_count"), counter_sum(text, f"{EPP_HIT_RATIO}_sum")
    return {"count": count, "mean": round(total / count, 4) if count else 0.0}


def wait_picker_fresh(address: str, pool: str, pods: Mapping[str, Any], timeout_s: float = PICKER_WAIT_S) -> float:
    """Seconds until the endpoint picker's own metrics show every one of ``pods`` with fresh model-server metrics
    (``inference_pool_ready_pods``): before, it has no endpoint to pick for a request. Raises after ``timeout_s``."""
    from .endpoint_picker import pool_view

    started, view = time.monotonic(), None
    while time.monotonic() - started < timeout_s:
        try:
            with urllib.request.urlopen(f"http://{address}:{inference_extension.METRICS_PORT}/metrics", timeout=5) as r:
                view = pool_view(r.read().decode(), pool)
        except OSError:
            view = None
        if view is not None and set(pods) <= set(view.pods) and (view.fresh_pods or 0) >= len(pods):
            return round(time.monotonic() - started, 1)
        time.sleep(0.5)
    raise HarnessError(
        f"the endpoint picker of InferencePool {pool} did not show the Pods {sorted(pods)} with fresh metrics within "
        f"{timeout_s:.0f} s (it tracks {view.pods if view else 'nothing'}, {view.fresh_pods if view else 0} fresh)"
    )


@dataclasses.dataclass
class Unready:
    """What the unready-Pod check saw (``details.routing.unready``)."""

    pod: str
    not_ready_after_s: float | None = None
    """Seconds from its vLLM's stop to its Ready condition False (None: not within :data:`UNREADY_WAIT_S`)."""
    sent: list[Sent] = dataclasses.field(default_factory=list)
    victim_served: int | None = None
    """Requests the stopped Pod's vLLM counted from its stop until after it resumed."""
    others_served: int | None = None


def _pod_ready(client: KubeClient, namespace: str, name: str) -> bool | None:
    pod = client.get("v1", "Pod", name, namespace)
    if pod is None:
        return None
    return condition_true(pod, "Ready")


def _wait_ready(client: KubeClient, namespace: str, name: str, ready: bool, timeout_s: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if _pod_ready(client, namespace, name) is ready:
            return round(time.monotonic() - started, 1)
        time.sleep(0.5)
    return None


def check_unready_pod(
    run: RoutingRun, workload: SharedPrefixWorkload, *, base_url: str, key: str, model: str, client: KubeClient,
    namespace: str, pods: Mapping[str, tuple[str, int]], pause: Callable[[str, bool], None],
) -> Unready:  # fmt: skip
    """The Pod that served session 0 made unready by stopping its vLLM's API server (SIGSTOP: its readiness probe
    times out, the node agent reports it not Ready), then session 0's turns sent again: their prefix is cached on
    that Pod, yet the endpoint picker must send them to the other one. Its vLLM is resumed (SIGCONT) before its
    liveness probe would restart it; a request sent to it while it was stopped would be served then, so its counter
    is read after the resume."""
    first = run.sessions[0] if run.sessions else {p: 0 for p in pods}
    victim = max(sorted(first), key=lambda p: first[p])
    out = Unready(pod=victim)
    before = _pod_counters(pods)
    pause(victim, True)
    try:
        out.not_ready_after_s = _wait_ready(client, namespace, victim, False, UNREADY_WAIT_S)
        if out.not_ready_after_s is not None:
            time.sleep(PICKER_SYNC_S)  # the picker's Pod reconciler drops it from its datastore
            for turn in range(workload.turns):
                out.sent.append(send_chat(base_url, key, model, workload.messages(0, turn), workload.output_tokens))
    finally:
        pause(victim, False)
    time.sleep(RESUME_SETTLE_S)
    after = _pod_counters(pods)
    out.victim_served = round(after[victim][SUCCESS] - before[victim][SUCCESS])
    out.others_served = round(sum(after[p][SUCCESS] - before[p][SUCCESS] for p in pods if p != victim))
    _wait_ready(client, namespace, victim, True, UNREADY_WAIT_S)
    return out


def run_routing_checks(
    report: ProbeReport, base_url: str, objects: Sequence[JsonDict], client: KubeClient,
    spec: Mapping[str, Any], picker_address: Callable[[str, str], str | None], log: Callable[[str], None],
    pause: Callable[[str, bool], None] | None = None,
) -> None:  # fmt: skip
    """The job's workload through the gateway on the routed model's two Pods; what happened in
    ``details.routing`` and, with prefix-aware routing, the checks."""
    workload = SharedPrefixWorkload.from_json(spec.get("workload") or {})
    namespace, isvc, pool = routed_target(objects)
    pods = wait_pods(client, namespace, isvc)
    keys = api_keys(objects)
    if len(pods) < PODS or not keys:
        report.error = f"the routing run needs {PODS} ready Pods of {namespace}/{isvc} (found {sorted(pods)}) and a key"
        return
    from .gateway_checks import routed_model

    key, model = sorted(keys.items())[-1][1], routed_model(objects, kserve.predictor_name(isvc))
    run = RoutingRun(mode="prefix-aware" if pool else "service", pods=sorted(pods))
    if pool:
        address = picker_address(namespace, pool)
        if address is None:
            report.error = f"no endpoint picker runs for InferencePool {namespace}/{pool}"
            return
        report.details["pickerFreshSeconds"] = wait_picker_fresh(address, pool, pods)
    run_workload(run, workload, base_url=base_url, key=key, model=model, pods=pods, log=log)
    measure_added_latency(run, workload, base_url=base_url, key=key, model=model, pods=pods)
    run.epp_hit_ratio = epp_hit_ratio(picker_address(namespace, pool) if pool else None)
    report.details["routing"] = run.summary() | {"workload": workload.to_json()}
    _checks(report, run, workload)
    if pool and pause is not None:
        log(f"routing ({run.mode}): making the Pod that served session 0 unready")
        unready = check_unready_pod(
            run, workload, base_url=base_url, key=key, model=model, client=client, namespace=namespace, pods=pods,
            pause=pause,
        )  # fmt: skip
        report.details["routing"]["unready"] = dataclasses.asdict(unready)
        report.add(*unready_verdict(unready, workload))


def unready_verdict(unready: Unready, workload: SharedPrefixWorkload) -> tuple[str, bool, str]:
    ok = [s for s in unready.sent if s.status == 200]
    return (
        "a model Pod made unready (its vLLM stopped, its readiness probe failing) got no new request; the other "
        "Pod served them",
        unready.not_ready_after_s is not None and len(ok) == workload.turns and unready.victim_served == 0
        and unready.others_served == workload.turns,
        f"{unready.pod} not Ready after {unready.not_ready_after_s} s; {len(ok)} of {len(unready.sent)} requests "
        f"succeeded; served by it {unready.victim_served}, by the other {unready.others_served}",
    )  # fmt: skip


def _checks(report: ProbeReport, run: RoutingRun, workload: SharedPrefixWorkload) -> None:
    failed = run.failed
    report.add(
        "every request of the shared-prefix workload succeeded",
        not failed and len(run.sent) == workload.sessions * workload.turns,
        f"{len(run.sent) - len(failed)} of {len(run.sent)} succeeded; "
        f"{[f'{s.status}: {s.detail}' for s in failed[:3]]}",
    )
    if run.mode != "prefix-aware" or not run.sessions:
        return
    split = [i for i, counts in enumerate(run.sessions) if sorted(counts.values())[-1] != workload.turns]
    used = sorted({max(counts, key=lambda p: counts[p]) for counts in run.sessions})
    report.add(
        "each session's requests landed on one model Pod (the endpoint picker's pick, by the Pods' own counters)",
        not split,
        f"sessions split over Pods: {[run.sessions[i] for i in split] or 'none'}; sessions per Pod: "
        f"{ {p: sum(1 for c in run.sessions if max(c, key=lambda q: c[q]) == p) for p in used} }",
    )
    report.add(
        f"the prefix cache hit rate (vLLM's prefix_cache counters on the Pods) is at least {MIN_HIT_RATE}",
        run.hit_rate is not None and run.hit_rate >= MIN_HIT_RATE,
        f"hit rate {run.hit_rate} ({run.hits:.0f} of {run.queries:.0f} prompt tokens found in a Pod's prefix cache)",
    )
    ratio = run.epp_hit_ratio or {}
    report.add(
        "the endpoint picker's prefix scorer matched the sessions' prompts (its own hit-ratio histogram)",
        ratio.get("count", 0) > 0 and ratio.get("mean", 0) > 0,
        f"{EPP_HIT_RATIO}: {ratio or 'not read'}",
    )


__all__ = [
    "RoutingRun",
    "Sent",
    "Unready",
    "check_unready_pod",
    "percentile",
    "routed_target",
    "run_routing_checks",
    "send_chat",
    "unready_verdict",
]
