"""Each gateway restricts its own Envoy pods (``add_network_policy``): ingress to the listener from anywhere and
from Prometheus to the metrics ports; egress only to the models' pods, DNS, Phoenix and the control plane. The
standalone Envoy is probed for readiness and liveness differently. The cross-object checks catch a policy that
drifted from the objects it connects."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from construct_helpers import chart, find, objects, server

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    GatewayConfig,
    GatewayServiceConfig,
    ModelConfig,
    NetworkPolicyConfig,
    PhoenixConfig,
    PropError,
    RateLimitConfig,
    StackConfig,
    StandaloneGateway,
)
from llm_inference_stack.errors import ManifestError
from llm_inference_stack.synth import manifests
from llm_inference_stack.validation import validate_objects


def _ns(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"port": p, "protocol": "TCP"} for p in ports]


def _gateway(kind: type, **config: Any) -> tuple[Any, Any]:
    scope = chart()
    gateway = kind(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"), config=GatewayConfig(**config))
    return scope, gateway


def test_the_ai_gateway_policy_admits_clients_and_prometheus_and_reaches_models_added_later() -> None:
    scope, gateway = _gateway(AiGateway, port=80)
    policy = gateway.add_network_policy(prometheus_namespace="observability")
    gateway.add_model(server(scope, "model-a"))
    gateway.add_model(server(scope, "model-b"), rate_limit=None)
    spec = find(objects(scope), "NetworkPolicy", "gw")["spec"]
    assert policy is gateway.network_policy
    assert spec["podSelector"] == {"matchLabels": {"gateway.envoyproxy.io/owning-gateway-name": "gw"}}
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    # Port 80 listens on 10080 in the Envoy container (Envoy Gateway shifts privileged ports).
    assert spec["ingress"] == [
        {"ports": _tcp(10080)},
        {"from": [_ns("observability")], "ports": _tcp(19001, 1064)},
    ]
    egress = spec["egress"]
    models = [r["to"][0]["podSelector"]["matchLabels"]["serving.kserve.io/inferenceservice"] for r in egress[:2]]
    assert models == ["model-a", "model-b"]
    assert all(r["ports"] == _tcp(8080) for r in egress[:2])
    assert egress[2] == {
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        "to": [_ns("kube-system")],
    }
    # model-a is rate limited: the rate-limit service is reachable next to the xDS servers.
    assert egress[3] == {"ports": _tcp(18000, 18001, 8081), "to": [_ns("envoy-gateway-system")]}


def test_without_token_limits_the_rate_limit_service_is_not_reachable() -> None:
    scope, gateway = _gateway(AiGateway, rate_limit=None)
    gateway.add_network_policy()
    gateway.add_model(server(scope))
    control_plane = find(objects(scope), "NetworkPolicy", "gw")["spec"]["egress"][-1]
    assert control_plane == {"ports": _tcp(18000, 18001), "to": [_ns("envoy-gateway-system")]}


def test_tracing_added_after_the_policy_opens_egress_to_phoenix() -> None:
    scope, gateway = _gateway(StandaloneGateway, port=9000)
    gateway.add_network_policy()
    gateway.add_model(server(scope))
    gateway.add_tracing(PhoenixConfig(endpoint="http://phoenix.tracing.svc.cluster.local:6006"))
    spec = find(objects(scope), "NetworkPolicy", "gw")["spec"]
    assert spec["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/name": "gw", "app.kubernetes.io/component": "gateway"}
    }
    # The standalone Envoy's admin is on loopback: no metrics port, no control plane.
    assert spec["ingress"] == [{"ports": _tcp(9000)}]
    assert [r["to"][0] for r in spec["egress"][1:]] == [
        _ns("kube-system"),
        _ns("tracing"),
    ]
    assert spec["egress"][-1]["ports"] == _tcp(6006)


def test_a_phoenix_outside_the_cluster_is_reached_at_any_address_on_its_port() -> None:
    scope, gateway = _gateway(AiGateway)
    gateway.add_network_policy()
    gateway.add_model(server(scope))
    gateway.add_tracing(PhoenixConfig(endpoint="https://phoenix.example.com"))
    egress = find(objects(scope), "NetworkPolicy", "gw")["spec"]["egress"]
    phoenix = next(r for r in egress if r["ports"] == _tcp(443))
    assert phoenix["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}]


def test_fails_when_a_gateway_gets_a_second_network_policy() -> None:
    _, gateway = _gateway(AiGateway)
    gateway.add_network_policy()
    with pytest.raises(PropError, match="call add_network_policy once per gateway"):
        gateway.add_network_policy()


def test_fails_when_the_pod_namespace_is_not_a_label() -> None:
    _, gateway = _gateway(AiGateway)
    with pytest.raises(PropError, match=r"^AiGateway 'pod_namespace' \('Envoy_System'\)"):
        gateway.add_network_policy(pod_namespace="Envoy_System")


def test_the_standalone_envoy_is_probed_for_readiness_and_liveness_apart() -> None:
    scope, gateway = _gateway(StandaloneGateway)
    gateway.add_model(server(scope))
    envoy = find(objects(scope), "Deployment", "gw")["spec"]["template"]["spec"]["containers"][0]
    assert envoy["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # Liveness does not ask /ready: a draining or busy Envoy is not restarted; a minute without a socket is.
    assert envoy["livenessProbe"] == {
        "tcpSocket": {"port": "http"},
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 6,
    }
    assert envoy["livenessProbe"] != envoy["readinessProbe"]


MODEL = ModelConfig(name="llama", storage_uri="s3://models/llama/")


@pytest.mark.parametrize("mode", ["ai-gateway", "standalone"])
def test_the_stack_restricts_its_gateway_pods_in_both_modes(mode: str) -> None:
    objs = manifests(StackConfig(models=(MODEL,), gateway=GatewayConfig(mode=mode)))  # type: ignore[arg-type]
    policy = find(objs, "NetworkPolicy", "llm-stack-ai-gateway")
    assert policy["metadata"]["namespace"] == "kserve-inference"
    assert policy["spec"]["ingress"][0] == {"ports": _tcp(8080)}


def test_the_stack_puts_the_gateway_policy_with_the_envoy_pods() -> None:
    config = StackConfig(models=(MODEL,), network_policy=NetworkPolicyConfig(gateway_namespace="envoy-gateway-system"))
    policy = find(manifests(config), "NetworkPolicy", "llm-stack-ai-gateway")
    assert policy["metadata"]["namespace"] == "envoy-gateway-system"


def test_without_network_policies_the_gateway_has_none() -> None:
    objs = manifests(StackConfig(models=(MODEL,), network_policy=NetworkPolicyConfig(enabled=False)))
    assert [o for o in objs if o["kind"] == "NetworkPolicy"] == []


def _broken(change: Any, mode: str = "ai-gateway") -> list[str]:
    config = StackConfig(
        models=(MODEL,),
        gateway=GatewayConfig(mode=mode, rate_limit=RateLimitConfig(tokens_per_minute=10)),  # type: ignore[arg-type]
    )
    objs = copy.deepcopy(manifests(config))
    change(find(objs, "NetworkPolicy", "llm-stack-ai-gateway")["spec"])
    with pytest.raises(ManifestError) as raised:
        validate_objects(objs)
    return raised.value.problems


def test_a_gateway_policy_whose_model_port_drifted_is_refused() -> None:
    [problem] = _broken(lambda spec: spec["egress"][0]["ports"][0].update(port=8000))
    assert problem.startswith("[egress-to-models] NetworkPolicy kserve-inference/llm-stack-ai-gateway: egress to model")
    assert "not admitted on port 8080 (its vLLM --port" in problem


def test_a_gateway_policy_selecting_other_model_pods_is_refused() -> None:
    problems = _broken(lambda spec: spec["egress"][0]["to"][0]["podSelector"]["matchLabels"].update(component="x"))
    assert [p.split("]")[0] for p in problems] == ["[egress-to-models"]


def test_a_gateway_policy_without_dns_is_refused() -> None:
    [problem] = _broken(lambda spec: spec["egress"].pop(1))
    assert problem.startswith("[egress-dns] ")


@pytest.mark.parametrize("mode", ["ai-gateway", "standalone"])
def test_a_gateway_policy_closed_to_clients_is_refused(mode: str) -> None:
    [problem] = _broken(lambda spec: spec["ingress"][0]["ports"][0].update(port=9999), mode)
    assert problem.startswith("[gateway-listener-ingress] ")
    assert "container port 8080" in problem


def _service(**service: Any) -> dict[str, Any]:
    config = StackConfig(models=(MODEL,), gateway=GatewayConfig(service=GatewayServiceConfig(**service)))
    return find(manifests(config), "NetworkPolicy", "llm-stack-ai-gateway")["spec"]["ingress"][0]


def test_with_source_ranges_and_local_traffic_the_listener_admits_those_ranges_and_the_cluster() -> None:
    rule = _service(
        type="LoadBalancer", load_balancer_source_ranges=("203.0.113.0/24",), external_traffic_policy="Local"
    )
    assert rule == {
        "from": [
            {"ipBlock": {"cidr": "203.0.113.0/24"}},
            {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "Exists"}]}},
        ],
        "ports": _tcp(8080),
    }


def test_with_cluster_traffic_the_pods_see_node_addresses_so_the_listener_stays_open() -> None:
    assert _service(type="LoadBalancer", load_balancer_source_ranges=("203.0.113.0/24",)) == {"ports": _tcp(8080)}


def test_a_model_policy_admitting_another_port_is_refused() -> None:
    objs = copy.deepcopy(manifests(StackConfig(models=(MODEL,))))
    for rule in find(objs, "NetworkPolicy", "llama")["spec"]["ingress"]:
        rule["ports"][0]["port"] = 80
    with pytest.raises(ManifestError) as raised:
        validate_objects(objs)
    [problem] = raised.value.problems
    assert problem.startswith("[ingress-to-models] NetworkPolicy kserve-inference/llama: ")
    assert "not admitted on port 8080" in problem
