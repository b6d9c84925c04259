"""The scaling load's reading of the loop (controlplane/scaling.py): which ScaledObjects it follows, how many Pods
the node agent must serve, and the summary of a timeline (time to capacity, replica-seconds)."""

from __future__ import annotations

from helpers import default_values_copy, synth_objects, with_changes

from llm_stack_harness.base.timeline import RequestCounts, Timeline, TimelineRow, summarize
from llm_stack_harness.controlplane.scaling import (
    LoopSample,
    Target,
    added_pods_served,
    counter_sum,
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
