"""Envoy AI Gateway: the header, metadata and limits its controller and external processor work with.

For the AI Gateway release in :data:`..pins.AI_GATEWAY_VERSION` (CRDs) and
:data:`..pins.AI_GATEWAY_CONTROLLER_VERSION` (controller and external processor).
"""

from __future__ import annotations

API_VERSION = "aigateway.envoyproxy.io/v1beta1"
"""``apiVersion`` of AIGatewayRoute, AIServiceBackend and GatewayConfig."""
AI_GATEWAY_ROUTE = "AIGatewayRoute"
AI_SERVICE_BACKEND = "AIServiceBackend"
GATEWAY_CONFIG = "GatewayConfig"
NAMESPACE = "envoy-ai-gateway-system"
"""Namespace of the controller (its Helm chart's default)."""

OPENAI_SCHEMA = "OpenAI"
"""An AIServiceBackend's ``spec.schema.name`` for an OpenAI-compatible API (vLLM's)."""

MODEL_HEADER = "x-ai-eg-model"
"""Header the external processor sets from the request body's ``model``; AIGatewayRoute rules match on it."""
METADATA_NAMESPACE = "io.envoy.ai_gateway"
"""Dynamic-metadata namespace the external processor writes each ``llmRequestCosts`` ``metadataKey`` under; a
rate limit reads it as ``%DYNAMIC_METADATA(io.envoy.ai_gateway:<key>)%``."""
INPUT_TOKEN_KEY = "llm_input_token"
OUTPUT_TOKEN_KEY = "llm_output_token"
TOTAL_TOKEN_KEY = "llm_total_token"
"""``llmRequestCosts`` metadata keys of the input, output and total token counts, as the AI Gateway's
documentation names them."""

GATEWAY_CONFIG_ANNOTATION = "aigateway.envoyproxy.io/gateway-config"
"""Annotation on a Gateway naming its GatewayConfig (the external processor's settings, e.g. tracing)."""
MAX_RULES_PER_ROUTE = 15
"""AIGatewayRoute ``spec.rules`` has ``maxItems: 15``."""
EXTPROC_CONTAINER = "ai-gateway-extproc"
"""Name of the external-processor sidecar the controller's pod mutator adds to the Envoy pods."""
EXTPROC_METRICS_PORT = 1064
"""Port of the external processor's Prometheus endpoint (the ``gen_ai_*`` metrics) in the Envoy pods."""

ENDPOINT_PICKER_MESSAGE_TIMEOUT_SECONDS = 300
"""The ``message_timeout`` the AI Gateway's extension server gives the ``ext_proc`` filter to an InferencePool's
endpoint picker (``internal/extensionserver/inferencepool.go``): Envoy waits at most this long for the picker's
answer, so a request the picker holds longer fails."""
