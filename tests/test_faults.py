"""The fault run's reading of a steady load (controlplane/faults.py), without servers: which phase each request
counts in, how it ended, what each check says, the ``--faults`` spec and its bounds, the steady profile, the fault
sequence on stand-in components, and the Redis replies the data path reads."""

from __future__ import annotations

import io
import itertools
import json
import re
from typing import Any

import pytest

from llm_stack_harness.base.errors import LoadProfileError
from llm_stack_harness.base.load import RequestRecord
from llm_stack_harness.base.load_profile import MAX_DURATION_S, StepProfile
from llm_stack_harness.controlplane import probe
from llm_stack_harness.controlplane.dataplane import DataPlaneError, read_redis_reply
from llm_stack_harness.controlplane.envoy_gateway import RATE_LIMIT_FAIL_CLOSED, envoy_gateway_config
from llm_stack_harness.controlplane.faults import (
    DEFAULT_FAULTS,
    FAULTS,
    MAX_PHASE_S,
    Component,
    FaultSpec,
    Phase,
    counting_again_check,
    failed_open_check,
    fault_checks,
    outcome,
    phase_counts,
    phase_latency,
    phase_of,
    run_phases,
    succeeded_check,
)

PHASES = [
    Phase("baseline", 0.0, 30.0),
    Phase("phoenix-down", 30.0, 75.5, down=True, restart_s=15.5),
    Phase("redis-down", 75.5, 106.0, down=True, restart_s=0.4,
          ratelimit={"ok": 0, "over_limit": 0, "error": 41, "failure_mode_allowed": 41}),
    Phase("recovered", 106.0, 136.0),
]  # fmt: skip


def record(start_s: float, status: str = "2xx", code: int | None = 200, end_s: float | None = None) -> RequestRecord:
    return RequestRecord(0, start_s, 0.1, start_s + 2 if end_s is None else end_s, status, code)  # type: ignore[arg-type]


def test_a_request_counts_in_the_phase_in_which_it_started() -> None:
    assert phase_of(0.0, PHASES) == "baseline"
    assert phase_of(29.99, PHASES) == "baseline"
    assert phase_of(30.0, PHASES) == "phoenix-down"  # a boundary belongs to the phase it opens
    assert phase_of(136.0, PHASES) is None  # after the last phase (the load was told to stop)
    records = [
        record(29.5, end_s=31.0),  # started in the baseline, ended with Phoenix down: the baseline's
        record(30.0),
        record(80.0, "error", 503),
        record(90.0, "429", 429),
        record(95.0, "error", None),
        record(107.0),
        record(140.0, "error", 503),  # outside every phase: counted nowhere
    ]
    assert phase_counts(records, PHASES) == {
        "baseline": {"2xx": 1, "429": 0, "5xx": 0, "other": 0},
        "phoenix-down": {"2xx": 1, "429": 0, "5xx": 0, "other": 0},
        "redis-down": {"2xx": 0, "429": 1, "5xx": 1, "other": 1},
        "recovered": {"2xx": 1, "429": 0, "5xx": 0, "other": 0},
    }


def test_each_phase_has_the_median_latency_of_its_successful_requests() -> None:
    records = [record(1.0, end_s=2.0), record(2.0, end_s=5.0), record(3.0, end_s=4.0), record(31.0, "error", 503)]
    latency = phase_latency(records, PHASES)
    assert latency["baseline"] == {"ttftP50S": 0.1, "durationP50S": 1.0}
    assert latency["phoenix-down"] == {"ttftP50S": None, "durationP50S": None}  # its one request failed


def test_a_request_ends_2xx_429_5xx_or_other() -> None:
    assert outcome(record(0)) == "2xx"
    assert outcome(record(0, "429", 429)) == "429"
    assert outcome(record(0, "error", 503)) == "5xx"
    assert outcome(record(0, "error", 500)) == "5xx"
    assert outcome(record(0, "error", 404)) == "other"
    assert outcome(record(0, "error", None)) == "other"  # a connection error, a timeout, a stream broken off


