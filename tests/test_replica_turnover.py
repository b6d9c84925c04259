"""A stopping model replica drains: its ``preStop`` sleep outlasts the gateway's connections to it, then vLLM's
``--shutdown-timeout`` lets the requests it runs finish, all within ``terminationGracePeriodSeconds``; and a rollout
replaces replicas without stopping one first (``maxSurge`` 1, ``maxUnavailable`` 0 by default)."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from helpers import find, synthesized, with_changes
from test_standalone_gateway import standalone

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    LlmInferenceStack,
    ModelConfig,
    ModelServer,
    RuntimeConfig,
    SettingsError,
    StackConfig,
    load_values,
)
from llm_inference_stack.errors import PropError, ValuesError
from llm_inference_stack.facts import kubernetes
from llm_inference_stack.settings.gateway import GatewayConfig, ResilienceConfig
from llm_inference_stack.validation.schema import validate_object


def _predictor(objects: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    predictor = find(objects, "InferenceService")["spec"]["predictor"]
    (container,) = predictor["containers"]
    return predictor, container


def _drain(objects: list[dict[str, Any]]) -> tuple[int, str, int]:
    """(preStop sleep, --shutdown-timeout, terminationGracePeriodSeconds) of the model Pods."""
    predictor, container = _predictor(objects)
    args = container["args"]
    return (
        container["lifecycle"]["preStop"]["sleep"]["seconds"],
        args[args.index("--shutdown-timeout") + 1],
        predictor["terminationGracePeriodSeconds"],
    )


def test_by_default_the_pod_serves_35_s_then_vllm_drains_80_s_within_120(default_values: dict[str, Any]) -> None:
    # 30 s: the gateway renews its connections to the Service that often; 5 s: the endpoints' propagation.
    assert kubernetes.ENDPOINT_PROPAGATION_SECONDS == 5
    assert _drain(synthesized(default_values)) == (35, "80", 120)


@pytest.mark.parametrize("mode", ["ai-gateway", "standalone"])
def test_the_sleep_follows_the_gateways_connection_lifetime_in_both_modes(
    default_values: dict[str, Any], mode: str
) -> None:
    values = with_changes(default_values, {"gateway.mode": mode, "gateway.resilience.upstreamMaxConnectionSeconds": 90})
    assert _drain(synthesized(values)) == (95, "80", 180)
    # null: connections live until idle, so only the idle timeout bounds them
    values = with_changes(values, {"gateway.resilience": {"upstreamMaxConnectionSeconds": None}})
    assert _drain(synthesized(values)) == (3 + 5, "80", 8 + 80 + 5)


def test_the_shutdown_timeout_sets_vllms_flag_and_the_grace_period(default_values: dict[str, Any]) -> None:
    values = with_changes(default_values, {"model.runtime.shutdownTimeoutSeconds": 0})
    assert _drain(synthesized(values)) == (35, "0", 40)
    values = with_changes(default_values, {"model.runtime.shutdownTimeoutSeconds": 600})
    assert _drain(synthesized(standalone(values))) == (35, "600", 640)


def test_a_model_server_alone_waits_out_the_propagation_and_a_gateway_s_add_model_sets_its_lifetime() -> None:
    app = cdk8s.Testing.app()
    chart = cdk8s.Chart(app, "c", namespace="kserve-inference")
    server = ModelServer(chart, "m", model=ModelConfig(name="m", storage_uri="s3://b/m/"))
    assert (server.pre_stop_seconds, server.termination_grace_seconds) == (5, 90)
    config = GatewayConfig(resilience=ResilienceConfig(upstream_max_connection_seconds=20))
    gateway = AiGateway(chart, "gateway", name="gw", api_keys=ApiKeys(chart, "keys"), config=config)
    gateway.add_model(server)
    assert (server.pre_stop_seconds, server.termination_grace_seconds) == (25, 110)
    server.drain_connections(lifetime_seconds=30)  # a second gateway's longer lifetime holds
    server.drain_connections(lifetime_seconds=10)  # a shorter one changes nothing
    assert server.pre_stop_seconds == 35
    _, container = _predictor(cdk8s.Testing.synth(chart))
    assert container["lifecycle"] == {"preStop": {"sleep": {"seconds": 35}}}
    with pytest.raises(PropError, match=r"drain_connections 'lifetime_seconds' \(-1\) is not valid: give a number"):
        server.drain_connections(lifetime_seconds=-1)


def test_a_values_file_and_python_give_the_same_drain(tmp_path: Any) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("model:\n  name: m\n  storageUri: s3://b/m/\n  runtime:\n    shutdownTimeoutSeconds: 30\n")
    python = StackConfig(models=(ModelConfig(name="m", storage_uri="s3://b/m/",
                                             runtime=RuntimeConfig(shutdown_timeout_seconds=30)),))  # fmt: skip
    assert load_values(values) == python
    objects = LlmInferenceStack(cdk8s.Testing.app(), "llm-stack", config=python).to_json()
    assert _drain(objects) == (35, "30", 70)


def test_vllms_own_flag_in_extra_args_is_refused_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match=r"set model\.runtime\.shutdown_timeout_seconds instead"):
        RuntimeConfig(extra_args=("--shutdown-timeout=5",))


def test_a_shutdown_timeout_out_of_range_is_refused_in_a_values_file(default_values: dict[str, Any]) -> None:
    with pytest.raises(ValuesError, match=r"model\.runtime\.shutdownTimeoutSeconds: -1 is not valid: use a number"):
        synthesized(with_changes(default_values, {"model.runtime.shutdownTimeoutSeconds": -1}))


def test_a_rollout_starts_one_replica_more_and_never_stops_one_first_by_default(default_values: dict[str, Any]) -> None:
    isvc = find(synthesized(default_values), "InferenceService")
    assert isvc["spec"]["predictor"]["deploymentStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    assert validate_object(isvc) == []  # KServe's CRD takes it (appsv1.DeploymentStrategy)


def test_without_room_for_a_spare_replica_a_rollout_stops_one_first(default_values: dict[str, Any]) -> None:
    values = with_changes(
        default_values, {"model.runtime.rolloutMaxSurge": 0, "model.runtime.rolloutMaxUnavailable": 1}
    )
    isvc = find(synthesized(values), "InferenceService")
    assert isvc["spec"]["predictor"]["deploymentStrategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}
    with pytest.raises(ValuesError, match=r"model\.runtime\.rolloutMaxUnavailable: 0 is not valid: with "
                                          r"rolloutMaxSurge 0 a rollout could neither"):  # fmt: skip
        synthesized(with_changes(default_values, {"model.runtime.rolloutMaxSurge": 0}))
