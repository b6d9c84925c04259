"""What tests share (values.yaml, synthesized objects) reaches each test as its own copy: a change one test makes
never shows in another's input."""

from __future__ import annotations

from typing import Any

from helpers import default_values_copy, find, synthesized, with_changes


def test_each_default_values_is_its_own_copy(default_values: dict[str, Any]) -> None:
    default_values["model"]["runtime"]["gpuCount"] = 99
    assert default_values_copy()["model"]["runtime"]["gpuCount"] != 99


def test_synthesized_objects_are_each_callers_own(default_values: dict[str, Any]) -> None:
    values = with_changes(default_values, {"gateway.replicas": 3})
    first = synthesized(values)
    find(first, "InferenceService")["spec"]["predictor"]["containers"][0]["args"].append("--changed")
    first.pop()
    second = synthesized(values)
    assert second != first
    assert "--changed" not in find(second, "InferenceService")["spec"]["predictor"]["containers"][0]["args"]
    assert second == synthesized(values) and second is not synthesized(values)


def test_synthesized_follows_the_values(default_values: dict[str, Any]) -> None:
    one, four = (synthesized(with_changes(default_values, {"model.runtime.gpuCount": n})) for n in (1, 4))
    gpus = [
        find(o, "InferenceService")["spec"]["predictor"]["containers"][0]["resources"]["limits"] for o in (one, four)
    ]
    assert [g["nvidia.com/gpu"] for g in gpus] == ["1", "4"]
