"""The real endpoint picker in ``llm-stack verify`` (marker ``controlplane``): for each InferencePool, the Gateway API
Inference Extension EPP built from its pinned Go module runs with its Deployment's args, env and ConfigMap file, and
its own health service and metrics decide. One verify run (one control plane) over ``examples/values-prefix-aware.yaml``
and a planted defect our schemas accept: an InferencePool whose selector matches none of the predictor's Pods.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from helpers import ROOT, run_verify

from llm_inference_stack.config import load_values
from llm_inference_stack.synth import manifests

pytestmark = pytest.mark.controlplane

VALUES = ROOT / "examples" / "values-prefix-aware.yaml"
#: The Deployment's name where the InferenceService's belongs: the label KServe sets is the InferenceService's name.
MISSED_SELECTOR_VALUE = "llama-3-70b-predictor"


def _findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["kind"] == "InferencePool" and f["check"] == check]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("endpoint-picker")
    objects = copy.deepcopy(manifests(load_values(VALUES)))
    pool = next(o for o in objects if o["kind"] == "InferencePool")
    labels = pool["spec"]["selector"]["matchLabels"]
    assert labels["serving.kserve.io/inferenceservice"] != MISSED_SELECTOR_VALUE
    labels["serving.kserve.io/inferenceservice"] = MISSED_SELECTOR_VALUE
    missed = root / "selector-misses-the-predictor"
    missed.mkdir()
    (missed / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    # No model Pod served: vLLM on CPU refuses the stack's prefix-caching block size 16 (its CPU attention takes
    # multiples of 32, docs/routing.md); the EPP tracks the Pods the stand-in reports Ready.
    run = run_verify({"prefix-aware": VALUES, "missed": missed}, "--serve-models", "0", values={"prefix-aware"})
    return run.reports | {"exit": run.returncode}


def test_prefix_aware_values_verify_with_the_endpoint_picker_running(reports: dict[str, Any]) -> None:
    report = reports["prefix-aware"]
    failures = [f"{f['kind']} {f['name']} [{f['check']}]: {f['detail']}" for f in report["findings"] if not f["ok"]]
    assert report["ok"] and not failures, "\n".join(failures) or report.get("error")
    (ready,) = _findings(report, "endpoint picker ready")
    assert "answered its readiness probe's gRPC health check" in ready["detail"] and "SERVING" in ready["detail"]
    (pods,) = _findings(report, "endpoint picker pods")
    assert "every Ready Pod the selector matches" in pods["detail"], pods
    assert "the EPP tracks 0 Pods" not in pods["detail"] and "-rank-0" in pods["detail"], pods
    plane = report["controlPlane"]
    assert plane["versions"].get("epp") == "v1.5.0"
    assert any("TokenRequest token of the Deployment's ServiceAccount" in s for s in plane["substitutions"])


def test_a_pool_selecting_no_predictor_pod_fails_with_the_endpoint_pickers_count(reports: dict[str, Any]) -> None:
    report = reports["missed"]
    assert not report["ok"] and reports["exit"] != 0
    (ready,) = _findings(report, "endpoint picker ready")
    assert ready["ok"], ready  # it syncs the pool: the pool is there, it selects nothing
    (pods,) = _findings(report, "endpoint picker pods")
    assert not pods["ok"]
    assert (
        "the EPP tracks 0 Pods (inference_pool_per_pod_queue_size has no series for pool llama-3-70b)" in pods["detail"]
    ), pods
    assert MISSED_SELECTOR_VALUE in pods["detail"] and "matches 0 Ready Pods" in pods["detail"], pods
    # The port chain from the pool finds the same: no Pod behind its selector, so no port reaches vLLM.
    (chain,) = _findings(report, "port chain")
    assert not chain["ok"] and "no Pod and no Deployment matches the selector" in chain["detail"], chain
    # Nothing else fails: everything the other controllers judge is as on the good set.
    others = [f for f in report["findings"] if not f["ok"] and f is not pods and f is not chain]
    assert not others, others
