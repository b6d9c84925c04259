"""The gateway: Envoy AI Gateway in front of the models.

One Gateway (Envoy Deployment and Service ``<release>-ai-gateway`` on the configured port) with
API-key authentication, per-client token rate limits, a buffer sized for LLM requests, and one
AIGatewayRoute rule per served model name -> AIServiceBackend -> Backend -> predictor Service.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from ._resource import body, cluster_scoped, lazy_api_object
from .config import GatewayConfig, GatewayServiceConfig, PhoenixConfig
from .contracts import ServedModel, typed_props
from .facts import ai_gateway, envoy_gateway
from .gateway_base import GatewayBase
from .imports.io.envoyproxy import aigateway as aig
from .imports.io.envoyproxy import gateway as eg
from .imports.io.k8s.networking import gateway as gwapi
from .network_policy import namespace_peer, ports
from .observability import GatewayTracing
from .routes import (
    MAX_RULES_PER_ROUTE,
    ROUTE_PLANNED_RULES,
    ModelRoute,
    jump_hash,
    route_buckets,
    route_key,
)
from .settings.typed import Typed
from .validation.checks.gateway import AI_GATEWAY_METADATA_NAMESPACE
from .validation.checks.references import GATEWAY_CONFIG_ANNOTATION

__all__ = [
    "AI_GATEWAY_METADATA_NAMESPACE",
    "GATEWAY_POD_LABEL",
    "MAX_RATE_LIMIT_RULES",
    "MAX_RULES_PER_ROUTE",
    "MODEL_HEADER",
    "ROUTE_PLANNED_RULES",
    "TOTAL_TOKENS_KEY",
    "AiGateway",
    "GatewayModel",
    "ModelRoute",
    "jump_hash",
    "route_buckets",
    "route_key",
]

if TYPE_CHECKING:
    from .api_keys import ApiKeys

CONTROLLER_NAME = envoy_gateway.CONTROLLER_NAME
MODEL_HEADER = ai_gateway.MODEL_HEADER
"""Header the AI Gateway sets from the request body's ``model``."""
TOTAL_TOKENS_KEY = ai_gateway.TOTAL_TOKEN_KEY
MAX_RATE_LIMIT_RULES = envoy_gateway.MAX_RATE_LIMIT_RULES
"""BackendTrafficPolicy ``spec.rateLimit.global.rules`` has ``maxItems: 256`` (Envoy Gateway v1.9.0 CRD)."""
GATEWAY_POD_LABEL = envoy_gateway.OWNING_GATEWAY_LABEL
"""Label Envoy Gateway puts on the Envoy pods of a Gateway."""
_OWN_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component")
"""The gateway's own labels, not passed on to the GatewayConfig (which has its own component)."""


@dataclass(frozen=True)
class GatewayModel(Typed):
    """What ``AiGateway.add_model`` created for one model server."""

    gateway: AiGateway
    server: ServedModel
    route: ModelRoute
    """The model as the gateway routes to it (served name, backend name, Service host, rate limit)."""
    backend: eg.Backend
    """The Envoy Gateway Backend naming the predictor Service."""
    service_backend: aig.AiServiceBackend
    """The AIServiceBackend on ``backend``."""

    @property
    def ai_gateway_route(self) -> cdk8s.ApiObject:
        """The AIGatewayRoute holding this model's rule (placed among the routes when models are added)."""
        return self.gateway.route_of(self.route)

    @property
    def token_limits(self) -> cdk8s.ApiObject | None:
        """The BackendTrafficPolicy charging this model's token limits; None without limits."""
        return self.gateway.token_limits_of(self.route) if self.route.rate_limit is not None else None


