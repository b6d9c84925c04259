"""The scaling load's reading of the loop (controlplane/scaling.py): which ScaledObjects it follows, how many Pods
the node agent must serve, and the summary of a timeline (time to capacity, replica-seconds)."""

from __future__ import annotations

import pytest
from helpers import default_values_copy, synth_objects, with_changes

from llm_stack_harness.base.timeline import RequestCounts, Timeline, TimelineRow, summarize
from llm_stack_harness.controlplane.scaling import (
    NAN_QUANTITY,
    LoopSample,
    Target,
    added_pods_served,
    counter_sum,
    metric_quantity,
    pod_requests,
    served_pod_count,
    targets,
)


def test_the_default_stack_scales_one_predictor_with_its_own_query() -> None:
    objects = synth_objects(default_values_copy())
    (target,) = targets(objects)
    assert target == Target(
        namespace="kserve-inference",
        scaled_object="llama-3-70b",
        deployment="llama-3-70b-predictor",
        query='sum(vllm:num_requests_waiting{model_name="llama-3-70b", namespace="kserve-inference"})',
        min_replicas=1,
        max_replicas=4,
    )


def test_every_replica_the_hpa_may_ask_for_is_served() -> None:
    values = with_changes(default_values_copy(), {"autoscaling.maxReplicas": 3})
    assert served_pod_count(synth_objects(values)) == 3
    fleet = with_changes(
        default_values_copy(),
        {"model": None, "models": [{"name": "a", "storageUri": "s3://m/a/"}, {"name": "b", "storageUri": "s3://m/b/"}]},
    )
    assert served_pod_count(synth_objects(fleet)) == 8  # two models, each up to the default maxReplicas 4


def test_each_pod_keeps_the_most_requests_it_counted_while_ready() -> None:
    rows = [
        TimelineRow(0, "load", 8, LoopSample(pods={"a": 3}), RequestCounts.of([])),
        TimelineRow(5, "load", 8, LoopSample(pods={"a": 9, "b": 0}), RequestCounts.of([])),
        TimelineRow(10, "tail", 0, LoopSample(pods={"b": 4}), RequestCounts.of([])),  # "a" scaled away
    ]
    timeline = Timeline({}, tuple(rows), summarize(rows, [], load_start_s=0, load_end_s=10))
    assert pod_requests(timeline) == {"a": 9, "b": 4}
    # The extra readings are in each row of the JSON, beside the timeline's own columns.
    assert timeline.to_json()["timeline"][1]["pods"] == {"a": 9, "b": 0}


def test_a_counter_is_summed_over_its_labelled_samples_only() -> None:
    text = (
        "# TYPE vllm:request_success_total counter\n"
        'vllm:request_success_total{finished_reason="length"} 7.0\n'
        'vllm:request_success_total{finished_reason="stop"} 2.0\n'
        "vllm:request_success_total_created 1.7e9\n"
    )
    assert counter_sum(text, "vllm:request_success_total") == 9.0


def test_a_scaling_load_may_stop_once_every_pod_above_the_minimum_served_requests() -> None:
    def row(desired: int, pods: dict[str, float]) -> TimelineRow:
        return TimelineRow(0, "load", 8, LoopSample(desired=desired, pods=pods), RequestCounts.of([]))

    assert not added_pods_served(row(1, {"a": 50}), 1)  # no scale-up yet
    assert not added_pods_served(row(2, {"a": 50}), 1)  # asked for, the new Pod not ready
    assert not added_pods_served(row(2, {"a": 50, "b": 2}), 1)  # ready, not yet served enough
    assert added_pods_served(row(2, {"a": 50, "b": 3}), 1)
    assert not added_pods_served(row(3, {"a": 50, "b": 3}), 2)  # a minimum of 2: one more Pod than that is needed


def test_a_pod_s_time_to_ready_is_read_from_the_api_server_s_timestamps_once() -> None:
    from llm_stack_harness.controlplane.scaling import ClusterSampler

    def pod(name: str, created: str, ready: str | None) -> dict[str, object]:
        condition = {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready or created}
        return {
            "metadata": {"name": name, "labels": {"app": "m"}, "creationTimestamp": created},
            "spec": {"containers": [{"name": "kserve-container", "ports": [{"containerPort": 8080}]}]},
            "status": {"podIP": "10.244.1.2", "conditions": [condition]},
        }

    pods = [pod("a", "2026-12-03T14:05:28Z", "2026-12-03T14:06:13Z"), pod("b", "2026-12-03T14:06:44Z", None)]

    class Client:
        def list(self, api_version: str, kind: str, namespace: str) -> list[dict[str, object]]:
            return pods

    target = Target("ns", "m", "m-predictor", "q", 1, 2)
    sampler = ClusterSampler(Client(), "http://127.0.0.1:1", target)  # type: ignore[arg-type]
    deployment = {"spec": {"selector": {"matchLabels": {"app": "m"}}}}
    assert set(sampler.ready_pods(deployment)) == {"a"}
    assert sampler.readiness == {"a": 45.0}
    pods[1] = pod("b", "2026-12-03T14:06:44Z", "2026-12-03T14:10:57Z")
    pods[0]["status"]["conditions"][0]["lastTransitionTime"] = "2026-12-03T14:20:00Z"  # type: ignore[index]
    sampler.ready_pods(deployment)
    assert sampler.readiness == {"a": 45.0, "b": 253.0}  # the first reading of each Pod stays


def test_a_metric_value_is_a_signed_quantity_and_kedas_nan_is_no_reading() -> None:
    assert metric_quantity("20") == 20.0 and metric_quantity("1500m") == 1.5 and metric_quantity("-2") == -2.0
    assert metric_quantity(NAN_QUANTITY) is None
    with pytest.raises(ValueError, match="not a quantity"):
        metric_quantity("twenty")
