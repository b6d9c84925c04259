"""The settings types: frozen dataclasses users construct (or the values loader builds), one module per part
of the stack. Each checks its own fields in ``__post_init__`` and names a bad one by its Python field name
(``SettingsError``); ``values_loader`` respells the path as the values file does.
"""

from __future__ import annotations

from ._checks import check_cidr, check_image
from .gateway import (
    ApiKeysConfig,
    ExternalSecretConfig,
    GatewayConfig,
    GatewayServiceConfig,
    RateLimitConfig,
    ResilienceConfig,
    ServiceType,
    StandaloneGatewayConfig,
    TrafficPolicy,
)
from .gitops import ArgoCdConfig, GitOpsConfig
from .model import (
    DEFAULT_LIMITS,
    DEFAULT_REQUESTS,
    DEFAULT_VLLM_IMAGE,
    GENERATED_VLLM_FLAGS,
    GPU_TOLERATION,
    INHERIT,
    STORAGE_SCHEMES,
    EnvFromSecret,
    EnvValue,
    Inherit,
    ModelConfig,
    ResourceList,
    Resources,
    RuntimeConfig,
    SecretKeyRef,
    Toleration,
    generated_flag_owner,
)
from .observability import ObservabilityConfig, PhoenixConfig, SloConfig
from .routing import FlowControl, RoutingConfig, RoutingMode, ScorerWeights
from .scaling import AutoscalingConfig, PrometheusAuth, PrometheusConfig, PrometheusTls
from .stack import RESERVED_ANNOTATIONS, RESERVED_LABELS, NetworkPolicyConfig, StackConfig
from .tenants import TenantBudgets, TenantConfig, TenantModelBudget

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_REQUESTS",
    "DEFAULT_VLLM_IMAGE",
    "GENERATED_VLLM_FLAGS",
    "GPU_TOLERATION",
    "INHERIT",
    "RESERVED_ANNOTATIONS",
    "RESERVED_LABELS",
    "STORAGE_SCHEMES",
    "ApiKeysConfig",
    "ArgoCdConfig",
    "AutoscalingConfig",
    "EnvFromSecret",
    "EnvValue",
    "ExternalSecretConfig",
    "FlowControl",
    "GatewayConfig",
    "GatewayServiceConfig",
    "GitOpsConfig",
    "Inherit",
    "ModelConfig",
    "NetworkPolicyConfig",
    "ObservabilityConfig",
    "PhoenixConfig",
    "PrometheusAuth",
    "PrometheusConfig",
    "PrometheusTls",
    "RateLimitConfig",
    "ResilienceConfig",
    "ResourceList",
    "Resources",
    "RoutingConfig",
    "RoutingMode",
    "RuntimeConfig",
    "ScorerWeights",
    "SecretKeyRef",
    "ServiceType",
    "SloConfig",
    "StackConfig",
    "StandaloneGatewayConfig",
    "TenantBudgets",
    "TenantConfig",
    "TenantModelBudget",
    "Toleration",
    "TrafficPolicy",
    "check_cidr",
    "check_image",
    "generated_flag_owner",
]
