"""Autoscaler through the public API: a ScaledObject on the server it is given."""

from __future__ import annotations

from typing import cast

import cdk8s
import pytest
from construct_helpers import chart, find, objects, server

from llm_inference_stack import (
    Autoscaler,
    AutoscalingConfig,
    PrometheusAuth,
    PrometheusConfig,
    PropError,
    StackValidationError,
)


def test_scales_the_predictor_deployment_of_its_target() -> None:
    scope = chart("team-b")
    model_server = server(scope, "Qwen2.5-7B-Instruct")
    autoscaler = Autoscaler(scope, "scaler", target=model_server, config=AutoscalingConfig(max_replicas=3))
    scaled = find(objects(scope), "ScaledObject")
    assert scaled["metadata"] == {
        "labels": {"app.kubernetes.io/component": "autoscaler", "app.kubernetes.io/managed-by": "llm-inference-stack"},
        "name": "qwen2-5-7b-instruct",
        "namespace": "team-b",
    }
    assert scaled["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "qwen2-5-7b-instruct-predictor",
    }
    assert scaled["spec"]["maxReplicaCount"] == 3
    query = scaled["spec"]["triggers"][0]["metadata"]["query"]
    assert 'model_name="Qwen2.5-7B-Instruct"' in query and 'namespace="team-b"' in query
    assert autoscaler.hpa_name == "qwen2-5-7b-instruct"


def test_sets_the_replicas_kserve_starts_with() -> None:
    scope = chart()
    model_server = server(scope)
    Autoscaler(scope, "scaler", target=model_server, config=AutoscalingConfig(min_replicas=2, max_replicas=4))
    assert find(objects(scope), "InferenceService")["spec"]["predictor"]["minReplicas"] == 2


def test_authenticates_to_prometheus_with_a_trigger_authentication() -> None:
    scope = chart()
    prometheus = PrometheusConfig(
        url="https://prometheus.monitoring.svc:9090", auth=PrometheusAuth(mode="bearer", secret_name="prom-token")
    )
    Autoscaler(scope, "scaler", target=server(scope), config=AutoscalingConfig(prometheus=prometheus))
    objs = objects(scope)
    auth = find(objs, "TriggerAuthentication", "llama-3-70b-prometheus")
    assert auth["spec"]["secretTargetRef"] == [{"key": "bearerToken", "name": "prom-token", "parameter": "bearerToken"}]
    assert find(objs, "ScaledObject")["spec"]["triggers"][0]["authenticationRef"]["name"] == "llama-3-70b-prometheus"


def test_the_default_child_is_the_scaled_object_and_validation_sees_a_patch() -> None:
    scope = chart()
    autoscaler = Autoscaler(scope, "scaler", target=server(scope))
    scaled = cdk8s.ApiObject.of(autoscaler.node.default_child)
    assert scaled.kind == "ScaledObject"
    scaled.add_json_patch(cdk8s.JsonPatch.replace("/spec/scaleTargetRef/name", "llama-3-70b"))
    with pytest.raises(
        StackValidationError, match=r"\[scaledobject-target\] ScaledObject kserve-inference/llama-3-70b"
    ):
        cast(cdk8s.App, scope.node.root).synth()


def test_fails_when_the_target_is_a_name() -> None:
    with pytest.raises(PropError, match=r"^Autoscaler 'target' \('llama-3-70b-predictor'\) is not valid: pass the"):
        Autoscaler(chart(), "scaler", target="llama-3-70b-predictor")  # type: ignore[arg-type]
