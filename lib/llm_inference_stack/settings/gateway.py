"""Settings of the gateway: its mode, Service, token limits, the standalone Envoy, and the API keys."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from ..errors import SettingsError
from ..pins import ENVOY_IMAGE
from ..quantity import BUFFER_LIMIT_FIX, buffer_limit_bytes
from ._checks import (
    check_cidr,
    check_controller_keys,
    check_dns_label,
    check_image,
    check_label_map,
    client_id_header_problem,
    go_duration_problem,
    require,
)
from .inherit import Settings, inherit_defaults
from .typed import Typed

TOKEN_UNITS = (
    ("tokens_per_second", "Second"),
    ("tokens_per_minute", "Minute"),
    ("tokens_per_hour", "Hour"),
    ("tokens_per_day", "Day"),
    ("tokens_per_month", "Month"),
)
"""Each budget field and its unit in Envoy Gateway's spelling (``BackendTrafficPolicy`` ``limit.unit``; v1.9 also
has Week and Year, which the stack does not offer), shortest window first."""
MAX_TOKENS_PER_UNIT = 4_294_967_295
"""Envoy Gateway keeps ``limit.requests`` as a uint32."""
MODELS_PER_ROUTE = 12
"""Models the stack plans per AIGatewayRoute: ``ceil(models / 12)`` routes, leaving room below the 15 rules a route
holds for hash imbalance (``routes.route_buckets``)."""


@dataclass(frozen=True, kw_only=True)
class RateLimitConfig(Settings):
    """A token budget, charged from the ``usage`` the model reports (total tokens), in one or more windows: the
    gateway's and a model's ``rateLimit`` are per client **per model** (each client has its own budget on each
    model); a tenant's budgets say themselves whom they count (``TenantBudgets``). Each window is Envoy's
    rate-limit window: a fixed calendar second, minute, hour, day or month, not a sliding one."""

    tokens_per_minute: int | None = None
    """Total tokens per minute. Default: no per-minute limit."""
    tokens_per_second: int | None = None
    """Total tokens per second. Default: no per-second limit."""
    tokens_per_hour: int | None = None
    """Total tokens per hour. Default: no per-hour limit."""
    tokens_per_day: int | None = None
    """Total tokens per day. Default: no per-day limit."""
    tokens_per_month: int | None = None
    """Total tokens per calendar month. Default: no per-month limit."""

    def __post_init__(self) -> None:
        for name, _unit in TOKEN_UNITS:
            value = getattr(self, name)
            require(
                value is None or 1 <= value <= MAX_TOKENS_PER_UNIT,
                name,
                value,
                f"use a positive integer number of tokens (at most {MAX_TOKENS_PER_UNIT}, Envoy Gateway's uint32), "
                "or null",
            )
        require(
            any(getattr(self, name) is not None for name, _unit in TOKEN_UNITS),
            "tokens_per_minute",
            None,
            lambda n: (
                f"set {n('tokens_per_second')}, {n('tokens_per_minute')}, {n('tokens_per_hour')}, "
                f"{n('tokens_per_day')} and/or {n('tokens_per_month')}, or set the block to null for no budget"
            ),
        )

    def limits(self) -> list[tuple[str, int]]:
        """The limits as ``(unit, tokens)`` pairs, unit in Envoy Gateway's spelling, shortest window first."""
        return [(unit, getattr(self, name)) for name, unit in TOKEN_UNITS if getattr(self, name) is not None]


@dataclass(frozen=True, kw_only=True)
class ExternalSecretConfig(Typed):
    """Sync the API keys from a secret store (e.g. Vault) with External Secrets Operator."""

    store_name: str
    """Name of the SecretStore or ClusterSecretStore."""
    remote_key: str
    """Path of the secret in the store; each of its properties becomes one client id -> API key entry."""
    store_kind: Literal["SecretStore", "ClusterSecretStore"] = "ClusterSecretStore"
    """Kind of the store. Default: ClusterSecretStore."""
    refresh_interval: str = "1h"
    """How often ESO re-reads the store (a Go duration). Default: 1h."""

    def __post_init__(self) -> None:
        check_dns_label("store_name", self.store_name, 253)
        require(bool(self.remote_key.strip()), "remote_key", self.remote_key, "use the path of the secret in the store")
        duration_problem = go_duration_problem(self.refresh_interval)
        if duration_problem is not None:
            raise SettingsError("refresh_interval", self.refresh_interval, duration_problem)


