"""Envoy Gateway: its controller name, the labels it puts on what it creates, its install, and its CRDs' limits.

For the Envoy Gateway release in :data:`..pins.ENVOY_GATEWAY_VERSION`.
"""

from __future__ import annotations

GROUP = "gateway.envoyproxy.io"
"""API group of Backend, EnvoyProxy and the traffic and security policies."""
API_VERSION = f"{GROUP}/v1alpha1"
"""``apiVersion`` of the kinds below."""
BACKEND = "Backend"
BACKEND_TRAFFIC_POLICY = "BackendTrafficPolicy"
CLIENT_TRAFFIC_POLICY = "ClientTrafficPolicy"
ENVOY_PROXY = "EnvoyProxy"
SECURITY_POLICY = "SecurityPolicy"
CONTROLLER_NAME = "gateway.envoyproxy.io/gatewayclass-controller"
"""``controllerName`` a GatewayClass names to be served by Envoy Gateway."""
OWNING_GATEWAY_LABEL = "gateway.envoyproxy.io/owning-gateway-name"
"""Label Envoy Gateway puts on the Envoy pods (and Deployment) of a Gateway: the Gateway's name."""
OWNING_GATEWAY_NAMESPACE_LABEL = "gateway.envoyproxy.io/owning-gateway-namespace"
"""Its companion: the Gateway's namespace."""

NAMESPACE = "envoy-gateway-system"
"""Namespace of the controller (its Helm chart's default)."""
SERVICE_NAME = "envoy-gateway"
"""The controller's Service: the xDS address in the bootstraps Envoy Gateway writes."""
RATE_LIMIT_NAME = "envoy-ratelimit"
"""Deployment and Service of the global rate-limit service Envoy Gateway creates in :data:`NAMESPACE`."""

MAX_RATE_LIMIT_RULES = 256
"""BackendTrafficPolicy ``spec.rateLimit.global.rules`` has ``maxItems: 256``."""
MAX_CEL_LENGTH = 4096
"""SecurityPolicy ``spec.authorization.rules[].cel`` has ``maxLength: 4096``."""

XDS_PORTS = (18000, 18001)
"""Ports of the controller's xDS servers (in :data:`NAMESPACE`): the Envoy proxies' configuration (18000) and the
rate-limit service's (18001)."""
RATE_LIMIT_PORT = 8081
"""gRPC port of the rate-limit service (:data:`RATE_LIMIT_NAME`), which Envoy asks about each limited request."""
PROXY_METRICS_PORT = 19001
"""Port of the Envoy proxies' Prometheus endpoint (``/stats/prometheus``)."""
MIN_EPHEMERAL_PORT = 1024
WELL_KNOWN_PORT_SHIFT = 10000
"""A listener on a privileged port (below :data:`MIN_EPHEMERAL_PORT`) listens in the Envoy container on the port
plus this shift (no ``NET_BIND_SERVICE`` capability needed); the Service maps the listener port to it."""


def container_port(listener_port: int) -> int:
    """The port the Envoy container listens on for a Gateway listener on ``listener_port``."""
    return listener_port + WELL_KNOWN_PORT_SHIFT if listener_port < MIN_EPHEMERAL_PORT else listener_port


def duration(milliseconds: int) -> str:
    """``milliseconds`` as Envoy Gateway's duration (``^([0-9]{1,5}(h|m|s|ms)){1,4}$``: no fractions), e.g.
    ``100ms``, ``1s``, ``2s500ms``."""
    seconds, rest = divmod(milliseconds, 1000)
    return "".join(part for part in (f"{seconds}s" if seconds else "", f"{rest}ms" if rest else "") if part) or "0s"
