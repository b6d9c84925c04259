"""The autoscaling loop turning on the data path: load through the gateway, and what the real components did with it.

While a bounded load runs through the gateway (:func:`..localrun.load.chat_load`, the official ``openai`` client),
:class:`ClusterSampler` polls what each part of the loop holds: the ScaledObject's own Prometheus query evaluated by
the sandbox's Prometheus (which scrapes the predictor Pods the node agent runs), the external metric kube-apiserver
serves through KEDA's metrics adapter, the desired replicas the horizontal-pod-autoscaling controller wrote into
KEDA's HPA, and the predictor Deployment's replicas and ready replicas, plus each ready Pod's own
``vllm:request_success_total``. :func:`run_scaling` returns the timeline, the load's outcome and a summary (time to
capacity, replica-seconds). Nothing here decides a replica count: the HPA controller does.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llm_inference_stack.facts import kserve
from llm_inference_stack.quantity import parse_quantity

from .checks import conditions, dig, meta, selector_matches
from .kube import ApiError, JsonDict, KubeClient

POD_REQUEST_COUNTER = "vllm:request_success_total"
SCALED_OBJECT_LABEL = "scaledobject.keda.sh/name"
"""The label selector KEDA's HPA asks the metrics adapter with (``scaledobject.keda.sh/name=<name>``)."""


@dataclasses.dataclass(frozen=True)
class Target:
    """One ScaledObject and the predictor Deployment it scales."""

    namespace: str
    scaled_object: str
    deployment: str
    query: str
    min_replicas: int
    max_replicas: int

    @classmethod
    def of(cls, scaled: Mapping[str, Any]) -> Target:
        trigger = next(t for t in dig(scaled, "spec", "triggers") or [] if t.get("type") == "prometheus")
        return cls(
            namespace=str(meta(scaled).get("namespace")),
            scaled_object=str(meta(scaled)["name"]),
            deployment=str(dig(scaled, "spec", "scaleTargetRef", "name")),
            query=str(dig(trigger, "metadata", "query")),
            min_replicas=int(dig(scaled, "spec", "minReplicaCount") or 0),
            max_replicas=int(dig(scaled, "spec", "maxReplicaCount") or 100),
        )


def targets(objects: Sequence[Mapping[str, Any]]) -> list[Target]:
    """The ScaledObjects with a Prometheus trigger among ``objects``."""
    return [
        Target.of(o)
        for o in objects
        if o.get("kind") == "ScaledObject"
        and any(t.get("type") == "prometheus" for t in dig(o, "spec", "triggers") or [])
    ]


def served_pod_count(objects: Sequence[Mapping[str, Any]]) -> int:
    """Pods the node agent must serve so that every replica the HPA may ask for runs vLLM: each scaled model's
    ``maxReplicaCount``, one for each model without a ScaledObject."""
    scaled = {(t.namespace, t.deployment): t.max_replicas for t in targets(objects)}
    total = 0
    for isvc in (o for o in objects if o.get("kind") == "InferenceService"):
        name = kserve.predictor_name(str(meta(isvc)["name"]))
        total += scaled.get((str(meta(isvc).get("namespace")), name), 1)
    return total


@dataclasses.dataclass
class Sample:
    """What the loop's parts held at ``t`` seconds after the load started (None: not there yet)."""

    t: float
    waiting: float | None
    external_metric: float | None
    desired: int | None
    replicas: int | None
    ready: int | None
    pods: dict[str, float]  # ready Pod -> its vLLM's request_success_total
    hpa_current: int | None = None
    """The replicas the HPA last computed from (``status.currentReplicas``)."""
    hpa_average: float | None = None
    """The external metric's per-Pod value the HPA last read (``status.currentMetrics[].external.current
    .averageValue``): with ``hpa_current``, what its ``desired`` was computed from."""

    def row(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 1), "waiting": self.waiting, "external_metric": self.external_metric,
            "desired": self.desired, "replicas": self.replicas, "ready": self.ready,
            "pods": {name: round(count) for name, count in sorted(self.pods.items())},
            "hpa_current": self.hpa_current, "hpa_average": self.hpa_average,
        }  # fmt: skip


