"""ModelServer through the public API: the InferenceService, what is added later, the escape hatch, its errors."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import cdk8s
import pytest
from construct_helpers import chart, container, find, objects, server

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    ModelConfig,
    ModelServer,
    PhoenixConfig,
    PropError,
    RuntimeConfig,
    StackValidationError,
    ValuesError,
    load_values,
)

PHOENIX = PhoenixConfig(endpoint="http://phoenix.phoenix.svc.cluster.local:6006", project_name="team-b")


def _synth(scope: cdk8s.Chart) -> None:
    cast(cdk8s.App, scope.node.root).synth()


def test_serves_the_model_on_its_gpus_in_standard_mode() -> None:
    scope = chart()
    model_server = server(scope, gpus=4)
    objs = objects(scope)
    isvc = find(objs, "InferenceService", "llama-3-70b")
    assert isvc["metadata"]["namespace"] == "kserve-inference"
    assert isvc["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Standard"
    assert container(objs)["resources"]["limits"]["nvidia.com/gpu"] == "4"
    args = container(objs)["args"]
    assert args[args.index("--tensor-parallel-size") + 1] == "4"
    assert {o["kind"] for o in objs} == {"InferenceService", "PodMonitor", "PodDisruptionBudget"}
    assert model_server.predictor_name == "llama-3-70b-predictor"
    assert model_server.predictor_service_host == "llama-3-70b-predictor.kserve-inference.svc.cluster.local"


def test_takes_the_namespace_of_its_chart() -> None:
    scope = chart("team-b")
    model_server = server(scope)
    assert model_server.namespace == "team-b"
    assert {o["metadata"]["namespace"] for o in objects(scope)} == {"team-b"}


def test_the_model_namespace_wins_over_the_chart() -> None:
    scope = chart("team-b")
    model = ModelConfig(name="m", storage_uri="s3://models/m/", namespace="models")
    assert ModelServer(scope, "m", model=model).namespace == "models"


def test_tracing_added_after_construction_is_in_the_output() -> None:
    scope = chart()
    model_server = server(scope)
    model_server.add_tracing(PHOENIX)
    objs = objects(scope)
    args = container(objs)["args"]
    assert args[args.index("--otlp-traces-endpoint") + 1] == "http://phoenix.phoenix.svc.cluster.local:4317"
    env = {e["name"]: e.get("value") for e in container(objs)["env"]}
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == "openinference.project.name=team-b"


def test_tracing_is_left_out_when_phoenix_does_not_trace_vllm() -> None:
    scope = chart()
    server(scope).add_tracing(PhoenixConfig(endpoint="http://phoenix:6006", trace_vllm=False))
    assert "--otlp-traces-endpoint" not in container(objects(scope))["args"]


def test_the_default_child_is_the_inference_service_and_a_patch_reaches_any_field() -> None:
    scope = chart()
    model_server = server(scope, gpus=2)
    isvc = cdk8s.ApiObject.of(model_server.node.default_child)
    assert isvc.kind == "InferenceService"
    isvc.add_json_patch(cdk8s.JsonPatch.add("/spec/predictor/priorityClassName", "gpu-high"))
    isvc.add_json_patch(cdk8s.JsonPatch.replace("/spec/predictor/containers/0/resources/limits/nvidia.com~1gpu", 2))
    objs = objects(scope)
    assert find(objs, "InferenceService")["spec"]["predictor"]["priorityClassName"] == "gpu-high"
    assert container(objs)["resources"]["limits"]["nvidia.com/gpu"] == 2
    _synth(scope)  # still valid


def test_fails_at_synth_when_a_patch_sets_more_gpus_than_the_tensor_parallel_size() -> None:
    scope = chart()
    model_server = server(scope, gpus=1)
    cdk8s.ApiObject.of(model_server.node.default_child).add_json_patch(
        cdk8s.JsonPatch.replace("/spec/predictor/containers/0/resources/limits/nvidia.com~1gpu", 4)
    )
    with pytest.raises(StackValidationError) as error:
        _synth(scope)
    assert any(
        p.startswith("[tensor-parallel] InferenceService kserve-inference/llama-3-70b") for p in error.value.problems
    )
    assert "1 problem(s)" in str(error.value)


def test_fails_at_synth_when_a_patch_removes_the_gpu_limit() -> None:
    scope = chart()
    model_server = server(scope)
    isvc = cdk8s.ApiObject.of(model_server.node.default_child)
    isvc.add_json_patch(cdk8s.JsonPatch.remove("/spec/predictor/containers/0/resources/limits/nvidia.com~1gpu"))
    isvc.add_json_patch(cdk8s.JsonPatch.remove("/spec/predictor/containers/0/resources/requests/nvidia.com~1gpu"))
    with pytest.raises(StackValidationError, match="the model container has no GPU limit"):
        _synth(scope)


def test_fails_when_min_replicas_is_negative() -> None:
    model = ModelConfig(name="m", storage_uri="s3://models/m/")
    with pytest.raises(
        PropError, match=r"^ModelServer 'min_replicas' \(-1\) is not valid: use an integer of 0 or more"
    ):
        ModelServer(chart(), "m", model=model, min_replicas=-1)


def test_fails_when_the_namespace_is_not_a_dns_label() -> None:
    model = ModelConfig(name="m", storage_uri="s3://models/m/")
    with pytest.raises(PropError, match=r"^ModelServer 'namespace' \('Team_B'\) is not valid: use a DNS-1123 label"):
        ModelServer(chart(), "m", model=model, namespace="Team_B")


def test_plain_text_credentials_are_warnings_not_output_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    model = ModelConfig(
        name="m",
        storage_uri="s3://models/m/",
        runtime=RuntimeConfig(env={"HF_TOKEN": "hf_0123456789abcdefghijklmnop"}),
    )
    model_server = ModelServer(chart(), "m", model=model)
    assert model_server.warnings and "HF_TOKEN" in model_server.warnings[0]
    assert capsys.readouterr() == ("", "")


def test_admits_only_the_gateway_it_is_given_and_prometheus() -> None:
    scope = chart("team-b")
    model_server = server(scope)
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    policy = model_server.allow_ingress_only_from(gateway=gateway)
    gateway.add_model(model_server)
    assert policy.name == "llama-3-70b" and model_server.network_policy is policy
    peers = [rule["from"][0] for rule in find(objects(scope), "NetworkPolicy", "llama-3-70b")["spec"]["ingress"]]
    assert peers == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "team-b"}},
            "podSelector": {"matchLabels": {"gateway.envoyproxy.io/owning-gateway-name": "gw"}},
        },
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
    ]


def test_fails_when_gpu_count_is_zero() -> None:
    with pytest.raises(
        ValuesError, match=r"^gpu_count: 0 is not valid: use an integer from 1 to 16 \(GPUs per replica"
    ):
        RuntimeConfig(gpu_count=0)


def test_settings_errors_name_python_fields_and_the_values_loader_names_values_paths(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("model:\n  name: m\n  storageUri: s3://b/m/\n  runtime:\n    extraArgs: [--port]\n")
    with pytest.raises(ValuesError, match=r"^extra_args\[0\]: '--port' is not valid: the stack generates"):
        RuntimeConfig(extra_args=("--port",))
    with pytest.raises(
        ValuesError, match=r"^model\.runtime\.extraArgs\[0\]: '--port' is not valid: the stack generates"
    ):
        load_values(values)
