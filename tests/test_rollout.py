"""The fault ``rolled-out`` without servers (controlplane/rollout.py, faults.py): the change sent, the rollout's end
read from the Deployment and the EndpointSlices, capacity sampled, the check's verdict, and the surge Pods the node
agent serves."""

from __future__ import annotations

from typing import Any

import pytest

from llm_stack_harness.base.errors import HarnessError, LoadProfileError
from llm_stack_harness.controlplane import probe
from llm_stack_harness.controlplane.faults import DEFAULT_FAULTS, FaultSpec, Phase, fault_checks, rollout_check
from llm_stack_harness.controlplane.rollout import CHANGED_ARGS, RolledOut, Rollout, surge_pods

NAMESPACE = "kserve-inference"
ISVC_PATH = "/apis/serving.kserve.io/v1beta1/namespaces/kserve-inference/inferenceservices/tiny"


def _isvc(min_replicas: int = 1, strategy: dict[str, Any] | None = None) -> dict[str, Any]:
    container = {"name": "kserve-container", "args": ["/mnt/models", "--port", "8080"]}
    predictor: dict[str, Any] = {"minReplicas": min_replicas, "containers": [container]}
    if strategy is not None:
        predictor["deploymentStrategy"] = strategy
    return {"kind": "InferenceService", "metadata": {"name": "tiny", "namespace": NAMESPACE},
            "spec": {"predictor": predictor}}  # fmt: skip


class _Cluster:
    """The InferenceService, the predictor Deployment and EndpointSlices, each GET of the latter the next state."""

    def __init__(self, endpoints: list[list[str]], deployments: list[dict[str, Any]]) -> None:
        self.endpoints, self.deployments = endpoints, deployments
        self.patches: list[tuple[str, Any, str]] = []

    def request(self, method: str, path: str, body: Any = None, *, content_type: str = "") -> Any:
        if method == "PATCH":
            self.patches.append((path, body, content_type))
            return {}
        if path == ISVC_PATH:
            return _isvc()
        names = self.endpoints.pop(0) if len(self.endpoints) > 1 else self.endpoints[0]
        endpoints = [
            {"addresses": ["10.0.0.1"], "conditions": {"ready": True}, "targetRef": {"name": n}} for n in names
        ]
        return {"items": [{"ports": [{"port": 8080}], "endpoints": endpoints}]}

    def get(self, _api_version: str, _kind: str, _name: str, _namespace: str | None = None) -> dict[str, Any]:
        return self.deployments.pop(0) if len(self.deployments) > 1 else self.deployments[0]


def _deployment(*, generation: int, observed: int, updated: int, available: int, replicas: int) -> dict[str, Any]:
    return {"metadata": {"generation": generation}, "spec": {"replicas": 1},
            "status": {"observedGeneration": observed, "updatedReplicas": updated, "availableReplicas": available,
                       "replicas": replicas}}  # fmt: skip


ROLLING = _deployment(generation=2, observed=2, updated=1, available=1, replicas=2)  # the new Pod up, the old one too
DONE = _deployment(generation=2, observed=2, updated=1, available=1, replicas=1)


def test_the_change_appends_one_vllm_argument_as_a_merge_patch_of_the_containers() -> None:
    cluster = _Cluster([["tiny-a"]], [ROLLING])
    rollout = Rollout(cluster, NAMESPACE, "tiny", clock=lambda: 12.0, timeout_s=5)  # type: ignore[arg-type]
    rollout.change()
    rollout._sampling.clear()
    ((path, body, content_type),) = cluster.patches
    assert (path, content_type) == (ISVC_PATH, "application/merge-patch+json")
    (container,) = body["spec"]["predictor"]["containers"]
    assert container["args"] == ["/mnt/models", "--port", "8080", *CHANGED_ARGS]
    assert (rollout.rolled.ready_before, rollout.rolled.replicas, rollout.rolled.at_s) == (["tiny-a"], 1, 12.0)


def test_it_has_rolled_out_once_every_replica_is_new_available_and_the_only_ready_endpoints() -> None:
    def rolled(endpoints: list[str], deployment: dict[str, Any]) -> bool:
        rollout = Rollout(_Cluster([endpoints], [deployment]), NAMESPACE, "tiny", clock=lambda: 0.0, timeout_s=1)  # type: ignore[arg-type]
        rollout.rolled.ready_before = ["tiny-a"]
        return rollout.rolled_out()

    assert rolled(["tiny-b"], DONE)
    assert not rolled(["tiny-a", "tiny-b"], ROLLING)  # the old one still counted
    assert not rolled(["tiny-a"], DONE)  # an old Pod still a ready endpoint
    assert not rolled(["tiny-b"], _deployment(generation=3, observed=2, updated=1, available=1, replicas=1))
    assert not rolled([], DONE)


