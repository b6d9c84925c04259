"""Serving in ``llm-stack verify`` (marker ``controlplane``): the node agent runs the predictor Pod the real
controllers created and the real kube-scheduler bound: KServe's storage initializer (``kserve-storage``, with the S3
env KServe's credential builder wrote from the ServiceAccount's Secret) downloads the tiny model from the model store
(moto's S3 server in the sandbox) into /mnt/models, then vLLM on CPU loads it and passes the readiness probe KServe
wrote. One verify run (one control plane, one vLLM at a time) over ``dist/`` and a planted defect our schemas accept:
a storageUri whose path the bucket does not hold, which fails with the storage initializer's own error.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from helpers import ROOT, run_verify

pytestmark = pytest.mark.controlplane

Obj = dict[str, Any]
WEIGHTS = "s3://my-org-models/llama-3-70b/"


def _dist() -> list[Obj]:
    return [o for o in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if o]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("serving")
    missing = copy.deepcopy(_dist())
    isvc = next(o for o in missing if o["kind"] == "InferenceService")
    assert isvc["spec"]["predictor"]["storageUris"][0]["uri"] == WEIGHTS
    isvc["spec"]["predictor"]["storageUris"][0]["uri"] = "s3://my-org-models/llama-3-70b-instruct/"
    (root / "missing").mkdir()
    (root / "missing" / "stack.yaml").write_text(yaml.safe_dump_all(missing, sort_keys=False))
    directories = {"dist": ROOT / "dist", "missing-weights": root / "missing"}
    return run_verify(directories, "--serve-models", "1", "--weights-at", WEIGHTS, timeout=3600).reports


def _finding(report: dict[str, Any], check: str) -> dict[str, Any]:
    (found,) = [f for f in report["findings"] if f["kind"] == "InferenceService" and f["check"] == check]
    return found


def test_dist_gets_a_served_predictor_pod_ready_through_the_storage_initializer_and_vllm(
    reports: dict[str, Any],
) -> None:
    report = reports["dist"]
    assert not report.get("error"), report.get("error")
    failures = [f"{f['kind']} {f['name']} [{f['check']}]: {f['detail']}" for f in report["findings"]
                if not f["ok"] and f["check"] != "no drift"]  # fmt: skip
    assert not failures, "\n".join(failures)
    storage = _finding(report, "storage initializer")
    assert f"storage-initializer ({WEIGHTS} -> /mnt/models) completed, exit 0" in storage["detail"], storage
    ready = _finding(report, "vLLM ready")
    assert "kserve-container passed its readiness probe http://10.244.1." in ready["detail"], ready
    assert ":8080/health" in ready["detail"], ready
    # The model store's credentials, made as KServe documents them, are listed; so are the Pods not served.
    assert any(p.startswith("Secret kserve-inference/llm-stack-verify-s3 (the model store's S3 credentials")
               for p in report["prerequisites"]), report["prerequisites"]  # fmt: skip
    assert any("not served: not a KServe predictor Pod" in line for line in report["notServed"]), report["notServed"]
    substitutions = report["controlPlane"]["substitutions"]
    assert any("vLLM is served with --tensor-parallel-size 1" in s for s in substitutions)
    assert any(s.startswith("the model store is moto[server]==") for s in substitutions)


def test_a_storage_uri_missing_from_the_bucket_fails_with_the_storage_initializers_own_error(
    reports: dict[str, Any],
) -> None:
    report = reports["missing-weights"]
    assert not report["ok"]
    storage = _finding(report, "storage initializer")
    assert not storage["ok"]
    assert "failed with exit 1" in storage["detail"], storage
    assert "No model found in llama-3-70b-instruct/" in storage["detail"], storage
    ready = _finding(report, "vLLM ready")
    assert not ready["ok"]
    assert "init container storage-initializer exited 1" in ready["detail"], ready
