"""``llm-stack verify`` against the real kube-apiserver and controllers (marker ``controlplane``).

Each test synthesizes or loads manifests, runs the CLI exactly as a user would, and reads its ``--json`` report.
The planted defects are ones only the real system catches: our schema and cross-object checks accept them.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXPOSED, ROOT, default_values_copy, synth_objects, with_changes

pytestmark = pytest.mark.controlplane

SNAPSHOTS = sorted((ROOT / "tests" / "__snapshots__" / "test_stack").glob("*.yaml"))
Obj = dict[str, Any]


def write_dir(objects: list[Obj], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return directory


def dist_objects() -> list[Obj]:
    return [o for o in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if o]


def by_kind(objects: list[Obj], kind: str) -> Obj:
    return next(o for o in objects if o["kind"] == kind)


def _aim_scaledobject_elsewhere(objects: list[Obj]) -> None:
    by_kind(objects, "ScaledObject")["spec"]["scaleTargetRef"]["name"] = "llama-3-70b"  # KServe makes "-predictor"


def _publish_through_kserve_ingress(objects: list[Obj]) -> None:
    by_kind(objects, "InferenceService")["metadata"]["labels"].pop("networking.kserve.io/visibility")


def _policy_on_missing_listener(objects: list[Obj]) -> None:
    by_kind(objects, "ClientTrafficPolicy")["spec"]["targetRefs"][0]["sectionName"] = "no-such-listener"


def _pdb_the_api_server_refuses(objects: list[Obj]) -> None:
    by_kind(objects, "PodDisruptionBudget")["spec"]["minAvailable"] = 1  # beside maxUnavailable: not both


def _name_kserve_refuses(objects: list[Obj]) -> None:
    by_kind(objects, "InferenceService")["metadata"]["name"] = "3-llama"  # DNS-1123, not DNS-1035


def _source_ranges_on_a_cluster_ip(objects: list[Obj]) -> None:
    service = by_kind(objects, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyService"]
    service["loadBalancerSourceRanges"] = ["203.0.113.0/24"]  # the type stays ClusterIP: a CEL rule refuses it


def _backend_port_kserve_does_not_serve(objects: list[Obj]) -> None:
    by_kind(objects, "Backend")["spec"]["endpoints"][0]["fqdn"]["port"] = 8081  # KServe's Service has port 80


def _network_policy_admitting_the_controllers_namespace(objects: list[Obj]) -> None:
    # Envoy Gateway's default deploy mode runs Envoy there; this stack's Gateway runs it in its own namespace.
    policy = next(o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "llama-3-70b")
    policy["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"] = {
        "kubernetes.io/metadata.name": "envoy-gateway-system"
    }


DEFECTS: dict[str, Callable[[list[Obj]], None]] = {
    "name-kserve-webhook-refuses": _name_kserve_refuses,
    "scaledobject-target-kserve-does-not-create": _aim_scaledobject_elsewhere,
    "isvc-published-outside-the-gateway": _publish_through_kserve_ingress,
    "policy-the-gateway-controller-rejects": _policy_on_missing_listener,
    "pdb-the-api-server-refuses": _pdb_the_api_server_refuses,
    "source-ranges-on-a-cluster-ip": _source_ranges_on_a_cluster_ip,
    "backend-port-kserve-does-not-serve": _backend_port_kserve_does_not_serve,
    "network-policy-misses-the-envoy-pods": _network_policy_admitting_the_controllers_namespace,
}
"""A production exposure: a cloud load balancer admitting two client networks, client addresses kept."""


@pytest.fixture(scope="session")
def verified(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One ``llm-stack verify DIR...`` run (one control plane) over every scenario and planted defect."""
    default_values = default_values_copy()
    root = tmp_path_factory.mktemp("verify")
    directories: dict[str, Path] = {"dist": ROOT / "dist"}
    for snapshot in SNAPSHOTS:
        name = snapshot.stem.removeprefix("test_snapshot[").rstrip("]")
        objects = [o for o in yaml.safe_load_all(snapshot.read_text()) if o]
        directories[f"snapshot-{name}"] = write_dir(objects, root / f"snapshot-{name}")
    fleet = with_changes(
        default_values,
        {
            "model": None,
            "models": [
                {"name": "Qwen2.5-7B-Instruct", "storageUri": "s3://models/qwen/", "runtime": {"gpuCount": 1}},
                {"name": "llama-3-70b", "storageUri": "s3://models/llama/", "namespace": "team-b"},
            ],
        },
    )
    directories["fleet-across-namespaces"] = write_dir(synth_objects(fleet), root / "fleet")
    directories["exposed-load-balancer"] = write_dir(
        synth_objects(with_changes(default_values, {**EXPOSED, "gateway.service.externalTrafficPolicy": "Local"})),
        root / "lb",
    )
    standalone = with_changes(default_values, {"gateway.mode": "standalone"})
    directories["standalone"] = write_dir(synth_objects(standalone), root / "standalone")
    for name, mutate in DEFECTS.items():
        objects = dist_objects()
        changed = copy.deepcopy(objects)
        mutate(changed)
        assert changed != objects
        directories[f"defect-{name}"] = write_dir(changed, root / f"defect-{name}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "llm_inference_stack.cli",
            "verify",
            "--serve-models",
            "0",
            *map(str, directories.values()),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    assert result.stdout.strip().startswith("["), f"exit {result.returncode}\n{result.stderr[-4000:]}"
    reports = json.loads(result.stdout)
    by_source = {report["source"]: report for report in reports}
    errors = [report["error"] for report in reports if report.get("error")]
    assert all(str(d) in by_source for d in directories.values()), f"{errors}\n{result.stderr[-4000:]}"
    return {"code": result.returncode, "stderr": result.stderr} | {
        name: by_source[str(directory)] for name, directory in directories.items()
    }


def failures(report: dict[str, Any]) -> list[str]:
    return [
        f"{f['kind']} {f['namespace']}/{f['name']} [{f['check']}]: {f['detail']}"
        for f in report.get("findings", [])
        if not f["ok"]
    ]


def finding(report: dict[str, Any], kind: str, check: str) -> dict[str, Any]:
    matches = [f for f in report["findings"] if f["kind"] == kind and f["check"] == check]
    assert matches, f"no {kind} [{check}] finding in {json.dumps(report['findings'], indent=1)}"
    return matches[0]


def assert_verified(report: dict[str, Any]) -> None:
    assert report["ok"], f"error {report.get('error')}\n" + "\n".join(failures(report))


# ---------------------------------------------------------------------------------------------------------------
# What the stack synthesizes is what the real system accepts and builds on


def test_dist_verifies(verified: dict[str, Any]) -> None:
    report = verified["dist"]
    assert_verified(report)
    checks = {(f["kind"], f["check"]) for f in report["findings"]}
    # The report covers each promise, not only admission.
    for expected in [
        ("InferenceService", "KServe Deployment"),
        ("InferenceService", "no route around the gateway"),
        ("InferenceService", "no KServe autoscaler"),
        ("ScaledObject", "KEDA HPA"),
        ("PodMonitor", "selects the model pods"),
        ("NetworkPolicy", "selects the model pods"),
        ("PodDisruptionBudget", "selects the model pods"),
        ("GatewayClass", "accepted"),
        ("Gateway", "Envoy Service"),
        ("Gateway", "Envoy Deployment"),
        ("SecurityPolicy", "accepted"),
        ("BackendTrafficPolicy", "accepted"),
        ("ClientTrafficPolicy", "accepted"),
        ("AIGatewayRoute", "HTTPRoute"),
        ("Gateway", "listeners programmed"),
        ("Backend", "port chain"),
        ("InferenceService", "NetworkPolicy from"),
    ]:
        assert expected in checks
    chain = finding(report, "Backend", "port chain")["detail"]
    assert "Service llama-3-70b-predictor:80 -> targetPort 8080" in chain, chain  # as KServe created it
    admitted = finding(report, "InferenceService", "NetworkPolicy from")["detail"]
    # The Envoy Deployment Envoy Gateway created and the Prometheus StatefulSet the operator created.
    assert "Deployment llm-stack-ai-gateway (kserve-inference)" in admitted, admitted
    assert "StatefulSet prometheus-verify (monitoring)" in admitted, admitted


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.stem.removeprefix("test_snapshot[").rstrip("]"))
def test_snapshot_scenario_verifies(snapshot: Path, verified: dict[str, Any]) -> None:
    assert_verified(verified[f"snapshot-{snapshot.stem.removeprefix('test_snapshot[').rstrip(']')}"])


