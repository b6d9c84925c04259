"""What the controllers do with the output (KServe, Envoy Gateway), encoded in the constructs."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import find, synthesized, with_changes

from llm_inference_stack import ValuesError, stack_config_from_mapping
from llm_inference_stack.config import generated_flag_owner
from llm_inference_stack.gateway import MAX_RATE_LIMIT_RULES

# Upstream facts (kserve-container, /mnt/models, x-ai-eg-model, ...) are written out here on purpose, not imported from
# llm_inference_stack.facts: the literals are the independent oracle against the constructs.


def isvc_of(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return find(objects, "InferenceService")


def test_every_inference_service_is_cluster_local(default_values: dict[str, Any]) -> None:
    # Without the label KServe Standard mode creates an Ingress that bypasses the API-key gateway.
    labels = isvc_of(synthesized(default_values))["metadata"]["labels"]
    assert labels["networking.kserve.io/visibility"] == "cluster-local"


def test_no_kserve_prometheus_annotations_the_pod_monitor_scrapes(default_values: dict[str, Any]) -> None:
    objects = synthesized(default_values)
    annotations = isvc_of(objects)["metadata"]["annotations"]
    assert "serving.kserve.io/enable-prometheus-scraping" not in annotations
    assert not [k for k in annotations if k.startswith("prometheus.kserve.io/")]
    assert find(objects, "PodMonitor")["spec"]["podMetricsEndpoints"][0]["path"] == "/metrics"


@pytest.mark.parametrize(
    ("uri", "model_path"),
    [
        ("pvc://models/meta/llama-3-70b/", "/mnt/models/meta/llama-3-70b"),
        ("pvc://models/llama-3-70b", "/mnt/models/llama-3-70b"),
        ("pvc://models", "/mnt/models"),
        ("s3://bucket/llama-3-70b/", "/mnt/models"),
    ],
)
def test_vllm_serves_the_pvc_sub_path_kserve_mounts_the_claim_root_of(
    uri: str, model_path: str, default_values: dict[str, Any]
) -> None:
    isvc = isvc_of(synthesized(with_changes(default_values, {"model.storageUri": uri})))
    predictor = isvc["spec"]["predictor"]
    assert predictor["storageUris"] == [{"uri": uri, "mountPath": "/mnt/models"}]
    assert predictor["containers"][0]["args"][0] == model_path


def test_default_phoenix_endpoint_is_the_official_charts_service() -> None:
    objects = synthesized({"model": {"name": "m", "storageUri": "s3://b/m/"}})
    env = {e["name"]: e.get("value") for e in find(objects, "GatewayConfig")["spec"]["extProc"]["kubernetes"]["env"]}
    assert env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == "http://phoenix-svc.phoenix.svc.cluster.local:6006/v1/traces"
    args = isvc_of(objects)["spec"]["predictor"]["containers"][0]["args"]
    assert args[args.index("--otlp-traces-endpoint") + 1] == "http://phoenix-svc.phoenix.svc.cluster.local:4317"


def test_model_pods_request_ephemeral_storage_for_the_weights(default_values: dict[str, Any]) -> None:
    resources = isvc_of(synthesized(default_values))["spec"]["predictor"]["containers"][0]["resources"]
    assert resources["requests"]["ephemeral-storage"] == "150Gi"
    assert resources["limits"]["ephemeral-storage"] == "300Gi"


@pytest.mark.slow  # synthesizes and validates a fleet of hundreds of models
def test_a_fleet_whose_token_limits_exceed_one_policy_synthesizes() -> None:
    # 140 models with two limits each: 280 rules, more than one BackendTrafficPolicy may hold (maxItems 256).
    values = {
        "gateway": {"rateLimit": {"tokensPerMinute": 60000, "tokensPerSecond": 2000}},
        "models": [{"name": f"model-{i:03d}", "storageUri": f"s3://models/{i}/"} for i in range(140)],
    }
    objects = synthesized(values)  # validated against the CRD schemas, maxItems included
    policies = [o for o in objects if o["kind"] == "BackendTrafficPolicy"]
    routes = {o["metadata"]["name"] for o in objects if o["kind"] == "AIGatewayRoute"}
    assert len(policies) == len(routes) > 1
    assert {p["spec"]["targetRefs"][0]["name"] for p in policies} == routes
    rules = [r for p in policies for r in p["spec"]["rateLimit"]["global"]["rules"]]
    assert all(len(p["spec"]["rateLimit"]["global"]["rules"]) <= MAX_RATE_LIMIT_RULES for p in policies)
    assert len(rules) == 280
    assert len({r["clientSelectors"][0]["headers"][1]["value"] for r in rules}) == 140


@pytest.mark.parametrize(
    "arg",
    [
        "--port",
        "--port=9000",
        "--host",
        "--served-model-name=x",
        "--served_model_name",
        "--served-model",
        "--tensor-parallel-size",
        "--tensor_parallel_size=2",
        "-tp",
        "-tp=2",
        "--max-model-len",
        "--gpu-memory-utilization=0.5",
        "--model",
    ],
)
def test_fails_when_extra_args_repeat_a_generated_flag(arg: str) -> None:
    assert generated_flag_owner(arg) is not None
    with pytest.raises(ValuesError, match=r"^model\.runtime\.extraArgs\[1\]: .*the stack generates this vLLM flag"):
        stack_config_from_mapping(
            {"model": {"name": "m", "storageUri": "s3://b/m/", "runtime": {"extraArgs": ["--enforce-eager", arg]}}}
        )


@pytest.mark.parametrize(
    "arg", ["--enforce-eager", "--model-impl", "--portable", "-O3", "--hostname-override", "4096", "-q", "-tp2"]
)
def test_other_extra_args_are_accepted(arg: str) -> None:
    assert generated_flag_owner(arg) is None
