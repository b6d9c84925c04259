"""Faults under steady load (marker ``controlplane``): the probe's fault run (``--faults``,
:mod:`llm_stack_harness.controlplane.faults`) keeps four streamed completions in flight through the default gateway
(Envoy, the AI Gateway's external processor, the rate-limit service, real vLLM on CPU with the tiny model) for the
whole run, through a baseline, Phoenix down, Redis down, one of the model's two Pods killed and a recovery, each
held 30 s; every request counts in the phase in which it started.

- Phoenix down: the external processor's and vLLM's span exporters must neither block nor fail a request.
- Redis down: Envoy Gateway's ``rateLimit.failClosed`` is false (``envoy_gateway.RATE_LIMIT_FAIL_CLOSED``), so the
  token limit fails open: every request succeeds and Envoy's ``ratelimit.failure_mode_allowed`` rises; after Redis is
  back (empty) the rate-limit service counts tokens in it again.
- One of two Pods killed: 15 s into its phase one of the model's two vLLM Pods is deleted through the API server as
  ``kubectl delete pod`` does (graceful); its endpoint must leave the EndpointSlices' ready ones, and every request
  in flight at the kill (the Pod serves on for its ``preStop`` sleep, then vLLM drains) or started after it must
  succeed (on the other Pod or the ReplicaSet's replacement, which the phase waits for); the report says how many
  were in flight on the killed Pod (its own vLLM's gauges).

Test values: the stack's default budget, 100000 tokens per client per minute, written out: four requests of about
50 tokens (16 words of prompt with the chat template, 32 generated) in flight on two cores finish a few per second,
well under 10000 tokens a minute, so a 429 in any phase is a real failure. Phoenix at the stack's default endpoint.
Two replicas (``autoscaling.minReplicas`` and ``maxReplicas`` 2: KServe starts two, KEDA does not run here), so the
node agent serves two vLLM Pods for the whole run (the other phases too: one control plane for every fault).
"""

from __future__ import annotations

from typing import Any

import pytest
from local_run_support import require_local_runtime
from probe_support import check, probe_stack, sandbox_values

pytestmark = pytest.mark.controlplane

TOKENS_PER_MINUTE = 100_000
"""The budget of each client on each model: the load uses a tenth of it (see the module's docstring)."""
LOAD = {"concurrency": 4, "phaseSeconds": 30, "outputTokens": 32,
        "faults": ["phoenix-down", "redis-down", "pod-killed"]}  # fmt: skip
PHASES = ["baseline", "phoenix-down", "redis-down", "pod-killed", "recovered"]


@pytest.fixture(scope="module")
def faulted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_local_runtime()
    values = sandbox_values(
        {
            "gateway.rateLimit.tokensPerMinute": TOKENS_PER_MINUTE,
            "autoscaling.minReplicas": 2,
            "autoscaling.maxReplicas": 2,
            # The stack's default endpoint (the official chart's phoenix-svc), where the probe's Phoenix answers.
            "observability.phoenix.endpoint": None,
            "observability.phoenix.projectName": "faults",
        }
    )
    # Kept beside the manifests (pytest keeps its last runs' directories): the counts, phases and latencies to read.
    return probe_stack(tmp_path_factory.mktemp("faults"), values, "--faults", LOAD, "faults")


def test_every_phase_ran_under_load_in_order(faulted: dict[str, Any]) -> None:
    counts = faulted["details"]["faults"]
    assert list(counts) == PHASES, counts
    for phase, outcomes in counts.items():
        assert sum(outcomes.values()) >= 10, (phase, outcomes)  # a steady load, not a handful of requests
    run = faulted["details"]["faultRun"]
    assert [p["name"] for p in run["phases"]] == PHASES
    assert [p["down"] for p in run["phases"]] == [None, True, True, True, None], run["phases"]
    assert run["unattributed"] <= LOAD["concurrency"], run  # at most those sent as the load was told to stop
    assert run["tokensPerMinute"] == TOKENS_PER_MINUTE
    assert any(line.startswith("a component down (Phoenix, Redis)") for line in faulted["details"]["substitutions"])


def test_with_phoenix_down_every_request_succeeds(faulted: dict[str, Any]) -> None:
    outcomes = faulted["details"]["faults"]["phoenix-down"]
    assert outcomes["2xx"] == sum(outcomes.values()), outcomes
    assert check(faulted, "Phoenix down: every request succeeded")["ok"]


def test_with_redis_down_the_token_limit_fails_open(faulted: dict[str, Any]) -> None:
    outcomes = faulted["details"]["faults"]["redis-down"]
    assert outcomes["2xx"] == sum(outcomes.values()) and outcomes["429"] == outcomes["5xx"] == 0, outcomes
    assert faulted["details"]["faultRun"]["rateLimitFailClosed"] is False
    redis = next(p for p in faulted["details"]["faultRun"]["phases"] if p["name"] == "redis-down")
    assert (redis["ratelimit"] or {}).get("failure_mode_allowed", 0) > 0, (
        redis
    )  # the limit was asked, and Envoy let it pass
    failed_open = check(faulted, "Redis down: the token limit failed open")
    assert failed_open["ok"], failed_open


def test_after_redis_is_back_the_rate_limit_service_counts_in_it_again(faulted: dict[str, Any]) -> None:
    counted = check(faulted, "Redis back: the rate-limit service counts tokens in it again")
    assert counted["ok"], counted
    assert sum(faulted["details"]["faultRun"]["budgetCounters"].values()) > 0


def test_with_everything_up_every_request_succeeds(faulted: dict[str, Any]) -> None:
    """The baseline and the recovery: with no fault, no request fails (an Envoy 503 here is not a fault's)."""
    for name in ("baseline (all up)", "after the faults (all up again)"):
        succeeded = check(faulted, f"{name}: every request succeeded")
        assert succeeded["ok"], (succeeded, faulted["details"]["faultRun"]["notOk"])


def test_with_one_of_two_pods_killed_every_request_started_after_the_kill_succeeds(faulted: dict[str, Any]) -> None:
    """The figure docs/operations.md keeps: how many were in flight on the killed Pod and how many of those failed."""
    killed = faulted["details"]["faultRun"]["podKilled"]
    assert killed is not None, faulted["details"]["faultRun"]
    assert len(killed["ready_before"]) == 2 and killed["pod"] in killed["ready_before"], killed
    assert killed["grace_period_s"] == 120, killed  # graceful: the Pod's terminationGracePeriodSeconds
    assert killed["not_ready_after_s"] is not None, killed  # the endpointslice controller took it out
    assert killed["replacement"] and killed["replacement"] not in killed["ready_before"], killed
    assert killed["in_flight"] is not None and killed["in_flight"] >= 1, killed  # the kill hit requests streaming
    assert sum(killed["after"].values()) >= 10 and killed["after"]["2xx"] == sum(killed["after"].values()), killed
    assert killed["records_in_flight"] >= 1 and killed["records_in_flight_failed"] == 0, killed  # drained, not cut
    survived = check(faulted, "one of two Pods killed: every request in flight at the kill or started after it "
                              "succeeded")  # fmt: skip
    assert survived["ok"], (survived, faulted["details"]["faultRun"]["notOk"])
