"""Envoy Gateway: its controller name, the labels it puts on what it creates, its install, and its CRDs' limits.

For the Envoy Gateway release in :data:`..pins.ENVOY_GATEWAY_VERSION`.
"""

from __future__ import annotations

GROUP = "gateway.envoyproxy.io"
"""API group of Backend, EnvoyProxy and the traffic and security policies."""
API_VERSION = f"{GROUP}/v1alpha1"
CONTROLLER_NAME = "gateway.envoyproxy.io/gatewayclass-controller"
"""``controllerName`` a GatewayClass names to be served by Envoy Gateway."""
OWNING_GATEWAY_LABEL = "gateway.envoyproxy.io/owning-gateway-name"
"""Label Envoy Gateway puts on the Envoy pods (and Deployment) of a Gateway: the Gateway's name."""

NAMESPACE = "envoy-gateway-system"
"""Namespace of the controller (its Helm chart's default)."""
SERVICE_NAME = "envoy-gateway"
"""The controller's Service: the xDS address in the bootstraps Envoy Gateway writes."""
RATE_LIMIT_NAME = "envoy-ratelimit"
"""Deployment and Service of the global rate-limit service Envoy Gateway creates in :data:`NAMESPACE`."""

MAX_RATE_LIMIT_RULES = 256
"""BackendTrafficPolicy ``spec.rateLimit.global.rules`` has ``maxItems: 256``."""
