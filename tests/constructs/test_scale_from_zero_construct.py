"""Scale from zero through the public API: an Autoscaler with ``min_replicas`` 0 held by an InferenceRouting with flow
control; the endpoint picker's flow control config, its PodMonitor, the wake trigger; and every way it is refused."""

from __future__ import annotations

import pytest
import yaml
from construct_helpers import chart, find, objects

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    Autoscaler,
    AutoscalingConfig,
    FlowControl,
    GatewayConfig,
    InferenceRouting,
    ModelConfig,
    ModelServer,
    PropError,
    RoutingConfig,
    RuntimeConfig,
)

# Upstream facts written out on purpose: the Inference Extension v1.5.0's feature gate (pkg/epp/flowcontrol) and its
# queue gauge (pkg/epp/metrics/metrics.go), the picker's metrics port, the 300 s message timeout the AI Gateway gives
# the picker's ext_proc filter (internal/extensionserver/inferencepool.go).
GATE, QUEUE_GAUGE, METRICS_PORT, PICKER_TIMEOUT = (
    "flowControl",
    "inference_extension_flow_control_queue_size",
    9090,
    300,
)
ZERO = AutoscalingConfig(min_replicas=0, max_replicas=2, polling_interval=5)


def _server(scope: object, startup: int = 120) -> ModelServer:
    model = ModelConfig(
        name="llama-3-70b",
        storage_uri="s3://models/llama-3-70b/",
        runtime=RuntimeConfig(startup_timeout_seconds=startup),
    )
    return ModelServer(scope, "server", model=model)  # type: ignore[arg-type]


def _held(hold: int = 240, startup: int = 120) -> tuple[object, InferenceRouting]:
    scope = chart("team-b")
    routing = InferenceRouting(
        scope,
        "routing",
        server=_server(scope, startup),
        config=RoutingConfig(mode="prefix-aware", flow_control=FlowControl(hold_seconds=hold)),
    )
    return scope, routing


def test_a_held_model_scales_from_zero_on_the_pickers_queue() -> None:
    scope, routing = _held()
    Autoscaler(scope, "scaler", target=routing.server, config=ZERO, hold=routing)  # type: ignore[arg-type]
    objs = objects(scope)  # type: ignore[arg-type]
    scaled = find(objs, "ScaledObject")["spec"]
    assert scaled["minReplicaCount"] == 0
    assert find(objs, "InferenceService")["spec"]["predictor"]["minReplicas"] == 0
    waiting, held = scaled["triggers"]
    assert waiting["metadata"]["query"].startswith("sum(vllm:num_requests_waiting{")
    assert held["name"] == "held-requests"
    assert held["metadata"]["query"] == (f'sum({QUEUE_GAUGE}{{namespace="team-b",inference_pool="llama-3-70b"}})')
    # One held request wakes the model; no series (the picker not scraped yet) reads as none.
    assert held["metadata"]["activationThreshold"] == "0"
    assert held["metadata"]["ignoreNullValues"] == "true"
    assert held["metricType"] == "AverageValue"


def test_flow_control_turns_the_gate_on_with_the_hold_as_request_ttl_and_scrapes_the_picker() -> None:
    scope, routing = _held(hold=200)
    objs = objects(scope)  # type: ignore[arg-type]
    config = yaml.safe_load(find(objs, "ConfigMap", "llama-3-70b-epp")["data"]["default-plugins.yaml"])
    assert config["featureGates"] == [GATE]
    assert config["flowControl"] == {"defaultRequestTTL": "200s"}
    monitor = find(objs, "PodMonitor", "llama-3-70b-epp")
    assert monitor["spec"]["selector"]["matchLabels"] == routing.endpoint_picker_selector
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    picker = find(objs, "Deployment", "llama-3-70b-epp")["spec"]["template"]["spec"]["containers"][0]
    assert {"name": endpoint["port"], "containerPort": METRICS_PORT} in picker["ports"]


def test_without_flow_control_the_picker_has_no_gate_and_no_pod_monitor() -> None:
    scope = chart("team-b")
    InferenceRouting(scope, "routing", server=_server(scope), config=RoutingConfig(mode="prefix-aware"))
    objs = objects(scope)
    config = yaml.safe_load(find(objs, "ConfigMap", "llama-3-70b-epp")["data"]["default-plugins.yaml"])
    assert "featureGates" not in config and "flowControl" not in config
    assert not [o for o in objs if o["kind"] == "PodMonitor" and o["metadata"]["name"].endswith("-epp")]


def test_zero_replicas_without_a_hold_is_refused_naming_why() -> None:
    scope = chart()
    with pytest.raises(PropError, match=r"^Autoscaler 'config.min_replicas' \(0\) .*nothing holds the first request"):
        Autoscaler(scope, "scaler", target=_server(scope), config=ZERO)


def test_a_routing_without_flow_control_is_no_hold() -> None:
    scope = chart("team-b")
    routing = InferenceRouting(scope, "routing", server=_server(scope), config=RoutingConfig(mode="prefix-aware"))
    with pytest.raises(PropError, match=r"^Autoscaler 'hold' .*holds no request.*flow_control=FlowControl\(\)"):
        Autoscaler(scope, "scaler", target=routing.server, config=ZERO, hold=routing)


def test_a_hold_shorter_than_a_start_from_zero_is_refused() -> None:
    # 5 s scrape + 5 s poll + 200 s startup timeout = 210 s > 150 s.
    scope, routing = _held(hold=150, startup=200)
    with pytest.raises(PropError, match=r"^Autoscaler 'hold.hold_seconds' \(150\) .*at least 210"):
        Autoscaler(scope, "scaler", target=routing.server, config=ZERO, hold=routing)  # type: ignore[arg-type]


def test_a_hold_the_gateway_would_cut_short_is_refused_by_add_model() -> None:
    scope, routing = _held(hold=200)
    gateway = AiGateway(
        scope,  # type: ignore[arg-type]
        "gateway",
        name="gw",
        api_keys=ApiKeys(scope, "keys"),  # type: ignore[arg-type]
        config=GatewayConfig(request_timeout_seconds=180),
    )
    with pytest.raises(PropError, match=r"^AiGateway.add_model 'server.hold_seconds' \(200\) .*\(180 s\)"):
        gateway.add_model(routing)


def test_a_hold_past_the_pickers_message_timeout_is_refused() -> None:
    scope, routing = _held(hold=PICKER_TIMEOUT + 1)
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))  # type: ignore[arg-type]
    with pytest.raises(PropError, match=rf"use at most {PICKER_TIMEOUT}"):
        gateway.add_model(routing)
