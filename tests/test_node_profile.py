"""The nodes ``llm-stack verify`` schedules on, without a control plane: the default profile against what the default
values request, ``--nodes FILE`` parsing and its messages, and the Pod status the stand-in for the kubelets reports
(the runs with the real scheduler are in tests/controlplane/test_verify_scheduling.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, run_cli

from llm_inference_stack.quantity import parse_quantity
from llm_stack_harness.base import substitutions
from llm_stack_harness.controlplane import nodes, verify


def _dist_isvc() -> dict[str, Any]:
    objects = list(yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()))
    return next(o for o in objects if o and o["kind"] == "InferenceService")


def test_default_gpu_nodes_fit_the_default_model_pods_and_carry_the_taint_they_tolerate() -> None:
    isvc = _dist_isvc()
    requests = isvc["spec"]["predictor"]["containers"][0]["resources"]["requests"]
    tolerations = isvc["spec"]["predictor"]["tolerations"]
    gpu_nodes = [n for n in nodes.DEFAULT_NODES if nodes.GPU_RESOURCE in n.allocatable]
    assert len(gpu_nodes) == 2
    for node in gpu_nodes:
        assert node.allocatable[nodes.GPU_RESOURCE] == "4"
        # Two of the default pods per node (2 GPUs each): every resource the default values request fits twice.
        for resource, quantity in requests.items():
            assert parse_quantity(node.allocatable[resource]) >= 2 * parse_quantity(str(quantity)), resource
        assert list(node.taints) == [nodes.GPU_TAINT]
        taint = node.taints[0]
        assert any(
            t["key"] == taint["key"] and t["effect"] == taint["effect"] and t.get("operator") == "Exists"
            for t in tolerations
        ), tolerations
    cpu_nodes = [n for n in nodes.DEFAULT_NODES if nodes.GPU_RESOURCE not in n.allocatable]
    assert [n.name for n in cpu_nodes] == ["cpu-node-1"] and not cpu_nodes[0].taints


def test_a_profile_file_is_read_with_defaults_filled_in(tmp_path: Path) -> None:
    path = tmp_path / "nodes.yaml"
    path.write_text(
        "- name: big-gpu\n"
        "  capacity: {cpu: 64, memory: 512Gi, nvidia.com/gpu: 8}\n"
        "  allocatable: {cpu: 63500m}\n"
        "  labels: {pool: a}\n"
        "  taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]\n"
    )
    (node,) = nodes.load_profile(path)
    assert node.name == "big-gpu"
    assert node.capacity == {"cpu": "64", "memory": "512Gi", "nvidia.com/gpu": "8", "pods": "110"}
    assert node.allocatable == node.capacity | {"cpu": "63500m"}
    assert node.taints == ({"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"},)
    assert nodes.parse_profile([node.as_dict()]) == (node,)
    obj = nodes.node_object(node)
    assert obj["metadata"]["labels"]["kubernetes.io/hostname"] == "big-gpu"
    assert obj["metadata"]["labels"]["pool"] == "a"
    status = nodes.node_status(node, 0)
    assert {c["type"]: c["status"] for c in status["conditions"]}["Ready"] == "True"
    assert status["allocatable"]["nvidia.com/gpu"] == "8"


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("{name: a}", "nodes: a node profile is a non-empty YAML list of nodes"),
        ("[]", "nodes: a node profile is a non-empty YAML list of nodes"),
        ("- name: a\n", "nodes[0].capacity: must be a mapping"),
        ("- {name: a, capacity: {memory: 1Gi}}", "nodes[0].capacity.cpu: missing"),
        ("- {name: a, capacity: {cpu: lots, memory: 1Gi}}", "nodes[0].capacity.cpu: 'lots' is not a quantity"),
        ("- {name: A_b, capacity: {cpu: 1, memory: 1Gi}}", "nodes[0].name: 'A_b' is not a node name"),
        ("- {name: a, capacity: {cpu: 1, memory: 1Gi}, gpus: 4}", "nodes[0].gpus: unknown field"),
        (
            "- {name: a, capacity: {cpu: 1, memory: 1Gi}}\n- {name: a, capacity: {cpu: 1, memory: 1Gi}}",
            "nodes[1].name: 'a' is declared twice",
        ),
        (
            "- {name: a, capacity: {cpu: 1, memory: 1Gi}, taints: [{key: k, effect: Never}]}",
            "nodes[0].taints[0].effect: 'Never' is not one of NoSchedule, PreferNoSchedule, NoExecute",
        ),
        (
            "- {name: a, capacity: {cpu: 1, memory: 1Gi}, taints: [{effect: NoSchedule}]}",
            "nodes[0].taints[0].key: each taint needs a key",
        ),
    ],
)
def test_a_bad_profile_names_the_field(tmp_path: Path, profile: str, message: str) -> None:
    path = tmp_path / "nodes.yaml"
    path.write_text(profile)
    with pytest.raises(nodes.NodeProfileError) as raised:
        nodes.load_profile(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_verify_exits_2_on_a_bad_profile_before_starting_anything(tmp_path: Path) -> None:
    path = tmp_path / "nodes.yaml"
    path.write_text("- {name: gpu, capacity: {cpu: 8, memory: 1Gi, nvidia.com/gpu: four}}\n")
    result = run_cli("verify", "--nodes", str(path), str(ROOT / "dist"))
    assert result.returncode == 2, result.stderr
    assert "invalid node profile" in result.stderr
    assert "nodes[0].capacity.nvidia.com/gpu: 'four' is not a quantity" in result.stderr
    assert "building" not in result.stderr and "starting the control plane" not in result.stderr


def test_the_bound_pod_stand_in_reports_what_a_kubelet_reports_for_a_ready_pod() -> None:
    pod = {
        "metadata": {"name": "p", "namespace": "n", "uid": "u"},
        "spec": {
            "nodeName": "gpu-node-1",
            "initContainers": [{"name": "storage-initializer", "image": "kserve/storage-initializer"}],
            "containers": [{"name": "kserve-container", "image": "vllm/vllm-openai:v0.32.0"}],
        },
    }
    status = nodes.ready_status(pod, "10.244.4.2", "10.244.3.2")
    assert status["phase"] == "Running"
    assert {c["type"] for c in status["conditions"] if c["status"] == "True"} >= {
        "PodScheduled", "Initialized", "ContainersReady", "Ready",
    }  # fmt: skip
    assert [c["name"] for c in status["containerStatuses"]] == ["kserve-container"]
    assert status["containerStatuses"][0]["ready"] and "running" in status["containerStatuses"][0]["state"]
    (init,) = status["initContainerStatuses"]
    assert init["state"]["terminated"]["exitCode"] == 0 and not init["ready"]
    assert status["podIPs"] == [{"ip": status["podIP"]}]


def test_nodes_and_bound_pods_are_listed_as_substitutions() -> None:
    listed = [s.what for s in substitutions.registered("nodes")]
    assert listed == [s.what for s in nodes.NODE_SUBSTITUTIONS]
    assert any("bound Pods are reported Ready without running their containers" in what for what in listed)


def test_standin_service_accounts_cover_the_model_pods_account() -> None:
    objects = list(yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()))
    accounts = verify.standin_service_accounts([o for o in objects if o])
    assert [(a["metadata"]["namespace"], a["metadata"]["name"]) for a in accounts] == [
        ("kserve-inference", _dist_isvc()["spec"]["predictor"]["serviceAccountName"])
    ]
