"""llm-inference-stack: an LLM behind a production gateway on Kubernetes, as cdk8s constructs.

A KServe InferenceService running vLLM on GPUs, KEDA scaling it on queued requests, Envoy AI Gateway
in front (API keys, token rate limits), API keys from a Secret or External Secrets, traces to Phoenix.
"""

from ._node import use_bundled_node

use_bundled_node()

from ._import_gc import collection_paused

with collection_paused():  # see _import_gc
    from .api_keys import ApiKeys
    from .autoscaler import Autoscaler, desired_replicas, waiting_requests_query
    from .chart import LlmInferenceStack, ModelDeployment
    from .config import (
        ApiKeysConfig,
        AutoscalingConfig,
        ExternalSecretConfig,
        GatewayConfig,
        ModelConfig,
        NetworkPolicyConfig,
        ObservabilityConfig,
        PhoenixConfig,
        PrometheusAuth,
        PrometheusConfig,
        RateLimitConfig,
        ResourceList,
        Resources,
        RuntimeConfig,
        StackConfig,
        Toleration,
        load_values,
        stack_config_from_mapping,
    )
    from .errors import ManifestError, ValuesError
    from .gateway import AiGateway, ModelRoute
    from .model_server import ModelServer, vllm_args
    from .observability import GatewayTracing
    from .synth import manifests, synthesize

__all__ = [
    "AiGateway",
    "ApiKeys",
    "ApiKeysConfig",
    "Autoscaler",
    "AutoscalingConfig",
    "ExternalSecretConfig",
    "GatewayConfig",
    "GatewayTracing",
    "LlmInferenceStack",
    "ManifestError",
    "ModelConfig",
    "ModelDeployment",
    "ModelRoute",
    "ModelServer",
    "NetworkPolicyConfig",
    "ObservabilityConfig",
    "PhoenixConfig",
    "PrometheusAuth",
    "PrometheusConfig",
    "RateLimitConfig",
    "ResourceList",
    "Resources",
    "RuntimeConfig",
    "StackConfig",
    "Toleration",
    "ValuesError",
    "desired_replicas",
    "load_values",
    "manifests",
    "stack_config_from_mapping",
    "synthesize",
    "vllm_args",
    "waiting_requests_query",
]
