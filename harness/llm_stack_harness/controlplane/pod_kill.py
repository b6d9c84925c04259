"""The fault ``pod-killed`` (:mod:`.faults`): one of two vLLM predictor Pods deleted through the API server, as
``kubectl delete pod`` deletes it, while the steady load streams.

The delete is graceful: no ``gracePeriodSeconds``, so the API server sets ``deletionTimestamp`` and
``deletionGracePeriodSeconds`` from the Pod's ``terminationGracePeriodSeconds``; kube-controller-manager's
endpointslice controller marks its endpoint not ready (terminating) and the Service proxy sends no new connection
to it; the node agent runs the container's ``preStop`` sleep (the Pod serves on while Envoy's connections to it are
renewed), then stops its containers (SIGTERM: vLLM drains what it runs; SIGKILL at the end of the grace period) and
finishes the deletion; the ReplicaSet creates a replacement, which the agent serves once the killed Pod's slot is
free. The phase ends once the predictor Service has as many ready endpoints as before the kill, none of them the
killed Pod's.

The two Pods: KServe leaves an ``autoscalerClass: external`` Deployment's replicas to the autoscaler, and KEDA does
not run in the fault run, so :func:`hold_replicas` writes them as KEDA's HPA would (its scale subresource), before
the probe waits for the model.

What was in flight on the killed Pod at the kill is read from its own vLLM, right before the delete:
``vllm:num_requests_running`` plus ``vllm:num_requests_waiting`` (the requests it had accepted and not finished).
The load's own records say which requests were in flight at that moment on either Pod and how they ended: those that
failed were the killed Pod's (the other Pod's requests fail none in the other phases), and every request started
after the kill must succeed.
"""

from __future__ import annotations

import dataclasses
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llm_inference_stack.facts import kserve

from ..base.errors import HarnessError
from .kube import ApiError, KubeClient
from .scaling import pod_metric
from .service_proxy import SERVICE_NAME_LABEL

RUNNING, WAITING, SUCCESS = "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:request_success_total"
"""The killed Pod's own vLLM gauges (in flight at the kill) and its success counter."""
NOT_READY_WAIT_S = 20.0
"""Longest the kill waits for the endpointslice controller to mark the killed Pod's endpoint not ready."""
PODS = 2
"""Pods the fault needs: one killed, one left serving."""
DEPLOYMENT_WAIT_S = 120.0
"""Longest :func:`hold_replicas` waits for KServe to write the predictor Deployment."""


@dataclasses.dataclass
class Killed:
    """What the kill did, as the report keeps it (``details.faultRun.podKilled``)."""

    pod: str = ""
    """The Pod deleted."""
    address: str = ""
    ready_before: list[str] = dataclasses.field(default_factory=list)
    """The predictor Service's ready endpoints' Pods before the kill."""
    at_s: float | None = None
    """When it was deleted, on the load's clock."""
    grace_period_s: int | None = None
    """``deletionGracePeriodSeconds`` the API server set (the Pod's ``terminationGracePeriodSeconds``)."""
    in_flight: float | None = None
    """Its vLLM's ``num_requests_running`` + ``num_requests_waiting`` right before the delete (None: not read); the
    Pod killed is the one with most (the kill is meant to hit requests streaming)."""
    succeeded_before: float | None = None
    """Its vLLM's ``request_success_total`` right before the delete."""
    not_ready_after_s: float | None = None
    """Seconds from the delete to its endpoint not ready in the EndpointSlices (None: not within the wait)."""
    replacement: str = ""
    """The Pod ready in its place (the ReplicaSet's)."""
    replacement_succeeded: float | None = None
    """The replacement's vLLM's ``request_success_total`` at the end of the run."""


def ready_pods(client: KubeClient, namespace: str, service: str) -> dict[str, tuple[str, int]]:
    """The Service's ready endpoints in its EndpointSlices, by Pod name: address and the slice's (first) port."""
    selector = urllib.parse.quote(f"{SERVICE_NAME_LABEL}={service}")
    slices = client.request("GET", f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices"
                                   f"?labelSelector={selector}")["items"]  # fmt: skip
    out: dict[str, tuple[str, int]] = {}
    for endpoint_slice in slices:
        port = int(((endpoint_slice.get("ports") or [{}])[0]).get("port") or 0)
        for endpoint in endpoint_slice.get("endpoints") or []:
            name = (endpoint.get("targetRef") or {}).get("name")
            if name and (endpoint.get("conditions") or {}).get("ready") is True and endpoint.get("addresses"):
                out[str(name)] = (str(endpoint["addresses"][0]), port)
    return out


def two_pod_model(objects: Sequence[Mapping[str, Any]]) -> tuple[str, str] | None:
    """(namespace, InferenceService) of the first model KServe runs with at least :data:`PODS` replicas
    (``spec.predictor.minReplicas``: the stack's ``autoscaling.minReplicas``); None when there is none."""
    for isvc in (o for o in objects if o.get("kind") == "InferenceService"):
        if int(((isvc.get("spec") or {}).get("predictor") or {}).get("minReplicas") or 1) >= PODS:
            return str(isvc["metadata"].get("namespace") or "default"), str(isvc["metadata"]["name"])
    return None


