"""The synthesized stack: snapshots per scenario, and assertions on what must never regress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import EXPOSED, ROOT, find, kinds, synthesized, with_changes
from yaml_snapshot import YamlSnapshotExtension

# Upstream facts (kserve-container, /mnt/models, x-ai-eg-model, ...) are written out here on purpose, not imported from
# llm_inference_stack.facts: the literals are the independent oracle against the constructs.

SCENARIOS: dict[str, dict[str, Any]] = {
    "default": {},
    "one-gpu": {"model.runtime.gpuCount": 1},
    "four-gpus": {"model.runtime.gpuCount": 4},
    "external-secret-keys": {
        "apiKeys.externalSecret": {"storeName": "vault", "remoteKey": "llm/api-keys", "storeKind": "ClusterSecretStore"}
    },
    "dummy-key": {"apiKeys.existingSecret": False, "apiKeys.dummyKey": "test-key-0123456789abcdef"},
    "rate-limits-off": {"gateway.rateLimit": None},
    "rate-limits-per-second-and-minute": {"gateway.rateLimit": {"tokensPerSecond": 2000, "tokensPerMinute": 60000}},
    "tracing-off": {"observability.phoenix": None},
    "secured-prometheus": {"autoscaling.prometheus.auth": {"mode": "bearer", "secretName": "prometheus-token"}},
    "two-tenants": {
        "tenants": [
            {
                "name": "team-a",
                "apiKeys": {
                    "secretName": "team-a-api-keys",
                    "externalSecret": {"storeName": "vault-team-a", "remoteKey": "llm/team-a"},
                },
                "budgets": {"perClient": {"tokensPerMinute": 20000}, "sharedAcrossModels": {"tokensPerDay": 5000000}},
            },
            {
                "name": "team-b",
                "apiKeys": {"secretName": "team-b-api-keys"},
                "models": ["llama-3-70b"],
                "budgets": {"perClient": {"tokensPerMinute": 2000}, "shared": {"tokensPerDay": 200000}},
            },
        ]
    },
}


FILE_SCENARIOS: dict[str, Path] = {"prefix-aware": ROOT / "examples" / "values-prefix-aware.yaml"}
"""Scenarios that are values files of their own (not changes to ``values.yaml``)."""


def _values(default_values: dict[str, Any], name: str) -> dict[str, Any]:
    if name in FILE_SCENARIOS:
        loaded: dict[str, Any] = yaml.safe_load(FILE_SCENARIOS[name].read_text())
        return loaded
    values = with_changes(default_values, SCENARIOS[name])
    if name == "rate-limits-off":
        values["gateway"]["rateLimit"] = None
    if name == "tracing-off":
        values["observability"]["phoenix"] = None
    return values


class _Scenarios(dict[str, list[dict[str, Any]]]):
    """Each scenario's objects, synthesized when first asked for (``synthesized``: once per test process)."""

    def __init__(self, default_values: dict[str, Any]) -> None:
        super().__init__()
        self._default_values = default_values

    def __missing__(self, name: str) -> list[dict[str, Any]]:
        self[name] = synthesized(_values(self._default_values, name))
        return self[name]


