"""The autoscaling loop turning on the data path: load through the gateway, and what the real components did with it.

While a bounded load profile runs through the gateway (:class:`..base.load.ProfileLoad`, streamed completions
with the official ``openai`` client), :class:`ClusterSampler` (a :class:`..base.timeline.ClusterState`) polls
what each part of the loop holds: the ScaledObject's own Prometheus query evaluated by
the sandbox's Prometheus (which scrapes the predictor Pods the node agent runs), the external metric kube-apiserver
serves through KEDA's metrics adapter, the desired replicas the horizontal-pod-autoscaling controller wrote into
KEDA's HPA, and the predictor Deployment's replicas and ready replicas, plus each ready Pod's own
``vllm:request_success_total``. :func:`run_scaling` returns the :class:`..base.timeline.Timeline` (rows, time
to capacity, replica-seconds). Nothing here decides a replica count: the HPA controller does.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llm_inference_stack.facts import kserve
from llm_inference_stack.quantity import parse_quantity

from ..base.load import ProfileLoad, RequestRecord
from ..base.load_profile import LoadProfile
from ..base.timeline import ClusterSample, Timeline, TimelineRow, run_timeline, table_header, table_row
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


@dataclasses.dataclass(frozen=True)
class LoopSample(ClusterSample):
    """A :class:`.timeline.ClusterSample` with what else the loop shows: the HPA's own inputs and each ready Pod's
    own request counter."""

    pods: dict[str, float] = dataclasses.field(default_factory=dict)
    """Ready Pod -> its vLLM's ``vllm:request_success_total``. Default: none."""
    hpa_current: int | None = None
    """The replicas the HPA last computed from (``status.currentReplicas``). Default: None."""
    hpa_average: float | None = None
    """The external metric's per-Pod value the HPA last read (``status.currentMetrics[].external.current
    .averageValue``): with ``hpa_current``, what its ``desired`` was computed from. Default: None."""