class ClusterSampler:
    """Reads one :class:`Target`'s loop from the API server, the sandbox's Prometheus and the Pods' own metrics."""

    def __init__(self, client: KubeClient, prometheus_url: str, target: Target) -> None:
        self.client = client
        self.prometheus_url = prometheus_url
        self.target = target

    def waiting(self) -> float | None:
        """The ScaledObject's query as KEDA's scaler sends it, evaluated by Prometheus now."""
        url = f"{self.prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": self.target.query})
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                result = json.loads(response.read())["data"]["result"]
        except (OSError, ValueError, KeyError):
            return None
        return sum(float(r["value"][1]) for r in result) if result else None

    def _hpa(self) -> JsonDict | None:
        for hpa in self.client.list("autoscaling/v2", "HorizontalPodAutoscaler", self.target.namespace):
            if dig(hpa, "spec", "scaleTargetRef", "name") == self.target.deployment:
                return hpa
        return None

    def external_metric(self, hpa: Mapping[str, Any] | None) -> float | None:
        """The HPA's external metric as kube-apiserver serves it through KEDA's metrics adapter."""
        metric = next((m for m in dig(hpa, "spec", "metrics") or [] if m.get("type") == "External"), None)
        name = dig(metric, "external", "metric", "name")
        if not name:
            return None
        selector = urllib.parse.quote(f"{SCALED_OBJECT_LABEL}={self.target.scaled_object}")
        path = (
            f"/apis/external.metrics.k8s.io/v1beta1/namespaces/{self.target.namespace}/{name}?labelSelector={selector}"
        )
        try:
            items = (self.client.request("GET", path) or {}).get("items") or []
        except ApiError:
            return None
        return float(sum(parse_quantity(str(i["value"])) for i in items)) if items else None

    def ready_pods(self, deployment: Mapping[str, Any] | None) -> dict[str, tuple[str, int]]:
        """The Deployment's Ready Pods: name -> (Pod IP, vLLM's container port)."""
        selector = dig(deployment, "spec", "selector")
        found = {}
        for pod in self.client.list("v1", "Pod", self.target.namespace):
            if not selector_matches(selector, meta(pod).get("labels") or {}) or meta(pod).get("deletionTimestamp"):
                continue
            ready = conditions(pod).get("Ready")
            address = dig(pod, "status", "podIP")
            container: Mapping[str, Any] = next(
                (c for c in dig(pod, "spec", "containers") or [] if c.get("name") == kserve.CONTAINER_NAME), {}
            )
            port = next((p.get("containerPort") for p in container.get("ports") or []), None)
            if ready and ready.get("status") == "True" and address and port:
                found[str(meta(pod)["name"])] = (str(address), int(port))
        return found

    def sample(self, t: float) -> Sample:
        hpa = self._hpa()
        try:
            deployment = self.client.get("apps/v1", "Deployment", self.target.deployment, self.target.namespace)
        except ApiError:
            deployment = None
        pods = {}
        for name, (address, port) in self.ready_pods(deployment).items():
            count = pod_metric(address, port, POD_REQUEST_COUNTER)
            if count is not None:
                pods[name] = count
        desired = dig(hpa, "status", "desiredReplicas")
        current = dig(hpa, "status", "currentReplicas")
        average = next(
            (dig(m, "external", "current", "averageValue") for m in dig(hpa, "status", "currentMetrics") or []
             if m.get("type") == "External"),
            None,
        )  # fmt: skip
        return Sample(
            t=t,
            waiting=self.waiting(),
            external_metric=self.external_metric(hpa),
            desired=int(desired) if desired is not None else None,
            replicas=dig(deployment, "status", "replicas"),
            ready=int(dig(deployment, "status", "readyReplicas") or 0) if deployment else None,
            pods=pods,
            hpa_current=int(current) if current is not None else None,
            hpa_average=float(parse_quantity(str(average))) if average is not None else None,
        )


