"""The scale-from-zero example and the check of it: a ScaledObject that may reach zero replicas is held by an
InferencePool whose endpoint picker has flow control, and woken by that pool's held requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from helpers import ROOT, find, synthesized

from llm_inference_stack.validation.checks import run_checks
from llm_inference_stack.validation.manifests import from_objects

EXAMPLE = ROOT / "examples" / "values-scale-from-zero.yaml"
MODEL = "llama-3-8b"
Objs = list[dict[str, Any]]


def _objects() -> Objs:
    return synthesized(yaml.safe_load(EXAMPLE.read_text()))


def _no_gate(objs: Objs) -> None:
    config_map = find(objs, "ConfigMap", f"{MODEL}-epp")
    config = yaml.safe_load(config_map["data"]["default-plugins.yaml"])
    del config["featureGates"]
    config_map["data"]["default-plugins.yaml"] = yaml.safe_dump(config)


def _no_wake_trigger(objs: Objs) -> None:
    spec = find(objs, "ScaledObject", MODEL)["spec"]
    spec["triggers"] = [t for t in spec["triggers"] if t["name"] != "held-requests"]


def _wake_on_another_pool(objs: Objs) -> None:
    spec = find(objs, "ScaledObject", MODEL)["spec"]
    held = next(t for t in spec["triggers"] if t["name"] == "held-requests")
    held["metadata"]["query"] = held["metadata"]["query"].replace(f'inference_pool="{MODEL}"', 'inference_pool="x"')


def _keda_default_minimum(objs: Objs) -> None:
    spec = find(objs, "ScaledObject", MODEL)["spec"]
    del spec["minReplicaCount"]
    spec["triggers"] = [t for t in spec["triggers"] if t["name"] != "held-requests"]


CASES: dict[str, tuple[str, Callable[[Objs], None]]] = {
    "the picker does not hold": ("nothing holds llama-3-8b's requests", _no_gate),
    "nothing wakes the model": ("no trigger reads the requests InferencePool llama-3-8b holds", _no_wake_trigger),
    "the wake trigger reads another pool": ("no trigger reads the requests", _wake_on_another_pool),
    "KEDA's default minimum is zero": ("no trigger reads the requests", _keda_default_minimum),
}


def test_the_example_scales_to_zero_and_passes_every_check() -> None:
    objs = _objects()
    assert run_checks(from_objects(objs)) == []
    spec = find(objs, "ScaledObject", MODEL)["spec"]
    assert spec["minReplicaCount"] == 0
    assert [t["name"] for t in spec["triggers"]] == ["vllm-waiting-requests", "held-requests"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_planted_defect_fails_the_hold_check(case: str) -> None:
    substring, plant = CASES[case]
    objs = _objects()
    plant(objs)
    mine = [p for p in run_checks(from_objects(objs)) if p.startswith("[scale-from-zero-hold] ")]
    assert mine and any(substring in p for p in mine), mine
