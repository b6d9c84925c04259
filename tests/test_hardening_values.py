"""Values that a later consumer (the API server, a controller, kubectl, vLLM, the gateway) would take differently
from what the user meant: refused in the settings types with the Python field named, and in values files with
the values path named (the catalogue in ``data/bad-values`` covers the values-file side)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

from llm_inference_stack import load_values, manifests, stack_config_from_mapping
from llm_inference_stack.config import (
    ApiKeysConfig,
    AutoscalingConfig,
    ExternalSecretConfig,
    GatewayConfig,
    GatewayServiceConfig,
    ModelConfig,
    NetworkPolicyConfig,
    ObservabilityConfig,
    PhoenixConfig,
    PrometheusConfig,
    RuntimeConfig,
    StackConfig,
)
from llm_inference_stack.errors import SettingsError, ValuesError
from llm_inference_stack.redaction import credential_warnings
from llm_inference_stack.settings._vllm_flags import resolve, table
from llm_inference_stack.settings.model import (
    DEFAULT_VLLM_IMAGE,
    GENERATED_VLLM_ENV,
    GENERATED_VLLM_FLAGS,
    WIRED_VLLM_FLAGS,
)
from llm_inference_stack.validation.vllm_args import image_version, vllm_python

MODEL = {"name": "llama", "storageUri": "s3://models/llama/"}


def model(**changes: Any) -> ModelConfig:
    return ModelConfig(**{"name": "llama", "storage_uri": "s3://models/llama/", **changes})


# --- namespace.create: only namespaces the stack owns -----------------------------------------


@pytest.mark.parametrize(
    "namespace",
    [
        "default",
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "kserve",
        "keda",
        "envoy-gateway-system",
        "envoy-ai-gateway-system",
        "istio-system",
    ],
)
def test_create_namespace_refuses_a_namespace_the_stack_does_not_own(namespace: str) -> None:
    with pytest.raises(SettingsError) as caught:
        StackConfig(models=(model(),), namespace=namespace, create_namespace=True)
    assert caught.value.field == "namespace"
    assert "create_namespace would emit Namespace" in str(caught.value)
    assert "set create_namespace: false" in str(caught.value)


def test_create_namespace_refuses_a_model_namespace_the_controllers_own() -> None:
    with pytest.raises(SettingsError) as caught:
        StackConfig(models=(model(), model(name="b", namespace="kube-system")), namespace="llm", create_namespace=True)
    assert caught.value.field == "models[1].namespace"


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"autoscaling": AutoscalingConfig(prometheus=PrometheusConfig(namespace="llm"))}, "Prometheus' namespace"),
        (
            {"observability": ObservabilityConfig(phoenix=PhoenixConfig(endpoint="http://phoenix.llm.svc:6006"))},
            "Phoenix's namespace",
        ),
        ({"network_policy": NetworkPolicyConfig(gateway_namespace="llm")}, None),
    ],
)
def test_create_namespace_refuses_the_namespaces_the_settings_give_to_others(
    settings: dict[str, Any], why: str | None
) -> None:
    models = (model(namespace="llm"),)
    if why is None:  # the gateway's namespace is the stack's own (GatewayNamespace mode): fine
        assert StackConfig(models=models, namespace="llm", create_namespace=True, **settings).namespaces == ["llm"]
        return
    with pytest.raises(SettingsError, match=re.escape(why)):
        StackConfig(models=models, namespace="llm", create_namespace=True, **settings)
    # Without create, the same namespaces are only used, never emitted.
    assert StackConfig(models=models, namespace="llm", **settings).namespace == "llm"


def test_create_namespace_refuses_the_envoy_pods_namespace_when_it_is_the_controllers() -> None:
    with pytest.raises(SettingsError, match="namespace of the Envoy pods"):
        StackConfig(
            models=(model(namespace="edge"),),
            namespace="llm",
            create_namespace=True,
            network_policy=NetworkPolicyConfig(gateway_namespace="edge"),
        )


def test_create_namespace_values_message_names_the_values_key() -> None:
    with pytest.raises(ValuesError) as caught:
        stack_config_from_mapping({"namespace": {"name": "kube-system", "create": True}, "model": MODEL})
    assert str(caught.value).startswith("namespace: 'kube-system' is not valid: namespace.create would emit")


def test_the_docs_prune_only_by_the_stacks_labels_and_never_namespaces() -> None:
    text = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    commands = [
        " ".join(shlex.split(block.replace("\\\n", " ")))
        for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)
        if "--prune" in block
    ]
    assert commands, "the docs explain how to prune"
    for command in commands:
        words = shlex.split(command)
        assert "--all" not in words
        selector = words[words.index("-l") + 1]
        assert "app.kubernetes.io/managed-by=llm-inference-stack" in selector.split(",")
        allowed = [w.split("=", 1)[1] for w in words if w.startswith("--prune-allowlist=")]
        assert allowed
        assert not [kind for kind in allowed if kind.split("/")[-1] in ("Namespace", "Secret")]


# --- strings that reach containers and URLs the stack does not write ---------------------------


@pytest.mark.parametrize(
    ("uri", "fix"),
    [
        ("s3://bucket/$(HF_TOKEN)/", "the kubelet expands $(VAR)"),
        ("s3://bucket/a$$b/", "the kubelet expands $(VAR)"),
        ("s3:///llama/", "name the bucket"),
        ("gs:///llama/", "name the bucket"),
        ("s3://bucket/llama/ ", "remove the whitespace"),
        ("s3://bucket/lla ma/", "remove the whitespace"),
        ("s3://bucket/llama/\n", "remove the whitespace"),
        ("s3://AKIA:secret@bucket/llama/", "remove the user name and password"),
        ("https://user:pw@models.example.com/llama/", "remove the user name and password"),
        ("https://models_store.example.com/llama/", "use a host that is a DNS name"),
        ("https://models..example.com/llama/", "use a host that is a DNS name"),
        ("oci://registry_1.example.com/llama:v1", "use a host that is a DNS name"),
        ("s3://bucket/llama\u200b/", "remove the whitespace and invisible characters"),
        ("s3://bucket/llama\x00/", "remove the whitespace and invisible characters"),
    ],
)
def test_storage_uri_is_refused_when_kserve_or_the_initializer_would_read_it_differently(uri: str, fix: str) -> None:
    with pytest.raises(SettingsError) as caught:
        model(storage_uri=uri)
    assert caught.value.field == "storage_uri"
    assert fix in str(caught.value)


@pytest.mark.parametrize(
    "uri",
    [
        "s3://bucket/llama/",
        "hf://meta-llama/Llama-3.1-8B",
        "pvc://claim/llama",
        "https://10.0.0.5/llama/",
        "oci://registry.example.com:5000/llama:v1",
        "oci://ghcr.io/org/llama@sha256:" + "a" * 64,
    ],
)
def test_storage_uris_that_kserve_reads_as_written_are_accepted(uri: str) -> None:
    assert model(storage_uri=uri).storage_uri == uri


def test_a_dollar_not_followed_by_a_parenthesis_or_dollar_is_not_expanded_and_is_kept() -> None:
    assert model(storage_uri="s3://bucket/price$1/").storage_uri == "s3://bucket/price$1/"


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("http://keda:pw@prometheus.monitoring.svc:9090", "set auth (bearer or basic) with a Secret instead"),
        ("http://prometheus.monitoring.svc:9090/?tenant=a", "'/api/v1/query' (KEDA formats its query URL from it)"),
        ("http://prometheus.monitoring.svc:9090/#top", "remove the query string and fragment"),
        ("http://prometheus_operated.monitoring.svc:9090", "no '_'"),
        ("http://prometheus..svc:9090", "empty labels"),
        ("http://prometheus.:9090", "empty labels"),
        ("http://-prometheus:9090", "use a host that is a DNS name"),
        ("http://:9090", "use a host that is a DNS name"),
        ("http://[::g]:9090", "valid IPv6 address"),
        ("http://prometheus:0", "use a port from 1 to 65535"),
        ("http://prometheus:x", "use a port from 1 to 65535"),
        ("http://prometheus:9090/", "remove the trailing '/'"),
        ("http://prometheus:\u0669\u0660\u0669\u0660", "use a port from 1 to 65535"),
        ("http://prometheus\x00:9090", "without spaces"),
    ],
)
def test_prometheus_url_that_keda_would_misread_is_refused(url: str, fix: str) -> None:
    with pytest.raises(SettingsError) as caught:
        PrometheusConfig(url=url)
    assert caught.value.field == "url"
    assert fix in str(caught.value)


@pytest.mark.parametrize("url", ["http://10.0.0.1:9090", "http://[2001:db8::1]:9090", "https://thanos.example.com/p"])
def test_prometheus_urls_with_ip_literals_and_path_prefixes_are_accepted(url: str) -> None:
    assert PrometheusConfig(url=url).url == url


@pytest.mark.parametrize("field", ["endpoint", "grpc_endpoint"])
@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("http://admin:pw@phoenix.phoenix.svc:6006", "name it in auth_secret_name"),
        ("http://phoenix.phoenix.svc:6006/?project=x", "remove the query string and fragment"),
        ("http://phoenix svc:6006", "without spaces"),
    ],
)
def test_phoenix_urls_that_the_exporters_would_misread_are_refused(field: str, url: str, fix: str) -> None:
    with pytest.raises(SettingsError) as caught:
        PhoenixConfig(**{field: url})
    assert caught.value.field == field
    assert fix in str(caught.value)


@pytest.mark.parametrize("endpoint", ["http://phoenix:6006/v1/traces", "http://phoenix:6006/p/v1/traces/"])
def test_a_phoenix_endpoint_that_already_ends_in_the_traces_path_is_refused(endpoint: str) -> None:
    with pytest.raises(SettingsError, match="append /v1/traces themselves"):
        PhoenixConfig(endpoint=endpoint)


def test_the_grpc_endpoint_of_an_ipv6_phoenix_keeps_the_brackets() -> None:
    assert PhoenixConfig(endpoint="http://[2001:db8::1]:6006").otlp_grpc_endpoint == "http://[2001:db8::1]:4317"


# --- keys and headers that mean something to a controller or the gateway -----------------------


@pytest.mark.parametrize(
    "key",
    [
        "autoscaling.keda.sh/paused-replicas",
        "autoscaling.keda.sh/paused",
        "scaledobject.keda.sh/transfer-hpa-ownership",
        "serving.kserve.io/stop",
        "internal.serving.kserve.io/logger-sink-url",
        "gateway.envoyproxy.io/owning-gateway-name",
        "aigateway.envoyproxy.io/anything",
        "pod-security.kubernetes.io/enforce",
        "kubectl.kubernetes.io/last-applied-configuration",
    ],
)
@pytest.mark.parametrize("field", ["common_labels", "common_annotations"])
def test_common_labels_and_annotations_may_not_carry_a_controllers_switch(field: str, key: str) -> None:
    with pytest.raises(SettingsError) as caught:
        StackConfig(models=(model(),), **{field: {key: "true"}})
    assert caught.value.field == field
    assert caught.value.key == key
    assert "keys under this prefix are read by" in str(caught.value)


def test_the_recommended_labels_stay_allowed_on_every_object() -> None:
    labels = {"app.kubernetes.io/version": "1.0", "app.kubernetes.io/instance": "prod", "example.com/team": "ml"}
    assert StackConfig(models=(model(),), common_labels=labels).common_labels == labels


def test_gateway_service_annotations_may_not_carry_a_gateway_switch_but_take_load_balancer_settings() -> None:
    with pytest.raises(SettingsError) as caught:
        GatewayServiceConfig(annotations={"gateway.envoyproxy.io/x": "y"})
    assert (caught.value.field, caught.value.key) == ("annotations", "gateway.envoyproxy.io/x")
    lb = {
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "cloud.google.com/load-balancer-type": "Internal",
        "service.kubernetes.io/topology-mode": "Auto",
    }
    assert GatewayServiceConfig(type="LoadBalancer", annotations=lb).annotations == lb


@pytest.mark.parametrize(
    "header",
    [
        "authorization",
        "content-length",
        "content-type",
        "host",
        ":authority",
        ":path",
        "transfer-encoding",
        "connection",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-ai-eg-model",
        "x-envoy-original-path",
        "content-md5",
        "traceparent",
        "x-b3-traceid",
        "-client",
    ],
)
def test_client_id_header_may_not_be_a_header_that_already_means_something(header: str) -> None:
    with pytest.raises(SettingsError) as caught:
        GatewayConfig(client_id_header=header)
    assert caught.value.field == "client_id_header"


@pytest.mark.parametrize("header", ["x-client-id", "x-tenant", "team"])
def test_client_id_headers_of_ones_own_are_accepted(header: str) -> None:
    assert GatewayConfig(client_id_header=header).client_id_header == header


@pytest.mark.parametrize("port", [19000, 19001, 19002, 19003])
def test_gateway_port_may_not_be_one_envoy_gateway_gives_its_envoy_pods(port: int) -> None:
    with pytest.raises(SettingsError, match=f"listen on {port} themselves"):
        GatewayConfig(port=port)
    # The standalone Envoy has none of Envoy Gateway's listeners.
    assert GatewayConfig(mode="standalone", port=port).port == port


def test_standalone_gateway_port_may_not_be_its_admin_port() -> None:
    with pytest.raises(SettingsError, match="admin port"):
        GatewayConfig(mode="standalone", port=9901)


# --- vLLM flags as vLLM's parser resolves them ---------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "flag"),
    [
        ("--ho", "--host"),
        ("--hos=0.0.0.0", "--host"),
        ("--por", "--port"),
        ("--ten", "--tensor-parallel-size"),
        ("--tensor_par", "--tensor-parallel-size"),
        ("--served", "--served-model-name"),
        ("--otlp", "--otlp-traces-endpoint"),
        ("--download-dir", "--download-dir"),
        ("--max-model", "--max-model-len"),
        ("--gpu-mem", "--gpu-memory-utilization"),
        ("--served-model-name.x", "--served-model-name"),
        ("--ho.x", "--host"),
        ("-tp.x", "-tp"),
    ],
)
def test_extra_args_abbreviating_a_generated_flag_are_refused_as_that_flag(arg: str, flag: str) -> None:
    assert resolve(arg).option == flag
    with pytest.raises(SettingsError) as caught:
        RuntimeConfig(extra_args=("--enforce-eager", arg, "x"))
    assert caught.value.field == "extra_args[1]"
    assert flag in str(caught.value) or "weights" in str(caught.value)


@pytest.mark.parametrize("arg", ["--h", "--mod", "--p", "--s"])
def test_extra_args_with_an_abbreviation_vllm_finds_ambiguous_are_refused(arg: str) -> None:
    candidates = resolve(arg).ambiguous
    assert candidates is not None and candidates.count("--") >= 2
    with pytest.raises(SettingsError, match="vLLM's parser refuses this abbreviation"):
        RuntimeConfig(extra_args=(arg, "x"))


@pytest.mark.parametrize(
    "args",
    [
        ("--enforce-eager",),
        ("--model-impl", "vllm"),
        ("-q", "fp8"),
        ("-O3",),
        ("--hostname-override", "x"),
        ("4096",),
        ("--compilation-config.level", "3"),
    ],
)
def test_extra_args_vllm_reads_as_other_flags_are_accepted(args: tuple[str, ...]) -> None:
    assert RuntimeConfig(extra_args=args).extra_args == args


def test_extra_args_after_a_double_dash_are_positional_to_vllm() -> None:
    assert resolve("--host").dest == "host"
    assert RuntimeConfig(extra_args=("--", "--host")).extra_args == ("--", "--host")


@pytest.mark.parametrize(
    ("gpus", "args"),
    [
        (2, ("-pp", "2")),
        (1, ("--pipeline-parallel-size=2",)),
        (4, ("--data-parallel-size", "2")),
        (4, ("-dp", "2", "-dpl", "2")),
        (2, ("--prefill-context-parallel-size", "2")),
    ],
)
def test_parallelism_that_needs_more_gpus_than_the_pod_has_is_refused(gpus: int, args: tuple[str, ...]) -> None:
    with pytest.raises(SettingsError, match=f"but the pod has gpu_count = {gpus} GPUs"):
        RuntimeConfig(gpu_count=gpus, extra_args=args)


@pytest.mark.parametrize("args", [("-pp", "1"), ("--data-parallel-size", "1"), ("-dp", "2", "-dpl", "1")])
def test_parallelism_of_one_rank_per_tensor_parallel_group_is_accepted(args: tuple[str, ...]) -> None:
    assert RuntimeConfig(gpu_count=2, extra_args=args).extra_args == args


def test_more_than_one_node_is_refused() -> None:
    with pytest.raises(SettingsError, match="one pod on one node"):
        RuntimeConfig(extra_args=("--nnodes", "2"))


@pytest.mark.parametrize("args", [("-pp", "two"), ("-pp", "0"), ("--pipeline-parallel-size.x", "1"), ("-pp",)])
def test_parallel_sizes_must_be_numbers(args: tuple[str, ...]) -> None:
    with pytest.raises(SettingsError, match="positive integer"):
        RuntimeConfig(extra_args=args)


@pytest.mark.parametrize("name", sorted(GENERATED_VLLM_ENV))
def test_env_may_not_set_a_variable_the_stack_sets(name: str) -> None:
    with pytest.raises(SettingsError) as caught:
        RuntimeConfig(env={name: "x"})
    assert (caught.value.field, caught.value.key) == ("env", name)


def test_the_stacks_own_variables_of_the_vllm_container_are_all_protected() -> None:
    config = stack_config_from_mapping(
        {"model": MODEL, "observability": {"phoenix": {"authSecretName": "phoenix-auth"}}}
    )
    isvc = next(o for o in manifests(config, validate=False) if o["kind"] == "InferenceService")
    names = {e["name"] for e in isvc["spec"]["predictor"]["containers"][0]["env"]}
    assert names and names <= GENERATED_VLLM_ENV


def test_the_flag_table_is_from_the_vllm_of_the_default_image() -> None:
    assert table()["vllm"] == image_version(DEFAULT_VLLM_IMAGE)
    options = {o for action in table()["actions"] for o in action["options"]}
    assert {"--host", "--port", "-tp", "--served-model-name", "--otlp-traces-endpoint"} <= options
    for flag in (*GENERATED_VLLM_FLAGS, *WIRED_VLLM_FLAGS):
        assert flag in options, f"{flag} is not a vllm serve flag of vLLM {table()['vllm']}"


@pytest.mark.slow  # imports vLLM (tens of seconds)
def test_the_committed_flag_table_is_what_the_generator_writes_from_vllm(tmp_path: Path) -> None:
    python = vllm_python(str(table()["vllm"]))
    if python is None:
        pytest.skip(f"vLLM {table()['vllm']} is not installed (scripts/e2e/install.sh)")
    out = tmp_path / "flags.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    script = ROOT / "scripts" / "gen_vllm_flags.py"
    subprocess.run(
        [str(python), str(script), str(out)], check=True, capture_output=True, env=env, cwd=tmp_path, timeout=600
    )
    written = json.loads(out.read_text())
    assert written == table()


def test_a_vllm_api_key_warns_that_every_request_through_the_gateway_would_fail() -> None:
    warnings = credential_warnings(where="model m", args=["--api-key", "k"], env={"VLLM_API_KEY": "x"})
    assert len(warnings) == 2
    for warning in warnings:
        assert "401" in warning and "strips the Authorization header" in warning
        assert "VLLM_API_KEY: {secretKeyRef" not in warning
    by_ref = credential_warnings(where="model m", args=[], env={"VLLM_API_KEY": object()}, literal=str)
    assert len(by_ref) == 1 and "401" in by_ref[0]
    [abbreviated] = credential_warnings(where="model m", args=["--api-k=x"], env={})
    assert "401" in abbreviated
    hf = credential_warnings(where="model m", args=["--hf-token", "hf_abcdefghijkl"], env={})
    assert hf and all("VLLM_API_KEY" not in w and "secretKeyRef" in w for w in hf)


# --- values the next consumer reads differently ----------------------------------------------


@pytest.mark.parametrize("interval", ["2562048h", "9999999999h", "153722868m", "9223372036854775808ns"])
def test_refresh_intervals_beyond_gos_duration_are_refused(interval: str) -> None:
    with pytest.raises(SettingsError, match=r"Go's time\.Duration overflows"):
        ExternalSecretConfig(store_name="vault", remote_key="k", refresh_interval=interval)


@pytest.mark.parametrize("interval", ["2562047h", "9223372036854775807ns", "1h30m", "0s"])
def test_refresh_intervals_within_gos_duration_are_accepted(interval: str) -> None:
    assert ExternalSecretConfig(store_name="vault", remote_key="k", refresh_interval=interval).refresh_interval


@pytest.mark.parametrize(
    ("field", "value", "fix"),
    [
        ("threshold", 0.0009, "would read a smaller one as 0"),
        ("threshold", 1e-9, "would read a smaller one as 0"),
        ("threshold", 5.0005, "would read it as 5"),
        ("activation_threshold", 0.0001, "would read a smaller one as 0"),
        ("activation_threshold", 1.23456, "would read it as 1.234"),
    ],
)
def test_thresholds_keda_would_round_are_refused(field: str, value: float, fix: str) -> None:
    with pytest.raises(SettingsError) as caught:
        AutoscalingConfig(**{field: value})
    assert caught.value.field == field
    assert fix in str(caught.value)


@pytest.mark.parametrize("value", [0.001, 0.1, 0.3, 2.5, 5, 1234.567])
def test_thresholds_in_thousandths_are_accepted(value: float) -> None:
    assert AutoscalingConfig(threshold=value, activation_threshold=value).threshold == value
    assert AutoscalingConfig(activation_threshold=0).activation_threshold == 0


@pytest.mark.parametrize(
    "key", ["test-key-0123456789abcdef\n", " test-key-0123456789abcdef", "test-key 0123456789abcdef", "k" * 16 + "\t"]
)
def test_dummy_keys_with_whitespace_are_refused(key: str) -> None:
    with pytest.raises(SettingsError, match="never matches") as caught:
        ApiKeysConfig(existing_secret=False, dummy_key=key)
    assert key.strip() not in str(caught.value)


def test_dummy_keys_with_non_ascii_characters_are_refused() -> None:
    with pytest.raises(SettingsError, match="printable ASCII"):
        ApiKeysConfig(existing_secret=False, dummy_key="test-key-0123456789-clé")
    assert ApiKeysConfig(existing_secret=False, dummy_key="test-key-0123456789abcdef").dummy_key


def load_text(tmp_path: Path, text: str) -> StackConfig:
    file = tmp_path / "values.yaml"
    file.write_text(text)
    return load_values(file)


VALUES_HEAD = "model: {name: llama, storageUri: 's3://models/llama/'}\n"


def test_a_second_merge_key_in_one_mapping_is_refused(tmp_path: Path) -> None:
    text = VALUES_HEAD + "x: &a {threshold: 2}\ny: &b {maxReplicas: 2}\nautoscaling:\n  <<: *a\n  <<: *b\n"
    with pytest.raises(
        ValuesError, match=r"^autoscaling: '<<' is not valid: a second '<<' merge key \(lines 5 and 6\)"
    ):
        load_text(tmp_path, text)


def test_one_merge_key_with_several_mappings_is_accepted(tmp_path: Path) -> None:
    text = VALUES_HEAD + "autoscaling:\n  <<: [{threshold: 2}, {maxReplicas: 2}]\n"
    config = load_text(tmp_path, text)
    assert (config.autoscaling.threshold, config.autoscaling.max_replicas) == (2, 2)


@pytest.mark.parametrize(
    ("scalar", "number"), [("1:30", "90"), ("1:02:03", "3723"), ("-1:30", "-90"), ("1:30.5", "90.5"), ("1_0:00", "600")]
)
def test_unquoted_sexagesimal_numbers_are_refused_at_the_loader(tmp_path: Path, scalar: str, number: str) -> None:
    with pytest.raises(ValuesError) as caught:
        load_text(tmp_path, VALUES_HEAD + f"autoscaling: {{cooldownPeriod: {scalar}}}\n")
    assert caught.value.path == "autoscaling.cooldownPeriod"
    assert f"base-60 number {number}," in str(caught.value)
    assert f"quote it ('{scalar}')" in str(caught.value)


def test_a_quoted_sexagesimal_is_a_string_and_an_unquoted_one_through_set_is_refused(tmp_path: Path) -> None:
    config = load_text(tmp_path, "model: {name: '1:30', storageUri: 's3://models/llama/'}\n")
    assert config.models[0].name == "1:30"
    file = tmp_path / "v.yaml"
    file.write_text(VALUES_HEAD)
    with pytest.raises(ValuesError, match="base-60 number 90"):
        load_values(file, sets=["autoscaling.cooldownPeriod=1:30"])


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("llama\u200b", "U+200B"),
        ("lla\u200dma", "U+200D"),
        ("llama\u2060", "U+2060"),
        ("ll\u202eama", "U+202E"),
        ("\u2066llama\u2069", "U+2066"),
        ("llama\u200e", "U+200E"),
        ("llama\u00a0x", "U+00A0"),
        ("llama\u00ad", "U+00AD"),
        ("ll\u0430ma", "mixes Cyrillic and Latin"),
        ("\u03bfpt-13b", "mixes Greek and Latin"),
        ("\uff4c\uff4c\uff41\uff4d\uff41", "write the name as 'llama'"),
        ("\ufb01ne-tuned", "write the name as 'fine-tuned'"),
        ("cafe\u0301", "Unicode NFKC"),
    ],
)
def test_served_names_that_look_like_another_name_are_refused(name: str, fix: str) -> None:
    with pytest.raises(SettingsError) as caught:
        model(name=name)
    assert caught.value.field == "name"
    assert fix in str(caught.value)


@pytest.mark.parametrize("name", ["Meta-Llama-3.1-8B", "Qwen2.5-中文", "caf\u00e9", "модель-7b", "claude 3"])
def test_served_names_in_one_script_and_normal_form_are_accepted(name: str) -> None:
    assert model(name=name).name == name
