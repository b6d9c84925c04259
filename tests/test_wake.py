"""The scale-from-zero run's reading of a wake (:mod:`llm_stack_harness.controlplane.wake`): the overhead of each
held request after the Pod's readiness, and the checks of a timeline that starts and ends at zero."""

from __future__ import annotations

from types import SimpleNamespace

from llm_stack_harness.base.load import RequestRecord
from llm_stack_harness.base.timeline import RequestCounts, TimelineRow
from llm_stack_harness.controlplane.scaling import LoopSample
from llm_stack_harness.controlplane.wake import ReadyClock, percentile, wake_checks, wake_overheads


def _record(number: int, start: float, ttft: float | None, status: str = "2xx") -> RequestRecord:
    return RequestRecord(number, start, ttft, start + (ttft or 0) + 0.1, status, 200 if status == "2xx" else 503)  # type: ignore[arg-type]


def _rows(*replicas: int) -> list[TimelineRow]:
    return [
        TimelineRow(5.0 * i, "load", 0, LoopSample(replicas=r, ready=r), RequestCounts.of([]))
        for i, r in enumerate(replicas)
    ]


def test_the_overhead_is_the_first_token_after_readiness_on_one_clock() -> None:
    # The load began at 1000.0 on the monotonic clock; the Pod was ready at 1060.0.
    records = [_record(0, 0.1, 60.2), _record(1, 0.2, 60.5), _record(2, 0.3, None)]
    assert [round(o, 3) for o in wake_overheads(records, 1000.0, 1060.0)] == [0.3, 0.7]


def test_the_nearest_rank_percentile() -> None:
    assert percentile([], 99) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 21)], 99) == 20.0
    assert percentile([float(i) for i in range(1, 21)], 50) == 10.0


def test_a_wake_from_zero_and_back_passes() -> None:
    records = [_record(i, 0.05 * i, 61.0 - 0.05 * i) for i in range(20)]
    checks, figures = wake_checks(_rows(0, 0, 1, 1, 0), records, held=20, load_zero=100.0, ready_at=160.5)
    assert [c.ok for c in checks] == [True] * 5, [c for c in checks if not c.ok]
    assert figures["succeeded"] == 20 and figures["pod_ready_after_load_start_s"] == 60.5
    assert figures["wake_overhead_s"]["p99"] <= 1.0


def test_a_request_answered_before_readiness_was_not_held() -> None:
    records = [_record(0, 0.0, 2.0), *(_record(i, 0.0, 61.0) for i in range(1, 20))]
    checks, figures = wake_checks(_rows(0, 1, 0), records, held=20, load_zero=0.0, ready_at=60.5)
    assert figures["first_token_before_ready"] == 1
    assert not next(c for c in checks if c.name.startswith("all 20 held requests")).ok


def test_a_failed_request_a_slow_release_and_no_return_to_zero_fail() -> None:
    records = [_record(i, 0.0, 63.0) for i in range(19)] + [_record(19, 0.0, None, "error")]
    checks, _figures = wake_checks(_rows(1, 1, 1), records, held=20, load_zero=0.0, ready_at=60.0)
    failed = {c.name for c in checks if not c.ok}
    assert failed == {
        "the Deployment was at 0 replicas when the load began",
        "all 20 held requests succeeded once the Pod was Ready",
        "the wake overhead beyond Pod readiness is at most 1 s (p99)",
        "KEDA brought it back to 0 after the cooldown",
    }


def test_the_ready_clock_keeps_a_pod_the_agent_forgot() -> None:
    pod = SimpleNamespace(pod={"metadata": {"name": "tiny-predictor-abc"}}, started_at=10.0, ready_after_s=40.0)
    other = SimpleNamespace(pod={"metadata": {"name": "tiny-epp-local"}}, started_at=1.0, ready_after_s=1.0)
    agent = SimpleNamespace(served={"u1": pod, "u2": other})
    clock = ReadyClock(agent, "tiny-predictor")
    clock.note()
    agent.served = {}
    clock.note()
    assert clock.ready_at == {"tiny-predictor-abc": 50.0} and clock.first() == 50.0