def test_phoenix_down_succeeds_only_when_every_request_did_and_phoenix_was_down() -> None:
    check = succeeded_check(PHASES[1], {"2xx": 212, "429": 0, "5xx": 0, "other": 0})
    assert check.name == "Phoenix down: every request succeeded"
    assert check.ok
    assert check.detail == (
        "212 of 212 (2xx 212, 429 0, 5xx 0, other 0); down throughout: yes, healthy 15.5 s after its start"
    )
    one_503 = succeeded_check(PHASES[1], {"2xx": 211, "429": 0, "5xx": 1, "other": 0})
    assert not one_503.ok and one_503.detail.startswith("211 of 212 (2xx 211, 429 0, 5xx 1, other 0)")
    answered = Phase("phoenix-down", 30.0, 75.5, down=False, restart_s=1.0)
    still_up = succeeded_check(answered, {"2xx": 10, "429": 0, "5xx": 0, "other": 0})
    assert not still_up.ok and "down throughout: NO (it answered)" in still_up.detail
    assert not succeeded_check(PHASES[0], {"2xx": 0, "429": 0, "5xx": 0, "other": 0}).ok  # no request: no proof
    assert succeeded_check(PHASES[0], {"2xx": 5, "429": 0, "5xx": 0, "other": 0}).name == (
        "baseline (all up): every request succeeded"
    )


def test_redis_down_fails_open_when_nothing_is_refused_and_envoy_let_requests_through() -> None:
    check = failed_open_check(PHASES[2], {"2xx": 120, "429": 0, "5xx": 0, "other": 0})
    assert check.name == "Redis down: the token limit failed open"
    assert check.ok
    assert check.detail.startswith("120 requests, 0 refused (2xx 120, 429 0, 5xx 0, other 0); ")
    assert "ratelimit.failure_mode_allowed +41" in check.detail
    assert "rateLimit.failClosed: false (envoy_gateway.RATE_LIMIT_FAIL_CLOSED)" in check.detail
    refused = failed_open_check(PHASES[2], {"2xx": 118, "429": 1, "5xx": 1, "other": 0})
    assert not refused.ok and refused.detail.startswith("120 requests, 2 refused")
    # Every request succeeded, but Envoy never let one through for want of an answer: the limit was not exercised.
    unasked = Phase(
        "redis-down",
        75.5,
        106.0,
        down=True,
        ratelimit={k: 0 for k in ("ok", "over_limit", "error", "failure_mode_allowed")},
    )
    assert not failed_open_check(unasked, {"2xx": 120, "429": 0, "5xx": 0, "other": 0}).ok
    unread = Phase("redis-down", 75.5, 106.0, down=True, ratelimit=None)
    not_read = failed_open_check(unread, {"2xx": 120, "429": 0, "5xx": 0, "other": 0})
    assert not not_read.ok and "Envoy's stats not read" in not_read.detail


def test_redis_back_counts_again_only_with_a_counter_above_zero() -> None:
    check = counting_again_check({"domain_x-client-id_test_1700000000": 2912})
    assert check.name == "Redis back: the rate-limit service counts tokens in it again"
    assert check.ok and check.detail.startswith("1 counters, 2912 tokens counted since Redis restarted empty")
    assert not counting_again_check({}).ok


def test_one_check_per_phase_and_the_recount_when_redis_was_down() -> None:
    ok = {"2xx": 10, "429": 0, "5xx": 0, "other": 0}
    checks = fault_checks(PHASES, dict.fromkeys(("baseline", "phoenix-down", "redis-down", "recovered"), ok),
                          counters={"k": 5})  # fmt: skip
    assert [c.name for c in checks] == [
        "baseline (all up): every request succeeded",
        "Phoenix down: every request succeeded",
        "Redis down: the token limit failed open",
        "after the faults (all up again): every request succeeded",
        "Redis back: the rate-limit service counts tokens in it again",
    ]
    assert all(c.ok for c in checks)
    assert len(fault_checks(PHASES[:2], {"baseline": ok, "phoenix-down": ok}, counters=None)) == 2