def test_the_wait_samples_the_fewest_ready_endpoints_and_ends_with_the_new_pods() -> None:
    endpoints = [["tiny-a"], ["tiny-a"], ["tiny-a", "tiny-b"], ["tiny-b"]]
    cluster = _Cluster(endpoints, [ROLLING, ROLLING, DONE])
    rollout = Rollout(cluster, NAMESPACE, "tiny", clock=lambda: 0.0, timeout_s=30)  # type: ignore[arg-type]
    rollout.change()
    rollout.wait()
    assert rollout.rolled.ready_after == ["tiny-b"] and rollout.rolled.min_ready == 1 and rollout.rolled.samples >= 1
    stuck = Rollout(_Cluster([["tiny-a"]], [ROLLING]), NAMESPACE, "tiny", clock=lambda: 0.0, timeout_s=0)  # type: ignore[arg-type]
    stuck.change()
    with pytest.raises(
        HarnessError, match=r"did not roll out within 0 s of the change \(ready endpoints: \['tiny-a'\]"
    ):
        stuck.wait()
    assert not stuck._sampling.is_set()


PHASE = Phase("rolled-out", 30.0, 300.0, down=True, restart_s=250.0)
ROLLED = RolledOut(ready_before=["tiny-a"], replicas=1, min_ready=1, samples=400, ready_after=["tiny-b"],
                   rolled_out_after_s=240.0)  # fmt: skip
ALL_OK = {"2xx": 900, "429": 0, "5xx": 0, "other": 0}


def test_the_check_asks_for_every_request_a_new_pod_and_capacity_throughout() -> None:
    check = rollout_check(PHASE, ALL_OK, ROLLED)
    assert check.name == "a rolling update of the model: every request succeeded and capacity never dropped"
    assert check.ok, check.detail
    assert check.detail.startswith("900 of 900 (2xx 900, 429 0, 5xx 0, other 0); ready endpoints at least 1 of 1 in "
                                   "400 readings; ['tiny-a'] -> ['tiny-b'] in 240.0 s")  # fmt: skip
    dropped = RolledOut(**{**ROLLED.__dict__, "min_ready": 0})
    assert not rollout_check(PHASE, ALL_OK, dropped).ok  # an outage, however short
    assert not rollout_check(PHASE, {**ALL_OK, "5xx": 1}, ROLLED).ok
    assert not rollout_check(PHASE, ALL_OK, RolledOut(**{**ROLLED.__dict__, "ready_after": ["tiny-a"]})).ok
    assert not rollout_check(PHASE, ALL_OK, RolledOut(**{**ROLLED.__dict__, "samples": 0})).ok
    checks = fault_checks([PHASE], {"rolled-out": ALL_OK}, counters=None, rolled=ROLLED)
    assert [c.name for c in checks] == [check.name]


def test_a_rollout_runs_on_its_own_and_the_default_run_has_none() -> None:
    assert "rolled-out" not in DEFAULT_FAULTS and FaultSpec.from_json({}).faults == DEFAULT_FAULTS
    assert FaultSpec.from_json({"faults": ["rolled-out"]}).bound_s == 3 * 30 + 600
    with pytest.raises(LoadProfileError, match=r"exceed a load's 900 s: run rolled-out on its own"):
        FaultSpec.from_json({"faults": ["pod-killed", "rolled-out"]})


def test_the_node_agent_serves_the_surge_pods_of_a_rollout() -> None:
    surge_one = _isvc(1, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    assert surge_pods([surge_one]) == 1
    assert surge_pods([_isvc(4, {"rollingUpdate": {"maxSurge": "25%"}})]) == 1
    assert surge_pods([_isvc(5)]) == 2  # KServe's default 25%, rounded up as the deployment controller does
    job = {"faults": {"faults": ["rolled-out"]}}
    assert probe.served_pods(job, [surge_one]) == 2
    assert probe.served_pods({"faults": {"faults": ["pod-killed"]}}, [surge_one]) == 1
    assert probe.served_pods({}, [surge_one]) == 1