@pytest.fixture
def scenario_objects(default_values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The objects of each scenario by name: a test's own copies."""
    return _Scenarios(default_values)


@pytest.mark.parametrize("name", [*SCENARIOS, *FILE_SCENARIOS])
def test_snapshot(name: str, scenario_objects: dict[str, list[dict[str, Any]]], snapshot: Any) -> None:
    assert scenario_objects[name] == snapshot(extension_class=YamlSnapshotExtension)


def test_default_stack_has_every_part(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    assert kinds(scenario_objects["default"]) == sorted(
        [
            "AIGatewayRoute",
            "AIServiceBackend",
            "Backend",
            "BackendTrafficPolicy",
            "ClientTrafficPolicy",
            "ConfigMap",
            "EnvoyProxy",
            "Gateway",
            "GatewayClass",
            "GatewayConfig",
            "InferenceService",
            "NetworkPolicy",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "PodMonitor",
            "PrometheusRule",
            "ScaledObject",
            "SecurityPolicy",
        ]
    )


def test_inference_service_runs_vllm_in_standard_mode_with_external_autoscaler(
    scenario_objects: dict[str, list[dict[str, Any]]],
) -> None:
    isvc = find(scenario_objects["default"], "InferenceService", "llama-3-70b")
    assert isvc["metadata"]["namespace"] == "kserve-inference"
    annotations = isvc["metadata"]["annotations"]
    assert annotations["serving.kserve.io/deploymentMode"] == "Standard"
    assert annotations["serving.kserve.io/autoscalerClass"] == "external"
    predictor = isvc["spec"]["predictor"]
    assert predictor["storageUris"] == [{"uri": "s3://my-org-models/llama-3-70b/", "mountPath": "/mnt/models"}]
    assert predictor["serviceAccountName"] == "kserve-s3-reader"
    (container,) = predictor["containers"]
    assert container["name"] == "kserve-container"
    assert container["image"] == "vllm/vllm-openai:v0.32.0"
    args = container["args"]
    assert args[0] == "/mnt/models"
    assert args[args.index("--served-model-name") + 1] == "llama-3-70b"
    assert args[args.index("--port") + 1] == "8080"
    assert container["ports"][0]["containerPort"] == 8080


@pytest.mark.parametrize(("scenario", "gpus"), [("one-gpu", 1), ("default", 2), ("four-gpus", 4)])
def test_gpu_count_sets_resources_tensor_parallelism_and_shm(
    scenario: str, gpus: int, scenario_objects: dict[str, list[dict[str, Any]]]
) -> None:
    isvc = find(scenario_objects[scenario], "InferenceService")
    predictor = isvc["spec"]["predictor"]
    container = predictor["containers"][0]
    # A quantity string, as the API server holds a resource quantity (an integer would be drift for GitOps tools).
    assert container["resources"]["limits"]["nvidia.com/gpu"] == str(gpus)
    assert container["resources"]["requests"]["nvidia.com/gpu"] == str(gpus)
    args = container["args"]
    assert args[args.index("--tensor-parallel-size") + 1] == str(gpus)
    shm = [v for v in predictor.get("volumes", []) if v.get("emptyDir", {}).get("medium") == "Memory"]
    assert bool(shm) == (gpus > 1)
    if gpus > 1:
        assert {"name": shm[0]["name"], "mountPath": "/dev/shm"} in container["volumeMounts"]


def test_probes_allow_multi_minute_model_loads(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    container = find(scenario_objects["default"], "InferenceService")["spec"]["predictor"]["containers"][0]
    startup = container["startupProbe"]
    assert startup["httpGet"]["path"] == "/health"
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 30 * 60
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"


def test_scaled_object_targets_the_predictor_deployment_with_one_series_query(
    scenario_objects: dict[str, list[dict[str, Any]]],
) -> None:
    so = find(scenario_objects["default"], "ScaledObject", "llama-3-70b")
    assert so["metadata"]["namespace"] == "kserve-inference"
    assert so["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "llama-3-70b-predictor",
    }
    assert (so["spec"]["minReplicaCount"], so["spec"]["maxReplicaCount"]) == (1, 4)
    (trigger,) = so["spec"]["triggers"]
    assert trigger["type"] == "prometheus"
    meta = trigger["metadata"]
    assert meta["query"] == 'sum(vllm:num_requests_waiting{model_name="llama-3-70b", namespace="kserve-inference"})'
    assert meta["serverAddress"] == "http://prometheus-operated.monitoring.svc.cluster.local:9090"
    assert meta["threshold"] == "5"
    assert "activationThreshold" in meta
    assert "metricName" not in meta
    behavior = so["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] >= 300


def test_secured_prometheus_uses_a_trigger_authentication(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    objects = scenario_objects["secured-prometheus"]
    auth = find(objects, "TriggerAuthentication")
    assert auth["spec"]["secretTargetRef"] == [
        {"name": "prometheus-token", "key": "bearerToken", "parameter": "bearerToken"}
    ]
    trigger = find(objects, "ScaledObject")["spec"]["triggers"][0]
    assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]
    assert trigger["metadata"]["authModes"] == "bearer"


def test_gateway_routes_the_served_name_to_the_predictor(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    objects = scenario_objects["default"]
    gateway = find(objects, "Gateway", "llm-stack-ai-gateway")
    assert gateway["spec"]["listeners"][0]["port"] == 8080
    proxy = find(objects, "EnvoyProxy", gateway["spec"]["infrastructure"]["parametersRef"]["name"])
    assert proxy["spec"]["provider"]["kubernetes"]["envoyService"]["name"] == "llm-stack-ai-gateway"
    assert "namespace" not in find(objects, "GatewayClass")["metadata"]
    route = find(objects, "AIGatewayRoute")
    (rule,) = route["spec"]["rules"]
    assert rule["matches"][0]["headers"] == [{"name": "x-ai-eg-model", "type": "Exact", "value": "llama-3-70b"}]
    backend = find(objects, "AIServiceBackend", rule["backendRefs"][0]["name"])
    assert backend["spec"]["schema"] == {"name": "OpenAI", "prefix": "/v1"}
    target = find(objects, "Backend", backend["spec"]["backendRef"]["name"])
    assert target["spec"]["endpoints"] == [
        {"fqdn": {"hostname": "llama-3-70b-predictor.kserve-inference.svc.cluster.local", "port": 80}}
    ]


def test_every_request_needs_an_api_key_from_the_keys_secret(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    objects = scenario_objects["default"]
    policy = find(objects, "SecurityPolicy")
    assert policy["spec"]["targetRefs"] == [
        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "llm-stack-ai-gateway"}
    ]
    auth = policy["spec"]["apiKeyAuth"]
    assert auth["credentialRefs"][0]["name"] == "ai-gateway-api-keys"
    assert auth["sanitize"] is True
    assert auth["forwardClientIDHeader"] == "x-client-id"
    assert not [o for o in objects if o["kind"] == "Secret"]


def test_token_limits_are_per_client_and_charged_from_total_tokens(
    scenario_objects: dict[str, list[dict[str, Any]]],
) -> None:
    route = find(scenario_objects["default"], "AIGatewayRoute")
    assert {"metadataKey": "llm_total_token", "type": "TotalToken"} in route["spec"]["llmRequestCosts"]
    (rule,) = find(scenario_objects["default"], "BackendTrafficPolicy")["spec"]["rateLimit"]["global"]["rules"]
    assert rule["limit"] == {"requests": 100000, "unit": "Minute"}
    headers = rule["clientSelectors"][0]["headers"]
    assert {"name": "x-client-id", "type": "Distinct"} in headers
    assert rule["cost"]["response"]["metadata"] == {"namespace": "io.envoy.ai_gateway", "key": "llm_total_token"}
    both = find(scenario_objects["rate-limits-per-second-and-minute"], "BackendTrafficPolicy")
    assert sorted(r["limit"]["unit"] for r in both["spec"]["rateLimit"]["global"]["rules"]) == ["Minute", "Second"]
    # Without limits the route keeps its policy (retries, outlier detection, idle timeout), under the same name.
    (unlimited,) = [o for o in scenario_objects["rate-limits-off"] if o["kind"] == "BackendTrafficPolicy"]
    assert "rateLimit" not in unlimited["spec"]
    limited = find(scenario_objects["default"], "BackendTrafficPolicy")
    assert unlimited["metadata"]["name"] == limited["metadata"]["name"]
    assert unlimited["spec"]["timeout"] == {"http": {"connectionIdleTimeout": "3s"}}


def test_client_traffic_policy_raises_the_buffer_for_llm_bodies(
    scenario_objects: dict[str, list[dict[str, Any]]],
) -> None:
    policy = find(scenario_objects["default"], "ClientTrafficPolicy")
    assert policy["spec"]["connection"]["bufferLimit"] == "16Mi"


def test_external_secret_renders_client_id_to_key_entries(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    objects = scenario_objects["external-secret-keys"]
    es = find(objects, "ExternalSecret", "ai-gateway-api-keys")
    assert es["spec"]["secretStoreRef"] == {"name": "vault", "kind": "ClusterSecretStore"}
    assert (
        es["spec"]["target"]["name"]
        == find(objects, "SecurityPolicy")["spec"]["apiKeyAuth"]["credentialRefs"][0]["name"]
    )
    assert es["spec"]["dataFrom"] == [{"extract": {"key": "llm/api-keys"}}]


def test_dummy_key_emits_a_test_secret(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    secret = find(scenario_objects["dummy-key"], "Secret", "ai-gateway-api-keys")
    assert secret["stringData"] == {"test-client": "test-key-0123456789abcdef"}


def test_tracing_wires_gateway_and_vllm_to_phoenix(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    objects = scenario_objects["default"]
    config = find(objects, "GatewayConfig", "llm-stack-ai-gateway")
    env = {e["name"]: e.get("value") for e in config["spec"]["extProc"]["kubernetes"]["env"]}
    assert env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == "http://phoenix-svc.phoenix.svc.cluster.local:6006/v1/traces"
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == "openinference.project.name=llm-stack"
    gateway = find(objects, "Gateway")
    assert gateway["metadata"]["annotations"]["aigateway.envoyproxy.io/gateway-config"] == "llm-stack-ai-gateway"
    args = find(objects, "InferenceService")["spec"]["predictor"]["containers"][0]["args"]
    assert args[args.index("--otlp-traces-endpoint") + 1] == "http://phoenix-svc.phoenix.svc.cluster.local:4317"

    off = scenario_objects["tracing-off"]
    assert not [o for o in off if o["kind"] == "GatewayConfig"]
    assert "annotations" not in find(off, "Gateway")["metadata"]
    assert "--otlp-traces-endpoint" not in find(off, "InferenceService")["spec"]["predictor"]["containers"][0]["args"]


def test_pod_monitor_scrapes_the_vllm_metrics_port(scenario_objects: dict[str, list[dict[str, Any]]]) -> None:
    objects = scenario_objects["default"]
    monitor = find(objects, "PodMonitor", "llama-3-70b")
    container = find(objects, "InferenceService")["spec"]["predictor"]["containers"][0]
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] in {p["name"] for p in container["ports"]}
    assert monitor["spec"]["selector"]["matchLabels"] == {
        "serving.kserve.io/inferenceservice": "llama-3-70b",
        "component": "predictor",
    }


def test_model_name_that_is_not_a_dns_label_keeps_its_served_name(default_values: dict[str, Any]) -> None:
    objects = synthesized(with_changes(default_values, {"model.name": "Meta-Llama-3.1-8B-Instruct"}))
    isvc = find(objects, "InferenceService", "meta-llama-3-1-8b-instruct")
    args = isvc["spec"]["predictor"]["containers"][0]["args"]
    assert args[args.index("--served-model-name") + 1] == "Meta-Llama-3.1-8B-Instruct"
    assert find(objects, "ScaledObject")["spec"]["scaleTargetRef"]["name"] == "meta-llama-3-1-8b-instruct-predictor"
    rule = find(objects, "AIGatewayRoute")["spec"]["rules"][0]
    assert rule["matches"][0]["headers"][0]["value"] == "Meta-Llama-3.1-8B-Instruct"


def test_gateway_service_is_cluster_ip_without_external_policy_by_default(
    scenario_objects: dict[str, list[dict[str, Any]]],
) -> None:
    service = find(scenario_objects["default"], "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyService"]
    assert service == {"name": "llm-stack-ai-gateway", "type": "ClusterIP"}


@pytest.mark.parametrize("mode", ["ai-gateway", "standalone"])
def test_load_balancer_exposure_reaches_the_gateway_service_in_both_modes(
    mode: str, default_values: dict[str, Any]
) -> None:
    objects = synthesized(with_changes(default_values, {**EXPOSED, "gateway.mode": mode}))
    if mode == "ai-gateway":
        spec = find(objects, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyService"]
        annotations = spec["annotations"]
    else:
        service = find(objects, "Service", "llm-stack-ai-gateway")
        spec, annotations = service["spec"], service["metadata"]["annotations"]
    assert spec["type"] == "LoadBalancer"
    assert spec["loadBalancerSourceRanges"] == ["203.0.113.0/24", "2001:db8::/32"]
    # Written out: Envoy Gateway's default (Local) differs from Kubernetes' (Cluster).
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert annotations == EXPOSED["gateway.service"]["annotations"]


@pytest.mark.parametrize("mode", ["ai-gateway", "standalone"])
def test_node_port_keeps_the_chosen_traffic_policy(mode: str, default_values: dict[str, Any]) -> None:
    node_port = {"type": "NodePort", "externalTrafficPolicy": "Local"}
    values = with_changes(default_values, {"gateway.mode": mode, "gateway.service": node_port})
    objects = synthesized(values)
    if mode == "ai-gateway":
        spec = find(objects, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyService"]
    else:
        spec = find(objects, "Service", "llm-stack-ai-gateway")["spec"]
    assert (spec["type"], spec["externalTrafficPolicy"]) == ("NodePort", "Local")
    assert "loadBalancerSourceRanges" not in spec