@typed_props
class AiGateway(GatewayBase[GatewayModel, GatewayTracing]):
    """Envoy AI Gateway resources in front of model servers added with ``add_model``.

    The Gateway is ``node.default_child``. Routes and token-limit policies are computed at synthesis, so every
    ``add_model`` (and ``add_tracing``) before ``App.synth()`` is in the output.

    :param name: name of the Gateway, its EnvoyProxy and the Envoy Service, e.g. ``<release>-ai-gateway``.
    :param api_keys: the API keys clients authenticate with (its Secret: client id -> API key).
    :param namespace: namespace of the namespaced objects. Default: the namespace of ``api_keys`` (the
        SecurityPolicy reads its Secret from its own namespace).
    :param config: gateway settings. Default: ``GatewayConfig()``.
    :param tracing: Phoenix to send the gateway's OpenInference spans to (same as calling ``add_tracing``).
        Default: no tracing.
    :param project_name: Phoenix project of the spans. Default: ``tracing_env.project_name(tracing)``.
    :param labels: extra labels. Default: none.
    """

    kind = "AiGateway"
    namespace_reason = "the SecurityPolicy reads its Secret from its own namespace"
    emits_gen_ai_metrics = True

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        api_keys: ApiKeys,
        namespace: str | None = None,
        config: GatewayConfig | None = None,
        tracing: PhoenixConfig | None = None,
        project_name: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope, id, name=name, api_keys=api_keys, namespace=namespace, config=config, project_name=project_name
        )
        self.labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "gateway", **(labels or {})}
        self.pod_selector = {GATEWAY_POD_LABEL: name}
        """Labels of the Envoy pods, for NetworkPolicies."""
        self.tracing: GatewayTracing | None = None
        """The GatewayConfig sending traces to Phoenix (``add_tracing``)."""
        # Slots keep the output in one order (tracing, gateway, backends, routes, policies, token limits) whatever
        # the order of the calls that fill them.
        self._tracing_slot = Construct(self, "Tracing")
        self.gateway_class = self._gateway_class()
        self.envoy_proxy = self._envoy_proxy()
        self.gateway = self._gateway()
        """The Gateway (``node.default_child``)."""
        self._backends_slot = Construct(self, "Backends")
        self._routes_slot = Construct(self, "Routes")
        self.security_policy = self._security_policy()
        self.client_traffic_policy = self._client_traffic_policy()
        self._token_limits_slot = Construct(self, "TokenLimits")
        self._routes_by_index: dict[int, cdk8s.ApiObject] = {}
        self._limits_by_index: dict[int, cdk8s.ApiObject] = {}
        if tracing is not None:
            self.add_tracing(tracing, project_name=project_name)

    @property
    def listener_container_port(self) -> int:
        """The Envoy container's port for the listener: Envoy Gateway shifts a privileged port by 10000."""
        return envoy_gateway.container_port(self.config.port)

    @property
    def metrics_ports(self) -> tuple[int, ...]:
        """Envoy's ``/stats/prometheus`` and the external processor's ``gen_ai_*`` metrics."""
        return (envoy_gateway.PROXY_METRICS_PORT, ai_gateway.EXTPROC_METRICS_PORT)

    def _control_plane_egress(self) -> list[k8s.NetworkPolicyEgressRule]:
        """Envoy Gateway's xDS and, when a model has token limits, its rate-limit service (the external processor
        is a sidecar in the Envoy pods: no rule needed)."""
        control_plane = list(envoy_gateway.XDS_PORTS)
        if any(route.rate_limit is not None for route in self.routes):
            control_plane.append(envoy_gateway.RATE_LIMIT_PORT)
        return [k8s.NetworkPolicyEgressRule(to=[namespace_peer(envoy_gateway.NAMESPACE)], ports=ports(*control_plane))]

    @property
    def _class_name(self) -> str:
        return self.config.gateway_class_name or self.name

    def _gateway_class(self) -> gwapi.GatewayClass | None:
        """The GatewayClass ``<name>``, unless the settings name one to use."""
        if self.config.gateway_class_name is not None:
            return None
        # Cluster-scoped: no namespace.
        gateway_class = gwapi.GatewayClass(
            self,
            "GatewayClass",
            metadata=cdk8s.ApiObjectMetadata(name=self._class_name, labels=self.labels),
            spec=gwapi.GatewayClassSpec(controller_name=CONTROLLER_NAME),
        )
        cluster_scoped(gateway_class)
        return gateway_class

    def _envoy_proxy(self) -> eg.EnvoyProxy:
        """The Envoy Deployment, Service and PDB Envoy Gateway makes for the Gateway."""
        kubernetes = eg.EnvoyProxySpecProviderKubernetes(
            envoy_deployment=eg.EnvoyProxySpecProviderKubernetesEnvoyDeployment(
                name=self.name,
                replicas=self.config.replicas,
                container=eg.EnvoyProxySpecProviderKubernetesEnvoyDeploymentContainer(
                    resources=eg.EnvoyProxySpecProviderKubernetesEnvoyDeploymentContainerResources(
                        requests={"cpu": _envoy_request("500m"), "memory": _envoy_request("512Mi")},
                        limits={"cpu": _envoy_limit("2"), "memory": _envoy_limit("1Gi")},
                    )
                ),
            ),
            envoy_service=_envoy_service(self.name, self.config.service),
            # minAvailable 1 of a single replica would block every node drain: allow one down then.
            envoy_pdb=eg.EnvoyProxySpecProviderKubernetesEnvoyPdb(
                min_available=eg.EnvoyProxySpecProviderKubernetesEnvoyPdbMinAvailable.from_number(1)
            )
            if self.config.replicas > 1
            else eg.EnvoyProxySpecProviderKubernetesEnvoyPdb(
                max_unavailable=eg.EnvoyProxySpecProviderKubernetesEnvoyPdbMaxUnavailable.from_number(1)
            ),
        )
        return eg.EnvoyProxy(
            self,
            "EnvoyProxy",
            metadata=self._meta(self.name),
            spec=eg.EnvoyProxySpec(
                provider=eg.EnvoyProxySpecProvider(type=eg.EnvoyProxySpecProviderType.KUBERNETES, kubernetes=kubernetes)
            ),
        )

    def _gateway(self) -> cdk8s.ApiObject:
        gateway_spec = gwapi.GatewaySpec(
            gateway_class_name=self._class_name,
            listeners=[gwapi.GatewaySpecListeners(name="http", protocol="HTTP", port=self.config.port)],
            infrastructure=gwapi.GatewaySpecInfrastructure(
                parameters_ref=gwapi.GatewaySpecInfrastructureParametersRef(
                    group="gateway.envoyproxy.io", kind="EnvoyProxy", name=self.name
                )
            ),
        )
        return lazy_api_object(
            self,
            "Resource",
            gvk=gwapi.Gateway.GVK,
            metadata=cdk8s.ApiObjectMetadata(name=self.name, namespace=self.namespace, labels=self.labels),
            fields=("spec",),
            produce=lambda: body(gwapi.Gateway.manifest(spec=gateway_spec)),
        )

    def _security_policy(self) -> eg.SecurityPolicy:
        """API-key authentication on the Gateway, against the keys Secret."""
        target = [eg.SecurityPolicySpecTargetRefs(group="gateway.networking.k8s.io", kind="Gateway", name=self.name)]
        return eg.SecurityPolicy(
            self,
            "ApiKeyAuth",
            metadata=self._meta(f"{self.name}-api-keys"),
            spec=eg.SecurityPolicySpec(
                target_refs=target,
                api_key_auth=eg.SecurityPolicySpecApiKeyAuth(
                    credential_refs=[
                        eg.SecurityPolicySpecApiKeyAuthCredentialRefs(
                            name=self.api_keys.secret_name, kind="Secret", group=""
                        )
                    ],
                    # OpenAI clients send "Authorization: Bearer <key>"; Envoy strips the Bearer prefix.
                    extract_from=[eg.SecurityPolicySpecApiKeyAuthExtractFrom(headers=["authorization"])],
                    forward_client_id_header=self.config.client_id_header,
                    sanitize=True,
                ),
            ),
        )

    def _client_traffic_policy(self) -> eg.ClientTrafficPolicy:
        """The request buffer, sized for LLM prompts."""
        return eg.ClientTrafficPolicy(
            self,
            "ClientTrafficPolicy",
            metadata=self._meta(self.name),
            spec=eg.ClientTrafficPolicySpec(
                target_refs=[
                    eg.ClientTrafficPolicySpecTargetRefs(
                        group="gateway.networking.k8s.io", kind="Gateway", name=self.name
                    )
                ],
                connection=eg.ClientTrafficPolicySpecConnection(
                    buffer_limit=eg.ClientTrafficPolicySpecConnectionBufferLimit.from_string(self.config.buffer_limit)
                ),
            ),
        )

    def add_tracing(self, phoenix: PhoenixConfig, *, project_name: str | None = None) -> GatewayTracing:
        """Send the AI Gateway's OpenInference spans to ``phoenix``: a GatewayConfig named like the Gateway,
        attached by the Gateway's annotation. Returns it. Once per gateway.

        :param project_name: Phoenix project. Default: the value given at construction, else
            ``tracing_env.project_name(phoenix)``.
        """
        return super().add_tracing(phoenix, project_name=project_name)

    def _attach_tracing(self, phoenix: PhoenixConfig) -> GatewayTracing:
        self.tracing = GatewayTracing(
            self._tracing_slot,
            "Resource",
            name=self.name,
            namespace=self.namespace,
            phoenix=phoenix,
            project_name=self._project_name,
            labels={k: v for k, v in self.labels.items() if k not in _OWN_LABELS},
        )
        self.gateway.metadata.add_annotation(GATEWAY_CONFIG_ANNOTATION, self.tracing.name)
        return self.tracing

    def _add_route(self, server: ServedModel, route: ModelRoute) -> GatewayModel:
        """The model's Backend and AIServiceBackend; its rule and token limits land in the routes and policies."""
        meta = self._meta
        scope = Construct(self._backends_slot, route.backend_name)
        backend = eg.Backend(
            scope,
            "Backend",
            metadata=meta(route.backend_name),
            spec=eg.BackendSpec(
                endpoints=[
                    eg.BackendSpecEndpoints(
                        fqdn=eg.BackendSpecEndpointsFqdn(hostname=route.service_host, port=route.service_port)
                    )
                ]
            ),
        )
        service_backend = aig.AiServiceBackend(
            scope,
            "AIServiceBackend",
            metadata=meta(route.backend_name),
            spec=aig.AiServiceBackendSpec(
                schema=aig.AiServiceBackendSpecSchema(
                    name=aig.AiServiceBackendSpecSchemaName.OPEN_AI, prefix=route.api_prefix
                ),
                backend_ref=aig.AiServiceBackendSpecBackendRef(
                    name=route.backend_name, kind="Backend", group="gateway.envoyproxy.io"
                ),
            ),
        )
        self._place_routes()
        return GatewayModel(gateway=self, server=server, route=route, backend=backend, service_backend=service_backend)

    def route_of(self, route: ModelRoute) -> cdk8s.ApiObject:
        """The AIGatewayRoute holding ``route``'s rule as the models stand now."""
        index = next(i for i, bucket in enumerate(route_buckets(self.routes)) if route in bucket)
        return self._routes_by_index[index]

    def token_limits_of(self, route: ModelRoute) -> cdk8s.ApiObject | None:
        """The BackendTrafficPolicy with ``route``'s token limits as the models stand now."""
        index = next(i for i, bucket in enumerate(route_buckets(self.routes)) if route in bucket)
        return self._limits_by_index.get(index)

    @property
    def ai_gateway_routes(self) -> list[cdk8s.ApiObject]:
        """One AIGatewayRoute per bucket of at most 15 models (see ``route_buckets``)."""
        return list(self._routes_by_index.values())

    @property
    def backend_traffic_policies(self) -> list[cdk8s.ApiObject]:
        """Token limits: one policy per AIGatewayRoute that has rate-limited models (see ``_token_limits_body``)."""
        return list(self._limits_by_index.values())

    @property
    def backend_traffic_policy(self) -> cdk8s.ApiObject | None:
        """The token-limit policy of the first route (the only one for up to 12 models), if any."""
        return self.backend_traffic_policies[0] if self.backend_traffic_policies else None

    def _bucket(self, index: int) -> list[ModelRoute]:
        buckets = route_buckets(self.routes)
        return buckets[index] if index < len(buckets) else []

    def _route_name(self, index: int) -> str:
        return self.name if index == 0 else f"{self.name}-{index + 1}"

    def _place_routes(self) -> None:
        """Make the AIGatewayRoutes and token-limit policies match the buckets; their specs are read at synthesis.

        A route exists for each non-empty bucket, a policy for each bucket with a rate-limited model, in bucket
        order. Objects stay while the buckets keep them (so a patch on one stays); should a bucket empty out, the
        objects from there on are made again in order.
        """
        buckets = route_buckets(self.routes)
        routes = [i for i, bucket in enumerate(buckets) if bucket]
        limited = [i for i, bucket in enumerate(buckets) if any(r.rate_limit is not None for r in bucket)]
        _sync(self._routes_slot, self._routes_by_index, routes, "Route", self._make_route)
        _sync(self._token_limits_slot, self._limits_by_index, limited, "TokenRateLimit", self._make_token_limits)

    def _make_route(self, id: str, index: int) -> cdk8s.ApiObject:
        return lazy_api_object(
            self._routes_slot,
            id,
            gvk=aig.AiGatewayRoute.GVK,
            metadata=self._meta(self._route_name(index)),
            fields=("spec",),
            produce=functools.partial(self._route_body, index),
            inputs=functools.partial(self._bucket, index),
        )

    def _make_token_limits(self, id: str, index: int) -> cdk8s.ApiObject:
        route_name = self._route_name(index)
        return lazy_api_object(
            self._token_limits_slot,
            id,
            gvk=eg.BackendTrafficPolicy.GVK,
            metadata=self._meta(f"{route_name}-token-limits"),
            fields=("spec",),
            produce=functools.partial(self._token_limits_body, index, route_name),
            inputs=functools.partial(self._bucket, index),
        )

    def _route_body(self, index: int) -> dict[str, Any]:
        chunk = self._bucket(index)
        config = self.config
        return body(
            aig.AiGatewayRoute.manifest(
                spec=aig.AiGatewayRouteSpec(
                    parent_refs=[
                        aig.AiGatewayRouteSpecParentRefs(
                            name=self.name, kind="Gateway", group="gateway.networking.k8s.io"
                        )
                    ],
                    rules=[
                        aig.AiGatewayRouteSpecRules(
                            name=r.backend_name,
                            matches=[
                                aig.AiGatewayRouteSpecRulesMatches(
                                    headers=[
                                        aig.AiGatewayRouteSpecRulesMatchesHeaders(
                                            name=MODEL_HEADER,
                                            type=aig.AiGatewayRouteSpecRulesMatchesHeadersType.EXACT,
                                            value=r.served_model_name,
                                        )
                                    ]
                                )
                            ],
                            backend_refs=[aig.AiGatewayRouteSpecRulesBackendRefs(name=r.backend_name)],
                            timeouts=aig.AiGatewayRouteSpecRulesTimeouts(request=f"{config.request_timeout_seconds}s"),
                        )
                        for r in chunk
                    ],
                    llm_request_costs=[
                        aig.AiGatewayRouteSpecLlmRequestCosts(
                            metadata_key=ai_gateway.INPUT_TOKEN_KEY,
                            type=aig.AiGatewayRouteSpecLlmRequestCostsType.INPUT_TOKEN,
                        ),
                        aig.AiGatewayRouteSpecLlmRequestCosts(
                            metadata_key=ai_gateway.OUTPUT_TOKEN_KEY,
                            type=aig.AiGatewayRouteSpecLlmRequestCostsType.OUTPUT_TOKEN,
                        ),
                        aig.AiGatewayRouteSpecLlmRequestCosts(
                            metadata_key=TOTAL_TOKENS_KEY,
                            type=aig.AiGatewayRouteSpecLlmRequestCostsType.TOTAL_TOKEN,
                        ),
                    ],
                )
            )
        )

    def _token_limits_body(self, index: int, route_name: str) -> dict[str, Any]:
        """The token limits of bucket ``index``, on the HTTPRoute of AIGatewayRoute ``route_name``.

        Envoy Gateway attaches only the oldest of several BackendTrafficPolicies that target one Gateway (the
        others are ``Conflicted``), and a policy holds at most 256 rules. So each AIGatewayRoute (at most 15
        models, two rules each) gets its own policy, on the HTTPRoute the AI Gateway controller creates under
        the AIGatewayRoute's name.
        """
        rules = self._rate_limit_rules(self._bucket(index))
        assert len(rules) <= MAX_RATE_LIMIT_RULES, "a route holds at most 15 models with two limits each"
        return body(
            eg.BackendTrafficPolicy.manifest(
                spec=eg.BackendTrafficPolicySpec(
                    target_refs=[
                        eg.BackendTrafficPolicySpecTargetRefs(
                            group="gateway.networking.k8s.io", kind="HTTPRoute", name=route_name
                        )
                    ],
                    # No rateLimit.type: deprecated in v1.9 (setting global is enough).
                    rate_limit=eg.BackendTrafficPolicySpecRateLimit(
                        global_=eg.BackendTrafficPolicySpecRateLimitGlobal(rules=rules),
                    ),
                )
            )
        )

    def _meta(self, name: str) -> cdk8s.ApiObjectMetadata:
        return cdk8s.ApiObjectMetadata(name=name, namespace=self.namespace, labels=self.labels)

    def _rate_limit_rules(self, routes: Sequence[ModelRoute]) -> list[eg.BackendTrafficPolicySpecRateLimitGlobalRules]:
        units = {
            "Second": eg.BackendTrafficPolicySpecRateLimitGlobalRulesLimitUnit.SECOND,
            "Minute": eg.BackendTrafficPolicySpecRateLimitGlobalRulesLimitUnit.MINUTE,
        }
        rules = []
        for route in sorted(routes, key=lambda r: r.backend_name):
            if route.rate_limit is None:
                continue
            for unit, tokens in route.rate_limit.limits():
                rules.append(
                    eg.BackendTrafficPolicySpecRateLimitGlobalRules(
                        client_selectors=[
                            eg.BackendTrafficPolicySpecRateLimitGlobalRulesClientSelectors(
                                headers=[
                                    # A separate budget per authenticated client ...
                                    eg.BackendTrafficPolicySpecRateLimitGlobalRulesClientSelectorsHeaders(
                                        name=self.config.client_id_header,
                                        type=eg.BackendTrafficPolicySpecRateLimitGlobalRulesClientSelectorsHeadersType.DISTINCT,
                                    ),
                                    # ... and per model.
                                    eg.BackendTrafficPolicySpecRateLimitGlobalRulesClientSelectorsHeaders(
                                        name=MODEL_HEADER,
                                        type=eg.BackendTrafficPolicySpecRateLimitGlobalRulesClientSelectorsHeadersType.EXACT,
                                        value=route.served_model_name,
                                    ),
                                ]
                            )
                        ],
                        limit=eg.BackendTrafficPolicySpecRateLimitGlobalRulesLimit(requests=tokens, unit=units[unit]),
                        cost=eg.BackendTrafficPolicySpecRateLimitGlobalRulesCost(
                            # Check the budget on the request, charge the tokens when the response ends.
                            request=eg.BackendTrafficPolicySpecRateLimitGlobalRulesCostRequest(
                                from_=eg.BackendTrafficPolicySpecRateLimitGlobalRulesCostRequestFrom.NUMBER, number=0
                            ),
                            response=eg.BackendTrafficPolicySpecRateLimitGlobalRulesCostResponse(
                                from_=eg.BackendTrafficPolicySpecRateLimitGlobalRulesCostResponseFrom.METADATA,
                                metadata=eg.BackendTrafficPolicySpecRateLimitGlobalRulesCostResponseMetadata(
                                    namespace=AI_GATEWAY_METADATA_NAMESPACE, key=TOTAL_TOKENS_KEY
                                ),
                            ),
                        ),
                    )
                )
        return rules


