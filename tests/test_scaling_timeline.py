"""The scaling load's reading of the loop (controlplane/scaling.py): which ScaledObjects it follows, how many Pods
the node agent must serve, and the summary of a timeline (time to capacity, replica-seconds)."""

from __future__ import annotations

from helpers import default_values_copy, synth_objects, with_changes

from llm_stack_harness.controlplane.scaling import Sample, Target, served_pod_count, summarize, targets


def _sample(t: float, desired: int | None, replicas: int, ready: int) -> Sample:
    return Sample(t=t, waiting=None, external_metric=None, desired=desired, replicas=replicas, ready=ready, pods={})


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


def test_time_to_capacity_is_when_ready_replicas_reach_the_peak_the_hpa_wanted() -> None:
    samples = [
        _sample(0, 1, 1, 1),
        _sample(10, 2, 1, 1),
        _sample(20, 3, 3, 1),
        _sample(30, 3, 3, 2),
        _sample(40, 3, 3, 3),  # capacity
        _sample(60, 1, 3, 3),  # after the load (60 s): not the peak's
        _sample(90, 1, 1, 1),
    ]
    summary = summarize(samples, load_s=50)
    assert summary["peak_desired"] == 3
    assert summary["time_to_capacity_s"] == 40
    assert summary["max_replicas"] == 3 and summary["final_replicas"] == 1
    # 1 replica for 20 s, 3 for 70 s: each interval at the replicas its start held.
    assert summary["replica_seconds"] == 1 * 20 + 3 * 70


def test_capacity_never_reached_is_none_not_a_number() -> None:
    summary = summarize([_sample(0, 1, 1, 1), _sample(10, 2, 2, 1), _sample(20, 2, 2, 1)], load_s=30)
    assert summary["peak_desired"] == 2 and summary["time_to_capacity_s"] is None
