"""What a model's settings inherit, through the constructs: the same in Python as from a values file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest
from construct_helpers import chart, container, find, objects

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    Autoscaler,
    AutoscalingConfig,
    GatewayConfig,
    LlmInferenceStack,
    ModelConfig,
    ModelServer,
    PrometheusConfig,
    RateLimitConfig,
    ResourceList,
    Resources,
    RuntimeConfig,
    SettingsError,
    StackConfig,
    StandaloneGateway,
    load_values,
)


def _limits(objs: list[dict[str, Any]], policy: str = "gw-backend-traffic") -> dict[str, list[tuple[str, int]]]:
    """Served model name -> its (unit, tokens) limits in the BackendTrafficPolicy ``policy``."""
    out: dict[str, list[tuple[str, int]]] = {}
    for rule in find(objs, "BackendTrafficPolicy", policy)["spec"]["rateLimit"]["global"]["rules"]:
        model = rule["clientSelectors"][0]["headers"][1]["value"]
        out.setdefault(model, []).append((rule["limit"]["unit"], rule["limit"]["requests"]))
    return out


def _user_example(scope: cdk8s.Chart) -> AiGateway:
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    server = ModelServer(
        scope,
        "m",
        model=ModelConfig(
            name="m1",
            storage_uri="s3://b/m1/",
            rate_limit=RateLimitConfig(tokens_per_minute=5),
            autoscaling=AutoscalingConfig(max_replicas=9),
        ),
    )
    Autoscaler(scope, "m-scaler", target=server)
    gateway.add_model(server)
    return gateway


def test_a_models_own_rate_limit_and_autoscaling_reach_the_gateway_and_the_autoscaler() -> None:
    scope = chart()
    _user_example(scope)
    objs = objects(scope)
    assert _limits(objs) == {"m1": [("Minute", 5)]}
    assert find(objs, "ScaledObject", "m1")["spec"]["maxReplicaCount"] == 9
    assert find(objs, "NetworkPolicy", "m1")["spec"]["podSelector"]["matchLabels"]["component"] == "predictor"


def test_a_model_without_limits_of_its_own_gets_the_gateways() -> None:
    scope = chart()
    config = GatewayConfig(rate_limit=RateLimitConfig(tokens_per_second=50))
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"), config=config)
    gateway.add_model(ModelServer(scope, "m", model=ModelConfig(name="m", storage_uri="s3://b/m/")))
    # The gateway's block keeps its default per-minute budget, as gateway.rateLimit does in a values file.
    assert _limits(objects(scope)) == {"m": [("Second", 50), ("Minute", 100_000)]}


def test_props_given_to_the_constructs_win_over_the_models_own() -> None:
    scope = chart()
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    model = ModelConfig(
        name="m", storage_uri="s3://b/m/", rate_limit=RateLimitConfig(tokens_per_minute=5), autoscaling=None
    )
    server = ModelServer(scope, "m", model=model)
    Autoscaler(scope, "scaler", target=server, config=AutoscalingConfig(max_replicas=2))
    gateway.add_model(server, rate_limit=RateLimitConfig(tokens_per_second=7))
    objs = objects(scope)
    assert _limits(objs) == {"m": [("Second", 7)]}
    assert find(objs, "ScaledObject", "m")["spec"]["maxReplicaCount"] == 2


def test_limits_and_the_network_policy_are_off_only_when_turned_off() -> None:
    scope = chart()
    gateway = StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    unlimited = ModelConfig(name="open", storage_uri="s3://b/open/", rate_limit=None)
    added = gateway.add_model(ModelServer(scope, "open", model=unlimited), network_policy=False)
    limited = gateway.add_model(ModelServer(scope, "m", model=ModelConfig(name="m", storage_uri="s3://b/m/")))
    assert added.route.rate_limit is None and added.server.network_policy is None
    assert limited.route.rate_limit == GatewayConfig().rate_limit
    # The second add_model, with the default network_policy, also gave the gateway's pods their policy.
    assert sorted(o["metadata"]["name"] for o in objects(scope) if o["kind"] == "NetworkPolicy") == ["gw", "m"]


def test_the_autoscalers_prometheus_is_the_one_the_network_policy_admits() -> None:
    scope = chart()
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    server = ModelServer(scope, "m", model=ModelConfig(name="m", storage_uri="s3://b/m/"))
    Autoscaler(scope, "scaler", target=server, config=AutoscalingConfig(prometheus=PrometheusConfig(namespace="obs")))
    gateway.add_model(server)
    [_, prometheus] = find(objects(scope), "NetworkPolicy", "m")["spec"]["ingress"]
    assert prometheus["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "obs"}}}]


def test_a_partial_resource_list_keeps_the_default_ephemeral_storage() -> None:
    scope = chart()
    requests = ResourceList(cpu="4", memory="16Gi")
    limits = ResourceList(cpu="8", memory="32Gi", ephemeral_storage=None)
    runtime = RuntimeConfig(resources=Resources(requests=requests, limits=limits))
    ModelServer(scope, "m", model=ModelConfig(name="m", storage_uri="s3://b/m/", runtime=runtime))
    resources = container(objects(scope), "m")["resources"]
    assert resources["requests"] == {"cpu": "4", "memory": "16Gi", "ephemeral-storage": "150Gi", "nvidia.com/gpu": "1"}
    # Given as None, the limit is none.
    assert resources["limits"] == {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1"}


def test_fails_when_a_models_autoscaling_does_not_fit_the_stacks() -> None:
    model = ModelConfig(name="m", storage_uri="s3://b/m/", autoscaling=AutoscalingConfig(max_replicas=2))
    with pytest.raises(SettingsError, match=r"^models\[0\]\.autoscaling\.max_replicas: 2 is not valid: use a value >="):
        StackConfig(models=(model,), autoscaling=AutoscalingConfig(min_replicas=3, max_replicas=10))


VALUES = """\
autoscaling: {threshold: 10, prometheus: {namespace: obs}}
gateway:
  rateLimit: {tokensPerSecond: 50}
