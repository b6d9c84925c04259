"""llm-inference-stack: an LLM behind a production gateway on Kubernetes, as cdk8s constructs.

A KServe InferenceService running vLLM on GPUs, KEDA scaling it on queued requests, Envoy AI Gateway
in front (API keys, token rate limits), API keys from a Secret or External Secrets, traces to Phoenix.

Names are imported on first use (PEP 562): reading and checking a values file does not load the
generated CRD modules or start the jsii runtime; the constructs do.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._import_gc import collection_paused
from ._node import use_bundled_node

use_bundled_node()

_EXPORTS: dict[str, str] = {
    "dashboard": "monitoring.stack_dashboard",
    "SloConfig": "settings",
    "StackDashboard": "monitoring.stack_dashboard",
    "StackAlerts": "monitoring.rules",
    "MonitoredModel": "monitoring.series",
    "AiGateway": "gateway",
    "ApiKeys": "api_keys",
    "ApiKeysConfig": "settings",
    "Autoscaler": "autoscaler",
    "AutoscalingConfig": "settings",
    "ExternalSecretConfig": "settings",
    "GatewayConfig": "settings",
    "GatewayModel": "gateway",
    "GatewayServiceConfig": "settings",
    "GatewayTracing": "observability",
    "INHERIT": "settings",
    "LlmInferenceStack": "chart",
    "ManifestError": "errors",
    "ModelConfig": "settings",
    "ModelDeployment": "chart",
    "ModelRoute": "gateway",
    "ModelServer": "model_server",
    "NetworkPolicyConfig": "settings",
    "ObservabilityConfig": "settings",
    "PhoenixConfig": "settings",
    "PrometheusAuth": "settings",
    "PrometheusConfig": "settings",
    "PrometheusTls": "settings",
    "PropError": "errors",
    "RateLimitConfig": "settings",
    "ResourceList": "settings",
    "Resources": "settings",
    "RuntimeConfig": "settings",
    "StackConfig": "settings",
    "StandaloneGateway": "standalone_gateway",
    "StandaloneGatewayConfig": "settings",
    "StandaloneModel": "standalone_gateway",
    "StackValidationError": "validation",
    "Toleration": "settings",
    "SettingsError": "errors",
    "ValuesError": "errors",
    "desired_replicas": "autoscaler",
    "load_values": "values_loader",
    "manifests": "synth",
    "stack_config_from_mapping": "values_loader",
    "synthesize": "synth",
    "vllm_args": "model_server",
    "waiting_requests_query": "autoscaler",
}

__all__ = [
    "INHERIT",
    "AiGateway",
    "ApiKeys",
    "ApiKeysConfig",
    "Autoscaler",
    "AutoscalingConfig",
    "ExternalSecretConfig",
    "GatewayConfig",
    "GatewayModel",
    "GatewayServiceConfig",
    "GatewayTracing",
    "LlmInferenceStack",
    "ManifestError",
    "ModelConfig",
    "ModelDeployment",
    "ModelRoute",
    "ModelServer",
    "MonitoredModel",
    "NetworkPolicyConfig",
    "ObservabilityConfig",
    "PhoenixConfig",
    "PrometheusAuth",
    "PrometheusConfig",
    "PrometheusTls",
    "PropError",
    "RateLimitConfig",
    "ResourceList",
    "Resources",
    "RuntimeConfig",
    "SettingsError",
    "SloConfig",
    "StackAlerts",
    "StackConfig",
    "StackDashboard",
    "StackValidationError",
    "StandaloneGateway",
    "StandaloneGatewayConfig",
    "StandaloneModel",
    "Toleration",
    "ValuesError",
    "dashboard",
    "desired_replicas",
    "load_values",
    "manifests",
    "stack_config_from_mapping",
    "synthesize",
    "vllm_args",
    "waiting_requests_query",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with collection_paused():  # see _import_gc
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from .api_keys import ApiKeys
    from .autoscaler import Autoscaler, desired_replicas, waiting_requests_query
    from .chart import LlmInferenceStack, ModelDeployment
    from .errors import ManifestError, PropError, SettingsError, ValuesError
    from .gateway import AiGateway, GatewayModel, ModelRoute
    from .model_server import ModelServer, vllm_args
    from .monitoring.rules import StackAlerts
    from .monitoring.series import MonitoredModel
    from .monitoring.stack_dashboard import StackDashboard, dashboard
    from .observability import GatewayTracing
    from .settings import (
        INHERIT,
        ApiKeysConfig,
        AutoscalingConfig,
        ExternalSecretConfig,
        GatewayConfig,
        GatewayServiceConfig,
        ModelConfig,
        NetworkPolicyConfig,
        ObservabilityConfig,
        PhoenixConfig,
        PrometheusAuth,
        PrometheusConfig,
        PrometheusTls,
        RateLimitConfig,
        ResourceList,
        Resources,
        RuntimeConfig,
        SloConfig,
        StackConfig,
        StandaloneGatewayConfig,
        Toleration,
    )
    from .standalone_gateway import StandaloneGateway, StandaloneModel
    from .synth import manifests, synthesize
    from .validation import StackValidationError
    from .values_loader import load_values, stack_config_from_mapping