class ClusterSampler:
    """A :class:`.timeline.ClusterState`: one :class:`Target`'s loop, read from the API server, the sandbox's
    Prometheus and the Pods' own metrics. ``before_sample`` runs first (the sandbox's Prometheus reload)."""

    def __init__(
        self,
        client: KubeClient,
        prometheus_url: str,
        target: Target,
        *,
        before_sample: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.prometheus_url = prometheus_url
        self.target = target
        self.before_sample = before_sample
        self.readiness: dict[str, float] = {}
        """Each Pod seen ready -> seconds from its creation to its ``Ready`` condition (the API server's timestamps,
        whole seconds): what a new replica takes to serve (scheduling, storage initializer, vLLM's start)."""

    def waiting(self) -> float | None:
        """The ScaledObject's query as KEDA's scaler sends it, evaluated by Prometheus now."""
        return self.query(self.target.query)

    def query(self, promql: str) -> float | None:
        """``promql`` evaluated by Prometheus now (the sum of its series; None: no series or no answer)."""
        url = f"{self.prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
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
        """The HPA's external metric (its total) as kube-apiserver serves it through KEDA's metrics adapter."""
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
        readings = [v for v in (metric_quantity(str(i["value"])) for i in items) if v is not None]
        return float(sum(readings)) if readings else None

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
                self._note_readiness(pod, ready)
        return found

    def _note_readiness(self, pod: Mapping[str, Any], ready: Mapping[str, Any]) -> None:
        name = str(meta(pod)["name"])
        created, became = meta(pod).get("creationTimestamp"), ready.get("lastTransitionTime")
        if name not in self.readiness and created and became:
            self.readiness[name] = (_timestamp(str(became)) - _timestamp(str(created))).total_seconds()

    def sample(self, t_s: float) -> LoopSample:
        self.before_sample()
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
        return LoopSample(
            waiting=self.waiting(),
            external_metric=self.external_metric(hpa),
            desired=int(desired) if desired is not None else None,
            # The API server leaves a count of 0 out of the status: a Deployment scaled to zero has none.
            replicas=int(dig(deployment, "status", "replicas") or 0) if deployment else None,
            ready=int(dig(deployment, "status", "readyReplicas") or 0) if deployment else None,
            pods=pods,
            hpa_current=int(current) if current is not None else None,
            hpa_average=metric_quantity(str(average)) if average is not None else None,
        )


NAN_QUANTITY = "-9223372036854775808m"
"""What a metric value of NaN becomes as a Kubernetes quantity (Go's ``int64(NaN * 1000)`` milli-units): KEDA's metrics
adapter serves it for a Prometheus query that reads NaN, as vLLM's queue query can with no model Pod."""


def metric_quantity(text: str) -> float | None:
    """A metric value as the external metrics API or an HPA's status gives it: a quantity, signed; None for
    :data:`NAN_QUANTITY` (no reading)."""
    if text == NAN_QUANTITY:
        return None
    negative = text.startswith("-")
    value = float(parse_quantity(text[1:] if negative else text))
    return -value if negative else value


def _timestamp(text: str) -> datetime.datetime:
    """An API server timestamp (RFC 3339, ``Z``)."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def counter_sum(text: str, name: str) -> float:
    """The sum of a Prometheus counter's samples in an exposition ``text``."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith((name + "{", name + " ")))


def pod_metric(address: str, port: int, name: str) -> float | None:
    """The sum of a Prometheus counter's samples on a Pod's own /metrics (None: the Pod did not answer)."""
    try:
        with urllib.request.urlopen(f"http://{address}:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return None
    return counter_sum(text, name)


def run_scaling(
    sampler: ClusterSampler,
    *,
    base_url: str,
    api_key: str,
    model: str,
    profile: LoadProfile,
    poll_s: float,
    tail_s: float,
    log: Callable[[str], None] = lambda _m: None,
    stop_once_served: bool = False,
    timeout_s: float = 120.0,
    started: Callable[[ProfileLoad], None] = lambda _load: None,
) -> tuple[Timeline, list[RequestRecord]]:
    """Run ``profile`` through the gateway at ``base_url`` (in the sandbox's Pod network) and sample the loop every
    ``poll_s`` (:func:`.timeline.run_timeline`); the tail ends once the HPA wants, and the Deployment has, the
    minimum again (or after ``tail_s``). With ``stop_once_served``, the load stops early once every Pod the HPA
    added has served requests (:func:`added_pods_served`). Returns the timeline and the requests that did not end
    ``2xx``. Each request may take ``timeout_s``; ``started`` is given the load (its clock) before it starts. A
    target with ``minReplicaCount`` 0 settles at 0 replicas (the HPA's desired count is not kept at zero)."""
    floor = sampler.target.min_replicas
    load = ProfileLoad(profile, base_url=base_url, model=model, api_key=api_key, sandboxed=True, timeout_s=timeout_s)
    started(load)

    def show(row: TimelineRow) -> None:
        log(table_row(row))

    def settled(row: TimelineRow) -> bool:
        return row.cluster.replicas == floor and (floor == 0 or row.cluster.desired == floor)

    def enough(row: TimelineRow) -> bool:
        return stop_once_served and added_pods_served(row, floor)

    log(table_header())
    timeline = run_timeline(load, sampler, poll_s=poll_s, tail_s=tail_s, on_row=show, settled=settled, enough=enough)
    return timeline, [r for r in load.records() if r.status != "2xx"]


ADDED_POD_REQUESTS = 3
"""Requests each Pod beyond the minimum must have served before a scaling load may stop early."""


def added_pods_served(row: TimelineRow, floor: int) -> bool:
    """Whether the HPA took the Deployment above ``floor`` and every ready Pod has served at least
    :data:`ADDED_POD_REQUESTS` requests (its own counter): the load has shown what it is for, so it ends there
    rather than at the profile's end (a Pod's start takes minutes on a loaded CPU; the profile's length bounds it)."""
    pods: dict[str, float] = getattr(row.cluster, "pods", {})
    return (
        (row.cluster.desired or 0) > floor
        and len(pods) > floor
        and all(count >= ADDED_POD_REQUESTS for count in pods.values())
    )


def pod_requests(timeline: Timeline) -> dict[str, int]:
    """The most requests each Pod's vLLM counted while it was ready (a Pod scaled away keeps its last count)."""
    served: dict[str, float] = {}
    for row in timeline.rows:
        for name, count in getattr(row.cluster, "pods", {}).items():
            served[name] = max(served.get(name, 0.0), count)
    return {name: round(count) for name, count in sorted(served.items())}


__all__ = [
    "NAN_QUANTITY", "ClusterSampler", "LoopSample", "Target", "metric_quantity", "pod_requests", "run_scaling",
    "served_pod_count", "targets",
]  # fmt: skip
