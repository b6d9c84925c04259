"""What both gateways share (``AiGateway``, ``StandaloneGateway``): the namespace rule, the model checks, and one
meaning of ``add_model`` and ``add_tracing``. Each gateway adds what it makes of a route and of tracing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from constructs import Construct

from ._resource import check_label, namespace_for
from .config import INHERIT, GatewayConfig, Inherit, PhoenixConfig, RateLimitConfig
from .contracts import ServedModel, check_contract, typed_props
from .errors import PropError
from .routes import ModelRoute, new_route, rate_limit_for
from .tracing_env import project_name as trace_project
from .validation import ChartValidation

if TYPE_CHECKING:
    from .api_keys import ApiKeys

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
        ChartValidation.of(self).add_construct_check(self._check_models)

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
            (``server.allow_ingress_only_from``), unless the server has its NetworkPolicy already; False: leave
            the pods open. Default: true.
        """
        check_contract(
            f"{self.kind}.add_model", "server", server, ServedModel, "pass the ModelServer construct, not its name"
        )
        limits = rate_limit_for(server, rate_limit, self.config.rate_limit)
        route = new_route(self.kind, server, limits, self.routes)
        self.routes.append(route)
        if network_policy and server.network_policy is None:
            server.allow_ingress_only_from(gateway=self)
        model = self._add_route(server, route)
        self.models.append(model)
        return model

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
