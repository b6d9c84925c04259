"""Per-model blocks merge key by key over the stack's; cluster-wide values (namespaces, labels, Prometheus TLS)."""

from __future__ import annotations

from typing import Any

from helpers import find, synthesized

from llm_inference_stack import stack_config_from_mapping

SECURED_PROMETHEUS = {
    "url": "https://prometheus.monitoring.svc:9090",
    "auth": {"mode": "bearer", "secretName": "prometheus-token"},
    "tls": {"caSecretName": "prometheus-ca"},
}


def fleet(*models: dict[str, Any], **stack: Any) -> dict[str, Any]:
    return {
        "models": [{"storageUri": f"s3://models/{m['name']}/", **m} for m in models],
        **stack,
    }


def scaled_object(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return find(objects, "ScaledObject", name)


def limits_by_model(objects: list[dict[str, Any]]) -> dict[str, set[tuple[str, int]]]:
    out: dict[str, set[tuple[str, int]]] = {}
    for policy in (o for o in objects if o["kind"] == "BackendTrafficPolicy"):
        for rule in policy["spec"]["rateLimit"]["global"]["rules"]:
            model = rule["clientSelectors"][0]["headers"][1]["value"]
            out.setdefault(model, set()).add((rule["limit"]["unit"], rule["limit"]["requests"]))
    return out


# --- autoscaling -------------------------------------------------------------------------------


def test_model_autoscaling_block_keeps_the_stacks_secured_prometheus() -> None:
    objects = synthesized(
        fleet(
            {"name": "big", "autoscaling": {"maxReplicas": 6}},
            {"name": "small"},
            autoscaling={"minReplicas": 2, "threshold": 3, "prometheus": SECURED_PROMETHEUS},
        )
    )
    for name, max_replicas in (("big", 6), ("small", 4)):
        scaled = scaled_object(objects, name)
        assert (scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]) == (2, max_replicas)
        trigger = scaled["spec"]["triggers"][0]
        assert trigger["metadata"]["serverAddress"] == "https://prometheus.monitoring.svc:9090"
        assert trigger["metadata"]["threshold"] == "3"
        assert trigger["metadata"]["authModes"] == "bearer"
        assert trigger["authenticationRef"]["name"] == f"{name}-prometheus"
        auth = find(objects, "TriggerAuthentication", f"{name}-prometheus")
        assert auth["spec"]["secretTargetRef"] == [
            {"name": "prometheus-token", "key": "bearerToken", "parameter": "bearerToken"},
            {"name": "prometheus-ca", "key": "ca.crt", "parameter": "ca"},
        ]


def test_model_prometheus_url_override_keeps_the_stacks_credentials() -> None:
    config = stack_config_from_mapping(
        fleet(
            {"name": "a", "autoscaling": {"prometheus": {"url": "https://thanos.monitoring.svc:10902"}}},
            autoscaling={"prometheus": SECURED_PROMETHEUS},
        )
    )
    prometheus = config.autoscaling_of(config.models[0]).prometheus
    assert prometheus.url == "https://thanos.monitoring.svc:10902"
    assert prometheus.auth is not None and prometheus.auth.secret_name == "prometheus-token"
    assert prometheus.tls is not None and prometheus.tls.ca_secret_name == "prometheus-ca"


# --- rate limits -------------------------------------------------------------------------------


def test_model_rate_limit_merges_over_the_gateways_and_null_turns_it_off() -> None:
    objects = synthesized(
        fleet(
            {"name": "merged", "rateLimit": {"tokensPerSecond": 500}},
            {"name": "replaced", "rateLimit": {"tokensPerSecond": 200, "tokensPerMinute": None}},
            {"name": "unlimited", "rateLimit": None},
            {"name": "inherited"},
            gateway={"rateLimit": {"tokensPerMinute": 60000}},
        )
    )
    assert limits_by_model(objects) == {
        "merged": {("Second", 500), ("Minute", 60000)},
        "replaced": {("Second", 200)},
        "inherited": {("Minute", 60000)},
    }


def test_model_rate_limit_stands_alone_when_the_gateway_has_none() -> None:
    objects = synthesized(
        fleet({"name": "a", "rateLimit": {"tokensPerSecond": 50}}, {"name": "b"}, gateway={"rateLimit": None})
    )
    assert limits_by_model(objects) == {"a": {("Second", 50)}}


