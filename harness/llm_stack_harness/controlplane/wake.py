"""Scale from zero on the real loop: requests held by the endpoint picker while KEDA wakes the model.

The model starts at zero replicas (``minReplicas: 0``; KEDA scaled KServe's first replica away). A step of
concurrent requests goes through the gateway; Envoy asks the InferencePool's endpoint picker, whose flow control
holds each request (no pod can take it); Prometheus scrapes the picker's queue gauge, KEDA's ``held-requests``
trigger activates and scales the Deployment 0 -> 1; kube-scheduler binds the Pod, the node agent runs it (storage
initializer, then vLLM) and reports it Ready; the picker dispatches the held requests to it. After the cooldown KEDA
scales back to 0. Nothing here decides a replica count or holds a request.

The wake overhead of a held request is its first token's time minus the moment the node agent (the kubelet's part
here) saw the Pod ready, on one monotonic clock: what the hold adds after the model is ready (the picker seeing the
Pod, its dispatch, Envoy's forward), plus vLLM's own prefill of the batch, so an upper bound.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..base.load import ProfileLoad, RequestRecord
from .gateway_checks import Check
from .kube import ApiError, JsonDict, KubeClient
from .scaling import ClusterSampler, Target

WAKE_OVERHEAD_TARGET_S = 1.0
"""The p99 the wake overhead is held to (seconds after the Pod is ready)."""


@dataclasses.dataclass
class ReadyClock:
    """When each Pod of a Deployment became ready, on the probe's monotonic clock, read from the node agent's own
    record of its Pods (kept: a Pod scaled away is forgotten by the agent)."""

    agent: Any
    """The node agent (``served``: uid -> its ``ServedPod``)."""
    deployment: str
    ready_at: dict[str, float] = dataclasses.field(default_factory=dict)

    def note(self) -> None:
        for served in list(getattr(self.agent, "served", {}).values()):
            name = str(served.pod["metadata"]["name"])
            if name.startswith(f"{self.deployment}-") and served.ready_after_s is not None:
                self.ready_at.setdefault(name, served.started_at + served.ready_after_s)

    def first(self) -> float | None:
        return min(self.ready_at.values(), default=None)


def wait_at_zero(client: KubeClient, target: Target, timeout_s: float, log: Callable[[str], None]) -> float:
    """Wait until KEDA has the Deployment at 0 replicas and no Pod of it is left; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            deployment = client.get("apps/v1", "Deployment", target.deployment, target.namespace)
        except ApiError:
            deployment = None
        spec, status = (deployment or {}).get("spec") or {}, (deployment or {}).get("status") or {}
        pods = [p for p in client.list("v1", "Pod", target.namespace)
                if str(p["metadata"]["name"]).startswith(f"{target.deployment}-")]  # fmt: skip
        if deployment is not None and spec.get("replicas") == 0 and not status.get("replicas") and not pods:
            waited = time.monotonic() - started
            log(f"{target.namespace}/{target.deployment} at 0 replicas ({waited:.0f} s)")
            return waited
        time.sleep(2.0)
    raise TimeoutError(f"{target.namespace}/{target.deployment} was not at 0 replicas within {timeout_s:.0f} s")


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank ``q`` percentile (0 < q <= 100) of ``values``; None for none."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(q / 100 * len(ranked)) - 1)] if ranked else None


def wake_overheads(records: Sequence[RequestRecord], load_zero: float, ready_at: float) -> list[float]:
    """Each answered request's first token after the Pod was ready: ``load_zero + start + ttft - ready_at``."""
    return [load_zero + r.start_s + r.ttft_s - ready_at for r in records if r.ttft_s is not None]


