"""AiGateway through the public API, and the library example of the README, verbatim."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import cdk8s
import pytest
import yaml
from construct_helpers import chart, find, objects, server
from library_example import EXAMPLE

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    GatewayConfig,
    GatewayModel,
    PhoenixConfig,
    PropError,
    RateLimitConfig,
    StackValidationError,
)
from llm_inference_stack.validation import validate_directory

ROOT = Path(__file__).resolve().parents[2]


def example_output(out: Path) -> list[dict[str, Any]]:
    """Objects the README's example writes into ``out`` (run as a script, as a platform repository would)."""
    script = out.parent / "synth_platform.py"
    script.write_text(EXAMPLE)
    result = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return [d for f in sorted(out.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]


def test_the_readme_shows_the_example_verbatim() -> None:
    assert EXAMPLE in (ROOT / "README.md").read_text()


def test_the_library_example_synthesizes_a_valid_stack(tmp_path: Path) -> None:
    objs = example_output(tmp_path / "out")
    assert validate_directory(tmp_path / "out") == len(objs)
    assert "namespace" not in find(objs, "GatewayClass", "team-b-gw")["metadata"]
    assert {o["metadata"].get("namespace") for o in objs if o["kind"] != "GatewayClass"} == {"team-b"}
    rules = find(objs, "AIGatewayRoute", "team-b-gw")["spec"]["rules"]
    assert [(r["backendRefs"][0]["name"], r["matches"][0]["headers"][0]["value"]) for r in rules] == [
        ("llama-3-70b", "llama-3-70b"),
        ("qwen2-5-7b-instruct", "Qwen2.5-7B-Instruct"),
    ]
    limits = find(objs, "BackendTrafficPolicy", "team-b-gw-backend-traffic")["spec"]["rateLimit"]["global"]["rules"]
    assert {r["limit"]["requests"] for r in limits} == {50_000}
    assert find(objs, "SecurityPolicy")["spec"]["apiKeyAuth"]["credentialRefs"][0]["name"] == "team-b-keys"
    gpus = {
        o["metadata"]["name"]: o["spec"]["predictor"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"]
        for o in objs
        if o["kind"] == "InferenceService"
    }
    assert gpus == {"qwen2-5-7b-instruct": "1", "llama-3-70b": "4"}
    assert {o["spec"]["maxReplicaCount"] for o in objs if o["kind"] == "ScaledObject"} == {3}
    # Secure by default: add_model admits only the gateway's Envoy pods (and Prometheus) to each model's pods, and
    # gives the gateway's own pods their NetworkPolicy.
    policies = {o["metadata"]["name"]: o["spec"] for o in objs if o["kind"] == "NetworkPolicy"}
    assert set(policies) == {"qwen2-5-7b-instruct", "llama-3-70b", "team-b-gw"}
    assert policies["team-b-gw"]["podSelector"] == {
        "matchLabels": {"gateway.envoyproxy.io/owning-gateway-name": "team-b-gw"}
    }
    assert policies["llama-3-70b"]["ingress"][0]["from"][0]["podSelector"] == {
        "matchLabels": {"gateway.envoyproxy.io/owning-gateway-name": "team-b-gw"}
    }


def test_add_model_returns_what_it_created() -> None:
    scope = chart()
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    added = gateway.add_model(server(scope), rate_limit=RateLimitConfig(tokens_per_minute=1000))
    assert isinstance(added, GatewayModel)
    assert added.backend.kind == "Backend" and added.service_backend.kind == "AIServiceBackend"
    assert added.ai_gateway_route.kind == "AIGatewayRoute" and added.ai_gateway_route.name == "gw"
    assert added.token_limits is not None and added.token_limits.name == "gw-backend-traffic"
    assert gateway.add_model(server(scope, "other"), rate_limit=None).token_limits is None
    assert cdk8s.ApiObject.of(gateway.node.default_child).kind == "Gateway"


def test_models_added_later_land_in_routes_of_at_most_15_rules() -> None:
    scope = chart()
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    for index in range(20):
        gateway.add_model(server(scope, f"model-{index:02d}"), rate_limit=RateLimitConfig(tokens_per_minute=100))
    objs = objects(scope)
    routes = [o for o in objs if o["kind"] == "AIGatewayRoute"]
    assert [r["metadata"]["name"] for r in routes] == ["gw", "gw-2"]
    assert sum(len(r["spec"]["rules"]) for r in routes) == 20
    assert all(len(r["spec"]["rules"]) <= 15 for r in routes)
    policies = {o["spec"]["targetRefs"][0]["name"] for o in objs if o["kind"] == "BackendTrafficPolicy"}
    assert policies == {"gw", "gw-2"}


def test_tracing_attaches_a_gateway_config() -> None:
    scope = chart()
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    gateway.add_model(server(scope))
    tracing = gateway.add_tracing(PhoenixConfig(endpoint="http://phoenix:6006"), project_name="team-b")
    objs = objects(scope)
    assert find(objs, "Gateway")["metadata"]["annotations"] == {"aigateway.envoyproxy.io/gateway-config": "gw"}
    env = {
        e["name"]: e.get("value")
        for e in find(objs, "GatewayConfig", tracing.name)["spec"]["extProc"]["kubernetes"]["env"]
    }
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == "openinference.project.name=team-b"


def test_a_named_gateway_class_is_used_not_created() -> None:
    scope = chart()
    gateway = AiGateway(
        scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"), config=GatewayConfig(gateway_class_name="eg")
    )
    gateway.add_model(server(scope))
    objs = objects(scope)
    assert not [o for o in objs if o["kind"] == "GatewayClass"]
    assert find(objs, "Gateway")["spec"]["gatewayClassName"] == "eg"


def test_fails_when_a_model_is_added_twice() -> None:
    scope = chart()
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    model_server = server(scope)
    gateway.add_model(model_server)
    with pytest.raises(PropError, match=r"^AiGateway.add_model 'server' \('llama-3-70b'\) is not valid: a model named"):
        gateway.add_model(model_server)


def test_fails_when_the_namespace_is_not_the_api_keys_namespace() -> None:
    scope = chart()
    with pytest.raises(
        PropError, match=r"^AiGateway 'namespace' \('other'\) is not valid: use the namespace of api_keys"
    ):
        AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"), namespace="other")


def test_fails_when_the_name_is_not_a_dns_label() -> None:
    scope = chart()
    with pytest.raises(PropError, match=r"^AiGateway 'name' \('Team GW'\) is not valid: use a DNS-1123 label"):
        AiGateway(scope, "gateway", name="Team GW", api_keys=ApiKeys(scope, "keys"))


def test_fails_when_tracing_is_added_twice() -> None:
    scope = chart()
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    gateway.add_tracing(PhoenixConfig(endpoint="http://phoenix:6006"))
    with pytest.raises(PropError, match=r"^AiGateway 'tracing' \('gw'\) is not valid: add tracing once"):
        gateway.add_tracing(PhoenixConfig(endpoint="http://phoenix:6006"))


def test_an_invalid_stack_stops_the_script_with_the_problems_and_no_traceback(tmp_path: Path) -> None:
    patch = (
        'cdk8s.ApiObject.of(chart.node.find_child("Qwen2.5-7B-Instruct").node.default_child).add_json_patch(\n'
        '    cdk8s.JsonPatch.replace("/spec/predictor/containers/0/resources/limits/nvidia.com~1gpu", 4))\n'
    )
    script = tmp_path / "synth_platform.py"
    script.write_text(EXAMPLE.replace("app.synth()\n", patch + "app.synth()\n"))
    # The venv's Node.js first on PATH, as for an installed package (the example imports cdk8s first).
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out")], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 1
    assert not list((tmp_path / "out").glob("*.yaml"))
    assert result.stderr.splitlines() == [
        "platform: 1 problem(s) in the synthesized manifests:",
        "  [tensor-parallel] InferenceService team-b/qwen2-5-7b-instruct: --tensor-parallel-size is 1 but the "
        "container's nvidia.com/gpu limit is 4: they must be equal (set --tensor-parallel-size 4, or the limit to 1)",
    ]


def test_fails_at_synth_when_no_model_was_added() -> None:
    scope = chart()
    AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    with pytest.raises(StackValidationError) as error:
        cast(cdk8s.App, scope.node.root).synth()
    assert error.value.problems == [
        "AiGateway 'gw' (test/gateway) routes no model: call add_model(server) for each ModelServer"
    ]
