"""The Kubernetes Gateway API (the release Envoy Gateway's chart bundles, :data:`..pins.GATEWAY_API_VERSION`)."""

from __future__ import annotations

GROUP = "gateway.networking.k8s.io"
"""API group of GatewayClass, Gateway and HTTPRoute (``targetRefs[].group``, ``parentRefs[].group``)."""
API_VERSION = f"{GROUP}/v1"
"""``apiVersion`` of GatewayClass, Gateway and HTTPRoute."""
GATEWAY_CLASS = "GatewayClass"
GATEWAY = "Gateway"
HTTP_ROUTE = "HTTPRoute"
