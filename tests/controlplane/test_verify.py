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
from helpers import ROOT, synth_objects, with_changes

pytestmark = pytest.mark.controlplane

SNAPSHOTS = sorted((ROOT / "tests" / "__snapshots__" / "test_stack").glob("*.yaml"))
Obj = dict[str, Any]


@pytest.fixture(scope="session", autouse=True)
def built_binaries() -> None:
    """Build (or reuse) the pinned binaries once, outside any test's time."""
    from llm_inference_stack.controlplane.build import ensure_binaries

    ensure_binaries(log=lambda message: print(message, file=sys.stderr))


def write_dir(objects: list[Obj], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return directory


def verify(directory: Path) -> tuple[int, dict[str, Any], str]:
    result = subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.cli", "verify", str(directory), "--json"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return result.returncode, report, result.stderr


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


def assert_verified(directory: Path) -> dict[str, Any]:
    code, report, stderr = verify(directory)
    assert code == 0 and report.get("ok"), f"exit {code}; error {report.get('error')}\n" + "\n".join(
        failures(report)
    ) + f"\nstderr:\n{stderr[-3000:]}"
    return report


# ---------------------------------------------------------------------------------------------------------------
# What the stack synthesizes is what the real system accepts and builds on


def test_dist_verifies() -> None:
    report = assert_verified(ROOT / "dist")
    checks = {(f["kind"], f["check"]) for f in report["findings"]}
    # The report covers each promise, not only admission.
    for expected in [
        ("InferenceService", "KServe Deployment"),
        ("InferenceService", "no route around the gateway"),
        ("ScaledObject", "KEDA HPA"),
        ("PodMonitor", "selects the model pods"),
        ("Gateway", "Envoy Service"),
        ("SecurityPolicy", "accepted"),
        ("AIGatewayRoute", "HTTPRoute"),
    ]:
        assert expected in checks


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=lambda p: p.stem.removeprefix("test_snapshot[").rstrip("]"))
def test_snapshot_scenario_verifies(snapshot: Path, tmp_path: Path) -> None:
    objects = [o for o in yaml.safe_load_all(snapshot.read_text()) if o]
    assert_verified(write_dir(objects, tmp_path))


def test_fleet_across_namespaces_verifies(default_values: dict[str, Any], tmp_path: Path) -> None:
    values = with_changes(
        default_values,
        {
            "model": None,
            "models": [
                {"name": "Qwen2.5-7B-Instruct", "storageUri": "s3://models/qwen/", "runtime": {"gpuCount": 1}},
                {"name": "llama-3-70b", "storageUri": "s3://models/llama/", "namespace": "team-b"},
            ],
        },
    )
    assert_verified(write_dir(synth_objects(values), tmp_path))


def test_standalone_gateway_verifies(default_values: dict[str, Any], tmp_path: Path) -> None:
    values = with_changes(default_values, {"gateway.mode": "standalone"})
    report = assert_verified(write_dir(synth_objects(values), tmp_path))
    assert not [f for f in report["findings"] if f["kind"] in ("Gateway", "AIGatewayRoute")]


# ---------------------------------------------------------------------------------------------------------------
# Planted defects only the real system catches


def planted(mutate: Callable[[list[Obj]], None], tmp_path: Path) -> tuple[int, dict[str, Any]]:
    objects = list(yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()))
    objects = [o for o in objects if o]
    changed = copy.deepcopy(objects)
    mutate(changed)
    assert changed != objects
    code, report, stderr = verify(write_dir(changed, tmp_path))
    assert report, stderr[-3000:]
    return code, report


def by_kind(objects: list[Obj], kind: str) -> Obj:
    return next(o for o in objects if o["kind"] == kind)


def test_fails_when_scaledobject_targets_a_deployment_kserve_does_not_create(tmp_path: Path) -> None:
    def aim_elsewhere(objects: list[Obj]) -> None:
        by_kind(objects, "ScaledObject")["spec"]["scaleTargetRef"]["name"] = "llama-3-70b"  # not "-predictor"

    code, report = planted(aim_elsewhere, tmp_path)
    assert code == 1
    keda = finding(report, "ScaledObject", "KEDA HPA")
    assert not keda["ok"]
    assert "llama-3-70b" in keda["detail"]


def test_fails_when_kserve_would_publish_the_model_outside_the_gateway(tmp_path: Path) -> None:
    def public(objects: list[Obj]) -> None:
        labels = by_kind(objects, "InferenceService")["metadata"].setdefault("labels", {})
        labels.pop("networking.kserve.io/visibility", None)
        labels["networking.kserve.io/visibility"] = "exposed"

    code, report = planted(public, tmp_path)
    assert code == 1
    bypass = finding(report, "InferenceService", "no route around the gateway")
    assert not bypass["ok"]
    assert "Ingress" in bypass["detail"]


def test_fails_when_the_gateway_controller_rejects_a_policy(tmp_path: Path) -> None:
    def bad_listener(objects: list[Obj]) -> None:
        policy = by_kind(objects, "ClientTrafficPolicy")
        policy["spec"]["targetRefs"][0]["sectionName"] = "no-such-listener"

    code, report = planted(bad_listener, tmp_path)
    assert code == 1
    assert not finding(report, "ClientTrafficPolicy", "accepted")["ok"]


def test_fails_when_the_api_server_refuses_an_object(tmp_path: Path) -> None:
    def uppercase_name(objects: list[Obj]) -> None:
        by_kind(objects, "PodDisruptionBudget")["metadata"]["name"] = "Llama_PDB"

    code, report = planted(uppercase_name, tmp_path)
    assert code == 1
    admitted = [f for f in report["findings"] if f["kind"] == "PodDisruptionBudget" and f["check"] == "admitted"]
    assert admitted and not admitted[0]["ok"]
    assert "Llama_PDB" in admitted[0]["detail"]