def wake_checks(
    rows: Sequence[Any],
    records: Sequence[RequestRecord],
    *,
    held: int,
    load_zero: float | None,
    ready_at: float | None,
) -> tuple[list[Check], dict[str, Any]]:
    """The checks of one wake (the timeline's ``rows``, every request's record) and its figures."""
    replicas = [row.cluster.replicas or 0 for row in rows]
    ok = [r for r in records if r.status == "2xx"]
    overheads = wake_overheads(ok, load_zero, ready_at) if load_zero is not None and ready_at is not None else []
    p50, p99 = percentile(overheads, 50), percentile(overheads, 99)
    figures = {
        "held": held,
        "succeeded": len(ok),
        "pod_ready_after_load_start_s": round(ready_at - load_zero, 2) if ready_at and load_zero else None,
        "wake_overhead_s": {"p50": p50, "p99": p99, "max": max(overheads, default=None), "n": len(overheads)},
        "first_token_before_ready": sum(1 for o in overheads if o < 0),
    }
    failed = [f"request {r.number}: {r.code} {r.detail[:200]}" for r in records if r.status != "2xx"][:5]
    checks = [
        Check("the Deployment was at 0 replicas when the load began", bool(replicas) and replicas[0] == 0,
              f"replicas at the first poll: {replicas[0] if replicas else None}"),
        Check(f"all {held} held requests succeeded once the Pod was Ready",
              len(records) == held and len(ok) == held and not figures["first_token_before_ready"],
              f"{len(ok)} of {len(records)} answered 2xx (sent {held}); {figures['first_token_before_ready']} had a "
              f"first token before the Pod was ready; Pod ready {figures['pod_ready_after_load_start_s']} s after the "
              f"load began; failed: {failed}"),
        Check("KEDA woke the model from zero on the held requests", max(replicas, default=0) >= 1,
              f"replicas 0 -> {max(replicas, default=0)}"),
        Check(f"the wake overhead beyond Pod readiness is at most {WAKE_OVERHEAD_TARGET_S:g} s (p99)",
              p99 is not None and p99 <= WAKE_OVERHEAD_TARGET_S,
              f"first token after readiness: p50 {_s(p50)}, p99 {_s(p99)} over {len(overheads)} requests (vLLM's "
              "prefill of the batch included)"),
        Check("KEDA brought it back to 0 after the cooldown", bool(replicas) and replicas[-1] == 0,
              f"final replicas {replicas[-1] if replicas else None} at {rows[-1].t_s:.0f} s" if rows else "no poll"),
    ]  # fmt: skip
    return checks, figures


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def run_wake(
    client: KubeClient,
    agent: Any,
    sampler: ClusterSampler,
    run: Callable[..., tuple[Any, list[RequestRecord]]],
    *,
    spec: Mapping[str, Any],
    held_query: str | None,
    log: Callable[[str], None],
) -> tuple[Any, list[Check], dict[str, Any]]:
    """Wait for zero, run the load with ``run`` (``scaling.run_scaling`` bound to the gateway and the profile),
    noting each Pod's readiness and the ScaledObject's ``held_query`` (as Prometheus answers it) at every poll;
    returns the timeline, the checks and the figures."""
    target = sampler.target
    held_seen: list[tuple[float, float | None]] = []
    waited = wait_at_zero(client, target, float(spec["tailSeconds"]), log)
    clock = ReadyClock(agent, target.deployment)
    before = sampler.before_sample

    def note() -> None:
        before()
        clock.note()
        if held_query is not None:
            held_seen.append((time.monotonic(), sampler.query(held_query)))

    sampler.before_sample = note
    loads: list[ProfileLoad] = []
    timeline, _failed = run(sampler, started=loads.append)
    clock.note()
    load = loads[0]
    records = load.records()
    checks, figures = wake_checks(
        timeline.rows, records, held=load.profile.concurrency, load_zero=load.zero, ready_at=clock.first()
    )
    ready = clock.first()
    before_ready = [v for t, v in held_seen if ready is None or t < ready]
    figures |= {
        "waited_for_zero_s": round(waited, 1),
        "pods_ready": sorted(clock.ready_at),
        "held_query": held_query,
        "held_before_ready_max": max((v for v in before_ready if v is not None), default=None),
        "failed": records_json([r for r in records if r.status != "2xx"][:20]),
    }
    checks.append(
        Check(
            "the picker's queue held the requests before the Pod was ready (the ScaledObject's query on it)",
            (figures["held_before_ready_max"] or 0) > 0,
            f"{held_query}: at most {figures['held_before_ready_max']} before readiness ({len(before_ready)} polls)",
        )
    )
    return timeline, checks, figures


def records_json(records: Sequence[RequestRecord]) -> list[JsonDict]:
    return [dataclasses.asdict(r) for r in records]


__all__ = ["ReadyClock", "percentile", "run_wake", "wait_at_zero", "wake_checks", "wake_overheads"]
