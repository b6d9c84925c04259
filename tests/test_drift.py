"""What verify reports as drift: a field the manifests wrote that the server holds otherwise (the comparison a GitOps
tool makes), never a field the server only added."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from llm_stack_harness.controlplane.drift import drifted

ROOT = Path(__file__).resolve().parent.parent


def _isvc() -> dict[str, Any]:
    objects = [o for o in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if o]
    return next(o for o in objects if o["kind"] == "InferenceService")


def test_what_the_server_only_added_is_not_drift() -> None:
    written = _isvc()
    live = copy.deepcopy(written)
    live["metadata"] |= {"uid": "u", "resourceVersion": "7", "generation": 1}
    live["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
    live["status"] = {"conditions": [{"type": "Ready", "status": "False"}]}
    container = live["spec"]["predictor"]["containers"][0]
    container["terminationMessagePath"] = "/dev/termination-log"
    container["env"].append({"name": "ADDED_BY_A_WEBHOOK", "value": "1"})
    assert drifted(written, live) == []


def test_a_changed_or_dropped_field_is_drift_with_its_path() -> None:
    written = _isvc()
    live = copy.deepcopy(written)
    container = live["spec"]["predictor"]["containers"][0]
    container["resources"]["requests"]["cpu"] = "8000m"  # a quantity written "8", held "8000m"
    del live["spec"]["predictor"]["minReplicas"]  # pruned: a field the schema does not keep
    name = container["name"]
    found = drifted(written, live)
    assert f"spec.predictor.containers[name={name}].resources.requests.cpu: '8' -> '8000m'" in found, found
    assert any(line.startswith("spec.predictor.minReplicas: ") and line.endswith("-> (absent)") for line in found)
    assert len(found) == 2


def test_an_unnamed_list_must_be_held_item_for_item() -> None:
    written = {"kind": "X", "metadata": {"name": "x"}, "spec": {"args": ["--a", "--b"]}}
    assert drifted(written, {**written, "spec": {"args": ["--a", "--b"]}}) == []
    assert drifted(written, {**written, "spec": {"args": ["--a", "--b", "--c"]}}) == [
        "spec.args: ['--a', '--b'] -> ['--a', '--b', '--c']"
    ]


def test_a_secrets_string_data_is_compared_as_the_data_it_is_stored_as() -> None:
    written = {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}}
    assert drifted(written, {"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dg=="}}) == []
    assert drifted(written, {"kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dw=="}}) == [
        "data.k: 'dg==' -> 'dw=='"
    ]


def test_items_that_share_a_name_are_compared_item_for_item() -> None:
    headers = [
        {"name": "x-client-id", "type": "RegularExpression", "value": "a\\..*"},
        {"name": "x-client-id", "type": "Distinct"},
    ]
    written = {"kind": "X", "metadata": {"name": "x"}, "spec": {"headers": headers}}
    assert drifted(written, {**written, "spec": {"headers": [dict(h) for h in headers]}}) == []
    assert drifted(written, {**written, "spec": {"headers": headers[::-1]}}) != []
