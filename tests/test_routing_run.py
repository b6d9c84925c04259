"""The routing run without the control plane (base/shared_prefix.py, controlplane/routing_checks.py and the endpoint
picker's Pod in controlplane/dataplane.py): the seeded workload, the job's refusals, the streamed request read
against a loopback server, the placement and hit-rate verdicts, and the Deployment found behind a pool."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from llm_stack_harness.base.errors import LoadProfileError
from llm_stack_harness.base.shared_prefix import SharedPrefixWorkload
from llm_stack_harness.controlplane import endpoint_picker, routing_checks
from llm_stack_harness.controlplane.dataplane import picker_deployment
from llm_stack_harness.controlplane.gateway_checks import ProbeReport
from llm_stack_harness.controlplane.probe import check_routing_spec
from llm_stack_harness.controlplane.routing_checks import (
    RoutingRun,
    Sent,
    Unready,
    percentile,
    routed_target,
    send_chat,
    unready_verdict,
)

PLACED = "each session's requests landed on one model Pod (the endpoint picker's pick, by the Pods' own counters)"


def test_the_workload_is_seeded_and_each_session_repeats_its_own_system_prompt() -> None:
    workload = SharedPrefixWorkload(sessions=3, turns=4, system_words=50, turn_words=5)
    again = SharedPrefixWorkload(sessions=3, turns=4, system_words=50, turn_words=5)
    assert list(workload.requests()) == list(again.requests())
    systems = {s: {m[0]["content"] for _s, t, m in workload.requests() if _s == s} for s in range(3)}
    assert all(len(prompts) == 1 for prompts in systems.values())  # every turn repeats the session's system prompt
    assert len({next(iter(p)) for p in systems.values()}) == 3  # and sessions differ
    assert len(workload.system_prompt(0).split()) == 50 + 2  # "Session 0." then the words
    assert workload.messages(1, 2) != workload.messages(1, 3)
    assert SharedPrefixWorkload(seed=1).system_prompt(0) != SharedPrefixWorkload(seed=2).system_prompt(0)


def test_interleaved_keeps_each_sessions_turns_in_order() -> None:
    workload = SharedPrefixWorkload(sessions=4, turns=3, system_words=10, turn_words=3)
    order = workload.interleaved()
    assert sorted((s, t) for s, t, _m in order) == [(s, t) for s in range(4) for t in range(3)]
    for session in range(4):
        assert [t for s, t, _m in order if s == session] == [0, 1, 2]
    assert [(s, t) for s, t, _m in order] != [(s, t) for s in range(4) for t in range(3)]  # shuffled together


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        ({"sessions": 0}, "workload.sessions: 0"),
        ({"turns": 51}, "workload.turns: 51"),
        ({"systemWords": "many"}, "workload.systemWords: 'many'"),
        ({"systemWords": 400, "turnWords": 60}, "workload.systemWords + turnWords: 460"),
        ({"prefixWords": 3}, "workload.prefixWords: 3"),
    ],
)
def test_a_bad_workload_is_refused_naming_the_key(workload: dict[str, Any], message: str) -> None:
    with pytest.raises(LoadProfileError, match=message.replace("+", r"\+")):
        check_routing_spec({"workload": workload})


def test_the_routing_job_takes_a_workload_and_nothing_else() -> None:
    check_routing_spec({})
    check_routing_spec({"workload": {"sessions": 2}})
    with pytest.raises(LoadProfileError, match="--routing"):
        check_routing_spec({"sessions": 2})
    with pytest.raises(LoadProfileError, match="--routing workload"):
        check_routing_spec({"workload": [1]})


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0 and percentile(values, 0.99) == 99.0 and percentile(values, 1.0) == 100.0
    assert percentile([3.0], 0.5) == 3.0 and percentile([], 0.5) is None


def test_the_run_targets_the_pools_model_else_the_first_model() -> None:
    isvc = {"kind": "InferenceService", "metadata": {"name": "tiny", "namespace": "ns"}}
    pool = {"kind": "InferencePool", "metadata": {"name": "tiny-pool", "namespace": "ns"},
            "spec": {"selector": {"matchLabels": {"serving.kserve.io/inferenceservice": "tiny"}}}}  # fmt: skip
    assert routed_target([isvc]) == ("ns", "tiny", None)
    assert routed_target([isvc, pool]) == ("ns", "tiny", "tiny-pool")


def _run(sessions: list[dict[str, int]], hits: float, queries: float, mode: str = "prefix-aware") -> RoutingRun:
    run = RoutingRun(mode=mode, pods=["a", "b"], sessions=sessions, hits=hits, queries=queries)
    run.sent = [Sent(200, 0.01, 0.02)] * sum(sum(c.values()) for c in sessions)
    run.epp_hit_ratio = {"count": 10.0, "mean": 0.7}
    return run


def _verdicts(run: RoutingRun, turns: int = 3) -> dict[str, Any]:
    report = ProbeReport()
    routing_checks._checks(report, run, SharedPrefixWorkload(sessions=len(run.sessions), turns=turns))
    return {c.name: c for c in report.checks}


def test_sessions_each_on_one_pod_with_cache_hits_pass() -> None:
    checks = _verdicts(_run([{"a": 3, "b": 0}, {"a": 0, "b": 3}], hits=700, queries=1000))
    assert all(c.ok for c in checks.values()), checks
    assert "sessions per Pod: {'a': 1, 'b': 1}" in checks[PLACED].detail


def test_a_session_split_over_two_pods_fails_and_is_shown() -> None:
    checks = _verdicts(_run([{"a": 3, "b": 0}, {"a": 2, "b": 1}], hits=700, queries=1000))
    assert not checks[PLACED].ok and "{'a': 2, 'b': 1}" in checks[PLACED].detail


def test_a_low_hit_rate_and_a_silent_picker_fail() -> None:
    run = _run([{"a": 3, "b": 0}], hits=100, queries=1000)
    run.epp_hit_ratio = {"count": 0.0, "mean": 0.0}
    checks = _verdicts(run)
    failed = sorted(name for name, c in checks.items() if not c.ok)
    minimum = routing_checks.MIN_HIT_RATE
    hit_rate = f"the prefix cache hit rate (vLLM's prefix_cache counters on the Pods) is at least {minimum}"
    assert failed == [
        "the endpoint picker's prefix scorer matched the sessions' prompts (its own hit-ratio histogram)",
        hit_rate,
    ]
    assert "hit rate 0.1 (100 of 1000" in checks[failed[1]].detail


def test_service_mode_is_measured_not_judged_on_placement() -> None:
    checks = _verdicts(_run([{"a": 2, "b": 1}], hits=0, queries=1000, mode="service"))
    assert list(checks) == ["every request of the shared-prefix workload succeeded"] and all(
        c.ok for c in checks.values()
    )


def test_a_failed_request_fails_the_run() -> None:
    run = _run([{"a": 3, "b": 0}], hits=700, queries=1000)
    run.sent = [*run.sent[:-1], Sent(503, None, 0.1, "no healthy upstream")]
    check = _verdicts(run)["every request of the shared-prefix workload succeeded"]
    assert not check.ok and "503: no healthy upstream" in check.detail


class _Streaming(http.server.BaseHTTPRequestHandler):
    status = 200
    chunks: ClassVar[list[bytes]] = [
        b'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n',
        b'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n',
        b"data: [DONE]\n\n",
    ]
    seen: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        _Streaming.seen.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(self.status)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk in self.chunks if self.status == 200 else [b"busy"]:
            self.wfile.write(chunk)
            self.wfile.flush()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def streaming() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Streaming)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    _Streaming.status = 200
    _Streaming.seen.clear()


def test_send_chat_reads_the_stream_to_its_end(streaming: str) -> None:
    sent = send_chat(streaming, "key", "tiny", [{"role": "user", "content": "x"}], 4)
    assert sent.status == 200 and sent.ttft_s is not None and sent.ttft_s <= sent.total_s
    assert b'"stream": true' in _Streaming.seen[0] and b'"max_tokens": 4' in _Streaming.seen[0]


def test_send_chat_reports_a_refusal_and_a_broken_stream(streaming: str) -> None:
    _Streaming.status = 503
    assert send_chat(streaming, "key", "tiny", [], 1).status == 503
    _Streaming.status = 200
    _Streaming.chunks = _Streaming.chunks[:2]
    try:
        broken = send_chat(streaming, "key", "tiny", [], 1)
    finally:
        _Streaming.chunks = [*_Streaming.chunks, b"data: [DONE]\n\n"]
    assert broken.status == 599 and "without [DONE]" in broken.detail
    assert send_chat("http://127.0.0.1:9", "key", "tiny", [], 1).status == 0  # nothing listens: a connection error


class _Client:
    def __init__(self, services: dict[str, Any], deployments: list[dict[str, Any]]) -> None:
        self.services, self.deployments = services, deployments

    def get(self, _api: str, _kind: str, name: str, _namespace: str | None = None) -> Any:
        return self.services.get(name)

    def list(self, _api: str, _kind: str, _namespace: str | None = None) -> list[dict[str, Any]]:
        return self.deployments


def _deployment(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"template": {"metadata": {"labels": labels}}}}


def test_the_picker_deployment_is_the_one_the_pools_service_selects() -> None:
    pool = {"metadata": {"name": "tiny", "namespace": "ns"}, "spec": {"endpointPickerRef": {"name": "tiny-epp"}}}
    service = {"spec": {"selector": {"app": "tiny-epp"}}}
    other, picker = _deployment("tiny-predictor", {"app": "tiny"}), _deployment("tiny-epp", {"app": "tiny-epp"})
    client: Any = _Client({"tiny-epp": service}, [other, picker])
    assert picker_deployment(client, pool) is picker
    assert picker_deployment(_Client({}, [other, picker]), pool) is None  # type: ignore[arg-type]  (no Service yet)
    assert picker_deployment(_Client({"tiny-epp": service}, [other]), pool) is None  # type: ignore[arg-type]
    twin = _deployment("tiny-epp-old", {"app": "tiny-epp"})
    with pytest.raises(endpoint_picker.EndpointPickerSetupError, match=r"matches 2 Deployments' Pods; exactly one"):
        endpoint_picker.picker_deployment(_Client({"tiny-epp": service}, [picker, twin]), pool)
    with pytest.raises(endpoint_picker.EndpointPickerSetupError, match=r"Service ns/tiny-epp does not exist"):
        endpoint_picker.picker_deployment(_Client({}, [picker]), pool)


def test_the_unready_pod_verdict_needs_it_unready_unused_and_every_request_served_elsewhere() -> None:
    workload = SharedPrefixWorkload(turns=3)
    good = Unready(pod="a", not_ready_after_s=31.0, sent=[Sent(200, 0.1, 0.2)] * 3, victim_served=0, others_served=3)
    assert unready_verdict(good, workload)[1]
    for bad in (
        Unready(pod="a", not_ready_after_s=None, victim_served=0, others_served=0),  # never reported unready
        Unready(pod="a", not_ready_after_s=31.0, sent=good.sent, victim_served=1, others_served=2),  # one reached it
        Unready(
            pod="a",
            not_ready_after_s=31.0,
            sent=[*good.sent[:2], Sent(503, None, 0.1)],
            victim_served=0,
            others_served=2,
        ),
    ):
        _name, ok, detail = unready_verdict(bad, workload)
        assert not ok and "a not Ready after" in detail
