"""The constructs take what they need of each other as protocols (``contracts``), not as classes."""

from __future__ import annotations

from dataclasses import dataclass, field

import cdk8s
import pytest
from construct_helpers import chart, find, objects, server

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    Autoscaler,
    AutoscalingConfig,
    PhoenixConfig,
    PropError,
    StandaloneGateway,
)
from llm_inference_stack.contracts import Gateway, PodPeer, Scalable, ServedModel


@dataclass
class _Deployment:
    """A scalable workload that is no ModelServer."""

    name: str = "embedder"
    namespace: str = "team-b"
    served_model_name: str = "bge-m3"
    predictor_name: str = "embedder-workers"
    autoscaling: AutoscalingConfig | None = None
    min_replicas: int = 1
    prometheus_namespace: str = "monitoring"


@dataclass
class _Pods:
    namespace: str = "ingress"
    pod_selector: dict[str, str] = field(default_factory=lambda: {"app": "edge-proxy"})


def test_an_autoscaler_scales_any_scalable_target() -> None:
    scope = chart()
    target = _Deployment()
    autoscaler = Autoscaler(scope, "scaler", target=target, config=AutoscalingConfig(min_replicas=2, max_replicas=5))
    # The object alone: the chart's validation would look for the Deployment, which this test does not make.
    scaled = cdk8s.ApiObject.of(autoscaler.node.default_child).to_json()
    assert scaled["metadata"]["namespace"] == "team-b"
    assert scaled["spec"]["scaleTargetRef"]["name"] == "embedder-workers"
    assert target.min_replicas == 2


def test_a_model_server_admits_any_pod_peer() -> None:
    scope = chart()
    server(scope).allow_ingress_only_from(gateway=_Pods())
    [gateway_rule, _] = find(objects(scope), "NetworkPolicy", "llama-3-70b")["spec"]["ingress"]
    assert gateway_rule["from"][0] == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress"}},
        "podSelector": {"matchLabels": {"app": "edge-proxy"}},
    }


def test_the_constructs_meet_the_protocols() -> None:
    scope = chart()
    model_server = server(scope)
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    assert isinstance(model_server, ServedModel) and isinstance(model_server, Scalable)
    assert isinstance(gateway, Gateway) and isinstance(gateway, PodPeer)


def test_fails_when_add_model_is_given_a_name() -> None:
    scope = chart()
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    with pytest.raises(
        PropError,
        match=r"^AiGateway.add_model 'server' \('llama-3-70b'\) is not valid: pass the ModelServer construct, not its "
        r"name \(a ServedModel; this value has no name, served_model_name, predictor_service_host, ",
    ):
        gateway.add_model("llama-3-70b")  # type: ignore[arg-type]


@pytest.mark.parametrize("gateway_class", [AiGateway, StandaloneGateway])
def test_fails_when_tracing_is_added_twice_to_either_gateway(
    gateway_class: type[AiGateway | StandaloneGateway],
) -> None:
    scope = chart()
    gateway = gateway_class(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    gateway.add_tracing(PhoenixConfig(endpoint="http://phoenix:6006"))
    with pytest.raises(
        PropError, match=rf"^{gateway_class.__name__} 'tracing' \('gw'\) is not valid: add tracing once"
    ):
        gateway.add_tracing(PhoenixConfig(endpoint="http://other:6006"))
