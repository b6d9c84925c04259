"""The autoscaling loop turns on real vLLM (marker ``controlplane``): a step of load through the default gateway
fills the queue of the predictor Pod's vLLM, the Prometheus the Prometheus Operator configured scrapes it, KEDA's
scaler and metrics adapter hand ``vllm:num_requests_waiting`` to the horizontal-pod-autoscaling controller, which
scales KServe's Deployment 1 -> 2; kube-scheduler binds the new Pod, the node agent runs it (storage initializer,
then vLLM), its EndpointSlice endpoint turns ready and it serves requests; after the load the HPA returns to 1 once
the scale-down window passes, and no request fails throughout.

Test values: a low threshold, ``maxReplicas: 2`` (two vLLM processes on this machine), short windows, and
kube-controller-manager's HPA sync period at 5 s instead of 15 s (``hpaSyncPeriodSeconds``: the same algorithm,
recomputed more often). No token limit: the load is not the budget's to stop.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from local_run_support import require_local_runtime
from probe_support import check, probe_stack, sandbox_values

pytestmark = pytest.mark.controlplane

LOAD = {
    "concurrency": 8, "durationSeconds": 900, "outputTokens": 192, "tailSeconds": 200, "pollSeconds": 5,
    "hpaSyncPeriodSeconds": 5, "stopOnceServed": True,
}  # fmt: skip
"""Eight requests in flight, each generating 192 tokens (so vLLM, running two at a time, is what they wait for: six
wait, three times the threshold; with short answers the gateway's path is the bottleneck and nothing queues), until
the second Pod has served requests (``stopOnceServed``) or 900 s (the profiles' bound): its vLLM starts in about 40 s
on an idle machine and takes 2 to 8 minutes on these two cores under the load, the longest with another control-plane
test beside it (each of its three processes imports vLLM). Then up to 200 s
for the 120 s scale-down window, the HPA's sync and the Pod's termination."""


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_local_runtime()
    values = sandbox_values(
        {
            "autoscaling.maxReplicas": 2,
            "autoscaling.threshold": 2,
            "autoscaling.activationThreshold": 0,
            "autoscaling.pollingInterval": 5,
            "autoscaling.cooldownPeriod": 30,
            # Longer than the scale-up takes to serve: on these two cores vLLM's own queue gauge reads 0 in some
            # scrapes while six requests wait in its API server (the engine keeps one core; the API server shares the
            # other with the gateway and the control plane), and a 30 s window let the HPA remove the added Pod
            # before it was ready.
            "autoscaling.scaleDownStabilizationSeconds": 120,
            "autoscaling.prometheus.url": None,  # the stack's default: prometheus-operated in monitoring
        }
    )
    values.setdefault("gateway", {})["rateLimit"] = None  # no token budget
    values.setdefault("observability", {})["phoenix"] = None  # no tracing
    return probe_stack(tmp_path_factory.mktemp("scaling"), values, "--scaling", LOAD, "scaling")


def test_load_takes_the_model_from_one_replica_to_two_and_back(scaled: dict[str, Any]) -> None:
    timeline = scaled["details"]["scaling"]["timeline"]
    replicas = [row["replicas"] for row in timeline]
    assert replicas[0] == 1, timeline[:3]
    assert max(r or 0 for r in replicas) == 2, timeline
    assert replicas[-1] == 1, timeline[-3:]
    # The HPA acted on the queue: the external metric it read was above the threshold while it asked for 2.
    asked = [row for row in timeline if row["desired"] == 2]
    assert asked and max(row["external_metric"] or 0 for row in asked) > 2, timeline
    assert check(scaled, "the HPA took the predictor Deployment above its minimum under load")["ok"]
    assert check(scaled, "the HPA brought it back to its minimum after the load")["ok"]


def test_the_added_pod_serves_requests_through_the_gateway(scaled: dict[str, Any]) -> None:
    added = check(scaled, "every Pod the HPA added served requests (its own vLLM's request counter)")
    assert added["ok"], added
    assert len(scaled["details"]["scaling"]["pod_requests"]) == 2, scaled["details"]["scaling"]["pod_requests"]


def test_no_request_fails_while_the_model_scales(scaled: dict[str, Any]) -> None:
    failed = check(scaled, "no request failed during the load")
    assert failed["ok"], failed
    summary = scaled["details"]["scaling"]["summary"]
    assert summary["errors"] == 0 and summary["rate_limited"] == 0 and summary["ok"] > 0, summary
    assert summary["time_to_capacity_s"] is not None, summary
    assert summary["replica_seconds"] > 0


def test_each_scale_up_the_hpa_decided_is_what_desired_replicas_computes(scaled: dict[str, Any]) -> None:
    """Where the real HPA raised its desired count, the library's ``desired_replicas`` (tolerance included) gives the
    same count from the same inputs: the metric the HPA last read (per Pod, times the replicas it computed from).
    The HPA's status holds a decision (desired above current) for one sync, 5 s here, and a poll every 5 s on a
    loaded machine may fall on either side of it: then the first row asking for more is computed from the replicas
    the HPA had at the row before and the external metric polled with it."""
    from llm_inference_stack import AutoscalingConfig
    from llm_inference_stack.autoscaler import desired_replicas

    config = AutoscalingConfig(min_replicas=1, max_replicas=2, threshold=2, activation_threshold=0)
    timeline = scaled["details"]["scaling"]["timeline"]
    decided = [
        row for row in timeline
        if row["hpa_current"] and row["hpa_average"] is not None and (row["desired"] or 0) > row["hpa_current"]
    ]  # fmt: skip
    for row in decided:
        waiting = row["hpa_average"] * row["hpa_current"]
        assert desired_replicas(waiting, config, row["hpa_current"]) == row["desired"], row
    rises = [
        (before, row) for before, row in itertools.pairwise(timeline)
        if (row["desired"] or 0) > (before["desired"] or 0) and before["hpa_current"] and row not in decided
    ]  # fmt: skip
    assert decided or rises, timeline
    for before, row in rises:
        assert row["external_metric"] is not None, row
        assert desired_replicas(row["external_metric"], config, before["hpa_current"]) == row["desired"], (before, row)
