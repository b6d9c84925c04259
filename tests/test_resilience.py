"""gateway.resilience: retries, outlier detection and the upstream idle timeout, in both gateway modes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from helpers import find, synthesized, with_changes
from test_standalone_gateway import config_map, standalone, validate

from llm_inference_stack import (
    GatewayConfig,
    LlmInferenceStack,
    ModelConfig,
    ResilienceConfig,
    RuntimeConfig,
    SettingsError,
    StackConfig,
    load_values,
    stack_config_from_mapping,
)
from llm_inference_stack.errors import ValuesError
from llm_inference_stack.facts import vllm
from llm_inference_stack.standalone_gateway import BOOTSTRAP_FILE
from llm_inference_stack.validation.schema import validate_object

POLICY = "llm-stack-ai-gateway-backend-traffic"
TUNED = {
    "retries": 4,
    "retryBaseIntervalMs": 250,
    "retryMaxIntervalMs": 2500,
    "consecutive5xxErrors": 7,
    "outlierIntervalSeconds": 10,
    "baseEjectionSeconds": 60,
    "maxEjectionPercent": 100,
    "upstreamIdleTimeoutSeconds": 2,
}
"""Every field away from its default, in values-file spelling."""
OFF = {"retries": 0, "consecutive5xxErrors": None}


def _policy(values: dict[str, Any]) -> dict[str, Any]:
    return find(synthesized(values), "BackendTrafficPolicy", POLICY)


def _bootstrap(values: dict[str, Any]) -> dict[str, Any]:
    bootstrap: dict[str, Any] = yaml.safe_load(config_map(synthesized(standalone(values)))[BOOTSTRAP_FILE])
    return bootstrap


def _model_route_and_cluster(bootstrap: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    hcm = bootstrap["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    (route,) = [r for r in hcm["route_config"]["virtual_hosts"][0]["routes"] if r["name"] == "llama-3-70b"]
    (cluster,) = [c for c in bootstrap["static_resources"]["clusters"] if c["name"] == "model-llama-3-70b"]
    return route, cluster


def test_the_default_policy_retries_ejects_and_closes_idle_connections_first(default_values: dict[str, Any]) -> None:
    spec = _policy(default_values)["spec"]
    assert spec["retry"] == {
        "numRetries": 2,
        "retryOn": {
            "triggers": ["connect-failure", "reset", "refused-stream", "retriable-status-codes"],
            "httpStatusCodes": [503],
        },
        # No perRetry.timeout: an attempt may take the whole request timeout (a long generation).
        "perRetry": {"backOff": {"baseInterval": "100ms", "maxInterval": "1s"}},
    }
    assert spec["healthCheck"] == {
        "passive": {"consecutive5XxErrors": 3, "interval": "5s", "baseEjectionTime": "30s", "maxEjectionPercent": 50}
    }
    assert spec["timeout"] == {"http": {"connectionIdleTimeout": "3s"}}
    assert spec["rateLimit"]["global"]["rules"]  # in the same policy: Envoy Gateway attaches one per route


@pytest.mark.parametrize("resilience", [{}, TUNED, OFF], ids=["default", "tuned", "off"])
def test_the_policy_passes_envoy_gateways_crd_schema(
    default_values: dict[str, Any], resilience: dict[str, Any]
) -> None:
    policy = _policy(with_changes(default_values, {"gateway.resilience": resilience}))
    assert validate_object(policy) == []


def test_the_crd_schema_check_sees_a_wrong_resilience_field(default_values: dict[str, Any]) -> None:
    policy = _policy(default_values)
    policy["spec"]["retry"]["perRetry"]["backOff"]["baseInterval"] = "0.1s"  # Envoy Gateway takes no fractions
    policy["spec"]["healthCheck"]["passive"]["consecutive5xxErrors"] = 3  # the CRD spells it consecutive5XxErrors
    problems = "\n".join(validate_object(policy))
    assert "baseInterval" in problems and "consecutive5xxErrors" in problems


def test_every_field_reaches_both_modes(default_values: dict[str, Any]) -> None:
    values = with_changes(default_values, {"gateway.resilience": TUNED})
    spec = _policy(values)["spec"]
    assert spec["retry"]["numRetries"] == 4
    assert spec["retry"]["perRetry"]["backOff"] == {"baseInterval": "250ms", "maxInterval": "2s500ms"}
    assert spec["healthCheck"]["passive"] == {
        "consecutive5XxErrors": 7,
        "interval": "10s",
        "baseEjectionTime": "60s",
        "maxEjectionPercent": 100,
    }
    assert spec["timeout"]["http"]["connectionIdleTimeout"] == "2s"
    route, cluster = _model_route_and_cluster(_bootstrap(values))
    assert route["route"]["retry_policy"] == {
        "retry_on": "connect-failure,reset,refused-stream,retriable-status-codes",
        "retriable_status_codes": [503],
        "num_retries": 4,
        "retry_back_off": {"base_interval": "0.25s", "max_interval": "2.5s"},
    }
    assert "per_try_timeout" not in route["route"]["retry_policy"]
    assert cluster["outlier_detection"] == {
        "consecutive_5xx": 7,
        "interval": "10s",
        "base_ejection_time": "60s",
        "max_ejection_percent": 100,
    }
    options = cluster["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert options == {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        "common_http_protocol_options": {"idle_timeout": "2s"},
        "explicit_http_config": {"http_protocol_options": {}},
    }


def test_the_standalone_default_matches_the_default_mode(default_values: dict[str, Any]) -> None:
    route, cluster = _model_route_and_cluster(_bootstrap(default_values))
    policy = _policy(default_values)["spec"]
    retry = route["route"]["retry_policy"]
    assert retry["retry_on"].split(",") == policy["retry"]["retryOn"]["triggers"]
    assert retry["retriable_status_codes"] == policy["retry"]["retryOn"]["httpStatusCodes"]
    assert retry["num_retries"] == policy["retry"]["numRetries"]
    assert retry["retry_back_off"] == {"base_interval": "0.1s", "max_interval": "1s"}
    assert cluster["outlier_detection"]["consecutive_5xx"] == policy["healthCheck"]["passive"]["consecutive5XxErrors"]
    options = cluster["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert options["common_http_protocol_options"]["idle_timeout"] == policy["timeout"]["http"]["connectionIdleTimeout"]


def test_off_emits_no_retries_and_no_outlier_detection_in_either_mode(default_values: dict[str, Any]) -> None:
    values = with_changes(default_values, {"gateway.resilience": OFF})
    spec = _policy(values)["spec"]
    assert "retry" not in spec and "healthCheck" not in spec
    assert spec["timeout"] == {"http": {"connectionIdleTimeout": "3s"}}  # the idle timeout is never off
    bootstrap = _bootstrap(values)
    route, cluster = _model_route_and_cluster(bootstrap)
    assert "retry_policy" not in route["route"] and "outlier_detection" not in cluster
    assert "retry_policy" not in yaml.safe_dump(bootstrap)


def test_tuned_and_off_bootstraps_pass_envoy_validate(tmp_path: Path, default_values: dict[str, Any]) -> None:
    for name, resilience in (("tuned", TUNED), ("off", OFF)):
        (tmp_path / name).mkdir()
        validate(tmp_path / name, synthesized(standalone(default_values, {"gateway.resilience": resilience})))


def test_a_values_file_and_the_same_settings_in_python_give_the_same_objects(
    tmp_path: Path, default_values: dict[str, Any]
) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "model:\n  name: m\n  storageUri: s3://b/m/\ngateway:\n  resilience:\n"
        + "".join(f"    {key}: {'null' if value is None else value}\n" for key, value in TUNED.items())
    )
    python = StackConfig(
        models=(ModelConfig(name="m", storage_uri="s3://b/m/"),),
        gateway=GatewayConfig(
            resilience=ResilienceConfig(
                retries=4,
                retry_base_interval_ms=250,
                retry_max_interval_ms=2500,
                consecutive_5xx_errors=7,
                outlier_interval_seconds=10,
                base_ejection_seconds=60,
                max_ejection_percent=100,
                upstream_idle_timeout_seconds=2,
            )
        ),
    )
    assert load_values(values) == python
    from_values = LlmInferenceStack(cdk8s.Testing.app(), "llm-stack", config=load_values(values)).to_json()
    from_python = LlmInferenceStack(cdk8s.Testing.app(), "llm-stack", config=python).to_json()
    assert from_values == from_python
    assert find(from_python, "BackendTrafficPolicy", POLICY)["spec"]["retry"]["numRetries"] == 4


def test_fails_when_the_idle_timeout_is_not_below_vllms_keep_alive() -> None:
    assert vllm.HTTP_KEEP_ALIVE_SECONDS == 5  # vllm/envs.py VLLM_HTTP_TIMEOUT_KEEP_ALIVE in the pinned vLLM
    ResilienceConfig(upstream_idle_timeout_seconds=4)
    with pytest.raises(SettingsError) as caught:
        ResilienceConfig(upstream_idle_timeout_seconds=5)
    assert str(caught.value) == (
        "upstream_idle_timeout_seconds: 5 is not valid: use a number of seconds from 1 to 4: vLLM closes a connection "
        "idle for 5 s (VLLM_HTTP_TIMEOUT_KEEP_ALIVE), and Envoy must close it first, or it sends a request on a "
        "connection vLLM is closing and the client gets a 503"
    )


def test_fails_in_a_values_file_when_the_idle_timeout_is_an_hour(default_values: dict[str, Any]) -> None:
    values = with_changes(default_values, {"gateway.resilience": {"upstreamIdleTimeoutSeconds": 3600}})
    with pytest.raises(ValuesError, match=r"gateway\.resilience\.upstreamIdleTimeoutSeconds: 3600 is not valid: .*"):
        stack_config_from_mapping(values)


def test_fails_when_a_models_env_shortens_vllms_keep_alive_below_the_idle_timeout() -> None:
    def stack(keep_alive: str) -> StackConfig:
        runtime = RuntimeConfig(env={vllm.HTTP_KEEP_ALIVE_ENV: keep_alive})
        return StackConfig(models=(ModelConfig(name="m", storage_uri="s3://b/m/", runtime=runtime),))

    stack("10")
    with pytest.raises(SettingsError) as caught:
        stack("3")
    message = str(caught.value)
    assert message.startswith("gateway.resilience.upstream_idle_timeout_seconds: 3 is not valid: models[0] sets ")
    assert "use a number of seconds from 1 to 2: vLLM closes a connection idle for 3 s" in message


def test_fails_when_the_back_off_shrinks() -> None:
    with pytest.raises(SettingsError, match=re.escape("retry_max_interval_ms: 50 is not valid: use a number of")):
        ResilienceConfig(retry_base_interval_ms=100, retry_max_interval_ms=50)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("retries", -1),
        ("retries", 11),
        ("consecutive_5xx_errors", 0),
        ("max_ejection_percent", 0),
        ("outlier_interval_seconds", 0),
        ("base_ejection_seconds", 0),
        ("upstream_idle_timeout_seconds", 0),
    ],
)
def test_fails_when_a_field_is_out_of_range(field: str, value: int) -> None:
    with pytest.raises(SettingsError, match=rf"^{field}: {value} is not valid: use "):
        ResilienceConfig(**{field: value})
