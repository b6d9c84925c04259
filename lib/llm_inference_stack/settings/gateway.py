"""Settings of the gateway: its mode, Service, token limits, resilience to model-server failures, the standalone
Envoy, and the API keys."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from ..errors import SettingsError
from ..facts import vllm
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


RETRY_ON = ("connect-failure", "reset", "refused-stream", "retriable-status-codes")
"""Envoy's retry conditions for a model backend, the same words in Envoy Gateway's ``retryOn.triggers`` and Envoy's
``retry_on``: no connection, a reset or a closed connection before the response starts (``reset`` includes
``reset-before-request``), an HTTP/2 ``REFUSED_STREAM``, and the :data:`RETRY_STATUS_CODES`. Not ``unavailable``:
that is gRPC's status 14, which vLLM never sends; its HTTP 503 is a retriable status code."""
RETRY_STATUS_CODES = (503,)
"""HTTP statuses retried: 503 (unavailable), what a starting, draining or overloaded server answers before it has
generated anything."""


@dataclass(frozen=True, kw_only=True)
class ResilienceConfig(Typed):
    """How the gateway handles a model server that fails or closes connections: retries, outlier detection (passive
    health checks) and the idle timeout of its connections to vLLM; the same in both gateway modes, on every model.

    Envoy retries only before the response starts: once vLLM has sent the response headers (a streamed generation's
    first bytes) the request is never replayed, the client sees the failure. A non-streamed generation sends its
    headers when it is done, so a connection reset mid-generation (a Pod killed) runs it again from the start. All
    attempts share ``requestTimeoutSeconds``: there is no per-attempt timeout, which would cut a long generation.
    """

    retries: int = 2
    """Attempts after the first, on a connection failure, a reset or a closed connection before the response
    starts, a refused HTTP/2 stream, or a 503 from the model server. 0 turns retries off. Default: 2."""
    retry_base_interval_ms: int = 100
    """Back-off before the first retry, in milliseconds; Envoy waits a random time up to this, doubling it on each
    further retry up to ``retryMaxIntervalMs``. Default: 100."""
    retry_max_interval_ms: int = 1000
    """Longest back-off between two attempts, in milliseconds; at least ``retryBaseIntervalMs``. Default: 1000."""
    consecutive_5xx_errors: int | None = 3
    """Outlier detection: 5xx answers (a connection failure or reset counts as one) in a row after which Envoy
    ejects the model server's address from the model's load balancing for a while. Behind the predictor Service that
    address is the Service's one ClusterIP, and Envoy's panic threshold keeps sending to a cluster with no healthy
    address left, so ejection matters where the name resolves to several addresses. Null turns outlier detection off.
    Default: 3."""
    outlier_interval_seconds: int = 5
    """How often outlier detection re-evaluates each address (and ends ejections that are over). Default: 5."""
    base_ejection_seconds: int = 30
    """How long an address stays ejected the first time; Envoy multiplies it by the number of times it has been
    ejected. Default: 30."""
    max_ejection_percent: int = 50
    """Largest share of a model's addresses ejected at once, in percent (half stay in service). Default: 50."""
    upstream_idle_timeout_seconds: int = 3
    """Envoy closes a connection to vLLM idle for this long. It must be shorter than vLLM's keep-alive (5 s,
    ``VLLM_HTTP_TIMEOUT_KEEP_ALIVE``): with Envoy's default (1 hour) Envoy reuses a connection vLLM is closing and
    the client gets a 503 (upstream reset before the response started). Default: 3."""
    upstream_max_connection_seconds: int | None = 30
    """Envoy stops sending new requests on a connection to a model's Service this long after opening it, and closes
    it once its requests are done. Behind the predictor Service's ClusterIP, kube-proxy balances connections, not
    requests: under steady load Envoy's connections stay busy (never idle), so they keep going to the Pods that
    existed when they were opened, and a replica the autoscaler adds gets no request. Renewing every connection
    after this long spreads requests over new replicas within that time. Null: connections live until idle.
    Default: 30."""

    @property
    def connection_lifetime_seconds(self) -> int:
        """The longest the gateway keeps sending on a connection to a model's Service: ``upstreamMaxConnectionSeconds``,
        else (null) the idle timeout, which bounds only the connections that go idle. What a stopping model replica
        waits out before its vLLM stops (``ModelServer.drain_connections``)."""
        if self.upstream_max_connection_seconds is not None:
            return self.upstream_max_connection_seconds
        return self.upstream_idle_timeout_seconds

    def __post_init__(self) -> None:
        require(0 <= self.retries <= 10, "retries", self.retries, "use 0 (no retries) to 10 attempts after the first")
        require(
            1 <= self.retry_base_interval_ms <= 60_000,
            "retry_base_interval_ms",
            self.retry_base_interval_ms,
            "use a number of milliseconds from 1 to 60000",
        )
        require(
            self.retry_base_interval_ms <= self.retry_max_interval_ms <= 300_000,
            "retry_max_interval_ms",
            self.retry_max_interval_ms,
            lambda n: (
                f"use a number of milliseconds from {n('retry_base_interval_ms')} "
                f"({self.retry_base_interval_ms}) to 300000: Envoy's back-off never shrinks below its base"
            ),
        )
        require(
            self.consecutive_5xx_errors is None or 1 <= self.consecutive_5xx_errors <= 1000,
            "consecutive_5xx_errors",
            self.consecutive_5xx_errors,
            "use a number of errors from 1 to 1000, or null to turn outlier detection off",
        )
        require(
            1 <= self.outlier_interval_seconds <= 3600,
            "outlier_interval_seconds",
            self.outlier_interval_seconds,
            "use a number of seconds from 1 to 3600",
        )
        require(
            1 <= self.base_ejection_seconds <= 3600,
            "base_ejection_seconds",
            self.base_ejection_seconds,
            "use a number of seconds from 1 to 3600",
        )
        require(
            1 <= self.max_ejection_percent <= 100,
            "max_ejection_percent",
            self.max_ejection_percent,
            "use a percentage from 1 to 100",
        )
        require(
            self.upstream_max_connection_seconds is None or 1 <= self.upstream_max_connection_seconds <= 86400,
            "upstream_max_connection_seconds",
            self.upstream_max_connection_seconds,
            "use a number of seconds from 1 to 86400, or null to keep connections until they are idle",
        )
        require(
            1 <= self.upstream_idle_timeout_seconds < vllm.HTTP_KEEP_ALIVE_SECONDS,
            "upstream_idle_timeout_seconds",
            self.upstream_idle_timeout_seconds,
            keep_alive_fix(vllm.HTTP_KEEP_ALIVE_SECONDS),
        )


def keep_alive_fix(keep_alive_seconds: int) -> str:
    """The fix for an upstream idle timeout not below vLLM's keep-alive of ``keep_alive_seconds``."""
    return (
        f"use a number of seconds from 1 to {keep_alive_seconds - 1}: vLLM closes a connection idle for "
        f"{keep_alive_seconds} s ({vllm.HTTP_KEEP_ALIVE_ENV}), and Envoy must close it first, or it sends a request "
        "on a connection vLLM is closing and the client gets a 503"
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
    resilience: ResilienceConfig = ResilienceConfig()
    """Retries, outlier detection and the idle timeout of the connections to the model servers, in both modes.
    Default: 2 retries, ejection after 3 errors in a row, 3 s idle timeout; see ``ResilienceConfig``."""
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