@dataclass(frozen=True, kw_only=True)
class ApiKeysConfig(Typed):
    """Where the gateway's API keys come from: a Secret with one entry per client (client id -> key)."""

    secret_name: str = "ai-gateway-api-keys"
    """Name of the keys Secret. Default: ai-gateway-api-keys."""
    existing_secret: bool = True
    """The Secret already exists (created out of band; nothing secret is emitted). Default: true."""
    dummy_key: str | None = None
    """For testing only: with ``existingSecret: false``, emit a Secret holding this key (with a loud warning).
    Default: none."""
    dummy_client_id: str = "test-client"
    """Client id of the dummy key. Default: test-client."""
    external_secret: ExternalSecretConfig | None = None
    """Create the Secret with an ExternalSecret (e.g. from Vault) instead. Default: none."""

    def __post_init__(self) -> None:
        check_dns_label("secret_name", self.secret_name, 253)
        check_dns_label("dummy_client_id", self.dummy_client_id, 253)
        if self.external_secret is not None:
            require(
                self.dummy_key is None,
                "dummy_key",
                "(set)",
                lambda n: f"remove {n('dummy_key')}: the keys come from {n('external_secret')}",
            )
        elif self.existing_secret:
            require(
                self.dummy_key is None,
                "dummy_key",
                "(set)",
                lambda n: (
                    f"remove {n('dummy_key')}, or set {n('existing_secret')}: false to have the stack create a test "
                    "Secret with it"
                ),
            )
        else:
            require(
                self.dummy_key is None
                or not any(c.isspace() or unicodedata.category(c) == "Cc" for c in self.dummy_key),
                "dummy_key",
                "(a key with whitespace or control characters)",
                "remove the spaces and newlines: clients send the key as written after 'Bearer ', so a key with "
                "whitespace in it never matches",
            )
            require(
                self.dummy_key is None or self.dummy_key.isascii(),
                "dummy_key",
                "(a key with non-ASCII characters)",
                "use printable ASCII only: HTTP header values are ASCII, so clients and Envoy may encode other "
                "characters differently and the key would not match",
            )
            require(
                self.dummy_key is not None and len(self.dummy_key) >= 16,
                "dummy_key",
                None if self.dummy_key is None else "(a key shorter than 16 characters)",
                lambda n: (
                    f"with {n('existing_secret')}: false, set {n('dummy_key')} (at least 16 characters; testing "
                    f"only), or configure {n('external_secret')}, or set {n('existing_secret')}: true"
                ),
            )

    @property
    def source(self) -> Literal["existing", "external", "dummy"]:
        if self.external_secret is not None:
            return "external"
        return "existing" if self.existing_secret else "dummy"


@dataclass(frozen=True, kw_only=True)
class StandaloneGatewayConfig(Typed):
    """Settings of ``gateway.mode: standalone`` (a plain Envoy Deployment instead of Envoy AI Gateway)."""

    image: str = ENVOY_IMAGE
    """Envoy image (it also runs the API-key renderer), pinned by tag or digest. Default: envoyproxy/envoy:v1.40.0."""
    requests_per_minute: int | None = 60
    """Requests one client may send per minute to one model, per Envoy replica, for models that have a
    ``rateLimit``. This mode cannot charge tokens: the token limits of ``rateLimit`` are not enforced here.
    Null turns the limit off. Default: 60."""

    def __post_init__(self) -> None:
        check_image("image", self.image)
        require(
            self.requests_per_minute is None or 1 <= self.requests_per_minute <= 1_000_000,
            "requests_per_minute",
            self.requests_per_minute,
            "use a number of requests from 1 to 1000000, or null to turn the limit off",
        )