models:
  - name: a
    storageUri: s3://b/a/
    rateLimit: {tokensPerMinute: 5}
    autoscaling: {maxReplicas: 9, prometheus: {url: "http://prom.obs.svc:9090"}}
    runtime:
      resources:
        requests: {cpu: "4", memory: 16Gi}
        limits: {ephemeralStorage: null}
  - name: b
    storageUri: s3://b/b/
    rateLimit: null
"""


def _python_config() -> StackConfig:
    resources = Resources(
        requests=ResourceList(cpu="4", memory="16Gi"),
        limits=ResourceList(cpu="16", memory="128Gi", ephemeral_storage=None),
    )
    return StackConfig(
        autoscaling=AutoscalingConfig(threshold=10, prometheus=PrometheusConfig(namespace="obs")),
        gateway=GatewayConfig(rate_limit=RateLimitConfig(tokens_per_second=50)),
        models=(
            ModelConfig(
                name="a",
                storage_uri="s3://b/a/",
                rate_limit=RateLimitConfig(tokens_per_minute=5),
                autoscaling=AutoscalingConfig(
                    max_replicas=9, prometheus=PrometheusConfig(url="http://prom.obs.svc:9090")
                ),
                runtime=RuntimeConfig(resources=resources),
            ),
            ModelConfig(name="b", storage_uri="s3://b/b/", rate_limit=None),
        ),
    )


def test_a_values_file_and_the_same_settings_in_python_give_the_same_objects(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(VALUES)
    from_values = LlmInferenceStack(cdk8s.Testing.app(), "llm-stack", config=load_values(values)).to_json()
    from_python = LlmInferenceStack(cdk8s.Testing.app(), "llm-stack", config=_python_config()).to_json()
    assert from_python == from_values
    assert _limits(from_python, "llm-stack-ai-gateway-backend-traffic") == {"a": [("Second", 50), ("Minute", 5)]}
    scaled = find(from_python, "ScaledObject", "a")["spec"]
    trigger = scaled["triggers"][0]["metadata"]
    assert (scaled["maxReplicaCount"], trigger["threshold"], trigger["serverAddress"]) == (
        9,
        "10",
        "http://prom.obs.svc:9090",
    )
    [_, prometheus] = find(from_python, "NetworkPolicy", "a")["spec"]["ingress"]
    assert prometheus["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] == "obs"
    resources = container(from_python, "a")["resources"]
    assert resources["requests"]["ephemeral-storage"] == "150Gi" and "ephemeral-storage" not in resources["limits"]
