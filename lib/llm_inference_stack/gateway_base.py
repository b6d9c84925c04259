"""What both gateways share (``AiGateway``, ``StandaloneGateway``): the namespace rule, the model checks, and one
meaning of ``add_model`` and ``add_tracing``. Each gateway adds what it makes of a route and of tracing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import cdk8s
from constructs import Construct

from ._resource import check_label, gvk, lazy_api_object, namespace_for
from .config import (
    INHERIT,
    GatewayConfig,
    Inherit,
    PhoenixConfig,
    PrometheusConfig,
    RateLimitConfig,
    TenantBudgets,
)
from .contracts import PooledModel, RequestHold, ServedModel, check_contract, typed_props
from .errors import PropError
from .facts import kubernetes
from .network_policy import (
    Json,
    all_pods_peer,
    dns_egress,
    ingress_rule,
    ip_block_peers,
    namespace_peer,
    network_policy_spec,
    phoenix_egress,
    pods_egress,
    ports,
)
from .routes import ModelRoute, new_route, rate_limit_for
from .settings.routing import hold_too_long
from .tracing_env import project_name as trace_project
from .validation import ChartValidation

if TYPE_CHECKING:
    from .api_keys import ApiKeys

_DEFAULT_PROMETHEUS_NAMESPACE = PrometheusConfig().namespace
"""Namespace of the Prometheus that scrapes the gateway unless told: the default Prometheus's."""


@runtime_checkable
class _HasServer(Protocol):
    """What ``add_model`` returns carries the model server it routes to."""

    @property
    def server(self) -> ServedModel: ...


M = TypeVar("M")
"""What ``add_model`` returns."""
T = TypeVar("T", bound="Construct | None")
"""What ``add_tracing`` returns."""


