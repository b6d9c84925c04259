"""The chart that wires the stack: models (server + autoscaler), keys, gateway, observability."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import cdk8s
from constructs import Construct

from .api_keys import ApiKeys
from .autoscaler import Autoscaler
from .config import INHERIT, AutoscalingConfig, ModelConfig, PhoenixConfig, RoutingConfig, StackConfig
from .contracts import Gateway, RoutedModel, ServedModel, typed_props
from .facts import kubernetes
from .gateway import AiGateway, GatewayTenant
from .inference_routing import InferenceRouting
from .model_server import ModelServer
from .monitoring import MonitoredModel, StackAlerts, StackDashboard, dashboard
from .monitoring.tenants import MonitoredTenant
from .observability import GatewayTracing
from .settings.inherit import given_fields
from .stack_marker import MANAGED_BY, MANAGED_BY_LABEL
from .standalone_gateway import StandaloneGateway
from .sync_waves import add_sync_waves
from .tracing_env import project_name as trace_project
from .validation import ChartValidation

GATEWAYS: Mapping[str, Callable[..., Gateway]] = {"ai-gateway": AiGateway, "standalone": StandaloneGateway}
"""``gateway.mode`` -> the gateway construct (called like ``AiGateway``: scope, id, name, api_keys, config, labels).
The one place the chart reads the mode; after it, the chart speaks to the gateway through ``contracts.Gateway``."""


def stack_labels(config: StackConfig) -> dict[str, str]:
    """Labels on every object of the stack."""
    return {"app.kubernetes.io/part-of": config.release, MANAGED_BY_LABEL: MANAGED_BY}


@typed_props
class ModelDeployment(Construct):
    """One model of the stack: its server (InferenceService, PodMonitor, PDB) and its autoscaler (ScaledObject).

    :param model: the model.
    :param namespace: namespace of its objects.
    :param autoscaling: its autoscaling.
    :param tracing: Phoenix for vLLM's spans. Default: none.
    :param project_name: Phoenix project. Default: the InferenceService name.
    :param labels: extra labels. Default: none.
    :param routing: how the gateway picks its pod; ``prefix-aware`` adds an ``InferenceRouting``. Default: through
        its Service.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model: ModelConfig,
        namespace: str,
        autoscaling: AutoscalingConfig,
        tracing: PhoenixConfig | None = None,
        project_name: str | None = None,
        labels: Mapping[str, str] | None = None,
        routing: RoutingConfig | None = None,
    ) -> None:
        super().__init__(scope, id)
        ChartValidation.own(self, scope)
        self.server = ModelServer(
            self, "ModelServer", model=model, namespace=namespace, project_name=project_name, labels=labels
        )
        """The model server."""
        if tracing is not None:
            self.server.add_tracing(tracing, project_name=project_name)
        self.routing: InferenceRouting | None = (
            InferenceRouting(self, "Routing", server=self.server, config=routing, labels=labels)
            if routing is not None and routing.prefix_aware
            else None
        )
        """The InferencePool and endpoint picker in front of ``server`` (``routing.mode: prefix-aware``), or None."""
        holds = self.routing is not None and self.routing.config.flow_control is not None
        self.autoscaler = Autoscaler(
            self,
            "Autoscaler",
            target=self.server,
            config=autoscaling,
            labels={**(labels or {}), "app.kubernetes.io/name": self.server.name},
            hold=self.routing if holds else None,
        )
        """The autoscaler of ``server`` (woken by the routing's held requests, with flow control)."""
        self.gateway_model: RoutedModel | None = None
        """What the gateway created for this model (set when the stack adds it to its gateway)."""

    @property
    def routed(self) -> ServedModel:
        """What the gateway routes to: the ``routing`` (its InferencePool), else the ``server``."""
        return self.routing if self.routing is not None else self.server


