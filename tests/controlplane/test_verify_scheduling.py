"""Scheduling in ``llm-stack verify`` (marker ``controlplane``): the real Deployment and ReplicaSet controllers create
the predictor's Pods and the real kube-scheduler binds them to the declared nodes (two GPU nodes of 4
``nvidia.com/gpu``, tainted ``nvidia.com/gpu=present:NoSchedule``, and a CPU node), or leaves them Pending with its
own message. One verify run (one control plane) over ``dist/`` and two planted defects our schemas accept.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, default_values_copy, run_verify, synth_objects, with_changes

pytestmark = pytest.mark.controlplane

Obj = dict[str, Any]


def _write(objects: list[Obj], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return directory


def _dist() -> list[Obj]:
    return [o for o in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if o]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("scheduling")
    without_toleration = copy.deepcopy(_dist())
    isvc = next(o for o in without_toleration if o["kind"] == "InferenceService")
    assert isvc["spec"]["predictor"].pop("tolerations")
    directories = {
        "dist": ROOT / "dist",
        "eight-gpus": _write(
            synth_objects(with_changes(default_values_copy(), {"model.runtime.gpuCount": 8})), root / "eight-gpus"
        ),
        "no-gpu-toleration": _write(without_toleration, root / "no-gpu-toleration"),
    }
    return run_verify(directories, "--serve-models", "0").reports


def _scheduled(report: dict[str, Any]) -> dict[str, Any]:
    (found,) = [f for f in report["findings"] if f["kind"] == "InferenceService" and f["check"] == "scheduled"]
    return found


def _failures(report: dict[str, Any], *, but: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{f['kind']} {f['namespace']}/{f['name']} [{f['check']}]: {f['detail']}"
        for f in report["findings"]
        if not f["ok"] and f["check"] not in but
    ]


def test_dist_verifies_with_the_predictor_scheduled_on_a_gpu_node(reports: dict[str, Any]) -> None:
    report = reports["dist"]
    assert not report.get("error"), report.get("error")
    # 'no drift' is test_verify.py's to judge (it does not depend on scheduling); every other check passes.
    assert not _failures(report, but=("no drift",)), "\n".join(_failures(report))
    scheduled = _scheduled(report)
    assert scheduled["ok"] and "kube-scheduler bound 1 Pod(s) to gpu-node-" in scheduled["detail"], scheduled
    # KServe's later stages ran on a Deployment the Deployment controller found Available (no patched status).
    ingress = next(f for f in report["findings"] if f["check"] == "no route around the gateway")
    assert ingress["ok"], ingress
    plane = report["controlPlane"]
    assert {"kube-controller-manager", "kube-scheduler"} <= set(plane["versions"])
    assert any("bound Pods are reported Ready without running their containers" in s for s in plane["substitutions"])
    assert [n["name"] for n in plane["nodes"]] == ["gpu-node-1", "gpu-node-2", "cpu-node-1"]
    assert any(p.startswith("ServiceAccount kserve-inference/kserve-s3-reader") for p in report["prerequisites"])


def test_more_gpus_than_any_node_has_fail_with_the_schedulers_message(reports: dict[str, Any]) -> None:
    scheduled = _scheduled(reports["eight-gpus"])
    assert not scheduled["ok"]
    assert "0/3 nodes are available" in scheduled["detail"], scheduled
    # Every node lacks GPUs (the CPU node has none, the GPU nodes 4); the CPU node lacks CPU, memory and storage too.
    assert "3 Insufficient nvidia.com/gpu" in scheduled["detail"], scheduled
    assert not reports["eight-gpus"]["ok"]


def test_a_model_pod_without_the_gpu_toleration_fails_with_the_schedulers_message(reports: dict[str, Any]) -> None:
    scheduled = _scheduled(reports["no-gpu-toleration"])
    assert not scheduled["ok"]
    assert "0/3 nodes are available" in scheduled["detail"], scheduled
    # The GPU nodes' taint, and the CPU node has no GPU.
    assert "2 node(s) had untolerated taint" in scheduled["detail"], scheduled
    assert "1 Insufficient nvidia.com/gpu" in scheduled["detail"], scheduled


def test_a_node_profile_with_an_eight_gpu_node_schedules_the_eight_gpu_model(tmp_path: Path) -> None:
    profile = tmp_path / "nodes.yaml"
    profile.write_text(
        "- name: big-gpu\n"
        "  capacity: {cpu: '96', memory: 1Ti, ephemeral-storage: 2Ti, nvidia.com/gpu: 8}\n"
        "  taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]\n"
        "- name: cpu\n"
        "  capacity: {cpu: '8', memory: 32Gi, ephemeral-storage: 100Gi}\n"
    )
    directory = _write(
        synth_objects(with_changes(default_values_copy(), {"model.runtime.gpuCount": 8})), tmp_path / "eight-gpus"
    )
    report = run_verify({"eight-gpus": directory}, "--serve-models", "0", "--nodes", str(profile)).reports["eight-gpus"]
    scheduled = _scheduled(report)
    assert scheduled["ok"] and scheduled["detail"] == "kube-scheduler bound 1 Pod(s) to big-gpu", scheduled
    assert [n["name"] for n in report["controlPlane"]["nodes"]] == ["big-gpu", "cpu"]
