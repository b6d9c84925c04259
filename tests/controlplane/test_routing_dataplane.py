"""Prefix-aware routing on the real data path (marker ``controlplane``): the probe's routing run (``--routing``,
:mod:`llm_stack_harness.controlplane.routing_checks`) on a model with ``routing.mode: prefix-aware`` and two vLLM Pods
(real vLLM on CPU, the tiny model), behind the default gateway.

The InferencePool's endpoint picker runs as the Pod of its EPP Deployment (the EPP built from its Go module, with the
synthesized args and EndpointPickerConfig, watching the Pods through the API server with its ServiceAccount's token
and scraping each vLLM's metrics); the AI Gateway's extension server configures Envoy to ask it for each request's
destination. A seeded shared-prefix workload (sessions, each a long system prompt of its own and short turns) is sent
session after session, and each Pod's own vLLM counters say where each session's requests went and how many prompt
tokens its prefix cache held. Then the Pod that served the first session is made unready (its vLLM's API server
stopped, so its readiness probe fails) and that session is sent again: the picker must send it to the other Pod.

vLLM on CPU needs a block size that is a multiple of 32 (docs/routing.md), so the stack's ``routing.blockSize`` is 32
here, and vLLM and the prefix scorer both use it.
"""

from __future__ import annotations

from typing import Any

import pytest
from local_run_support import require_local_runtime
from probe_support import check, probe_stack, sandbox_values

pytestmark = pytest.mark.controlplane

WORKLOAD = {"sessions": 6, "turns": 5, "systemWords": 300, "turnWords": 10, "outputTokens": 4, "seed": 7}


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_local_runtime()
    values = sandbox_values(
        {
            "gateway.rateLimit.tokensPerMinute": 1_000_000,
            "autoscaling.minReplicas": 2,
            "autoscaling.maxReplicas": 2,
            "model.runtime.maxModelLen": 512,
            "model.routing": {"mode": "prefix-aware"},
            "routing.blockSize": 32,
            "observability.phoenix.endpoint": None,
            "observability.phoenix.projectName": "routing",
        }
    )
    return probe_stack(tmp_path_factory.mktemp("routing"), values, "--routing", {"workload": WORKLOAD}, "routing")


def test_the_endpoint_picker_keeps_each_session_on_one_pod(routed: dict[str, Any]) -> None:
    run = routed["details"]["routing"]
    assert run["mode"] == "prefix-aware" and len(run["pods"]) == 2, run
    assert check(routed, "every request of the shared-prefix workload succeeded")["ok"], run["failed"]
    placed = check(
        routed,
        "each session's requests landed on one model Pod (the endpoint picker's pick, by the Pods' own counters)",
    )
    assert placed["ok"], placed
    assert len(run["sessions"]) == WORKLOAD["sessions"]
    assert all(sum(counts.values()) == WORKLOAD["turns"] for counts in run["sessions"]), run["sessions"]


def test_the_sessions_prompts_hit_the_prefix_cache_of_their_pod(routed: dict[str, Any]) -> None:
    run = routed["details"]["routing"]
    hits = check(routed, "the prefix cache hit rate (vLLM's prefix_cache counters on the Pods) is at least 0.6")
    assert hits["ok"], (hits, run["prefix_cache"])
    picker = check(
        routed, "the endpoint picker's prefix scorer matched the sessions' prompts (its own hit-ratio histogram)"
    )
    assert picker["ok"], picker
    assert run["ttft_p50_s"] is not None and run["added_latency_ms"]["pairs"] > 0, run


def test_a_pod_made_unready_gets_no_new_request(routed: dict[str, Any]) -> None:
    unready = routed["details"]["routing"]["unready"]
    verdict = check(
        routed,
        "a model Pod made unready (its vLLM stopped, its readiness probe failing) got no new request; the other "
        "Pod served them",
    )
    assert verdict["ok"], (verdict, unready)
    assert unready["victim_served"] == 0 and unready["others_served"] == WORKLOAD["turns"], unready
