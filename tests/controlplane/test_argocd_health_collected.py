"""The shipped Argo CD health checks on objects collected afresh from the real controllers (marker ``controlplane``).

One ``llm-stack verify dist/ SET --collect DIR`` run: every object of ``dist/`` of a kind a check is shipped for
must be Progressing as the API server answered the apply (no status yet) and Healthy once the controllers settled;
the planted set (a route to an AIServiceBackend that does not exist, two BackendSecurityPolicies on one
AIServiceBackend) must leave those two Degraded with the AI Gateway controller's own message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from argocd_health_cases import EXPECTED, ROOT, write_case
from argocd_lua import run_health

from llm_inference_stack.gitops import argocd
from llm_stack_harness.controlplane.collect import set_directory

pytestmark = pytest.mark.controlplane

DEFECT = "routes-ai-gateway-rejects"


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("argocd-health")
    directories = [ROOT / "dist", write_case(DEFECT, root / "sets")]
    out = root / "collected"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "llm_inference_stack.cli",
            "verify",
            "--serve-models",
            "0",
            *map(str, directories),
            "--collect",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    sets = {
        name: set_directory(out, index, str(d))
        for index, (name, d) in enumerate(zip(["dist", DEFECT], directories, strict=True), start=1)
    }
    assert all((s / "settled").is_dir() for s in sets.values()), f"exit {result.returncode}\n{result.stderr[-4000:]}"
    return sets


def judged(directory: Path) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """(object, Argo CD health) for each collected object of a kind a check is shipped for."""
    out = []
    for path in sorted(directory.glob("*.yaml")):
        obj = yaml.safe_load(path.read_text())
        check = argocd.health_check(obj["apiVersion"].rpartition("/")[0], obj["kind"])
        if check is not None:
            out.append((obj, run_health(check.lua(), obj)))
    return out


def test_every_object_of_dist_with_a_shipped_check_is_healthy_once_settled(collected: dict[str, Path]) -> None:
    results = judged(collected["dist"] / "settled")
    kinds = {o["kind"] for o in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if o}
    assert {o["kind"] for o, _ in results} == {c.kind for c in argocd.HEALTH_CHECKS} & kinds
    unhealthy = [(o["kind"], o["metadata"]["name"], h) for o, h in results if h["status"] != "Healthy"]
    assert not unhealthy, unhealthy


def test_every_such_object_is_progressing_before_a_controller_wrote_its_status(collected: dict[str, Path]) -> None:
    results = judged(collected["dist"] / "applied")
    assert results
    assert all(not o.get("status") or not any(o["status"].values()) for o, _ in results)
    assert [h["status"] for _, h in results] == ["Progressing"] * len(results), results


def test_the_planted_defects_are_degraded_with_the_controllers_message(collected: dict[str, Path]) -> None:
    results = {(o["kind"], o["metadata"]["name"]): h for o, h in judged(collected[DEFECT] / "settled")}
    expected = {(kind, name): v for (case, kind, name), v in EXPECTED.items() if case == DEFECT}
    assert {key: results[key]["status"] for key in expected} == expected
    assert "AIServiceBackend no-such-backend" in results[("AIGatewayRoute", "llm-stack-ai-gateway")]["message"]
    assert "multiple BackendSecurityPolicies" in results[("AIServiceBackend", "llama-3-70b")]["message"]