ServiceType = Literal["ClusterIP", "LoadBalancer", "NodePort"]
TrafficPolicy = Literal["Cluster", "Local"]


@dataclass(frozen=True, kw_only=True)
class GatewayServiceConfig(Typed):
    """How the gateway Service ``<release>-ai-gateway`` is exposed (the same in both gateway modes)."""

    type: ServiceType = "ClusterIP"
    """``ClusterIP`` (reachable inside the cluster only), ``LoadBalancer`` (a cloud load balancer) or ``NodePort``;
    the same in both gateway modes (in the default mode through the EnvoyProxy's ``envoyService``).
    Default: ClusterIP."""
    annotations: Mapping[str, str] = field(default_factory=dict)
    """Annotations on the Service, e.g. the cloud load balancer's settings
    (``service.beta.kubernetes.io/aws-load-balancer-scheme: internal``); keys are qualified names; a key also in
    ``commonAnnotations`` must have the same value. Default: none."""
    load_balancer_source_ranges: tuple[str, ...] = ()
    """Client networks the load balancer admits, in CIDR notation with no host bits (``203.0.113.0/24``,
    ``2001:db8::/32``); only with ``type: LoadBalancer``. Default: none (the load balancer admits every source;
    API keys still guard every route)."""
    external_traffic_policy: TrafficPolicy | None = None
    """``Cluster`` (spread over every Envoy pod) or ``Local`` (only pods on the receiving node; keeps the client's
    source address); only with ``LoadBalancer`` or ``NodePort``, and then always written out, because Envoy
    Gateway's own default (``Local``) differs from Kubernetes' (``Cluster``). Default: null, which is ``Cluster``
    for those types in both modes."""

    def __post_init__(self) -> None:
        require(self.type in get_args(ServiceType), "type", self.type, "use ClusterIP, LoadBalancer or NodePort")
        check_label_map("annotations", self.annotations, label_values=False)
        check_controller_keys("annotations", self.annotations)
        for index, cidr in enumerate(self.load_balancer_source_ranges):
            problem = check_cidr(cidr)
            if problem is not None:
                raise SettingsError(f"load_balancer_source_ranges[{index}]", cidr, problem)
        if self.load_balancer_source_ranges:
            require(
                self.type == "LoadBalancer",
                "load_balancer_source_ranges",
                list(self.load_balancer_source_ranges),
                lambda n: (
                    f"source ranges apply only to a LoadBalancer (type is {self.type}): set type: LoadBalancer or "
                    f"remove {n('load_balancer_source_ranges')}"
                ),
            )
        if self.external_traffic_policy is not None:
            require(
                self.external_traffic_policy in get_args(TrafficPolicy),
                "external_traffic_policy",
                self.external_traffic_policy,
                "use Cluster or Local",
            )
            require(
                self.type != "ClusterIP",
                "external_traffic_policy",
                self.external_traffic_policy,
                lambda n: (
                    "a ClusterIP Service has no external traffic: set type: LoadBalancer or NodePort, or remove "
                    f"{n('external_traffic_policy')}"
                ),
            )

    @property
    def traffic_policy(self) -> TrafficPolicy | None:
        """The Service's ``externalTrafficPolicy``: None for ClusterIP, else the configured one or ``Cluster``."""
        if self.type == "ClusterIP":
            return None
        return self.external_traffic_policy or "Cluster"


STANDALONE_ADMIN_PORT = 9901
"""Port of Envoy's admin interface in standalone mode (bound to loopback in the pod); the gateway's port must
differ."""


ENVOY_GATEWAY_PROXY_PORTS = {19000: "admin", 19001: "stats", 19002: "shutdown manager", 19003: "readiness"}
"""Ports Envoy Gateway (v1.9) gives the Envoy pods it runs (internal/xds/bootstrap and the shutdown manager): a
listener of the gateway on one of them cannot bind."""


