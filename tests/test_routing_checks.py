"""The checks of prefix-aware routing, each on the prefix-aware example's output with one planted defect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, find, synthesized

from llm_inference_stack.cli import main
from llm_inference_stack.validation.checks import run_checks
from llm_inference_stack.validation.manifests import from_objects

EXAMPLE = ROOT / "examples" / "values-prefix-aware.yaml"
Objs = list[dict[str, Any]]
MODEL = "llama-3-70b"


def _objects() -> Objs:
    return synthesized(yaml.safe_load(EXAMPLE.read_text()))


def _pool(objs: Objs) -> dict[str, Any]:
    return find(objs, "InferencePool", MODEL)


def _args(objs: Objs) -> list[str]:
    args: list[str] = find(objs, "InferenceService", MODEL)["spec"]["predictor"]["containers"][0]["args"]
    return args


def _picker_config(objs: Objs, change: Callable[[dict[str, Any]], None]) -> None:
    config_map = find(objs, "ConfigMap", f"{MODEL}-epp")
    config = yaml.safe_load(config_map["data"]["default-plugins.yaml"])
    change(config)
    config_map["data"]["default-plugins.yaml"] = yaml.safe_dump(config)


def _scorer(config: dict[str, Any]) -> dict[str, Any]:
    scorer: dict[str, Any] = next(p for p in config["plugins"] if p["type"] == "prefix-cache-scorer")
    return scorer


def _wrong_selector(objs: Objs) -> None:
    _pool(objs)["spec"]["selector"]["matchLabels"]["serving.kserve.io/inferenceservice"] = "llama"


def _wrong_target_port(objs: Objs) -> None:
    _pool(objs)["spec"]["targetPorts"] = [{"number": 8000}]


def _missing_picker_service(objs: Objs) -> None:
    _pool(objs)["spec"]["endpointPickerRef"]["name"] = "epp"


def _wrong_picker_port(objs: Objs) -> None:
    _pool(objs)["spec"]["endpointPickerRef"]["port"]["number"] = 9003


def _route_to_missing_pool(objs: Objs) -> None:
    rule = next(
        r for r in find(objs, "AIGatewayRoute")["spec"]["rules"] if r["matches"][0]["headers"][0]["value"] == MODEL
    )
    rule["backendRefs"][0]["name"] = "llama"


def _route_pool_group(objs: Objs) -> None:
    rule = next(
        r for r in find(objs, "AIGatewayRoute")["spec"]["rules"] if r["matches"][0]["headers"][0]["value"] == MODEL
    )
    rule["backendRefs"][0]["group"] = "inference.networking.x-k8s.io"


def _no_prefix_caching(objs: Objs) -> None:
    _args(objs).remove("--enable-prefix-caching")


def _prefix_caching_turned_off(objs: Objs) -> None:
    _args(objs).append("--no-enable-prefix-caching")


def _vllm_block_size(objs: Objs) -> None:
    args = _args(objs)
    args[args.index("--block-size") + 1] = "32"


def _scorer_block_size(objs: Objs) -> None:
    _picker_config(objs, lambda c: _scorer(c)["parameters"].update(blockSizeTokens=64))


def _picker_egress(objs: Objs) -> None:
    policy = find(objs, "NetworkPolicy", f"{MODEL}-epp")
    policy["spec"]["egress"] = [r for r in policy["spec"]["egress"] if 8080 not in [p["port"] for p in r["ports"]]]


CASES: dict[str, tuple[str, str, Callable[[Objs], None]]] = {
    "pool selects no predictor pods": (
        "pool-selector",
        "selects no InferenceService's predictor pods",
        _wrong_selector,
    ),
    "pool target port is not vLLM's": ("pool-target-port", "listens on 8080", _wrong_target_port),
    "picker Service missing": ("pool-endpoint-picker", "'epp' is no Service", _missing_picker_service),
    "picker port not the Service's": ("pool-endpoint-picker", "port.number is 9003", _wrong_picker_port),
    "route to a missing pool": ("route-pool", "'llama' is no InferencePool", _route_to_missing_pool),
    "route to a pool of another group": ("route-pool", "group is 'inference.networking.x-k8s.io'", _route_pool_group),
    "no prefix caching": ("prefix-caching", "have no --enable-prefix-caching", _no_prefix_caching),
    "prefix caching turned off again": ("prefix-caching", "add --enable-prefix-caching", _prefix_caching_turned_off),
    "vLLM block size": ("block-size", "--block-size is 32, but", _vllm_block_size),
    "scorer block size": ("block-size", "blockSizeTokens 64", _scorer_block_size),
    "picker cannot reach the pool": ("epp-egress-to-pool", "not admitted on port 8080", _picker_egress),
}


def test_the_example_passes_every_check() -> None:
    assert run_checks(from_objects(_objects())) == []


def test_the_example_routes_one_model_through_its_pool_and_the_other_through_its_service() -> None:
    objs = _objects()
    rules = {
        r["matches"][0]["headers"][0]["value"]: r["backendRefs"] for r in find(objs, "AIGatewayRoute")["spec"]["rules"]
    }
    assert rules == {
        MODEL: [{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": MODEL}],
        "qwen-7b": [{"name": "qwen-7b"}],
    }
    assert [o["metadata"]["name"] for o in objs if o["kind"] == "InferencePool"] == [MODEL]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_planted_defect_fails_its_check(case: str) -> None:
    check, substring, plant = CASES[case]
    objs = _objects()
    plant(objs)
    problems = run_checks(from_objects(objs))
    mine = [p for p in problems if p.startswith(f"[{check}] ")]
    assert mine, problems
    assert any(substring in p for p in mine), mine


def test_validate_names_the_object_and_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    objs = _objects()
    _wrong_target_port(objs)
    (tmp_path / "llm-stack.k8s.yaml").write_text(yaml.safe_dump_all(objs, sort_keys=False))
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"[pool-target-port] InferencePool kserve-inference/{MODEL}" in err
    assert "set targetPorts to [{number: 8080}]" in err


def test_the_pool_is_validated_against_the_pinned_crd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    objs = _objects()
    _pool(objs)["spec"]["targetPorts"] = []
    _pool(objs)["spec"]["endpointPickerRef"]["failureMode"] = "FailSometimes"
    (tmp_path / "llm-stack.k8s.yaml").write_text(yaml.safe_dump_all(objs, sort_keys=False))
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"[schema] InferencePool kserve-inference/{MODEL}: spec.targetPorts: has 0 item(s)" in err
    assert "spec.endpointPickerRef.failureMode" in err
