"""InferenceRouting through the public API: the InferencePool and endpoint picker in front of a ModelServer, the
gateway routing to the pool, and misuse refused with a PropError."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
import yaml
from construct_helpers import chart, container, find, objects, server

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    InferenceRouting,
    ModelConfig,
    ModelServer,
    PropError,
    RoutingConfig,
    RuntimeConfig,
    ScorerWeights,
    StandaloneGateway,
)

# Upstream facts written out on purpose (the independent oracle against the constructs): the Inference Extension's
# group, the endpoint picker's ports (v1.5.0 `pkg/epp/server/options.go`), KServe's pod labels, vLLM's port.
POOL_GROUP = "inference.networking.k8s.io"
EXT_PROC, HEALTH, METRICS = 9002, 9003, 9090
PREDICTOR_LABELS = {"serving.kserve.io/inferenceservice": "llama-3-70b", "component": "predictor"}


def _routed(config: RoutingConfig | None = None) -> tuple[cdk8s.Chart, AiGateway, InferenceRouting]:
    scope = chart("team-b")
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    routing = InferenceRouting(scope, "routing", server=server(scope), config=config)
    gateway.add_model(routing)
    return scope, gateway, routing


def _picker_config(objs: list[dict[str, Any]]) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(find(objs, "ConfigMap", "llama-3-70b-epp")["data"]["default-plugins.yaml"])
    return config


def test_the_pool_selects_the_predictor_pods_on_vllms_port_and_names_the_picker() -> None:
    scope, _gateway, routing = _routed()
    objs = objects(scope)
    pool = find(objs, "InferencePool", "llama-3-70b")
    assert pool["apiVersion"] == f"{POOL_GROUP}/v1"
    assert pool["spec"]["selector"] == {"matchLabels": PREDICTOR_LABELS}
    assert pool["spec"]["targetPorts"] == [{"number": 8080}]
    assert pool["spec"]["endpointPickerRef"] == {
        "name": "llama-3-70b-epp",
        "port": {"number": EXT_PROC},
        "failureMode": "FailOpen",
    }
    service = find(objs, "Service", "llama-3-70b-epp")
    assert {p["port"] for p in service["spec"]["ports"]} == {EXT_PROC, METRICS}
    ports = find(objs, "Deployment", "llama-3-70b-epp")["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert {p["containerPort"] for p in ports} == {EXT_PROC, HEALTH, METRICS}
    assert cdk8s.ApiObject.of(routing.node.default_child).kind == "InferencePool"


def test_the_route_sends_to_the_pool_and_no_backend_is_made() -> None:
    scope, gateway, _routing = _routed()
    objs = objects(scope)
    rule = find(objs, "AIGatewayRoute", "gw")["spec"]["rules"][0]
    assert rule["backendRefs"] == [{"group": POOL_GROUP, "kind": "InferencePool", "name": "llama-3-70b"}]
    assert not [o for o in objs if o["kind"] in ("Backend", "AIServiceBackend")]
    assert gateway.models[0].backend is None and gateway.models[0].service_backend is None


def test_vllm_caches_prefixes_in_the_blocks_the_scorer_hashes() -> None:
    scope, _gateway, _routing = _routed(RoutingConfig(mode="prefix-aware", block_size=32))
    objs = objects(scope)
    args = container(objs)["args"]
    assert "--enable-prefix-caching" in args
    assert args[args.index("--block-size") + 1] == "32"
    scorer = next(p for p in _picker_config(objs)["plugins"] if p["type"] == "prefix-cache-scorer")
    assert scorer["parameters"]["blockSizeTokens"] == 32
    assert scorer["parameters"]["autoTune"] is False


def test_scorer_weights_are_the_profile_and_zero_leaves_a_scorer_out() -> None:
    scope, _gateway, _routing = _routed(RoutingConfig(mode="prefix-aware", scorers=ScorerWeights(queue=0)))
    profile = _picker_config(objects(scope))["schedulingProfiles"][0]["plugins"]
    assert profile == [
        {"pluginRef": "kv-cache-utilization-scorer", "weight": 2},
        {"pluginRef": "prefix-cache-scorer", "weight": 3},
    ]


def test_upstream_default_profile() -> None:
    scope, _gateway, _routing = _routed()
    profile = _picker_config(objects(scope))["schedulingProfiles"][0]["plugins"]
    assert profile == [
        {"pluginRef": "queue-scorer", "weight": 2},
        {"pluginRef": "kv-cache-utilization-scorer", "weight": 2},
        {"pluginRef": "prefix-cache-scorer", "weight": 3},
    ]


def test_network_policies_both_ways() -> None:
    scope, _gateway, _routing = _routed()
    objs = objects(scope)
    picker = find(objs, "NetworkPolicy", "llama-3-70b-epp")["spec"]
    ingress_ports = sorted(p["port"] for rule in picker["ingress"] for p in rule["ports"])
    assert ingress_ports == [EXT_PROC, METRICS]
    assert any(
        rule["to"][0].get("podSelector", {}).get("matchLabels") == PREDICTOR_LABELS
        and rule["ports"] == [{"port": 8080, "protocol": "TCP"}]
        for rule in picker["egress"]
        if rule.get("to")
    )
    from_picker = find(objs, "NetworkPolicy", "llama-3-70b-from-epp")["spec"]
    assert from_picker["podSelector"] == {"matchLabels": PREDICTOR_LABELS}
    envoy = find(objs, "NetworkPolicy", "gw")["spec"]
    assert any(p["port"] == EXT_PROC for rule in envoy["egress"] for p in rule["ports"])


def test_rbac_reads_what_the_picker_watches() -> None:
    scope, _gateway, _routing = _routed()
    rules = find(objects(scope), "Role", "llama-3-70b-epp")["rules"]
    assert {r for rule in rules for r in rule["resources"]} == {
        "pods",
        "inferencepools",
        "inferenceobjectives",
        "inferencemodelrewrites",
    }
    assert all(rule["verbs"] == ["get", "watch", "list"] for rule in rules)


def test_service_routing_is_refused_here() -> None:
    scope = chart()
    with pytest.raises(PropError, match="this is the prefix-aware routing"):
        InferenceRouting(scope, "routing", server=server(scope), config=RoutingConfig())


def test_a_name_is_no_server() -> None:
    with pytest.raises(PropError, match="CachingModel"):
        InferenceRouting(chart(), "routing", server="llama-3-70b")  # type: ignore[arg-type]


def test_one_routing_per_server() -> None:
    scope = chart()
    model_server = server(scope)
    InferenceRouting(scope, "a", server=model_server)
    with pytest.raises(PropError, match="prefix caching on already"):
        InferenceRouting(scope, "b", server=model_server)


def test_the_servers_own_prefix_cache_flags_are_refused() -> None:
    scope = chart()
    model_server = ModelServer(
        scope,
        "m",
        model=ModelConfig(
            name="m", storage_uri="s3://models/m/", runtime=RuntimeConfig(extra_args=("--block-size", "32"))
        ),
    )
    with pytest.raises(PropError, match="remove it from extra_args"):
        InferenceRouting(scope, "routing", server=model_server)


def test_the_standalone_gateway_refuses_a_pool() -> None:
    scope = chart()
    gateway = StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    with pytest.raises(PropError, match="cannot send to an InferencePool"):
        gateway.add_model(InferenceRouting(scope, "routing", server=server(scope)))


def test_a_pool_in_another_namespace_is_refused() -> None:
    scope = chart("team-b")
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    other = ModelServer(scope, "m", model=ModelConfig(name="m", storage_uri="s3://models/m/", namespace="other"))
    with pytest.raises(PropError, match="in their own namespace"):
        gateway.add_model(InferenceRouting(scope, "routing", server=other))


def test_a_server_added_without_routing_keeps_its_service_path() -> None:
    scope = chart("team-b")
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    gateway.add_model(server(scope))
    objs = objects(scope)
    assert not [o for o in objs if o["kind"] == "InferencePool"]
    assert "--enable-prefix-caching" not in container(objs)["args"]
    assert find(objs, "AIGatewayRoute", "gw")["spec"]["rules"][0]["backendRefs"] == [{"name": "llama-3-70b"}]