@dataclass(frozen=True, kw_only=True)
class GatewayConfig(Typed):
    """The gateway in front of the models."""

    mode: Literal["ai-gateway", "standalone"] = "ai-gateway"
    """``ai-gateway``: Envoy AI Gateway resources; ``standalone``: a plain Envoy Deployment (no Envoy Gateway
    controller needed). Default: ai-gateway."""
    port: int = 8080
    """Port of the gateway Service ``<release>-ai-gateway``. Default: 8080."""
    replicas: int = 2
    """Envoy replicas. Default: 2."""
    rate_limit: RateLimitConfig | None = RateLimitConfig(tokens_per_minute=100_000)
    """Token budget **per client per model** (each client has its own budget on each model): ``tokensPerMinute``
    and/or ``tokensPerSecond``; a given block keeps the default's fields it does not set (in a values file merged key
    by key over the default; in Python ``RateLimitConfig(tokens_per_second=50)`` also keeps 100000 tokens per minute;
    set one to null / ``None`` to drop it); null turns limits off. Default: 100000 tokens per minute."""
    request_timeout_seconds: int = 600
    """Time allowed for one request, generation included. Default: 600."""
    buffer_limit: str = "16Mi"
    """Largest request body the gateway buffers (Envoy's 32 KiB default is too small for prompts): whole bytes
    with an optional suffix, at most 4294967295 bytes (Envoy Gateway keeps it as a uint32). Default: 16Mi."""
    client_id_header: str = "x-client-id"
    """Header carrying the authenticated client id to the rate limiter and the model. Default: x-client-id."""
    gateway_class_name: str | None = None
    """An existing GatewayClass to use; null creates one named ``<release>-ai-gateway``. Default: null."""
    service: GatewayServiceConfig = GatewayServiceConfig()
    """How the Service ``<release>-ai-gateway`` is exposed. Default: ClusterIP, see ``GatewayServiceConfig``."""
    standalone: StandaloneGatewayConfig = StandaloneGatewayConfig()
    """Settings used when ``mode`` is ``standalone``. Default: see ``StandaloneGatewayConfig``."""

    def __post_init__(self) -> None:
        inherit_defaults(self, "rate_limit")
        require(1 <= self.port <= 65535 and self.port not in (10000,), "port", self.port, "use a TCP port 1..65535")
        if self.mode == "ai-gateway":
            require(
                self.port not in ENVOY_GATEWAY_PROXY_PORTS,
                "port",
                self.port,
                f"use another port: Envoy Gateway's Envoy pods listen on {self.port} themselves "
                f"({ENVOY_GATEWAY_PROXY_PORTS.get(self.port)}; 19000 to 19003 are taken)",
            )
        if self.mode == "standalone":
            require(
                self.port != STANDALONE_ADMIN_PORT,
                "port",
                self.port,
                f"use another port: {STANDALONE_ADMIN_PORT} is Envoy's admin port in standalone mode",
            )
        require(1 <= self.replicas <= 100, "replicas", self.replicas, "use 1 to 100")
        require(
            10 <= self.request_timeout_seconds <= 86400,
            "request_timeout_seconds",
            self.request_timeout_seconds,
            "use a number of seconds from 10 to 86400",
        )
        require(buffer_limit_bytes(self.buffer_limit) is not None, "buffer_limit", self.buffer_limit, BUFFER_LIMIT_FIX)
        header_problem = client_id_header_problem(self.client_id_header)
        if header_problem is not None:
            raise SettingsError("client_id_header", self.client_id_header, header_problem)
        if self.gateway_class_name is not None:
            check_dns_label("gateway_class_name", self.gateway_class_name, 253)

    @property
    def buffer_limit_bytes(self) -> int:
        """``buffer_limit`` in bytes (``16Mi`` -> 16777216), as ``quantity.buffer_limit_bytes`` reads it."""
        number = buffer_limit_bytes(self.buffer_limit)
        assert number is not None  # checked in __post_init__
        return number