def hold_replicas(client: KubeClient, namespace: str, isvc: str, *, timeout_s: float = DEPLOYMENT_WAIT_S) -> int:
    """Set the predictor Deployment's replicas to :data:`PODS` through its scale subresource, as KEDA's HPA writes
    them: KServe leaves the replicas of an ``autoscalerClass: external`` Deployment to the autoscaler (it creates
    one), and the fault run starts no KEDA, so this holds the ScaledObject's ``minReplicaCount`` (the stack's
    ``autoscaling.minReplicas``, 2 in the test values) in its place. Returns the replicas it found."""
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/{kserve.predictor_name(isvc)}/scale"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            scale = client.request("GET", path)
            break
        except ApiError as error:
            if error.status != 404 or time.monotonic() > deadline:
                raise HarnessError(f"pod-killed: no Deployment {namespace}/{kserve.predictor_name(isvc)} to scale "
                                   f"after {timeout_s:.0f} s (KServe writes it): {error}") from error  # fmt: skip
            time.sleep(1.0)
    found = int((scale.get("spec") or {}).get("replicas") or 0)
    if found < PODS:
        client.request("PATCH", path, {"spec": {"replicas": PODS}}, content_type="application/merge-patch+json")
    return found


def _in_flight(address: str, port: int) -> float | None:
    """A Pod's vLLM's ``num_requests_running`` + ``num_requests_waiting``; None when it does not answer."""
    running, waiting = pod_metric(address, port, RUNNING), pod_metric(address, port, WAITING)
    return running + waiting if running is not None and waiting is not None else None


class PodKiller:
    """:meth:`kill`, :meth:`answers` and :meth:`replaced` of one InferenceService's predictor Pods, for
    :class:`.faults.Component`; what happened in :attr:`killed`."""

    def __init__(
        self, client: KubeClient, namespace: str, isvc: str, *, clock: Callable[[], float], replace_timeout_s: float
    ) -> None:
        self.client, self.namespace, self.service = client, namespace, kserve.predictor_name(isvc)
        self.clock, self.replace_timeout_s = clock, replace_timeout_s
        self.killed = Killed()

    def ready(self) -> dict[str, tuple[str, int]]:
        return ready_pods(self.client, self.namespace, self.service)

    def wait_for_pods(self, timeout_s: float) -> None:
        """Wait until :data:`PODS` Pods are ready endpoints of the Service (the probe waits for the first only)."""
        deadline = time.monotonic() + timeout_s
        while len(ready := self.ready()) < PODS:
            if time.monotonic() > deadline:
                raise HarnessError(
                    f"pod-killed: {self.namespace}/{self.service} has {len(ready)} ready endpoint(s) after "
                    f"{timeout_s:.0f} s, not {PODS} (does the node agent serve two model Pods?)"
                )
            time.sleep(1.0)

    def kill(self) -> None:
        """Delete the ready Pod with the most requests in flight on its vLLM (the first by name on a tie, or when
        none answers) as ``kubectl delete pod`` does; wait until its endpoint is not ready."""
        ready = self.ready()
        if len(ready) < PODS:
            raise HarnessError(
                f"pod-killed: {self.namespace}/{self.service} has {len(ready)} ready endpoint(s), not {PODS}: "
                "give the model autoscaling.minReplicas: 2 and serve two Pods"
            )
        in_flight = {name: _in_flight(*where) for name, where in ready.items()}
        name = max(sorted(ready), key=lambda n: -1.0 if (v := in_flight[n]) is None else v)
        address, port = ready[name]
        killed = self.killed
        killed.pod, killed.address, killed.ready_before = name, address, sorted(ready)
        killed.in_flight = in_flight[name]
        killed.succeeded_before = pod_metric(address, port, SUCCESS)
        killed.at_s = self.clock()
        started = time.monotonic()
        deleted = self.client.request("DELETE", f"/api/v1/namespaces/{self.namespace}/pods/{name}")
        killed.grace_period_s = ((deleted or {}).get("metadata") or {}).get("deletionGracePeriodSeconds")
        while time.monotonic() - started < NOT_READY_WAIT_S:
            if name not in self.ready():
                killed.not_ready_after_s = round(time.monotonic() - started, 2)
                return
            time.sleep(0.2)

    def answers(self) -> bool:
        """Whether the killed Pod is still a ready endpoint of the Service (before the kill: whether any is)."""
        ready = self.ready()
        return self.killed.pod in ready if self.killed.pod else bool(ready)

    def replaced(self) -> None:
        """Wait until the Service has as many ready endpoints as before the kill, the killed Pod not among them, and
        each new one's vLLM answers (a Pod reported Ready without running is no replacement)."""
        deadline = time.monotonic() + self.replace_timeout_s
        while time.monotonic() < deadline:
            ready = self.ready()
            new = {name: where for name, where in ready.items() if name not in self.killed.ready_before}
            if (
                len(ready) >= len(self.killed.ready_before)
                and self.killed.pod not in ready
                and all(pod_metric(*where, SUCCESS) is not None for where in new.values())
            ):
                self.killed.replacement = ", ".join(sorted(new))
                return
            time.sleep(1.0)
        raise HarnessError(
            f"pod-killed: {self.namespace}/{self.service} did not have {len(self.killed.ready_before)} ready "
            f"endpoints again within {self.replace_timeout_s:.0f} s of Pod {self.killed.pod}'s deletion"
        )

    def read_replacement(self) -> None:
        """The replacement's own success counter, at the end of the run: whether it served requests."""
        ready = self.ready()
        if self.killed.replacement in ready:
            self.killed.replacement_succeeded = pod_metric(*ready[self.killed.replacement], SUCCESS)


__all__ = ["PODS", "Killed", "PodKiller", "hold_replicas", "ready_pods", "two_pod_model"]
