"""The settings types and the facts they share with the constructs and the checks.

Constructor errors name Python fields, values-file errors name values-file keys; the GPU resource rule, the
buffer-limit rule, the KEDA replica formula, the Phoenix project and the OTLP environment each have one home,
read by every part that needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import find, synthesized, with_changes

from llm_inference_stack import (
    AutoscalingConfig,
    GatewayConfig,
    ModelConfig,
    PhoenixConfig,
    PrometheusConfig,
    PrometheusTls,
    RateLimitConfig,
    RuntimeConfig,
    SettingsError,
    StackConfig,
    ValuesError,
    desired_replicas,
    stack_config_from_mapping,
)
from llm_inference_stack.config import ModelConfig as ModelConfigFromConfig
from llm_inference_stack.keda_replicas import keda_desired_replicas
from llm_inference_stack.names import is_gpu_resource_name
from llm_inference_stack.quantity import MAX_UINT32, buffer_limit_bytes, parse_quantity
from llm_inference_stack.tracing_env import otlp_env, project_name
from llm_inference_stack.validation import validate_objects
from llm_inference_stack.validation.checks.workloads import image_is_pinned


def _model(**runtime: Any) -> ModelConfig:
    return ModelConfig(name="m", storage_uri="s3://bucket/m/", runtime=RuntimeConfig(**runtime))


def _values_error(default_values: dict[str, Any], changes: dict[str, Any]) -> str:
    with pytest.raises(ValuesError) as caught:
        stack_config_from_mapping(with_changes(default_values, changes))
    assert not isinstance(caught.value, SettingsError)
    return str(caught.value)


def test_config_module_still_exports_the_settings_types() -> None:
    assert ModelConfigFromConfig is ModelConfig


def test_fails_when_gpu_count_is_zero_naming_the_python_field() -> None:
    with pytest.raises(SettingsError) as caught:
        RuntimeConfig(gpu_count=0)
    assert caught.value.path == "gpu_count"
    assert str(caught.value) == (
        "gpu_count: 0 is not valid: use an integer from 1 to 16 (GPUs per replica; vLLM needs at least one GPU)"
    )


def test_fails_when_gpu_count_is_zero_in_values_naming_the_values_path(default_values: dict[str, Any]) -> None:
    assert _values_error(default_values, {"model.runtime.gpuCount": 0}) == (
        "model.runtime.gpuCount: 0 is not valid: use an integer from 1 to 16 (GPUs per replica; vLLM needs at "
        "least one GPU)"
    )


def test_fixes_name_other_fields_in_the_callers_spelling(default_values: dict[str, Any]) -> None:
    with pytest.raises(SettingsError, match=r"^max_replicas: 2 is not valid: use a value >= min_replicas \(3\)$"):
        AutoscalingConfig(min_replicas=3, max_replicas=2)
    assert _values_error(default_values, {"autoscaling.minReplicas": 3, "autoscaling.maxReplicas": 2}) == (
        "autoscaling.maxReplicas: 2 is not valid: use a value >= minReplicas (3)"
    )
    units = "tokens_per_second, tokens_per_minute, tokens_per_hour, tokens_per_day and/or tokens_per_month"
    with pytest.raises(SettingsError, match=rf"set {units}, or set the block to null"):
        RateLimitConfig()
    with pytest.raises(SettingsError, match=r"^tls\.ca_secret_name: .* is not valid: .*set auth"):
        PrometheusConfig(url="https://prometheus:9090", tls=PrometheusTls(ca_secret_name="ca"))


def test_fails_when_a_label_value_is_invalid_naming_the_key_in_each_spelling(default_values: dict[str, Any]) -> None:
    with pytest.raises(SettingsError) as caught:
        StackConfig(models=(_model(),), common_labels={"team_name": "a b"})
    assert caught.value.path == "common_labels['team_name']"
    # The key is the user's, not a field: it keeps its underscore in the values-file spelling.
    assert _values_error(default_values, {"commonLabels": {"team_name": "a b"}}).startswith(
        "commonLabels.team_name: 'a b' is not valid: use a label value"
    )


def test_fails_when_extra_args_repeat_a_generated_flag_in_each_spelling(default_values: dict[str, Any]) -> None:
    with pytest.raises(SettingsError) as caught:
        RuntimeConfig(extra_args=("--enforce-eager", "-tp=2"))
    assert str(caught.value) == (
        "extra_args[1]: '-tp=2' is not valid: the stack generates this vLLM flag (from model.runtime.gpu_count); a "
        "second one would override it (vLLM's parser keeps the last): remove it from extra_args"
    )
    assert _values_error(default_values, {"model.runtime.extraArgs": ["--enforce-eager", "-tp=2"]}) == (
        "model.runtime.extraArgs[1]: '-tp=2' is not valid: the stack generates this vLLM flag (from "
        "model.runtime.gpuCount); a second one would override it (vLLM's parser keeps the last): remove it from "
        "extraArgs"
    )


def test_python_and_values_spellings_hide_the_same_secret_values() -> None:
    with pytest.raises(SettingsError) as caught:
        RuntimeConfig(env={"HF_TOKEN": "x", "bad name": "hf_abcdefghijklmnop"})
    assert "hf_abcdefghijklmnop" not in str(caught.value)
    assert "hf_abcdefghijklmnop" not in str(caught.value.values_error())


@pytest.mark.parametrize("name", ["nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915", "nvidia.com/mig-1g.10gb"])
def test_a_gpu_resource_the_settings_accept_passes_the_output_checks(default_values: dict[str, Any], name: str) -> None:
    objects = synthesized(with_changes(default_values, {"model.runtime.gpuResourceName": name}))
    validate_objects(objects)
    limits = find(objects, "InferenceService")["spec"]["predictor"]["containers"][0]["resources"]["limits"]
    assert limits[name] == str(default_values["model"]["runtime"]["gpuCount"])


@pytest.mark.parametrize("name", ["kubernetes.io/gpu", "gpu", "requests.nvidia.com/gpu", "Nvidia.com/gpu", "a/b/c"])
def test_fails_when_gpu_resource_name_is_not_an_extended_resource(name: str) -> None:
    assert not is_gpu_resource_name(name)
    with pytest.raises(SettingsError, match=r"^gpu_resource_name: .* use an extended resource name"):
        _model(gpu_resource_name=name)


@pytest.mark.parametrize("limit", ["1Pi", "4Gi", "5G", "1.5Mi", "16m", "0", "-1", "1e3"])
def test_fails_when_buffer_limit_is_not_a_uint32_number_of_bytes(limit: str) -> None:
    assert buffer_limit_bytes(limit) is None
    with pytest.raises(SettingsError, match=r"^buffer_limit: .* at most 4294967295 bytes"):
        GatewayConfig(buffer_limit=limit)


def test_buffer_limit_bytes_are_read_by_one_parser(default_values: dict[str, Any]) -> None:
    assert GatewayConfig(buffer_limit="4095Mi").buffer_limit_bytes == 4095 * 2**20 == buffer_limit_bytes("4095Mi")
    assert buffer_limit_bytes("4294967295") == MAX_UINT32
    assert parse_quantity("500m") == parse_quantity("0.5")
    values = with_changes(default_values, {"gateway.mode": "standalone", "gateway.bufferLimit": "3Gi"})
    config = find(synthesized(values), "ConfigMap", "llm-stack-ai-gateway-envoy")
    assert f"per_connection_buffer_limit_bytes: {3 * 2**30}" in config["data"]["envoy.yaml"]


@pytest.mark.parametrize(("waiting", "replicas"), [(0, 1), (0.5, 1), (5, 1), (5.01, 2), (12, 3), (100, 4), (1000, 4)])
def test_desired_replicas_is_the_one_keda_formula(waiting: float, replicas: int) -> None:
    config = AutoscalingConfig(min_replicas=1, max_replicas=4, threshold=5)
    assert desired_replicas(waiting, config) == keda_desired_replicas(waiting, config) == replicas


@pytest.mark.parametrize(
    ("current", "waiting", "replicas"),
    [
        (3, 16, 3),  # ratio 16 / 15 = 1.07: within the HPA's 10% tolerance, 3 stay 3
        (3, 16.5, 3),  # 1.1 exactly: still within
        (3, 16.6, 4),  # 1.107: beyond, ceil(16.6 / 5) = 4
        (2, 16, 4),  # 1.6: ceil(16 / 5)
        (4, 14, 3),  # 0.7: down to ceil(14 / 5)
        (4, 18.5, 4),  # 0.925: within, 4 stay 4
        (1, 5.4, 1),  # 1.08: within, no second replica yet
        (1, 5.6, 2),
    ],
)
def test_desired_replicas_keeps_the_current_count_within_the_hpa_tolerance(
    current: int, waiting: float, replicas: int
) -> None:
    config = AutoscalingConfig(min_replicas=1, max_replicas=4, threshold=5)
    assert desired_replicas(waiting, config, current) == keda_desired_replicas(waiting, config, current) == replicas


def test_the_operations_pages_replica_table_is_the_formulas() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    lines = [line for line in text.splitlines() if line.startswith("| waiting requests |")]
    assert len(lines) == 1
    rows = text[text.index(lines[0]) :].splitlines()
    waiting = [float(c) for c in rows[0].strip("|").split("|")[1:]]
    config = AutoscalingConfig()
    for current, row in enumerate(rows[2:6], start=1):
        cells = [int(c) for c in row.strip("|").split("|")[1:]]
        assert cells == [desired_replicas(w, config, current) for w in waiting], row


def test_keda_formula_scales_to_zero_only_below_activation_with_min_zero() -> None:
    class Policy:
        threshold = 5.0
        activation_threshold = 2.0
        min_replicas = 0
        max_replicas = 3

    assert [keda_desired_replicas(v, Policy()) for v in (0, 2, 2.5, 11, 50)] == [0, 0, 1, 3, 3]


def test_phoenix_project_defaults_to_the_release_everywhere(default_values: dict[str, Any]) -> None:
    assert project_name(PhoenixConfig(project_name="p"), "rel") == "p"
    assert project_name(PhoenixConfig(), "rel") == "rel"
    assert project_name(None) == StackConfig.release
    for mode in ("ai-gateway", "standalone"):
        values = with_changes(
            default_values, {"release": "team-a", "gateway.mode": mode, "observability.phoenix.projectName": None}
        )
        objects = synthesized(values)
        isvc = find(objects, "InferenceService")
        env = {e["name"]: e.get("value") for e in isvc["spec"]["predictor"]["containers"][0]["env"]}
        assert env["OTEL_RESOURCE_ATTRIBUTES"] == "openinference.project.name=team-a"
        if mode == "standalone":
            gateway = find(objects, "Deployment", "team-a-ai-gateway")
            (envoy_env,) = gateway["spec"]["template"]["spec"]["containers"][0]["env"]
            assert envoy_env["value"] == "openinference.project.name=team-a,service.name=team-a-ai-gateway"
        else:
            tracing = find(objects, "GatewayConfig", "team-a-ai-gateway")
            gw_env = {e["name"]: e.get("value") for e in tracing["spec"]["extProc"]["kubernetes"]["env"]}
            assert gw_env["OTEL_RESOURCE_ATTRIBUTES"] == "openinference.project.name=team-a"


def test_otlp_env_puts_the_key_reference_before_the_header_that_expands_it() -> None:
    phoenix = PhoenixConfig(auth_secret_name="phoenix-key")
    for exporter in ("otlp-http", "vllm"):
        env = otlp_env(phoenix, service_name="s", project_name="p", exporter=exporter)
        names = [var.name for var in env]
        assert names[0] == "PHOENIX_API_KEY" and env[0].secret_name == "phoenix-key" and env[0].secret_key == "api-key"
        assert names[-1] == "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
        assert env[-1].value == "authorization=Bearer $(PHOENIX_API_KEY)"
    # Configured strings are escaped: a literal $( in a project name reaches the exporter as written.
    (attributes,) = otlp_env(PhoenixConfig(), service_name="gw", project_name="p", exporter="envoy")
    assert attributes.value == "openinference.project.name=p,service.name=gw"


@pytest.mark.parametrize(
    "build",
    [
        lambda: RuntimeConfig(gpu_resource_name="nvidia.com/gpu\n"),
        lambda: RuntimeConfig(shm_size="16Gi\n"),
        lambda: RuntimeConfig(image="vllm/vllm-openai:v0.32.0\n"),
        lambda: GatewayConfig(buffer_limit="16Mi\n"),
        lambda: PhoenixConfig(endpoint="http://phoenix:6006\n"),
        lambda: StackConfig(models=(_model(),), namespace="team\n"),
    ],
    ids=["gpu-resource", "shm-size", "image", "buffer-limit", "phoenix-endpoint", "namespace"],
)
def test_fails_when_a_value_ends_in_a_newline(build: Any) -> None:
    """``$`` also matches before a final newline: every rule matches the whole value."""
    with pytest.raises(SettingsError):
        build()


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("vllm/vllm-openai:v0.32.0", True),
        ("registry:5000/vllm/vllm-openai:v0.32.0", True),
        ("vllm/vllm-openai@sha256:" + "a" * 64, True),
        ("vllm/vllm-openai:latest", False),
        ("vllm/vllm-openai", False),
        ("registry:5000/vllm/vllm-openai", False),
        ("vllm/vllm-openai@sha256:abc", False),
    ],
)
def test_settings_and_output_checks_share_the_pinned_image_rule(image: str, pinned: bool) -> None:
    assert image_is_pinned(image) is pinned
    if pinned:
        assert RuntimeConfig(image=image).image == image
    else:
        with pytest.raises(SettingsError, match=r"^image: "):
            RuntimeConfig(image=image)


def test_fails_at_load_when_standalone_mode_gets_a_phoenix_api_key(default_values: dict[str, Any]) -> None:
    changes = {"gateway.mode": "standalone", "observability.phoenix.authSecretName": "phoenix-key"}
    assert _values_error(default_values, changes) == (
        "observability.phoenix.authSecretName: 'phoenix-key' is not valid: gateway.mode 'standalone' cannot send a "
        "Phoenix API key (Envoy's OTLP exporter takes headers inline only): remove authSecretName, or use "
        "gateway.mode 'ai-gateway'"
    )


def test_fails_at_load_when_the_standalone_port_is_envoys_admin_port(default_values: dict[str, Any]) -> None:
    changes = {"gateway.mode": "standalone", "gateway.port": 9901}
    assert _values_error(default_values, changes) == (
        "gateway.port: 9901 is not valid: use another port: 9901 is Envoy's admin port in standalone mode"
    )
    assert GatewayConfig(port=9901).port == 9901  # Envoy Gateway's Envoy has no admin port there