@typed_props
class GatewayBase(Construct, Generic[M, T]):
    """A gateway in front of model servers added with ``add_model`` (the ``contracts.Gateway`` protocol).

    :param name: name of the gateway's objects, e.g. ``<release>-ai-gateway``; a DNS-1123 label.
    :param api_keys: the API keys clients authenticate with.
    :param namespace: namespace of the objects, which must be the namespace of ``api_keys``. Default: that one.
    :param config: gateway settings. Default: ``GatewayConfig()``.
    :param project_name: Phoenix project of the spans (``add_tracing``). Default:
        ``tracing_env.project_name(phoenix)``.
    """

    kind: ClassVar[str]
    """The construct's name in errors (``AiGateway``)."""
    namespace_reason: ClassVar[str]
    """Why the objects live in the namespace of the API keys."""
    emits_gen_ai_metrics: ClassVar[bool] = False
    """The gateway exports the ``gen_ai_*`` token metrics (Envoy AI Gateway)."""
    routes_to_pools: ClassVar[bool] = False
    """The gateway sends to an InferencePool through its endpoint picker (Envoy AI Gateway)."""
    pod_selector: Mapping[str, str]
    """Labels of the gateway's Envoy pods, for NetworkPolicies (set by each gateway)."""
    labels: Mapping[str, str]
    """Labels on the gateway's objects (set by each gateway)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        api_keys: ApiKeys,
        namespace: str | None = None,
        config: GatewayConfig | None = None,
        project_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        check_label(self.kind, "name", name)
        self.config = config if config is not None else GatewayConfig()
        self._check_config(self.config)
        resolved = namespace_for(self, namespace or api_keys.namespace)
        if resolved != api_keys.namespace:
            raise PropError(
                self.kind,
                "namespace",
                resolved,
                f"use the namespace of api_keys ({api_keys.namespace!r}): {self.namespace_reason}",
            )
        self.name = name
        self.namespace = resolved
        self.api_keys = api_keys
        self.routes: list[ModelRoute] = []
        """The models routed to, in the order added."""
        self.models: list[M] = []
        """What ``add_model`` created, in the order added."""
        self.phoenix: PhoenixConfig | None = None
        """Where the gateway sends its spans (``add_tracing``); None: no tracing."""
        self._project_name = project_name
        self.network_policy: cdk8s.ApiObject | None = None
        """The NetworkPolicy of the gateway's Envoy pods (``add_network_policy``); None until then."""
        ChartValidation.own(self, scope).add_construct_check(self._check_models)

    def add_model(
        self,
        server: ServedModel,
        *,
        rate_limit: RateLimitConfig | Inherit | None = INHERIT,
        network_policy: bool = True,
    ) -> M:
        """Route requests whose ``model`` is the server's served model name to it; returns what this created.

        :param server: the model server (any ``contracts.ServedModel``).
        :param rate_limit: per-client limits on this model; None: none. Default: the model's own
            (``ModelConfig.rate_limit``, its fields over the gateway's), else ``config.rate_limit`` (100000 tokens
            per minute by default). ``StandaloneGateway`` limits requests, not tokens (see its docstring).
        :param network_policy: admit only this gateway's pods (and Prometheus) to the model's pods
            (``server.allow_ingress_only_from``), unless the server has its NetworkPolicy already, and give the
            gateway's own pods theirs (``add_network_policy`` with its defaults) unless it has one already (call
            ``add_network_policy`` first for other namespaces); False: leave the pods open. Default: true.
        """
        check_contract(
            f"{self.kind}.add_model", "server", server, ServedModel, "pass the ModelServer construct, not its name"
        )
        if isinstance(server, PooledModel) and not self.routes_to_pools:
            raise PropError(
                f"{self.kind}.add_model",
                "server",
                server.served_model_name,
                "this gateway cannot send to an InferencePool (plain Envoy has no endpoint picker's external "
                "processor): add the ModelServer itself, or use AiGateway",
            )
        if isinstance(server, PooledModel) and server.namespace != self.namespace:
            raise PropError(
                f"{self.kind}.add_model",
                "server",
                server.served_model_name,
                f"its InferencePool is in namespace {server.namespace!r}, and the gateway's routes send to a pool in "
                f"their own namespace ({self.namespace!r}) only: put the model in the gateway's namespace",
            )
        self._check_hold(server)
        limits = rate_limit_for(server, rate_limit, self.config.rate_limit)
        route = new_route(self.kind, server, limits, self.routes)
        self.routes.append(route)
        server.drain_connections(lifetime_seconds=self.config.resilience.connection_lifetime_seconds)
        if network_policy and server.network_policy is None:
            server.allow_ingress_only_from(gateway=self)
        if network_policy and self.network_policy is None:
            self.add_network_policy()
        model = self._add_route(server, route)
        self.models.append(model)
        return model

    def _check_hold(self, server: ServedModel) -> None:
        """A model whose first requests are held (``contracts.RequestHold``) lets them go before this gateway's
        request timeout ends them."""
        if not isinstance(server, RequestHold) or server.hold_seconds == 0:
            return
        why = hold_too_long(server.hold_seconds, request_timeout_seconds=self.config.request_timeout_seconds)
        if why is not None:
            raise PropError(f"{self.kind}.add_model", "server.hold_seconds", server.hold_seconds, why)

    def add_tenant(
        self,
        name: str,
        *,
        api_keys: ApiKeys,
        budgets: TenantBudgets | None = None,
        models: Sequence[ServedModel] | None = None,
    ) -> object:
        """A team sharing the gateway (``AiGateway.add_tenant``); a gateway that cannot enforce tenants refuses it."""
        raise PropError(
            f"{self.kind}.add_tenant",
            "name",
            name,
            "this gateway cannot hold tenants: plain Envoy's local rate limiter charges one per request (not the "
            "response's tokens) and per replica, so neither a tenant's token budget nor one shared by its keys "
            "holds; use AiGateway (Envoy Gateway's global rate limit)",
        )

    def add_tracing(self, phoenix: PhoenixConfig, *, project_name: str | None = None) -> T:
        """Send the gateway's spans to ``phoenix``, once per gateway; returns what carries the trace settings
        (``AiGateway``: its GatewayConfig; ``StandaloneGateway``: None, they are in the Envoy bootstrap).

        :param project_name: Phoenix project. Default: the value given at construction, else
            ``tracing_env.project_name(phoenix)``.
        """
        if self.phoenix is not None:
            raise PropError(self.kind, "tracing", self.name, "add tracing once per gateway")
        self._check_tracing(phoenix)
        self.phoenix = phoenix
        self._project_name = project_name or self._project_name
        return self._attach_tracing(phoenix)

    def add_network_policy(
        self, *, prometheus_namespace: str | None = None, pod_namespace: str | None = None
    ) -> cdk8s.ApiObject:
        """A NetworkPolicy of the gateway's own Envoy pods; returns it (also ``network_policy``). Once per gateway.

        Ingress: the listener from anywhere (the public entry point, guarded by the API keys); with the Service's
        ``loadBalancerSourceRanges`` and ``externalTrafficPolicy: Local``, from those ranges and the cluster's pods
        only (with ``Cluster`` the pods see node addresses, not the clients', so the ranges apply at the load
        balancer alone); and Prometheus to the metrics ports (``AiGateway`` only: the
        standalone Envoy's admin is on loopback). Egress: each model's pods on their port, the cluster DNS, Phoenix
        once tracing is added, and the gateway's control plane (``AiGateway``: Envoy Gateway's xDS and, with token
        limits, its rate-limit service). Computed at synthesis: models and tracing added later are in it.

        :param prometheus_namespace: namespace of the Prometheus that scrapes the gateway. Default: that of
            ``PrometheusConfig()`` (``monitoring``).
        :param pod_namespace: namespace of the Envoy pods. Default: ``envoy_pod_namespace(None)``, else the
            gateway's namespace (the standalone gateway's pods are always there).
        """
        if self.network_policy is not None:
            raise PropError(self.kind, "network_policy", self.name, "call add_network_policy once per gateway")
        namespace = self.envoy_pod_namespace(pod_namespace) or self.namespace
        check_label(self.kind, "pod_namespace", namespace)
        prometheus = prometheus_namespace or _DEFAULT_PROMETHEUS_NAMESPACE
        check_label(self.kind, "prometheus_namespace", prometheus)
        self.network_policy = lazy_api_object(
            self,
            "NetworkPolicy",
            gvk=gvk(*kubernetes.NETWORK_POLICY),
            metadata=cdk8s.ApiObjectMetadata(name=self.name, namespace=namespace, labels=dict(self.labels)),
            fields=("spec",),
            produce=lambda: {"spec": self._network_policy_spec(prometheus)},
            inputs=lambda: (tuple(self.routes), self.phoenix),
        )
        return self.network_policy

    def _network_policy_spec(self, prometheus_namespace: str) -> Json:
        ingress = [self._listener_ingress()]
        if self.metrics_ports:
            ingress.append(ingress_rule(ports(*self.metrics_ports), [namespace_peer(prometheus_namespace)]))
        served = [m.server for m in self._served()]
        models = pods_egress(
            [(s.namespace, s.pod_selector, s.port) for s in served]
            + [
                (s.namespace, s.endpoint_picker_selector, s.endpoint_picker_port)
                for s in served
                if isinstance(s, PooledModel)
            ]
        )
        egress = [*models, dns_egress()]
        if self.phoenix is not None:
            egress.append(phoenix_egress(self.phoenix))
        egress += self._control_plane_egress()
        return network_policy_spec(self.pod_selector, ingress, egress)

    def _listener_ingress(self) -> Json:
        """Clients to the listener: from anywhere; with ``loadBalancerSourceRanges`` and ``externalTrafficPolicy:
        Local`` (the pods see the clients' addresses), from those ranges and from the cluster's pods only."""
        service = self.config.service
        listener = ports(self.listener_container_port)
        if service.load_balancer_source_ranges and service.traffic_policy == "Local":
            peers = [*ip_block_peers(service.load_balancer_source_ranges), all_pods_peer()]
            return ingress_rule(listener, peers)
        return ingress_rule(listener)

    def _served(self) -> list[_HasServer]:
        return [m for m in self.models if isinstance(m, _HasServer)]

    @property
    def listener_container_port(self) -> int:
        """The port the Envoy container listens on for clients (``config.port``, unless the gateway maps it)."""
        return self.config.port

    @property
    def metrics_ports(self) -> tuple[int, ...]:
        """Ports of the Envoy pods that Prometheus scrapes. Default: none."""
        return ()

    def _control_plane_egress(self) -> list[Json]:
        """What else the Envoy pods must reach (their control plane). Default: nothing."""
        return []

    @property
    def project_name(self) -> str:
        """Phoenix project of the gateway's spans."""
        return self._project_name or trace_project(self.phoenix)

    def envoy_pod_namespace(self, configured: str | None) -> str | None:
        """Namespace of the Envoy pods given ``NetworkPolicyConfig.gateway_namespace`` (None: the gateway's own)."""
        return configured

    def _check_config(self, config: GatewayConfig) -> None:
        """Refuse settings this gateway cannot use (``PropError``)."""

    def _check_tracing(self, phoenix: PhoenixConfig) -> None:
        """Refuse tracing settings this gateway cannot send (``PropError``)."""

    def _add_route(self, server: ServedModel, route: ModelRoute) -> M:
        """Make what routes to ``server`` (``route`` is already in ``routes``)."""
        raise NotImplementedError

    def _attach_tracing(self, phoenix: PhoenixConfig) -> T:
        """Make what sends the spans to ``phoenix`` (``phoenix`` and ``project_name`` are set)."""
        raise NotImplementedError

    def _check_models(self) -> list[str]:
        if self.routes:
            return []
        where = f"{self.kind} {self.name!r} ({self.node.path})"
        return [f"{where} routes no model: call add_model(server) for each ModelServer"]
