"""The fault ``rolled-out`` (:mod:`.faults`): one vLLM argument of the model changed while the steady load streams,
as re-applying a values file with one more ``extraArgs`` flag changes it.

The InferenceService's container gets :data:`CHANGED_ARGS` appended (through the API server, where KServe's webhook
admits it); KServe writes the new template into the predictor Deployment, and kube-controller-manager's deployment
controller replaces the replicas as the predictor's ``deploymentStrategy`` says (the stack's: ``maxSurge`` 1,
``maxUnavailable`` 0: each replacement ready before an old replica stops). The node agent serves the surge Pod too
(:func:`surge_pods`), and each old Pod stops as a deleted one does (its ``preStop`` sleep, then vLLM's drain). The
phase ends once the Deployment has rolled out: every replica of the new template, available, and every ready endpoint
of the predictor Service a new Pod. Meanwhile a sampler reads the Service's ready endpoints every
:data:`SAMPLE_S`: capacity must never drop below the replicas.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llm_inference_stack.facts import kserve

from ..base.errors import HarnessError
from .kube import ApiError, KubeClient
from .pod_kill import ready_pods

CHANGED_ARGS = ("--max-num-seqs", "64")
"""The vLLM argument the rollout adds: a scheduler limit far above the load's concurrency (no change in answers)."""
SAMPLE_S = 0.5
"""Seconds between two readings of the predictor Service's ready endpoints during the rollout."""


@dataclasses.dataclass
class RolledOut:
    """What the rollout did, as the report keeps it (``details.faultRun.rolledOut``)."""

    ready_before: list[str] = dataclasses.field(default_factory=list)
    """The predictor Service's ready endpoints' Pods before the change."""
    at_s: float | None = None
    """When the InferenceService was changed, on the load's clock."""
    replicas: int = 0
    """The Deployment's replicas (what capacity must not drop below)."""
    min_ready: int | None = None
    """The fewest ready endpoints the sampler saw from the change to the end of the rollout."""
    samples: int = 0
    ready_after: list[str] = dataclasses.field(default_factory=list)
    """The ready endpoints' Pods once it rolled out (none of ``ready_before``)."""
    rolled_out_after_s: float | None = None
    """Seconds from the change to the rollout's end."""


def surge_pods(objects: Sequence[Mapping[str, Any]]) -> int:
    """Pods a rollout of the first InferenceService starts above its replicas: its ``deploymentStrategy``'s
    ``maxSurge`` as a number (a percentage: of ``minReplicas``, rounded up, as the deployment controller does)."""
    for isvc in (o for o in objects if o.get("kind") == "InferenceService"):
        predictor = (isvc.get("spec") or {}).get("predictor") or {}
        surge = ((predictor.get("deploymentStrategy") or {}).get("rollingUpdate") or {}).get("maxSurge", "25%")
        replicas = max(1, int(predictor.get("minReplicas") or 1))
        if isinstance(surge, str) and surge.endswith("%"):
            return -(-replicas * int(surge[:-1]) // 100)
        return int(surge)
    return 0


class Rollout:
    """:meth:`change`, :meth:`rolled_out` and :meth:`wait` of one InferenceService's rollout, for
    :class:`.faults.Component`; what happened in :attr:`rolled`."""

    def __init__(
        self, client: KubeClient, namespace: str, isvc: str, *, clock: Callable[[], float], timeout_s: float
    ) -> None:
        self.client, self.namespace, self.isvc = client, namespace, isvc
        self.service = kserve.predictor_name(isvc)
        self.clock, self.timeout_s = clock, timeout_s
        self.rolled = RolledOut()
        self._sampling = threading.Event()
        self._sampler: threading.Thread | None = None

    def ready(self) -> dict[str, tuple[str, int]]:
        return ready_pods(self.client, self.namespace, self.service)

    def change(self) -> None:
        """Append :data:`CHANGED_ARGS` to the InferenceService's container (a merge patch of its containers, as
        ``kubectl apply`` of the changed manifest sends), and start sampling the ready endpoints."""
        path = f"/apis/{kserve.API_VERSION}/namespaces/{self.namespace}/inferenceservices/{self.isvc}"
        isvc = self.client.request("GET", path)
        containers = isvc["spec"]["predictor"]["containers"]
        containers[0]["args"] = [*containers[0].get("args", []), *CHANGED_ARGS]
        ready = self.ready()
        self.rolled.ready_before, self.rolled.replicas = sorted(ready), len(ready)
        self.rolled.min_ready, self.rolled.at_s = len(ready), self.clock()
        self._sampling.set()
        self._sampler = threading.Thread(target=self._sample, name="rollout-sampler", daemon=True)
        self._sampler.start()
        self.client.request("PATCH", path, {"spec": {"predictor": {"containers": containers}}},
                            content_type="application/merge-patch+json")  # fmt: skip

    def _sample(self) -> None:
        while self._sampling.is_set():
            try:
                count: int | None = len(self.ready())
            except (ApiError, OSError):  # the API server busy: this reading is lost, not counted as zero
                count = None
            if count is not None:
                self.rolled.samples += 1
                self.rolled.min_ready = count if self.rolled.min_ready is None else min(self.rolled.min_ready, count)
            time.sleep(SAMPLE_S)

    def rolled_out(self) -> bool:
        """Whether the Deployment has rolled the change out: observed, every replica updated and available, no old
        one counted, and every ready endpoint a Pod that was not ready before the change."""
        deployment = self.client.get("apps/v1", "Deployment", self.service, self.namespace)
        if deployment is None:
            return False
        spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
        replicas = int(spec.get("replicas") or 0)
        ready = self.ready()
        return (
            int(status.get("observedGeneration") or 0) >= int(deployment["metadata"].get("generation") or 0)
            and int(status.get("updatedReplicas") or 0) == replicas
            and int(status.get("availableReplicas") or 0) == replicas
            and int(status.get("replicas") or 0) == replicas
            and len(ready) >= replicas
            and not set(ready) & set(self.rolled.ready_before)
        )

    def wait(self) -> None:
        """Wait until :meth:`rolled_out` (at most ``timeout_s`` from now), then stop sampling."""
        deadline = time.monotonic() + self.timeout_s
        try:
            while not self.rolled_out():
                if time.monotonic() > deadline:
                    raise HarnessError(
                        f"rolled-out: {self.namespace}/{self.service} did not roll out within {self.timeout_s:.0f} s "
                        f"of the change (ready endpoints: {sorted(self.ready())})"
                    )
                time.sleep(1.0)
        finally:
            self._sampling.clear()
            if self._sampler is not None:
                self._sampler.join(5.0)
        self.rolled.ready_after = sorted(self.ready())
        if self.rolled.at_s is not None:
            self.rolled.rolled_out_after_s = round(self.clock() - self.rolled.at_s, 1)


__all__ = ["CHANGED_ARGS", "RolledOut", "Rollout", "surge_pods"]