# --- resources ---------------------------------------------------------------------------------


def test_partial_resources_merge_over_the_defaults() -> None:
    objects = synthesized(fleet({"name": "a", "runtime": {"resources": {"requests": {"cpu": "4"}}}}))
    resources = find(objects, "InferenceService")["spec"]["predictor"]["containers"][0]["resources"]
    assert resources["requests"] == {"cpu": "4", "memory": "64Gi", "ephemeral-storage": "150Gi", "nvidia.com/gpu": "1"}
    assert resources["limits"] == {"cpu": "16", "memory": "128Gi", "ephemeral-storage": "300Gi", "nvidia.com/gpu": "1"}


def test_ephemeral_storage_null_leaves_it_out() -> None:
    objects = synthesized(
        fleet(
            {
                "name": "a",
                "runtime": {
                    "resources": {"requests": {"ephemeralStorage": None}, "limits": {"ephemeralStorage": None}}
                },
            }
        )
    )
    resources = find(objects, "InferenceService")["spec"]["predictor"]["containers"][0]["resources"]
    assert "ephemeral-storage" not in resources["requests"]
    assert "ephemeral-storage" not in resources["limits"]


# --- namespaces, labels, annotations -----------------------------------------------------------


def test_namespace_create_emits_every_namespace_the_stack_uses_before_anything_else() -> None:
    objects = synthesized(
        fleet(
            {"name": "a"},
            {"name": "b", "namespace": "team-b"},
            {"name": "c", "namespace": "team-a"},
            namespace={"name": "llm", "create": True},
        )
    )
    namespaces = [o for o in objects if o["kind"] == "Namespace"]
    assert [n["metadata"]["name"] for n in namespaces] == ["llm", "team-a", "team-b"]
    assert objects[: len(namespaces)] == namespaces
    assert all("namespace" not in n["metadata"] for n in namespaces)
    assert {o["metadata"].get("namespace") for o in objects} - {None} == {"llm", "team-a", "team-b"}


def test_namespaces_are_not_created_by_default(default_values: dict[str, Any]) -> None:
    assert not [o for o in synthesized(default_values) if o["kind"] == "Namespace"]
    assert stack_config_from_mapping({**default_values, "namespace": {"name": "x"}}).namespace == "x"


def test_common_labels_and_annotations_are_on_every_object(default_values: dict[str, Any]) -> None:
    values = {
        **default_values,
        "namespace": {"name": "kserve-inference", "create": True},
        "commonLabels": {"release": "kube-prometheus-stack", "team": "ml"},
        "commonAnnotations": {"example.com/owner": "ml-platform"},
        "apiKeys": {"externalSecret": {"storeName": "vault", "remoteKey": "llm/api-keys"}},
    }
    objects = synthesized(values)
    assert len({o["kind"] for o in objects}) >= 15
    for obj in objects:
        assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack", obj["kind"]
        assert obj["metadata"]["labels"]["team"] == "ml"
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == "llm-stack"
        assert obj["metadata"]["annotations"]["example.com/owner"] == "ml-platform"


# --- Prometheus TLS ----------------------------------------------------------------------------


def test_insecure_skip_verify_sets_keda_unsafe_ssl_and_nothing_else() -> None:
    objects = synthesized(
        fleet(
            {"name": "a"},
            autoscaling={
                "prometheus": {"url": "https://prometheus.monitoring.svc:9090", "tls": {"insecureSkipVerify": True}}
            },
        )
    )
    trigger = scaled_object(objects, "a")["spec"]["triggers"][0]
    assert trigger["metadata"]["unsafeSsl"] == "true"
    assert "authenticationRef" not in trigger
    assert not [o for o in objects if o["kind"] == "TriggerAuthentication"]


def test_https_prometheus_without_tls_block_verifies_with_kedas_roots() -> None:
    objects = synthesized(fleet({"name": "a"}, autoscaling={"prometheus": {"url": "https://p.monitoring:9090"}}))
    assert "unsafeSsl" not in scaled_object(objects, "a")["spec"]["triggers"][0]["metadata"]
