"""Library misuse is a ``PropError`` or ``SettingsError`` naming the prop or field, never a raw ``TypeError``,
``AttributeError`` or jsii error: wrong types to every public construct and settings class, strings where a
sequence is expected, missing and misspelt props, two Autoscalers on one model server, two stacks writing the
same objects into one app."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from construct_helpers import chart, server

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    ApiKeysConfig,
    Autoscaler,
    AutoscalingConfig,
    ExternalSecretConfig,
    GatewayConfig,
    GatewayServiceConfig,
    GatewayTracing,
    LlmInferenceStack,
    ModelConfig,
    ModelRoute,
    ModelServer,
    MonitoredModel,
    NetworkPolicyConfig,
    ObservabilityConfig,
    PhoenixConfig,
    PrometheusAuth,
    PrometheusConfig,
    PrometheusTls,
    PropError,
    RateLimitConfig,
    ResourceList,
    Resources,
    RuntimeConfig,
    SettingsError,
    SloConfig,
    StackAlerts,
    StackConfig,
    StackDashboard,
    StandaloneGateway,
    StandaloneGatewayConfig,
    Toleration,
    dashboard,
    desired_replicas,
    vllm_args,
    waiting_requests_query,
)
from llm_inference_stack.errors import LlmStackError
from llm_inference_stack.redaction import HIDDEN
from llm_inference_stack.settings import EnvFromSecret, SecretKeyRef
from llm_inference_stack.settings.inherit import given_fields
from llm_inference_stack.validation import StackValidationError
from llm_inference_stack.values_loader import load_values

MODEL = {"name": "llama", "storage_uri": "s3://models/llama/"}

SETTINGS_MISUSE: list[tuple[Callable[[], object], str]] = [
    (lambda: ModelConfig(name=3, storage_uri="s3://m/"), "name"),  # type: ignore[arg-type]
    (lambda: ModelConfig(name="m", storage_uri=None), "storage_uri"),  # type: ignore[arg-type]
    (lambda: ModelConfig(**MODEL, runtime={"gpu_count": 2}), "runtime"),  # type: ignore[arg-type]
    (lambda: ModelConfig(**MODEL, runtime=RuntimeConfig), "runtime"),  # type: ignore[arg-type]
    (lambda: ModelConfig(**MODEL, rate_limit=100), "rate_limit"),  # type: ignore[arg-type]
    (lambda: ModelConfig(**MODEL, gpus=2), "gpus"),  # type: ignore[call-arg]
    (lambda: ModelConfig(name="m"), "storage_uri"),  # type: ignore[call-arg]
    (lambda: RateLimitConfig(tokens_per_minute="5"), "tokens_per_minute"),  # type: ignore[arg-type]
    (lambda: RateLimitConfig(tokens_per_second=1.5), "tokens_per_second"),  # type: ignore[arg-type]
    (lambda: AutoscalingConfig(max_replicas=True), "max_replicas"),
    (lambda: AutoscalingConfig(min_replicas="2"), "min_replicas"),  # type: ignore[arg-type]
    (lambda: AutoscalingConfig(threshold="5"), "threshold"),  # type: ignore[arg-type]
    (lambda: AutoscalingConfig(threshold=float("inf")), "threshold"),
    (lambda: AutoscalingConfig(prometheus="http://prom:9090"), "prometheus"),  # type: ignore[arg-type]
    (lambda: PrometheusConfig(url=9090), "url"),  # type: ignore[arg-type]
    (lambda: PrometheusAuth(mode="digest", secret_name="s"), "mode"),  # type: ignore[arg-type]
    (lambda: PrometheusTls(insecure_skip_verify="yes"), "insecure_skip_verify"),  # type: ignore[arg-type]
    (lambda: RuntimeConfig(extra_args="--enforce-eager"), "extra_args"),  # type: ignore[arg-type]
    (lambda: RuntimeConfig(extra_args=("--max-num-seqs", 8)), "extra_args[1]"),  # type: ignore[arg-type]
    (lambda: RuntimeConfig(gpu_count=2.0), "gpu_count"),  # type: ignore[arg-type]
    (lambda: RuntimeConfig(gpu_count=True), "gpu_count"),
    (lambda: RuntimeConfig(env={"HF_HOME": 1}), "env['HF_HOME']"),  # type: ignore[dict-item]
    (lambda: RuntimeConfig(env=[("HF_HOME", "/x")]), "env"),  # type: ignore[arg-type]
    (lambda: RuntimeConfig(node_selector={"pool": 1}), "node_selector['pool']"),  # type: ignore[dict-item]
    (lambda: RuntimeConfig(tolerations=Toleration()), "tolerations"),  # type: ignore[arg-type]
    (lambda: RuntimeConfig(resources=ResourceList(cpu="1", memory="1Gi")), "resources"),  # type: ignore[arg-type]
    (lambda: ResourceList(cpu=4, memory="8Gi"), "cpu"),  # type: ignore[arg-type]
    (lambda: Resources(requests={"cpu": "1"}), "requests"),  # type: ignore[arg-type]
    (lambda: Toleration(operator="Contains"), "operator"),  # type: ignore[arg-type]
    (lambda: SecretKeyRef(name="s", key=1), "key"),  # type: ignore[arg-type]
    (lambda: EnvFromSecret(secret_key_ref="s/key"), "secret_key_ref"),  # type: ignore[arg-type]
    (lambda: GatewayConfig(port="8080"), "port"),  # type: ignore[arg-type]
    (lambda: GatewayConfig(mode="nginx"), "mode"),  # type: ignore[arg-type]
    (lambda: GatewayConfig(replicas=False), "replicas"),
    (lambda: GatewayConfig(service="LoadBalancer"), "service"),  # type: ignore[arg-type]
    (lambda: GatewayServiceConfig(load_balancer_source_ranges="10.0.0.0/8"), "load_balancer_source_ranges"),  # type: ignore[arg-type]
    (lambda: StandaloneGatewayConfig(requests_per_minute="60"), "requests_per_minute"),  # type: ignore[arg-type]
    (lambda: ApiKeysConfig(existing_secret="false"), "existing_secret"),  # type: ignore[arg-type]
    (lambda: ExternalSecretConfig(store_name="vault", remote_key=["a"]), "remote_key"),  # type: ignore[arg-type]
    (lambda: PhoenixConfig(trace_vllm=1), "trace_vllm"),  # type: ignore[arg-type]
    (lambda: SloConfig(ttft_p95_seconds="2.5"), "ttft_p95_seconds"),  # type: ignore[arg-type]
    (lambda: ObservabilityConfig(alerts=None), "alerts"),  # type: ignore[arg-type]
    (lambda: NetworkPolicyConfig(enabled="true"), "enabled"),  # type: ignore[arg-type]
    (lambda: StackConfig(models=ModelConfig(**MODEL)), "models"),  # type: ignore[arg-type]
    (lambda: StackConfig(models=("llama",)), "models[0]"),  # type: ignore[arg-type]
    (lambda: StackConfig(models=(), namespaces="a"), "namespaces"),  # type: ignore[call-arg]
]


def _id(case: tuple[Callable[[], object], str]) -> str:
    return case[1]


@pytest.mark.parametrize("build, field", SETTINGS_MISUSE, ids=[_id(c) for c in SETTINGS_MISUSE])
def test_fails_when_a_settings_field_has_the_wrong_type(build: Callable[[], object], field: str) -> None:
    with pytest.raises(SettingsError) as raised:
        build()
    assert isinstance(raised.value, LlmStackError)
    assert raised.value.path == field
    assert str(raised.value).startswith(f"{field}: ")


def test_a_type_error_names_the_settings_class_and_the_fix() -> None:
    with pytest.raises(SettingsError, match=r"^max_replicas: true is not valid: pass an integer as "):
        AutoscalingConfig(max_replicas=True)
    with pytest.raises(SettingsError) as raised:
        RuntimeConfig(extra_args="--enforce-eager")  # type: ignore[arg-type]
    assert "RuntimeConfig.extra_args" in str(raised.value)
    assert "one character per item" in str(raised.value)
    with pytest.raises(SettingsError, match="did you mean 'storage_uri'"):
        ModelConfig(name="m", storage_url="s3://m/")  # type: ignore[call-arg]


def test_a_list_given_for_a_tuple_field_is_taken_as_the_tuple() -> None:
    runtime = RuntimeConfig(extra_args=["--enforce-eager"])  # type: ignore[arg-type]
    assert runtime.extra_args == ("--enforce-eager",)
    stack = StackConfig(models=[ModelConfig(**MODEL)])  # type: ignore[arg-type]
    assert isinstance(stack.models, tuple)


def test_a_secret_looking_value_of_the_wrong_type_is_not_shown() -> None:
    with pytest.raises(SettingsError) as raised:
        ApiKeysConfig(dummy_key=["sk-live-0123456789abcdef"])  # type: ignore[arg-type]
    assert "sk-live" not in str(raised.value)
    assert HIDDEN in str(raised.value)


def _keys(scope: cdk8s.Chart) -> ApiKeys:
    return ApiKeys(scope, "keys")


def _alerts(scope: cdk8s.Chart, **props: Any) -> StackAlerts:
    return StackAlerts(
        scope, "a", **{"name": "a", "namespace": "n", "models": [], "slo": SloConfig(), "ai_gateway": True, **props}
    )


CONSTRUCT_MISUSE: list[tuple[str, Callable[[cdk8s.Chart], object], str]] = [
    ("model-as-string", lambda c: ModelServer(c, "m", model="llama"), "model"),  # type: ignore[arg-type]
    ("model-missing", lambda c: ModelServer(c, "m"), "model"),  # type: ignore[call-arg]
    ("model-typo", lambda c: ModelServer(c, "m", modle=ModelConfig(**MODEL)), "modle"),  # type: ignore[call-arg]
    ("model-positional", lambda c: ModelServer(c, "m", ModelConfig(**MODEL)), "model"),  # type: ignore[misc]
    ("scope-as-string", lambda c: ModelServer("chart", "m", model=ModelConfig(**MODEL)), "scope"),  # type: ignore[arg-type]
    ("id-as-number", lambda c: ModelServer(c, 7, model=ModelConfig(**MODEL)), "id"),  # type: ignore[arg-type]
    ("min-replicas-bool", lambda c: ModelServer(c, "m", model=ModelConfig(**MODEL), min_replicas=True), "min_replicas"),
    ("labels-number", lambda c: ModelServer(c, "m", model=ModelConfig(**MODEL), labels={"a": 1}), "labels['a']"),  # type: ignore[dict-item]
    ("tracing-url", lambda c: ModelServer(c, "m", model=ModelConfig(**MODEL), tracing="http://p"), "tracing"),  # type: ignore[arg-type]
    ("add-tracing-dict", lambda c: server(c).add_tracing({"endpoint": "http://p"}), "phoenix"),  # type: ignore[arg-type]
    ("allow-ingress-name", lambda c: server(c).allow_ingress_only_from(gateway="gw"), "gateway"),  # type: ignore[arg-type]
    ("autoscaler-target-name", lambda c: Autoscaler(c, "a", target="llama"), "target"),  # type: ignore[arg-type]
    ("autoscaler-config-dict", lambda c: Autoscaler(c, "a", target=server(c), config={"max_replicas": 2}), "config"),  # type: ignore[arg-type]
    ("api-keys-config-dict", lambda c: ApiKeys(c, "k", config={"secret_name": "s"}), "config"),  # type: ignore[arg-type]
    ("api-keys-namespace-number", lambda c: ApiKeys(c, "k", namespace=3), "namespace"),  # type: ignore[arg-type]
    ("gateway-api-keys-name", lambda c: AiGateway(c, "g", name="gw", api_keys="keys"), "api_keys"),  # type: ignore[arg-type]
    ("gateway-name-missing", lambda c: AiGateway(c, "g", api_keys=_keys(c)), "name"),  # type: ignore[call-arg]
    ("gateway-config-mode", lambda c: AiGateway(c, "g", name="gw", api_keys=_keys(c), config="standalone"), "config"),  # type: ignore[arg-type]
    ("standalone-tracing", lambda c: StandaloneGateway(c, "g", name="gw", api_keys=_keys(c), tracing=True), "tracing"),  # type: ignore[arg-type]
    (
        "add-model-name",
        lambda c: AiGateway(c, "g", name="gw", api_keys=_keys(c)).add_model("llama"),  # type: ignore[arg-type]
        "server",
    ),
    (
        "add-model-policy-string",
        lambda c: AiGateway(c, "g", name="gw", api_keys=_keys(c)).add_model(server(c), network_policy="no"),  # type: ignore[arg-type]
        "network_policy",
    ),
    (
        "add-model-rate-limit-number",
        lambda c: StandaloneGateway(c, "g", name="gw", api_keys=_keys(c)).add_model(server(c), rate_limit=60),  # type: ignore[arg-type]
        "rate_limit",
    ),
    ("tracing-phoenix-url", lambda c: GatewayTracing(c, "t", name="t", phoenix="http://p"), "phoenix"),  # type: ignore[arg-type]
    ("alerts-models-one", lambda c: _alerts(c, models="m"), "models"),
    ("alerts-slo-dict", lambda c: _alerts(c, slo={}), "slo"),
    ("dashboard-json", lambda c: StackDashboard(c, "d", name="d", namespace="n", dashboard="{}"), "dashboard"),  # type: ignore[arg-type]
    ("duplicate-id", lambda c: (server(c, "m"), server(c, "m")), "id"),
    ("empty-id", lambda c: ModelServer(c, "", model=ModelConfig(**MODEL)), "id"),
    ("app-as-scope", lambda c: ModelServer(c.node.scope, "m", model=ModelConfig(**MODEL)), "scope"),  # type: ignore[arg-type]
    ("label-key", lambda c: ApiKeys(c, "k", labels={"team name": "a"}), "labels"),
    ("label-value", lambda c: ApiKeys(c, "k", labels={"team": "a b"}), "labels['team']"),
    ("autoscaler-name", lambda c: Autoscaler(c, "a", target=server(c), name="Llama_Scaler"), "name"),
    ("stack-config-models", lambda c: LlmInferenceStack(c, "s", config=(ModelConfig(**MODEL),)), "config"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("build, prop", [c[1:] for c in CONSTRUCT_MISUSE], ids=[c[0] for c in CONSTRUCT_MISUSE])
def test_fails_when_a_construct_prop_is_misused(build: Callable[[cdk8s.Chart], object], prop: str) -> None:
    with pytest.raises(PropError) as raised:
        build(chart())
    assert isinstance(raised.value, LlmStackError)
    assert raised.value.prop == prop
    assert f"'{prop}'" in str(raised.value)


def test_a_prop_error_names_the_construct_the_value_and_the_fix() -> None:
    with pytest.raises(
        PropError, match=r"^ModelServer 'model' \('llama'\) is not valid: pass a ModelConfig as model \(got a str\)"
    ):
        ModelServer(chart(), "m", model="llama")  # type: ignore[arg-type]
    with pytest.raises(PropError, match=r"^ModelServer 'modle' .* did you mean 'model'\?"):
        ModelServer(chart(), "m", modle=ModelConfig(**MODEL))  # type: ignore[call-arg]
    with pytest.raises(PropError, match=r"^AiGateway 'name': missing: pass name="):
        AiGateway(chart(), "g", api_keys=_keys(chart()))  # type: ignore[call-arg]
    with pytest.raises(PropError, match=r"^StandaloneGateway.add_model 'rate_limit' \(60\)"):
        scope = chart()
        StandaloneGateway(scope, "g", name="gw", api_keys=_keys(scope)).add_model(server(scope), rate_limit=60)  # type: ignore[arg-type]


def test_a_secret_looking_prop_value_is_not_shown() -> None:
    with pytest.raises(PropError) as raised:
        ModelServer(chart(), "m", model=ModelConfig(**MODEL), labels={"token": 12345})  # type: ignore[dict-item]
    assert "12345" not in str(raised.value)


def test_fails_when_a_second_autoscaler_targets_one_model_server() -> None:
    scope = chart()
    target = server(scope)
    first = Autoscaler(scope, "scaler", target=target)
    with pytest.raises(PropError, match=rf"already scaled by the Autoscaler at '{first.node.path}'") as raised:
        Autoscaler(scope, "scaler-2", target=target, config=AutoscalingConfig(max_replicas=8))
    assert raised.value.prop == "target"


def test_one_autoscaler_per_model_server_is_fine() -> None:
    scope = chart()
    Autoscaler(scope, "a", target=server(scope, "model-a"))
    Autoscaler(scope, "b", target=server(scope, "model-b"))


def test_fails_when_two_stacks_write_the_same_objects_into_one_app(tmp_path: Any) -> None:
    app = cdk8s.App(outdir=str(tmp_path))
    config = StackConfig(models=(ModelConfig(**MODEL),))
    LlmInferenceStack(app, "team-a", config=config)
    LlmInferenceStack(app, "team-b", config=config)
    with pytest.raises(StackValidationError) as raised:
        app.synth()
    [problem] = raised.value.problems
    assert problem.startswith("[written-twice] ")
    assert "InferenceService kserve-inference/llama by 'team-a/llama/ModelServer/Resource' and " in problem
    assert "'team-b/llama/ModelServer/Resource'" in problem
    assert "release name or namespace" in problem
    assert not list(tmp_path.iterdir())


def test_two_stacks_of_distinct_releases_share_one_app(tmp_path: Any) -> None:
    app = cdk8s.App(outdir=str(tmp_path))
    for release in ("team-a", "team-b"):
        config = StackConfig(models=(ModelConfig(**MODEL),), release=release, namespace=release)
        LlmInferenceStack(app, release, config=config)
    app.synth()
    assert len(list(tmp_path.iterdir())) == 2


FUNCTION_MISUSE: list[tuple[str, Callable[[], object], str]] = [
    ("desired-replicas-string", lambda: desired_replicas("5", AutoscalingConfig()), "waiting"),  # type: ignore[arg-type]
    ("desired-replicas-config", lambda: desired_replicas(5, {"threshold": 5}), "config"),  # type: ignore[arg-type]
    ("desired-replicas-current", lambda: desired_replicas(5, AutoscalingConfig(), "3"), "current"),  # type: ignore[arg-type]
    ("vllm-args-name", lambda: vllm_args("llama"), "model"),  # type: ignore[arg-type]
    ("waiting-query-number", lambda: waiting_requests_query(3, "ns"), "served_model_name"),  # type: ignore[arg-type]
    (
        "dashboard-string",
        lambda: dashboard("m", release="r", slo=SloConfig(), ai_gateway=True, client_id_header="x"),
        "models",
    ),  # type: ignore[arg-type]
    ("monitored-model-names", lambda: MonitoredModel.of("llama", "scaler"), "server"),  # type: ignore[arg-type]
    ("route-number", lambda: ModelRoute(served_model_name=3, backend_name="b", service_host="h"), "served_model_name"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("call, argument", [c[1:] for c in FUNCTION_MISUSE], ids=[c[0] for c in FUNCTION_MISUSE])
def test_fails_when_a_public_function_is_misused(call: Callable[[], object], argument: str) -> None:
    with pytest.raises(LlmStackError) as raised:
        call()
    assert isinstance(raised.value, (PropError, SettingsError))
    assert f"{argument}" in str(raised.value)


def test_the_functions_still_answer_good_input() -> None:
    assert desired_replicas(12, AutoscalingConfig(threshold=5, max_replicas=10)) == 3
    assert vllm_args(ModelConfig(**MODEL))[0] == "/mnt/models"


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy, lambda obj: pickle.loads(pickle.dumps(obj))])
def test_settings_copy_and_pickle_as_they_were(duplicate: Callable[[Any], Any]) -> None:
    config = StackConfig(models=(ModelConfig(**MODEL, autoscaling=AutoscalingConfig(max_replicas=3)),))
    copied = duplicate(config)
    assert copied == config
    assert given_fields(copied.models[0].autoscaling) == {"max_replicas"}


def test_fails_when_two_servers_of_one_chart_write_one_inference_service(tmp_path: Any) -> None:
    app = cdk8s.App(outdir=str(tmp_path))
    scope = cdk8s.Chart(app, "models")
    ModelServer(scope, "first", model=ModelConfig(**MODEL))
    ModelServer(scope, "second", model=ModelConfig(**MODEL))
    with pytest.raises(StackValidationError) as raised:
        app.synth()
    [problem] = raised.value.problems
    assert "InferenceService kserve-inference/llama by 'models/first/Resource' and 'models/second/Resource'" in problem


WRONG_VALUES: list[object] = [object(), 2.5, True, b"bytes", ["x"], {"a": 1}]
"""Values no field or prop of the library takes as they are (each wrong for some, all wrong for most)."""

REQUIRED: dict[type, dict[str, object]] = {
    ModelConfig: MODEL,
    StackConfig: {"models": (ModelConfig(**MODEL),)},
    ResourceList: {"cpu": "1", "memory": "1Gi"},
    PrometheusAuth: {"mode": "bearer", "secret_name": "prometheus"},
    ExternalSecretConfig: {"store_name": "vault", "remote_key": "keys"},
    RateLimitConfig: {"tokens_per_minute": 5},
    PrometheusTls: {"insecure_skip_verify": True},
    SecretKeyRef: {"name": "s", "key": "k"},
    EnvFromSecret: {"secret_key_ref": SecretKeyRef(name="s", key="k")},
}
SETTINGS_CLASSES = [
    ApiKeysConfig, AutoscalingConfig, EnvFromSecret, ExternalSecretConfig, GatewayConfig, GatewayServiceConfig,
    ModelConfig, NetworkPolicyConfig, ObservabilityConfig, PhoenixConfig, PrometheusAuth, PrometheusConfig,
    PrometheusTls, RateLimitConfig, ResourceList, Resources, RuntimeConfig, SecretKeyRef, SloConfig, StackConfig,
    StandaloneGatewayConfig, Toleration,
]  # fmt: skip


@pytest.mark.parametrize("cls", SETTINGS_CLASSES, ids=lambda cls: cls.__name__)
def test_every_settings_field_refuses_values_of_the_wrong_type_with_a_settings_error(cls: type) -> None:
    base = REQUIRED.get(cls, {})
    cls(**base)
    for f in dataclasses.fields(cls):
        with pytest.raises(SettingsError) as raised:
            cls(**{**base, f.name: object()})
        assert raised.value.path == f.name
        assert f"{cls.__name__}.{f.name}" in str(raised.value)
        for wrong in WRONG_VALUES:
            try:
                cls(**{**base, f.name: wrong})
            except SettingsError:
                pass
            except Exception as error:
                pytest.fail(f"{cls.__name__}({f.name}={wrong!r}) raised {type(error).__name__}: {error}")


def _props(cls: type, scope: cdk8s.Chart) -> dict[str, object]:
    """The required props of a public construct, built in ``scope``."""
    keys = ApiKeys(scope, "keys") if cls in (AiGateway, StandaloneGateway) else None
    slo = SloConfig()
    return {
        ModelServer: lambda: {"model": ModelConfig(**MODEL)},
        Autoscaler: lambda: {"target": server(scope)},
        AiGateway: lambda: {"name": "gw", "api_keys": keys},
        StandaloneGateway: lambda: {"name": "gw", "api_keys": keys},
        ApiKeys: dict,
        GatewayTracing: lambda: {"name": "t", "phoenix": PhoenixConfig()},
        StackAlerts: lambda: {"name": "a", "namespace": "n", "models": [], "slo": slo, "ai_gateway": True},
        StackDashboard: lambda: {
            "name": "d",
            "namespace": "n",
            "dashboard": dashboard([], release="r", slo=slo, ai_gateway=True, client_id_header="x"),
        },
        LlmInferenceStack: lambda: {"config": StackConfig(models=(ModelConfig(**MODEL),))},
    }[cls]()


CONSTRUCTS = [
    ModelServer,
    Autoscaler,
    AiGateway,
    StandaloneGateway,
    ApiKeys,
    GatewayTracing,
    StackAlerts,
    StackDashboard,
]


@pytest.mark.parametrize("cls", [*CONSTRUCTS, LlmInferenceStack], ids=lambda cls: cls.__name__)
def test_every_construct_prop_refuses_a_value_of_the_wrong_type_with_a_prop_error(cls: type) -> None:
    props = [p.name for p in inspect.signature(cls).parameters.values() if p.kind is p.KEYWORD_ONLY]
    for prop in props:
        scope = chart()
        where = scope.node.scope if cls is LlmInferenceStack else scope
        with pytest.raises(PropError) as raised:
            cls(where, "under-test", **{**_props(cls, scope), prop: object()})
        assert (raised.value.construct, raised.value.prop) == (cls.__name__, prop)


@pytest.mark.parametrize(
    ("call", "prop"),
    [
        (lambda: load_values(3), "values"),
        (lambda: load_values([Path("values.yaml"), 7]), "values"),
        (lambda: load_values("values.yaml", sets="model.name=x"), "sets"),
        (lambda: load_values("values.yaml", sets=[1]), "sets"),
    ],
)
def test_load_values_refuses_arguments_of_the_wrong_type_with_a_prop_error(
    call: Callable[[], object], prop: str
) -> None:
    with pytest.raises(PropError, match=rf"^load_values '{prop}' "):
        call()
