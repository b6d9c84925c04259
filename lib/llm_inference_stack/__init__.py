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
    "ArgoCdConfig": "settings",
    "Autoscaler": "autoscaler",
    "AutoscalingConfig": "settings",
    "ExternalSecretConfig": "settings",
    "GatewayConfig": "settings",
    "GatewayModel": "gateway",
    "GatewayTenant": "gateway",
    "GatewayServiceConfig": "settings",
    "GatewayTracing": "observability",
    "GitOpsConfig": "settings",
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
    "ResilienceConfig": "settings",
    "ResourceList": "settings",
    "Resources": "settings",
    "RuntimeConfig": "settings",
    "RoutingConfig": "settings",
    "FlowControl": "settings",
    "ScorerWeights": "settings",
    "InferenceRouting": "inference_routing",
    "StackConfig": "settings",
    "StandaloneGateway": "standalone_gateway",
    "StandaloneGatewayConfig": "settings",
    "StandaloneModel": "standalone_gateway",
    "TenantBudgets": "settings",
    "TenantConfig": "settings",
    "TenantModelBudget": "settings",
    "StackValidationError": "validation",
    "Toleration": "settings",
    "SettingsError": "errors",
    "ValuesError": "errors",
    "add_sync_waves": "sync_waves",
    "desired_replicas": "autoscaler",
    "load_values": "values_loader",
    "manifests": "synth",
    "stack_config_from_mapping": "values_loader",
    "synthesize": "synth",
    "synthesize_stream": "synth",
    "vllm_args": "model_server",
    "waiting_requests_query": "autoscaler",
}
"""Every public name -> the module that defines it, imported on first use."""

__all__ = sorted(_EXPORTS)
"""The public names: the keys of ``_EXPORTS``, the one list of them (the ``TYPE_CHECKING`` imports below are for
type checkers only, and a test keeps them equal)."""


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
    # For type checkers, which cannot follow __getattr__: each public name, re-exported by its alias.
    from .api_keys import ApiKeys as ApiKeys
    from .autoscaler import Autoscaler as Autoscaler
    from .autoscaler import desired_replicas as desired_replicas
    from .autoscaler import waiting_requests_query as waiting_requests_query
    from .chart import LlmInferenceStack as LlmInferenceStack
    from .chart import ModelDeployment as ModelDeployment
    from .errors import ManifestError as ManifestError
    from .errors import PropError as PropError
    from .errors import SettingsError as SettingsError
    from .errors import ValuesError as ValuesError
    from .gateway import AiGateway as AiGateway
    from .gateway import GatewayModel as GatewayModel
    from .gateway import GatewayTenant as GatewayTenant
    from .gateway import ModelRoute as ModelRoute
    from .inference_routing import InferenceRouting as InferenceRouting
    from .model_server import ModelServer as ModelServer
    from .model_server import vllm_args as vllm_args
    from .monitoring.rules import StackAlerts as StackAlerts
    from .monitoring.series import MonitoredModel as MonitoredModel
    from .monitoring.stack_dashboard import StackDashboard as StackDashboard
    from .monitoring.stack_dashboard import dashboard as dashboard
    from .observability import GatewayTracing as GatewayTracing
    from .settings import INHERIT as INHERIT
    from .settings import ApiKeysConfig as ApiKeysConfig
    from .settings import ArgoCdConfig as ArgoCdConfig
    from .settings import AutoscalingConfig as AutoscalingConfig
    from .settings import ExternalSecretConfig as ExternalSecretConfig
    from .settings import FlowControl as FlowControl
    from .settings import GatewayConfig as GatewayConfig
    from .settings import GatewayServiceConfig as GatewayServiceConfig
    from .settings import GitOpsConfig as GitOpsConfig
    from .settings import ModelConfig as ModelConfig
    from .settings import NetworkPolicyConfig as NetworkPolicyConfig
    from .settings import ObservabilityConfig as ObservabilityConfig
    from .settings import PhoenixConfig as PhoenixConfig
    from .settings import PrometheusAuth as PrometheusAuth
    from .settings import PrometheusConfig as PrometheusConfig
    from .settings import PrometheusTls as PrometheusTls
    from .settings import RateLimitConfig as RateLimitConfig
    from .settings import ResilienceConfig as ResilienceConfig
    from .settings import ResourceList as ResourceList
    from .settings import Resources as Resources
    from .settings import RoutingConfig as RoutingConfig
    from .settings import RuntimeConfig as RuntimeConfig
    from .settings import ScorerWeights as ScorerWeights
    from .settings import SloConfig as SloConfig
    from .settings import StackConfig as StackConfig
    from .settings import StandaloneGatewayConfig as StandaloneGatewayConfig
    from .settings import TenantBudgets as TenantBudgets
    from .settings import TenantConfig as TenantConfig
    from .settings import TenantModelBudget as TenantModelBudget
    from .settings import Toleration as Toleration
    from .standalone_gateway import StandaloneGateway as StandaloneGateway
    from .standalone_gateway import StandaloneModel as StandaloneModel
    from .sync_waves import add_sync_waves as add_sync_waves
    from .synth import manifests as manifests
    from .synth import synthesize as synthesize
    from .synth import synthesize_stream as synthesize_stream
    from .validation import StackValidationError as StackValidationError
    from .values_loader import load_values as load_values
    from .values_loader import stack_config_from_mapping as stack_config_from_mapping