def test_fleet_across_namespaces_verifies(verified: dict[str, Any]) -> None:
    report = verified["fleet-across-namespaces"]
    assert_verified(report)
    isvcs = {(f["namespace"], f["name"]) for f in report["findings"] if f["kind"] == "InferenceService"}
    assert {ns for ns, _ in isvcs} == {"kserve-inference", "team-b"}


def test_standalone_gateway_verifies(verified: dict[str, Any]) -> None:
    report = verified["standalone"]
    assert_verified(report)
    assert not [f for f in report["findings"] if f["kind"] in ("Gateway", "AIGatewayRoute")]
    assert {"ConfigMap", "Deployment", "Service"} <= {f["kind"] for f in report["findings"]}
    chain = finding(report, "ConfigMap", "port chain")["detail"]  # the Envoy bootstrap's cluster, to KServe's Service
    assert "Service llama-3-70b-predictor:80 -> targetPort 8080" in chain, chain


def test_load_balancer_exposure_reaches_the_service_envoy_gateway_creates(verified: dict[str, Any]) -> None:
    report = verified["exposed-load-balancer"]
    assert_verified(report)
    service = finding(report, "Gateway", "Envoy Service")
    # The check compares the live Service with the EnvoyProxy field by field; the summary shows what it found.
    assert "LoadBalancer, externalTrafficPolicy Local, sources 203.0.113.0/24, 2001:db8::/32" in service["detail"]
    assert "2 annotations" in service["detail"], service["detail"]
    listeners = finding(report, "Gateway", "listeners programmed")["detail"]
    assert "listeners http Programmed by Envoy Gateway" in listeners, listeners


