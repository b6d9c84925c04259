"""LlmInferenceStack: the public constructs wired from a values file, exposed as typed attributes."""

from __future__ import annotations

from pathlib import Path

import cdk8s

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    Autoscaler,
    GatewayModel,
    LlmInferenceStack,
    ModelServer,
    load_values,
)

ROOT = Path(__file__).resolve().parents[2]


def test_exposes_what_it_holds_as_typed_attributes() -> None:
    stack = LlmInferenceStack(cdk8s.Testing.app(), "llm-stack", config=load_values(ROOT / "values.yaml"))
    [model] = stack.models
    assert isinstance(model.server, ModelServer) and model.server.served_model_name == "llama-3-70b"
    assert isinstance(model.autoscaler, Autoscaler) and model.autoscaler.target is model.server
    assert isinstance(stack.api_keys, ApiKeys) and stack.api_keys.secret_name == "ai-gateway-api-keys"
    assert isinstance(stack.gateway, AiGateway) and stack.gateway.api_keys is stack.api_keys
    assert isinstance(model.gateway_model, GatewayModel) and model.gateway_model.server is model.server
    assert stack.tracing is stack.gateway.tracing and stack.tracing is not None


def test_a_patch_on_a_model_server_reaches_the_output() -> None:
    stack = LlmInferenceStack(cdk8s.Testing.app(), "llm-stack", config=load_values(ROOT / "values.yaml"))
    isvc = cdk8s.ApiObject.of(stack.models[0].server.node.default_child)
    isvc.add_json_patch(cdk8s.JsonPatch.add("/spec/predictor/priorityClassName", "llm"))
    [patched] = [o for o in stack.to_json() if o["kind"] == "InferenceService"]
    assert patched["spec"]["predictor"]["priorityClassName"] == "llm"