def pod_metric(address: str, port: int, name: str) -> float | None:
    """The sum of a Prometheus counter's samples on a Pod's own /metrics (None: the Pod did not answer)."""
    try:
        with urllib.request.urlopen(f"http://{address}:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return None
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith((name + "{", name + " ")))


@dataclasses.dataclass(frozen=True)
class LoadSpec:
    """A step of load: ``concurrency`` requests in flight for ``duration_s``, then ``tail_s`` of polling at most
    (ended early once the Deployment is back at its minimum), a sample every ``poll_s``."""

    concurrency: int
    duration_s: float
    tail_s: float
    poll_s: float = 5.0
    max_requests: int = 2000
    max_tokens: int = 32


def summarize(samples: Sequence[Sample], *, load_s: float) -> dict[str, Any]:
    """Time to capacity (load start -> the first sample whose ready replicas reach the highest count the HPA
    wanted while the load ran; None if never) and replica-seconds (the Deployment's replicas over the run, the
    GPU cost), from the timeline alone."""
    during = [s for s in samples if s.t <= load_s and s.desired is not None]
    peak = max((s.desired for s in during if s.desired is not None), default=None)
    capacity = next((s.t for s in samples if peak is not None and (s.ready or 0) >= peak), None)
    seconds = sum((later.t - earlier.t) * (earlier.replicas or 0) for earlier, later in itertools.pairwise(samples))
    return {
        "peak_desired": peak,
        "max_replicas": max((s.replicas or 0 for s in samples), default=0),
        "final_replicas": samples[-1].replicas if samples else None,
        "time_to_capacity_s": round(capacity, 1) if capacity is not None else None,
        "replica_seconds": round(seconds, 1),
    }


def run_scaling(
    sampler: ClusterSampler,
    *,
    base_url: str,
    api_key: str,
    model: str,
    load: LoadSpec,
    on_poll: Callable[[], None] = lambda: None,
    log: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Run ``load`` through the gateway at ``base_url`` and sample the loop until the tail ends; ``on_poll`` runs
    before each sample (the sandbox's Prometheus reload)."""
    from ..localrun.load import chat_load

    outcome: dict[str, Any] = {}

    def drive() -> None:
        report = chat_load(
            base_url, model, concurrency=load.concurrency, min_duration_s=load.duration_s,
            max_requests=load.max_requests, max_tokens=load.max_tokens, api_key=api_key,
        )  # fmt: skip
        outcome["report"] = report

    started = time.monotonic()
    driver = threading.Thread(target=drive, name="scaling-load", daemon=True)
    driver.start()
    samples: list[Sample] = []
    deadline = started + load.duration_s + load.tail_s
    while True:
        on_poll()
        sample = sampler.sample(time.monotonic() - started)
        samples.append(sample)
        log(
            f"t={sample.t:5.0f}s waiting={sample.waiting} metric={sample.external_metric} desired={sample.desired} "
            f"replicas={sample.replicas} ready={sample.ready} pods={sample.row()['pods']}"
        )
        load_done = not driver.is_alive()
        settled = load_done and sample.replicas == max(sampler.target.min_replicas, 1) == sample.desired
        if time.monotonic() >= deadline or (settled and sample.t > load.duration_s + load.poll_s):
            break
        time.sleep(max(0.0, load.poll_s - (time.monotonic() - started - sample.t)))
    driver.join(timeout=max(0.0, deadline - time.monotonic()) + 300)
    report = outcome.get("report")
    served: dict[str, float] = {}
    for sample in samples:
        for name, count in sample.pods.items():
            served[name] = max(served.get(name, 0.0), count)
    load_s = (report.finished - report.started) if report else load.duration_s
    return {
        "timeline": [s.row() for s in samples],
        "requests": report.completed if report else 0,
        "errors": list(report.errors) if report else ["the load did not finish"],
        "load_seconds": round(load_s, 1),
        "pod_requests": {name: round(count) for name, count in sorted(served.items())},
        "summary": summarize(samples, load_s=load_s),
        "target": dataclasses.asdict(sampler.target),
    }


__all__ = ["ClusterSampler", "LoadSpec", "Sample", "Target", "run_scaling", "served_pod_count", "summarize", "targets"]