@typed_props
class LlmInferenceStack(cdk8s.Chart):
    """The whole stack from one ``StackConfig``: the public constructs, wired as a user could wire them.

    :param config: the validated configuration (see ``load_values``).
    """

    def __init__(self, scope: Construct, id: str, *, config: StackConfig) -> None:
        # No chart-level namespace: it would also stamp cluster-scoped objects (GatewayClass).
        super().__init__(scope, id, disable_resource_name_hashes=True)
        self.config = config
        labels = stack_labels(config)
        phoenix = config.observability.phoenix
        project = trace_project(phoenix, config.release)

        # First in the output, so that `kubectl apply -f` creates them before what lives in them.
        self.namespaces: list[cdk8s.ApiObject] = (
            [
                cdk8s.ApiObject(
                    self,
                    f"Namespace-{name}",
                    api_version=kubernetes.NAMESPACE[0],
                    kind=kubernetes.NAMESPACE[1],
                    metadata=cdk8s.ApiObjectMetadata(name=name, labels=dict(labels)),
                )
                for name in config.namespaces
            ]
            if config.create_namespace
            else []
        )
        """The Namespace objects (``namespace.create``); none by default."""
        for namespace in self.namespaces:
            ChartValidation.own(namespace)
        self.models: list[ModelDeployment] = [
            ModelDeployment(
                self,
                model.resource_name,
                model=model,
                namespace=config.namespace_of(model),
                autoscaling=config.autoscaling_of(model),
                tracing=phoenix,
                project_name=project,
                labels=labels,
                routing=config.routing_of(model),
            )
            for model in config.models
        ]
        """Every model: ``models[i].server`` (ModelServer) and ``models[i].autoscaler`` (Autoscaler)."""
        self.api_keys = ApiKeys(self, "ApiKeys", namespace=config.namespace, config=config.api_keys, labels=labels)
        """The API keys the gateway authenticates clients with."""

        self.gateway: Gateway = GATEWAYS[config.gateway.mode](
            self, "Gateway", name=config.gateway_name, api_keys=self.api_keys, config=config.gateway, labels=labels
        )
        """The gateway: ``AiGateway``, or ``StandaloneGateway`` with ``gateway.mode: standalone`` (``GATEWAYS``)."""
        tracing = self.gateway.add_tracing(phoenix, project_name=project) if phoenix is not None else None
        self.tracing: GatewayTracing | None = tracing if isinstance(tracing, GatewayTracing) else None
        """The AI Gateway's GatewayConfig sending traces to Phoenix, if any."""
        self._route_models()
        self.tenants: list[GatewayTenant] = []
        """The tenants (``tenants``), each with its ``api_keys``; none by default."""
        self._add_tenants(labels)
        self.alerts: StackAlerts | None = None
        """The PrometheusRule with the recording rules and alerts; None with neither alerts nor dashboards."""
        self.dashboard: StackDashboard | None = None
        """The Grafana dashboard ConfigMap; None without dashboards."""
        self._monitor(labels)
        self._stamp_common_metadata()
        if config.gitops.argocd.sync_waves:
            add_sync_waves(self)
        self.warnings: list[str] = (
            [w for m in self.models for w in m.server.warnings]
            + self.api_keys.warnings
            + [w for t in self.tenants for w in t.api_keys.warnings]
        )
        """Warnings about the output (plain-text credentials, a test key), for the caller to show: ``llm-stack synth``
        prints them on stderr."""
        self.validation = ChartValidation.of(self)
        """Schema and cross-object checks, run by ``App.synth()`` (``synth.synthesize`` checks the objects first)."""

    @property
    def api_objects(self) -> list[cdk8s.ApiObject]:
        """Every ``cdk8s.ApiObject`` the stack wrote, nested ones included, in the order the chart writes them: for
        platform code to decorate (an annotation, a label, a ``JsonPatch`` on each).

        ``cdk8s.Chart.api_objects`` lists the chart's direct children only, and the stack's objects are nested in its
        constructs; this lists all of them, and only them: an object added to the chart by its user (an Argo CD
        ``Application``) is the user's and not listed (``ChartValidation.own`` decides, by the construct tree).
        """
        return self.validation.stack_objects()

    def _route_models(self) -> None:
        """Add every model to the gateway, behind its NetworkPolicy unless ``networkPolicy.enabled`` is false."""
        config = self.config
        if config.network_policy.enabled:
            envoy_namespace = self.gateway.envoy_pod_namespace(config.network_policy.gateway_namespace)
            self.gateway.add_network_policy(
                prometheus_namespace=config.autoscaling.prometheus.namespace, pod_namespace=envoy_namespace
            )
            for m in self.models:
                m.routed.allow_ingress_only_from(
                    gateway=self.gateway,
                    gateway_namespace=envoy_namespace,
                    prometheus_namespace=m.autoscaler.config.prometheus.namespace,
                )
        for m in self.models:
            m.gateway_model = self.gateway.add_model(
                m.routed, rate_limit=config.rate_limit_of(m.server.model), network_policy=config.network_policy.enabled
            )

    def _add_tenants(self, labels: Mapping[str, str]) -> None:
        """Each tenant's keys (an ``ApiKeys`` with its client-id prefix) and the tenant on the gateway."""
        config = self.config
        if not config.tenants:
            return
        gateway = self.gateway
        assert isinstance(gateway, AiGateway)  # StackConfig refuses tenants in standalone mode
        servers = {m.server.served_model_name: m.server for m in self.models}
        for tenant in config.tenants:
            keys = ApiKeys(
                self,
                f"ApiKeys-{tenant.name}",
                namespace=config.namespace,
                config=tenant.keys,
                labels=labels,
                client_id_prefix=tenant.prefix,
            )
            added = gateway.add_tenant(
                tenant.name,
                api_keys=keys,
                budgets=tenant.budgets,
                models=None if tenant.models is None else [servers[name] for name in tenant.models],
            )
            for budget in tenant.model_budgets:
                given = given_fields(budget)
                added.set_model_budget(
                    servers[budget.model],
                    per_client=budget.per_client if "per_client" in given else INHERIT,
                    shared=budget.shared if "shared" in given else INHERIT,
                )
            self.tenants.append(added)

    def _monitor(self, labels: Mapping[str, str]) -> None:
        """The alerts and the dashboard, as ``observability`` asks."""
        config = self.config
        observability = config.observability
        monitored = [MonitoredModel.of(m.server, m.autoscaler) for m in self.models]
        ai_gateway = self.gateway.emits_gen_ai_metrics
        served = [m.server.served_model_name for m in self.models]
        tenants = [
            MonitoredTenant.of(t.plan(), served=served, share=c.budget_alert_share)
            for t, c in zip(self.tenants, config.tenants, strict=True)
        ]
        if observability.alerts or observability.dashboards:
            # Without alerts the rule keeps the recording rules: the dashboard reads the model facts from them.
            self.alerts = StackAlerts(
                self,
                "Alerts",
                name=f"{config.release}-llm",
                namespace=config.namespace,
                models=monitored,
                slo=observability.slo,
                ai_gateway=ai_gateway,
                alerts=observability.alerts,
                labels=labels,
                tenants=tenants,
            )
        if observability.dashboards:
            self.dashboard = StackDashboard(
                self,
                "Dashboard",
                name=f"{config.release}-llm-dashboard",
                namespace=config.namespace,
                dashboard=dashboard(
                    monitored,
                    release=config.release,
                    slo=observability.slo,
                    ai_gateway=ai_gateway,
                    client_id_header=config.gateway.client_id_header,
                    tenants=tenants,
                ),
                labels=labels,
            )

    def _stamp_common_metadata(self) -> None:
        """``commonLabels`` and ``commonAnnotations`` on every object."""
        for obj in self.node.find_all():
            if isinstance(obj, cdk8s.ApiObject):
                for key, value in self.config.common_labels.items():
                    obj.metadata.add_label(key, value)
                for key, value in self.config.common_annotations.items():
                    obj.metadata.add_annotation(key, value)