def _sync(
    slot: Construct,
    objects: dict[int, cdk8s.ApiObject],
    wanted: list[int],
    prefix: str,
    make: Callable[[str, int], cdk8s.ApiObject],
) -> None:
    """Make ``objects`` (children of ``slot``, by bucket index, in creation order) hold exactly ``wanted``, in
    order: keep the common prefix, make the rest again. Ids: ``<prefix>`` for bucket 0, ``<prefix><i+1>``."""

    def id_of(index: int) -> str:
        return prefix if index == 0 else f"{prefix}{index + 1}"

    existing = list(objects)
    keep = 0
    while keep < min(len(existing), len(wanted)) and existing[keep] == wanted[keep]:
        keep += 1
    for index in existing[keep:]:
        slot.node.try_remove_child(id_of(index))
        del objects[index]
    for index in wanted[keep:]:
        objects[index] = make(id_of(index), index)


def _envoy_service(name: str, service: GatewayServiceConfig) -> eg.EnvoyProxySpecProviderKubernetesEnvoyService:
    """The Service Envoy Gateway creates for the Gateway, exposed as ``service`` says.

    The traffic policy is always written for LoadBalancer and NodePort: Envoy Gateway's own default (``Local``)
    differs from Kubernetes' (``Cluster``), and both modes must behave alike.
    """
    types = {
        "ClusterIP": eg.EnvoyProxySpecProviderKubernetesEnvoyServiceType.CLUSTER_IP,
        "LoadBalancer": eg.EnvoyProxySpecProviderKubernetesEnvoyServiceType.LOAD_BALANCER,
        "NodePort": eg.EnvoyProxySpecProviderKubernetesEnvoyServiceType.NODE_PORT,
    }
    policies = {
        "Cluster": eg.EnvoyProxySpecProviderKubernetesEnvoyServiceExternalTrafficPolicy.CLUSTER,
        "Local": eg.EnvoyProxySpecProviderKubernetesEnvoyServiceExternalTrafficPolicy.LOCAL,
    }
    return eg.EnvoyProxySpecProviderKubernetesEnvoyService(
        name=name,
        type=types[service.type],
        annotations=dict(service.annotations) or None,
        load_balancer_source_ranges=list(service.load_balancer_source_ranges) or None,
        external_traffic_policy=policies[service.traffic_policy] if service.traffic_policy else None,
    )


def _envoy_request(quantity: str) -> eg.EnvoyProxySpecProviderKubernetesEnvoyDeploymentContainerResourcesRequests:
    return eg.EnvoyProxySpecProviderKubernetesEnvoyDeploymentContainerResourcesRequests.from_string(quantity)


def _envoy_limit(quantity: str) -> eg.EnvoyProxySpecProviderKubernetesEnvoyDeploymentContainerResourcesLimits:
    return eg.EnvoyProxySpecProviderKubernetesEnvoyDeploymentContainerResourcesLimits.from_string(quantity)
