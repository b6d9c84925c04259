"""StandaloneGateway through the public API: models and tracing added after construction reach the bootstrap."""

from __future__ import annotations

from typing import Any, cast

import cdk8s
import pytest
import yaml
from construct_helpers import chart, find, objects, server

from llm_inference_stack import (
    ApiKeys,
    GatewayConfig,
    PhoenixConfig,
    PropError,
    RateLimitConfig,
    StackValidationError,
    StandaloneGateway,
    StandaloneModel,
)
from llm_inference_stack.standalone_gateway import BOOTSTRAP_FILE, CHECKSUM_ANNOTATION


def _bootstrap(objs: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(find(objs, "ConfigMap", "gw-envoy")["data"][BOOTSTRAP_FILE])
    return data


def _clusters(objs: list[dict[str, Any]]) -> set[str]:
    return {c["name"] for c in _bootstrap(objs)["static_resources"]["clusters"]}


def test_models_added_after_construction_are_in_the_bootstrap_and_roll_the_pods() -> None:
    scope = chart("team-b")
    gateway = StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    added = gateway.add_model(server(scope, "a"))
    first = objects(scope)
    gateway.add_model(server(scope, "b"), rate_limit=RateLimitConfig(tokens_per_minute=1000))
    second = objects(scope)
    assert isinstance(added, StandaloneModel) and added.route.service_host == "a-predictor.team-b.svc.cluster.local"
    assert {"model-a", "model-b"} <= _clusters(second) and "model-b" not in _clusters(first)
    checksum = find(second, "Deployment", "gw")["spec"]["template"]["metadata"]["annotations"][CHECKSUM_ANNOTATION]
    assert checksum == gateway.config_checksum
    assert (
        checksum != find(first, "Deployment", "gw")["spec"]["template"]["metadata"]["annotations"][CHECKSUM_ANNOTATION]
    )
    volumes = find(second, "Deployment", "gw")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "api-keys", "secret": {"defaultMode": 0o440, "secretName": "ai-gateway-api-keys"}} in volumes


def test_tracing_added_later_sets_the_project_on_the_envoy_container() -> None:
    scope = chart()
    gateway = StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    gateway.add_model(server(scope))
    gateway.add_tracing(PhoenixConfig(endpoint="http://phoenix:6006", project_name="team-b"))
    objs = objects(scope)
    envoy = find(objs, "Deployment", "gw")["spec"]["template"]["spec"]["containers"][0]
    assert envoy["env"] == [
        {"name": "OTEL_RESOURCE_ATTRIBUTES", "value": "openinference.project.name=team-b,service.name=gw"}
    ]
    assert "phoenix" in _clusters(objs)


def test_the_default_child_is_the_deployment() -> None:
    scope = chart()
    gateway = StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    gateway.add_model(server(scope))
    deployment = cdk8s.ApiObject.of(gateway.node.default_child)
    deployment.add_json_patch(cdk8s.JsonPatch.add("/spec/template/spec/priorityClassName", "gateway"))
    assert find(objects(scope), "Deployment", "gw")["spec"]["template"]["spec"]["priorityClassName"] == "gateway"


def test_fails_when_tracing_needs_a_phoenix_api_key() -> None:
    scope = chart()
    gateway = StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    phoenix = PhoenixConfig(endpoint="http://phoenix:6006", auth_secret_name="phoenix-key")
    with pytest.raises(
        PropError, match=r"^StandaloneGateway 'tracing.auth_secret_name' \('phoenix-key'\) is not valid: remove it"
    ):
        gateway.add_tracing(phoenix)


def test_fails_when_the_port_is_envoys_admin_port() -> None:
    scope = chart()
    with pytest.raises(PropError, match=r"^StandaloneGateway 'config.port' \(9901\) is not valid: use another port"):
        StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"), config=GatewayConfig(port=9901))


def test_fails_at_synth_when_no_model_was_added() -> None:
    scope = chart()
    StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    with pytest.raises(StackValidationError) as error:
        cast(cdk8s.App, scope.node.root).synth()
    assert error.value.problems == [
        "StandaloneGateway 'gw' (test/gateway) routes no model: call add_model(server) for each ModelServer"
    ]


def test_fails_when_the_namespace_is_not_the_api_keys_namespace() -> None:
    scope = chart()
    with pytest.raises(
        PropError, match=r"^StandaloneGateway 'namespace' \('other'\) is not valid: use the namespace of api_keys"
    ):
        StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"), namespace="other")


def test_fails_when_a_model_is_added_twice() -> None:
    scope = chart()
    gateway = StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    model_server = server(scope)
    gateway.add_model(model_server)
    with pytest.raises(PropError, match=r"^StandaloneGateway.add_model 'server' \('llama-3-70b'\) is not valid"):
        gateway.add_model(model_server)
