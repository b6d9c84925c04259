"""Scale from zero on the real loop (marker ``controlplane``): the probe's scaling run (``--scaling``,
:mod:`llm_stack_harness.controlplane.wake`) on a model with ``minReplicas: 0``, prefix-aware routing and the endpoint
picker's flow control, behind the default gateway.

KEDA first scales KServe's replica away (no demand); the run waits for zero replicas and no Pod. Twenty concurrent
requests then go through the gateway: Envoy asks the endpoint picker (the EPP built from its Go module, its
``flowControl`` feature gate on), which holds them while the pool has no Pod; the Prometheus the Prometheus Operator
configured scrapes the picker's queue gauge through the stack's PodMonitor; KEDA's ``held-requests`` trigger
activates and scales the Deployment 0 -> 1; kube-scheduler binds the Pod, the node agent runs it (storage
initializer, then vLLM) and reports it Ready; the picker sends it the held requests. After ``cooldownPeriod``
without demand KEDA scales back to 0.

Test values: ``pollingInterval`` 5 s, ``cooldownPeriod`` 30 s, ``maxReplicas: 1`` (one vLLM on this machine), a
startup timeout of 280 s and a hold of 295 s (a start on these two cores, beside another control-plane test, takes up
to a few minutes; the AI Gateway lets Envoy wait 300 s for the picker), vLLM without the e2e values' two-sequence
limit (the twenty requests are one batch, so the first tokens after readiness measure the hold, not vLLM's queue).
No token limit, no tracing.
"""

from __future__ import annotations

from typing import Any

import pytest
from local_run_support import require_local_runtime
from probe_support import check, probe_stack, sandbox_values

pytestmark = pytest.mark.controlplane

HELD = 20
LOAD = {
    "concurrency": HELD, "durationSeconds": 1, "outputTokens": 4, "tailSeconds": 300, "pollSeconds": 5,
    "hpaSyncPeriodSeconds": 5, "requestTimeoutSeconds": 330,
}  # fmt: skip
"""Twenty requests at once, for one second (none is answered within it, so no more are sent), each waiting up to
330 s (longer than the hold); then up to 300 s for the 30 s cooldown and KEDA's scale to zero."""


@pytest.fixture(scope="module")
def woken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_local_runtime()
    values = sandbox_values(
        {
            "autoscaling.minReplicas": 0,
            "autoscaling.maxReplicas": 1,
            "autoscaling.activationThreshold": 0,
            "autoscaling.pollingInterval": 5,
            "autoscaling.cooldownPeriod": 30,
            "autoscaling.prometheus.url": None,  # the stack's default: prometheus-operated in monitoring
            "model.runtime.extraArgs": ["--enforce-eager"],
            "model.runtime.startupTimeoutSeconds": 280,
            "routing": {"mode": "prefix-aware", "blockSize": 32, "flowControl": {"holdSeconds": 295}},
        }
    )
    values.setdefault("gateway", {})["rateLimit"] = None  # no token budget
    values.setdefault("observability", {})["phoenix"] = None  # no tracing
    return probe_stack(tmp_path_factory.mktemp("scale-from-zero"), values, "--scaling", LOAD, "scaling")


def test_the_model_starts_at_zero_and_ends_at_zero(woken: dict[str, Any]) -> None:
    replicas = [row["replicas"] for row in woken["details"]["scaling"]["timeline"]]
    assert replicas[0] == 0 and max(r or 0 for r in replicas) == 1 and replicas[-1] == 0, replicas
    assert check(woken, "the Deployment was at 0 replicas when the load began")["ok"]
    assert check(woken, "KEDA woke the model from zero on the held requests")["ok"]
    assert check(woken, "KEDA brought it back to 0 after the cooldown")["ok"]


def test_every_held_request_succeeds_once_the_pod_is_ready(woken: dict[str, Any]) -> None:
    wake = woken["details"]["scaling"]["wake"]
    held = check(woken, f"all {HELD} held requests succeeded once the Pod was Ready")
    assert held["ok"], held
    assert wake["held"] == wake["succeeded"] == HELD, wake
    # Held, not failed fast and not served by a Pod that was there: every first token came after the readiness.
    assert wake["first_token_before_ready"] == 0 and wake["pod_ready_after_load_start_s"] > 0, wake


def test_the_wake_overhead_beyond_readiness_is_within_a_second(woken: dict[str, Any]) -> None:
    overhead = check(woken, "the wake overhead beyond Pod readiness is at most 1 s (p99)")
    assert overhead["ok"], (overhead, woken["details"]["scaling"]["wake"])


def test_the_pickers_queue_held_them_while_there_was_no_pod(woken: dict[str, Any]) -> None:
    """vLLM exports nothing at zero: the ScaledObject's query on the picker's queue gauge saw the held requests."""
    wake = woken["details"]["scaling"]["wake"]
    queue = check(
        woken, "the picker's queue held the requests before the Pod was ready (the ScaledObject's query on it)"
    )
    assert queue["ok"], (queue, wake)
    assert 0 < wake["held_before_ready_max"] <= HELD, wake
