"""The fault ``pod-killed`` without servers (controlplane/pod_kill.py, faults.py): which Pod is deleted and how, its
endpoint read from stand-in EndpointSlices, the replacement waited for, what was in flight on it, and the check's
wording; the node agent serves every replica KServe starts (``minReplicas``)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from llm_stack_harness.base.errors import HarnessError
from llm_stack_harness.base.load import RequestRecord
from llm_stack_harness.controlplane import faults, pod_kill, probe
from llm_stack_harness.controlplane.faults import FaultSpec, Phase, fault_checks, kill_figures, pod_killed_check
from llm_stack_harness.controlplane.pod_kill import Killed, PodKiller, ready_pods, two_pod_model

NAMESPACE, SERVICE = "kserve-inference", "tiny-predictor"


def _slice(*endpoints: tuple[str, str, bool]) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"kubernetes.io/service-name": SERVICE}},
        "ports": [{"name": "http", "port": 8080}],
        "endpoints": [
            {"addresses": [address], "conditions": {"ready": ready, "terminating": not ready},
             "targetRef": {"kind": "Pod", "name": name}}
            for name, address, ready in endpoints
        ],
    }  # fmt: skip


class _Cluster:
    """The API calls of a kill: the EndpointSlices listed (each GET the next state, the last one kept), the DELETE
    recorded, answering the Pod as the API server does (deletionGracePeriodSeconds from the spec)."""

    def __init__(self, states: list[list[tuple[str, str, bool]]]) -> None:
        self.states = states
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, path: str, body: Any = None, **_: Any) -> Any:
        self.calls.append((method, path))
        if method == "DELETE":
            return {"metadata": {"name": path.rsplit("/", 1)[1], "deletionGracePeriodSeconds": 120}}
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"items": [_slice(*state)]}


BOTH = [("tiny-predictor-a", "10.244.1.2", True), ("tiny-predictor-b", "10.244.1.3", True)]
KILLED = [("tiny-predictor-a", "10.244.1.2", False), ("tiny-predictor-b", "10.244.1.3", True)]
REPLACED = [("tiny-predictor-b", "10.244.1.3", True), ("tiny-predictor-c", "10.244.1.2", True)]  # its address reused


def test_ready_endpoints_are_read_by_pod_from_the_endpointslices() -> None:
    cluster = _Cluster([KILLED])
    assert ready_pods(cluster, NAMESPACE, SERVICE) == {"tiny-predictor-b": ("10.244.1.3", 8080)}  # type: ignore[arg-type]
    assert cluster.calls == [("GET", "/apis/discovery.k8s.io/v1/namespaces/kserve-inference/endpointslices"
                                     "?labelSelector=kubernetes.io/service-name%3Dtiny-predictor")]  # fmt: skip


def test_one_pod_is_deleted_as_kubectl_does_after_its_vllm_said_what_it_had_in_flight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gauges = {pod_kill.RUNNING: 2.0, pod_kill.WAITING: 1.0, pod_kill.SUCCESS: 40.0}
    read: list[tuple[str, int, str]] = []

    def metric(address: str, port: int, name: str) -> float:
        read.append((address, port, name))
        return gauges[name] if address == "10.244.1.2" or name == pod_kill.SUCCESS else 0.0  # b: nothing in flight

    monkeypatch.setattr(pod_kill, "pod_metric", metric)
    cluster = _Cluster([BOTH, BOTH, KILLED, KILLED, REPLACED])
    killer = PodKiller(cluster, NAMESPACE, "tiny", clock=lambda: 42.5, replace_timeout_s=10)  # type: ignore[arg-type]
    assert killer.answers()  # before the kill: a ready endpoint
    killer.kill()
    killed = killer.killed
    assert (killed.pod, killed.address) == ("tiny-predictor-a", "10.244.1.2")
    assert killed.ready_before == ["tiny-predictor-a", "tiny-predictor-b"]
    assert (killed.in_flight, killed.succeeded_before, killed.at_s) == (3.0, 40.0, 42.5)
    assert {a for a, _p, n in read if n == pod_kill.SUCCESS} == {"10.244.1.2"}  # its own counter
    # Graceful: no gracePeriodSeconds, so the API server takes the Pod's terminationGracePeriodSeconds.
    assert ("DELETE", "/api/v1/namespaces/kserve-inference/pods/tiny-predictor-a") in cluster.calls
    assert killed.grace_period_s == 120 and killed.not_ready_after_s is not None
    assert not killer.answers()
    killer.replaced()
    assert killed.replacement == "tiny-predictor-c"
    killer.read_replacement()
    assert killed.replacement_succeeded == 40.0 and read[-1][0] == "10.244.1.2"


def test_the_kill_needs_two_ready_pods_and_the_replacement_a_deadline() -> None:
    one = _Cluster([[BOTH[0]]])
    with pytest.raises(HarnessError, match=r"has 1 ready endpoint\(s\), not 2: give the model autoscaling.minReplicas"):
        PodKiller(one, NAMESPACE, "tiny", clock=lambda: 0.0, replace_timeout_s=0.1).kill()  # type: ignore[arg-type]
    never = PodKiller(_Cluster([KILLED]), NAMESPACE, "tiny", clock=lambda: 0.0, replace_timeout_s=0.1)  # type: ignore[arg-type]
    never.killed = Killed(pod="tiny-predictor-a", ready_before=["tiny-predictor-a", "tiny-predictor-b"])
    with pytest.raises(HarnessError, match="did not have 2 ready endpoints again within 0 s of Pod tiny-predictor-a"):
        never.replaced()


def _record(start_s: float, end_s: float, status: str = "2xx", code: int | None = 200) -> RequestRecord:
    return RequestRecord(0, start_s, 0.1, end_s, status, code)  # type: ignore[arg-type]


PHASE = Phase("pod-killed", 100.0, 200.0, down=True, restart_s=60.0)
KILL = Killed(pod="tiny-predictor-a", at_s=115.0, grace_period_s=120, in_flight=2.0, not_ready_after_s=0.8,
              replacement="tiny-predictor-c")  # fmt: skip


def test_the_figures_of_a_kill_are_the_requests_after_it_and_those_in_flight_at_it() -> None:
    records = [
        _record(101.0, 104.0),  # before the kill, ended before it
        _record(112.0, 115.5, "error", None),  # in flight at the kill: broken off
        _record(113.0, 117.0),  # in flight at the kill, on the other Pod
        _record(114.0, 118.0, "error", 503),
        _record(115.0, 119.0),  # started at the kill: after it
        _record(150.0, 160.0),
        _record(199.0, 203.0, "error", 503),  # after the kill, in the phase: a failure
        _record(201.0, 203.0, "error", 503),  # the next phase's
    ]
    figures = kill_figures(records, PHASE, 115.0)
    assert figures.after == {"2xx": 2, "429": 0, "5xx": 1, "other": 0}
    assert (figures.records_in_flight, figures.records_in_flight_failed) == (3, 2)


def test_the_check_says_every_request_after_the_kill_succeeded_and_how_many_in_flight_failed() -> None:
    records = [_record(112.0, 115.5), _record(113.0, 117.0), _record(116.0, 119.0)]
    check = pod_killed_check(PHASE, kill_figures(records, PHASE, 115.0), KILL)
    assert check.name == "one of two Pods killed: every request in flight at the kill or started after it succeeded"
    assert check.ok
    assert check.detail.startswith(
        "1 of 1 (2xx 1, 429 0, 5xx 0, other 0); 0 of 2 in flight on it failed (in flight: its own vLLM's "
        "num_requests_running + num_requests_waiting at the kill; failed: of the 2 requests in flight at the kill "
        "on both Pods by the load's records, those not 2xx). Pod tiny-predictor-a deleted (grace period 120 s), its "
        "endpoint not ready 0.8 s after the delete; replacement tiny-predictor-c; down throughout: yes"
    )
    failed_after = [*records, _record(120.0, 121.0, "error", 503)]
    assert not pod_killed_check(PHASE, kill_figures(failed_after, PHASE, 115.0), KILL).ok
    broken_off = [_record(112.0, 115.5, "error", None), *records[1:]]  # a stream in flight on it, cut at the kill
    assert not pod_killed_check(PHASE, kill_figures(broken_off, PHASE, 115.0), KILL).ok
    still_ready = Phase("pod-killed", 100.0, 200.0, down=False)
    assert not pod_killed_check(still_ready, kill_figures(records, PHASE, 115.0), KILL).ok
    unread = Killed(pod="tiny-predictor-a", at_s=115.0)
    assert (
        "0 of ? (its vLLM did not answer) in flight"
        in pod_killed_check(PHASE, kill_figures(records, PHASE, 115.0), unread).detail
    )
    checks = fault_checks([PHASE], {"pod-killed": {"2xx": 3, "429": 0, "5xx": 0, "other": 1}}, counters=None,
                          kill=(kill_figures(records, PHASE, 115.0), KILL))  # fmt: skip
    assert [c.name for c in checks] == [check.name]


def _isvc(min_replicas: int | None) -> dict[str, Any]:
    predictor = {} if min_replicas is None else {"minReplicas": min_replicas}
    return {"kind": "InferenceService", "metadata": {"name": "tiny", "namespace": NAMESPACE},
            "spec": {"predictor": predictor}}  # fmt: skip


def test_the_node_agent_serves_every_replica_kserve_starts() -> None:
    assert probe._count_models([_isvc(2), _isvc(None), {"kind": "Service"}]) == 3
    assert two_pod_model([_isvc(1), _isvc(2)]) == (NAMESPACE, "tiny")
    assert two_pod_model([_isvc(None)]) is None


def test_pod_killed_is_refused_without_a_model_of_two_pods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faults, "api_keys", lambda _objects: {"client": "key"})
    monkeypatch.setattr(faults, "served_models", lambda _objects: ["tiny"])
    spec = FaultSpec(faults=("pod-killed",))
    refused = (
        "the fault pod-killed needs a model with two Pods (autoscaling.minReplicas: 2, which the InferenceService's "
        "minReplicas takes) and the API server (--vllm)"
    )
    assert faults._prerequisite(spec, [_isvc(1)], None, object()) == refused  # type: ignore[arg-type]
    assert faults._prerequisite(spec, [_isvc(2)], None, None) == refused
    assert faults._prerequisite(spec, [_isvc(2)], None, object()) == ""  # type: ignore[arg-type]


def test_the_pod_is_killed_in_the_middle_of_its_phase() -> None:
    """The phase runs half its length with both Pods, then the kill, the other half, and the wait for the
    replacement; a phase ends where the next starts."""
    import time

    zero = time.monotonic()
    events: list[tuple[str, float]] = []

    class Clock:
        def now(self) -> float:
            return time.monotonic() - zero

    def stamp(name: str) -> None:
        events.append((name, time.monotonic() - zero))

    component = faults.Component("a Pod", lambda: stamp("kill"), lambda: stamp("replaced"), lambda: False, lead=0.5)
    spec = FaultSpec(phase_s=0.4, faults=("pod-killed",))
    phases = faults.run_phases(Clock(), spec, {"pod-killed": component}, stats_url="http://127.0.0.1:9/stats",  # type: ignore[arg-type]
                               log=lambda _m: None)  # fmt: skip
    killed = phases[1]
    (kill_s,) = [t for name, t in events if name == "kill"]
    assert killed.name == "pod-killed" and killed.down is True
    assert killed.start_s + 0.2 <= kill_s < killed.start_s + 0.35  # in its middle
    assert killed.end_s >= kill_s + 0.2


def test_the_run_waits_for_both_pods_before_the_load() -> None:
    cluster = _Cluster([[BOTH[0]], [BOTH[0]], BOTH])
    killer = PodKiller(cluster, NAMESPACE, "tiny", clock=lambda: 0.0, replace_timeout_s=1)  # type: ignore[arg-type]
    killer.wait_for_pods(10.0)
    assert len(cluster.calls) == 3
    with pytest.raises(HarnessError, match=r"has 1 ready endpoint\(s\) after 0 s, not 2"):
        PodKiller(_Cluster([[BOTH[0]]]), NAMESPACE, "tiny", clock=lambda: 0.0, replace_timeout_s=1).wait_for_pods(0.0)  # type: ignore[arg-type]


class _Deployments:
    """The predictor Deployment's scale subresource: missing for ``missing`` GETs (KServe not there yet), then at
    ``replicas``; PATCHes recorded."""

    def __init__(self, replicas: int, missing: int = 0) -> None:
        self.replicas, self.missing = replicas, missing
        self.calls: list[tuple[str, str, Any, str]] = []

    def request(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json") -> Any:
        from llm_stack_harness.controlplane.kube import ApiError

        self.calls.append((method, path, body, content_type))
        if method == "GET" and self.missing:
            self.missing -= 1
            raise ApiError(404, 'deployments.apps "tiny-predictor" not found', "NotFound")
        return {"spec": {"replicas": self.replicas}}


def test_the_two_replicas_are_written_as_kedas_hpa_writes_them() -> None:
    deployments = _Deployments(replicas=1, missing=1)
    assert pod_kill.hold_replicas(deployments, NAMESPACE, "tiny", timeout_s=10) == 1  # type: ignore[arg-type]
    path = "/apis/apps/v1/namespaces/kserve-inference/deployments/tiny-predictor/scale"
    assert deployments.calls[-1] == ("PATCH", path, {"spec": {"replicas": 2}}, "application/merge-patch+json")
    already = _Deployments(replicas=2)
    pod_kill.hold_replicas(already, NAMESPACE, "tiny")  # type: ignore[arg-type]
    assert [c[0] for c in already.calls] == ["GET"]
    with pytest.raises(HarnessError, match="no Deployment kserve-inference/tiny-predictor to scale after 0 s"):
        pod_kill.hold_replicas(_Deployments(1, missing=5), NAMESPACE, "tiny", timeout_s=0.0)  # type: ignore[arg-type]


def test_a_replacement_whose_vllm_does_not_answer_is_not_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Pod Ready in the EndpointSlice without a vLLM behind it (reported Ready without running) is waited past."""
    answers = iter([None, 12.0])
    monkeypatch.setattr(pod_kill, "pod_metric", lambda *_args: next(answers))
    killer = PodKiller(_Cluster([REPLACED]), NAMESPACE, "tiny", clock=lambda: 0.0, replace_timeout_s=10)  # type: ignore[arg-type]
    killer.killed = Killed(pod="tiny-predictor-a", ready_before=["tiny-predictor-a", "tiny-predictor-b"])
    started = time.monotonic()
    killer.replaced()
    assert killer.killed.replacement == "tiny-predictor-c" and time.monotonic() - started >= 1.0  # asked twice


def test_the_pod_with_most_in_flight_is_killed_and_the_first_by_name_on_a_tie(monkeypatch: pytest.MonkeyPatch) -> None:
    for gauges, killed in (({"10.244.1.2": 0.0, "10.244.1.3": 2.0}, "tiny-predictor-b"),
                           ({"10.244.1.2": 1.0, "10.244.1.3": 1.0}, "tiny-predictor-a"),
                           ({}, "tiny-predictor-a")):  # fmt: skip
        monkeypatch.setattr(pod_kill, "pod_metric", lambda address, _port, _name, g=gauges: g.get(address))
        killer = PodKiller(_Cluster([BOTH, []]), NAMESPACE, "tiny", clock=lambda: 0.0,  # type: ignore[arg-type]
                           replace_timeout_s=1)  # fmt: skip
        killer.kill()
        assert killer.killed.pod == killed, gauges
