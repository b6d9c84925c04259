"""A rolling update under steady load (marker ``controlplane``): the probe's fault run (``--faults`` with
``rolled-out``, :mod:`llm_stack_harness.controlplane.rollout`) keeps four streamed completions in flight through the
default gateway (Envoy, the AI Gateway's external processor, the rate-limit service, real vLLM on CPU with the tiny
model) through a baseline, one vLLM argument of the model changed and rolled out, and a recovery, each phase at
least 30 s; every request counts in the phase in which it started.

The change goes through the API server (KServe's webhook admits it, KServe writes the new template into the
predictor Deployment, the deployment controller replaces the Pod as the stack's ``deploymentStrategy`` says:
``maxSurge`` 1, ``maxUnavailable`` 0). One replica (``autoscaling.minReplicas`` 1), so without the surge the model
would be gone until the replacement loaded: every request must succeed, the predictor Service must never have fewer
ready endpoints than before, and the old Pod drains (its ``preStop`` sleep, then vLLM's ``--shutdown-timeout``).
"""

from __future__ import annotations

from typing import Any

import pytest
from local_run_support import require_local_runtime
from probe_support import check, probe_stack, sandbox_values

pytestmark = pytest.mark.controlplane

LOAD = {"concurrency": 4, "phaseSeconds": 30, "outputTokens": 32, "faults": ["rolled-out"]}
PHASES = ["baseline", "rolled-out", "recovered"]


@pytest.fixture(scope="module")
def rolled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_local_runtime()
    values = sandbox_values(
        {
            "gateway.rateLimit.tokensPerMinute": 100_000,
            "autoscaling.minReplicas": 1,
            "autoscaling.maxReplicas": 1,
            "observability.phoenix.endpoint": None,
            "observability.phoenix.projectName": "rollout",
        }
    )
    return probe_stack(tmp_path_factory.mktemp("rollout"), values, "--faults", LOAD, "faults")


def test_a_rolling_update_under_load_fails_no_request_and_never_drops_capacity(rolled: dict[str, Any]) -> None:
    counts = rolled["details"]["faults"]
    assert list(counts) == PHASES, counts
    for phase, outcomes in counts.items():
        assert sum(outcomes.values()) >= 10 and outcomes["2xx"] == sum(outcomes.values()), (phase, outcomes)
    run = rolled["details"]["faultRun"]
    assert [p["down"] for p in run["phases"]] == [None, True, None], run["phases"]  # rolling out throughout its hold
    rollout = run["rolledOut"]
    assert len(rollout["ready_before"]) == 1 and rollout["replicas"] == 1, rollout
    assert rollout["ready_after"] and not set(rollout["ready_after"]) & set(rollout["ready_before"]), rollout
    assert rollout["samples"] >= 10 and rollout["min_ready"] >= 1, rollout  # never without a ready Pod
    updated = check(rolled, "a rolling update of the model: every request succeeded and capacity never dropped")
    assert updated["ok"], (updated, run["notOk"])
    for name in ("baseline (all up)", "after the faults (all up again)"):
        assert check(rolled, f"{name}: every request succeeded")["ok"], run["notOk"]