# ---------------------------------------------------------------------------------------------------------------
# Planted defects only the real system catches (each accepted by our own schema and cross-object checks)


def test_verify_exits_nonzero_when_any_set_fails(verified: dict[str, Any]) -> None:
    assert verified["code"] == 1


def test_fails_when_scaledobject_targets_a_deployment_kserve_does_not_create(verified: dict[str, Any]) -> None:
    report = verified["defect-scaledobject-target-kserve-does-not-create"]
    keda = finding(report, "ScaledObject", "KEDA HPA")
    assert not report["ok"] and not keda["ok"]
    assert 'deployments.apps "llama-3-70b" not found' in keda["detail"], keda["detail"]


def test_fails_when_kserve_would_publish_the_model_outside_the_gateway(verified: dict[str, Any]) -> None:
    report = verified["defect-isvc-published-outside-the-gateway"]
    bypass = finding(report, "InferenceService", "no route around the gateway")
    assert not report["ok"] and not bypass["ok"]
    assert "Ingress llama-3-70b" in bypass["detail"]


def test_fails_when_the_gateway_controller_rejects_a_policy(verified: dict[str, Any]) -> None:
    report = verified["defect-policy-the-gateway-controller-rejects"]
    policy = finding(report, "ClientTrafficPolicy", "accepted")
    assert not report["ok"] and not policy["ok"]
    assert "no-such-listener" in policy["detail"] or "Accepted=False" in policy["detail"], policy["detail"]


def test_fails_when_the_api_server_refuses_an_object(verified: dict[str, Any]) -> None:
    report = verified["defect-pdb-the-api-server-refuses"]
    admitted = finding(report, "PodDisruptionBudget", "admitted")
    assert not report["ok"] and not admitted["ok"]
    assert "minAvailable" in admitted["detail"] and "maxUnavailable" in admitted["detail"], admitted["detail"]


def test_fails_when_kserve_webhook_refuses_the_name(verified: dict[str, Any]) -> None:
    report = verified["defect-name-kserve-webhook-refuses"]
    admitted = finding(report, "InferenceService", "admitted")
    assert not report["ok"] and not admitted["ok"]
    assert "3-llama" in admitted["detail"] and "webhook" in admitted["detail"], admitted["detail"]


def test_fails_when_source_ranges_are_set_on_a_cluster_ip_gateway(verified: dict[str, Any]) -> None:
    report = verified["defect-source-ranges-on-a-cluster-ip"]
    admitted = finding(report, "EnvoyProxy", "admitted")
    assert not report["ok"] and not admitted["ok"]
    assert "loadBalancerSourceRanges can only be set for LoadBalancer type" in admitted["detail"], admitted["detail"]


def test_fails_when_the_backend_port_misses_kserves_service(verified: dict[str, Any]) -> None:
    report = verified["defect-backend-port-kserve-does-not-serve"]
    chain = finding(report, "Backend", "port chain")
    assert not report["ok"] and not chain["ok"]
    assert "port 8081: Service llama-3-70b-predictor has ports [80]" in chain["detail"], chain["detail"]


def test_fails_when_the_network_policy_misses_the_envoy_pods(verified: dict[str, Any]) -> None:
    report = verified["defect-network-policy-misses-the-envoy-pods"]
    policy = finding(report, "InferenceService", "NetworkPolicy from")
    assert not report["ok"] and not policy["ok"]
    assert "limited by NetworkPolicy llama-3-70b, and none admits Deployment llm-stack-ai-gateway" in policy["detail"]
