"""Tracing to Phoenix through the public API: the GatewayConfig construct, and tracing given as a prop."""

from __future__ import annotations

import cdk8s
import pytest
from construct_helpers import chart, find, objects, server

from llm_inference_stack import AiGateway, ApiKeys, GatewayTracing, PhoenixConfig, PropError

PHOENIX = PhoenixConfig(
    endpoint="http://phoenix-svc.phoenix.svc.cluster.local:6006", project_name="team-b", auth_secret_name="phoenix"
)


def test_gateway_tracing_points_the_ai_gateway_exporter_at_phoenix() -> None:
    scope = chart("team-b")
    tracing = GatewayTracing(scope, "tracing", name="gw", phoenix=PHOENIX)
    config = find(objects(scope), "GatewayConfig", "gw")
    assert config["metadata"]["namespace"] == "team-b"
    env = {e["name"]: e for e in config["spec"]["extProc"]["kubernetes"]["env"]}
    assert (
        env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]["value"]
        == "http://phoenix-svc.phoenix.svc.cluster.local:6006/v1/traces"
    )
    assert env["OTEL_RESOURCE_ATTRIBUTES"]["value"] == "openinference.project.name=team-b"
    assert env["PHOENIX_API_KEY"]["valueFrom"] == {"secretKeyRef": {"key": "api-key", "name": "phoenix"}}
    assert cdk8s.ApiObject.of(tracing.node.default_child).kind == "GatewayConfig"


def test_the_tracing_prop_is_the_same_as_add_tracing() -> None:
    by_prop = chart()
    gateway = AiGateway(by_prop, "gateway", name="gw", api_keys=ApiKeys(by_prop, "keys"), tracing=PHOENIX)
    gateway.add_model(server(by_prop))
    by_method = chart()
    later = AiGateway(by_method, "gateway", name="gw", api_keys=ApiKeys(by_method, "keys"))
    later.add_model(server(by_method))
    later.add_tracing(PHOENIX)
    assert objects(by_prop) == objects(by_method)
    assert gateway.tracing is not None and gateway.tracing.project_name == "team-b"


def test_the_model_server_and_the_gateway_trace_to_one_project() -> None:
    scope = chart()
    model_server = server(scope)
    model_server.add_tracing(PHOENIX)
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"), tracing=PHOENIX)
    gateway.add_model(model_server)
    objs = objects(scope)
    container_env = find(objs, "InferenceService")["spec"]["predictor"]["containers"][0]["env"]
    gateway_env = find(objs, "GatewayConfig")["spec"]["extProc"]["kubernetes"]["env"]
    project = "openinference.project.name=team-b"
    assert {"name": "OTEL_RESOURCE_ATTRIBUTES", "value": project} in container_env
    assert {"name": "OTEL_RESOURCE_ATTRIBUTES", "value": project} in gateway_env


def test_fails_when_the_name_is_not_a_dns_label() -> None:
    with pytest.raises(PropError, match=r"^GatewayTracing 'name' \('GW'\) is not valid: use a DNS-1123 label"):
        GatewayTracing(chart(), "tracing", name="GW", phoenix=PHOENIX)