def test_the_spec_has_defaults_and_every_fault_fits_in_the_load_s_bound() -> None:
    assert FaultSpec.from_json({}) == FaultSpec(concurrency=4, phase_s=30.0, output_tokens=32, faults=DEFAULT_FAULTS)
    spec = FaultSpec.from_json({"concurrency": 2, "phaseSeconds": 10, "outputTokens": 8, "faults": ["redis-down"]})
    assert spec.to_json() == {"concurrency": 2, "phaseSeconds": 10.0, "outputTokens": 8, "faults": ["redis-down"]}
    assert spec.bound_s == 10 * 3 + 20
    assert FaultSpec.from_json({"phaseSeconds": 30}).bound_s == 30 * 5 + 300 + 20 + 420
    for faults in (DEFAULT_FAULTS, ("rolled-out",)):  # every fault runs in one of the two
        longest = FaultSpec(phase_s=MAX_PHASE_S, faults=faults)
        assert longest.bound_s <= MAX_DURATION_S
        StepProfile(concurrency=64, duration_s=longest.bound_s)  # the load such a spec runs is a valid step
    assert set(FAULTS) == {*DEFAULT_FAULTS, "rolled-out"}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"phaseSeconds": 0}, "--faults phaseSeconds: 0 is not valid: give seconds, 5 to 30"),
        ({"concurrency": 0}, "--faults concurrency: 0 is not valid: give a whole number, 1 to 64"),
        ({"outputTokens": 1.5}, "--faults outputTokens: 1.5 is not valid: give a whole number, 1 to 8192"),
        ({"faults": ["vllm-down"]}, "--faults faults: 'vllm-down' is not valid: give a list of distinct faults among "
                                    "phoenix-down, redis-down, pod-killed, rolled-out, at least one"),
        ({"faults": []}, "--faults faults: [] is not valid: give a list"),
        ({"faults": ["redis-down", "redis-down"]}, "--faults faults: ['redis-down', 'redis-down'] is not valid"),
        ({"durationSeconds": 60}, "--faults durationSeconds: 60 is not valid: leave it out: give only concurrency, "
                                  "faults, outputTokens, phaseSeconds"),
        ([1, 2], "--faults: [1, 2] is not valid: give a JSON object with concurrency, faults"),
    ],
)  # fmt: skip
def test_a_bad_spec_names_the_field_the_value_and_the_fix(given: Any, message: str) -> None:
    with pytest.raises(LoadProfileError, match=re.escape(message)):
        FaultSpec.from_json(given)


def test_the_probe_refuses_a_bad_spec_before_anything_is_built(capsys: pytest.CaptureFixture[str]) -> None:
    assert probe.main(["some-dir", "--vllm", "--faults", '{"phaseSeconds": 1000}']) == probe.EXIT_INVALID
    assert "--faults phaseSeconds: 1000 is not valid: give seconds, 5 to 30" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"concurrency": 4, "durationSeconds": 60},
            "--scaling tailSeconds: '(missing)' is not valid: give the seconds",
        ),
        ({"durationSeconds": 60, "tailSeconds": 9}, "--scaling concurrency: '(missing)' is not valid: give it, or a"),
        (
            {"concurrency": "4", "durationSeconds": 60, "tailSeconds": 9},
            "--scaling concurrency: '4' is not valid: give",
        ),
        (
            {"concurrency": 4, "durationSeconds": 60, "tailSeconds": 9, "polSeconds": 5},
            "--scaling polSeconds: 5 is not",
        ),
        (
            {"concurrency": 4, "durationSeconds": 60, "tailSeconds": 9, "hpaSyncPeriodSeconds": 30},
            "--scaling hpaSyncPeriodSeconds: 30 is not valid: give seconds, 1 to 15",
        ),
        (
            {"concurrency": 4, "durationSeconds": 60, "tailSeconds": 9, "stopOnceServed": "yes"},
            "--scaling stopOnceServed: 'yes' is not valid: give true or false",
        ),
        ([4], "--scaling: [4] is not valid: give a JSON object with"),
    ],
)
def test_the_probe_refuses_a_bad_scaling_job_naming_the_key(
    capsys: pytest.CaptureFixture[str], spec: Any, message: str
) -> None:
    assert probe.main(["some-dir", "--vllm", "--scaling", json.dumps(spec)]) == probe.EXIT_INVALID
    assert message in capsys.readouterr().err


class _Clock:
    """The load's clock for :func:`run_phases`, on the real time (the phases sleep)."""

    def __init__(self) -> None:
        import time

        self._zero = time.monotonic()

    def now(self) -> float:
        import time

        return time.monotonic() - self._zero


def test_the_faults_run_in_order_each_stopped_held_and_started_again() -> None:
    events: list[str] = []

    def component(name: str, *, stays_up: bool = False) -> Component:
        up = [True]

        def stop() -> None:
            events.append(f"stop {name}")
            up[0] = stays_up

        def start() -> None:
            events.append(f"start {name}")
            up[0] = True

        return Component(name, stop, start, lambda: up[0])

    faults = {"phoenix-down": component("Phoenix"), "redis-down": component("Redis", stays_up=True)}
    spec = FaultSpec(phase_s=0.05, faults=("phoenix-down", "redis-down"))
    clock = _Clock()
    # Envoy's stats on a closed loopback port: not read, so no phase has a rate-limit rise.
    phases = run_phases(clock, spec, faults, stats_url="http://127.0.0.1:9/stats", log=events.append)  # type: ignore[arg-type]
    assert [p.name for p in phases] == ["baseline", "phoenix-down", "redis-down", "recovered"]
    assert [e for e in events if not e.startswith("faults:")] == ["stop Phoenix", "start Phoenix", "stop Redis",
                                                                 "start Redis"]  # fmt: skip
    assert phases[0].start_s == 0.0
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(phases))
    assert all(p.end_s - p.start_s >= spec.phase_s for p in phases)
    assert (phases[1].down, phases[2].down) == (True, False)  # Redis "answered" while it should have been down
    assert phases[0].down is None and phases[0].restart_s is None and phases[1].restart_s is not None
    assert all(p.ratelimit is None for p in phases)


def test_the_harness_writes_envoy_gateway_s_fail_open_rate_limit_out() -> None:
    assert RATE_LIMIT_FAIL_CLOSED is False
    config = envoy_gateway_config("127.0.0.1", 1063)
    assert config["rateLimit"]["failClosed"] is RATE_LIMIT_FAIL_CLOSED
    assert config["rateLimit"]["backend"]["type"] == "Redis"


def test_redis_replies_are_read_as_resp2() -> None:
    assert read_redis_reply(io.BytesIO(b"+OK\r\n")) == "OK"
    assert read_redis_reply(io.BytesIO(b":42\r\n")) == 42
    assert read_redis_reply(io.BytesIO(b"$4\r\n2912\r\n")) == "2912"
    assert read_redis_reply(io.BytesIO(b"$-1\r\n")) is None
    assert read_redis_reply(io.BytesIO(b"*2\r\n$1\r\na\r\n$2\r\nbc\r\n")) == ["a", "bc"]
    assert read_redis_reply(io.BytesIO(b"*0\r\n")) == []
    with pytest.raises(DataPlaneError, match=r"redis-server answered 'ERR unknown command'$"):
        read_redis_reply(io.BytesIO(b"-ERR unknown command\r\n"))
