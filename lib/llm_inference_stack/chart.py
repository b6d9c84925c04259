"""The chart that wires the stack: models (server + autoscaler), keys, gateway, observability."""

from __future__ import annotations

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from .api_keys import ApiKeys
from .autoscaler import Autoscaler
from .config import StackConfig
from .gateway import AiGateway, ModelRoute
from .model_server import ModelServer
from .monitoring import MonitoredModel, StackAlerts, StackDashboard, dashboard
from .observability import GatewayTracing
from .standalone_gateway import StandaloneGateway
from .tracing_env import project_name as trace_project
from .validation import ChartValidation
from .validation.checks.references import EXISTING_SECRET_ANNOTATION


def stack_labels(config: StackConfig) -> dict[str, str]:
    """Labels on every object of the stack."""
    return {"app.kubernetes.io/part-of": config.release, "app.kubernetes.io/managed-by": "llm-inference-stack"}


class ModelDeployment(Construct):
    """One model: its InferenceService (with PodMonitor and PDB) and its ScaledObject."""

    def __init__(self, scope: Construct, id: str, *, stack: StackConfig, index: int) -> None:
        super().__init__(scope, id)
        model = stack.models[index]
        namespace = stack.namespace_of(model)
        autoscaling = stack.autoscaling_of(model)
        phoenix = stack.observability.phoenix
        labels = stack_labels(stack)
        self.server = ModelServer(
            self,
            "ModelServer",
            model=model,
            namespace=namespace,
            tracing=phoenix,
            project_name=trace_project(phoenix, stack.release),
            min_replicas=autoscaling.min_replicas,
            labels=labels,
        )
        self.autoscaler = Autoscaler(
            self,
            "Autoscaler",
            target_deployment=self.server.predictor_name,
            served_model_name=model.name,
            namespace=namespace,
            config=autoscaling,
            name=self.server.name,
            labels={**labels, "app.kubernetes.io/name": self.server.name},
        )


class LlmInferenceStack(cdk8s.Chart):
    """The whole stack from one ``StackConfig``.

    :param config: the validated configuration (see ``load_values``).
    :param labels: extra labels on every object. Default: none.
    """

    def __init__(self, scope: Construct, id: str, *, config: StackConfig) -> None:
        # No chart-level namespace: it would also stamp cluster-scoped objects (GatewayClass).
        super().__init__(scope, id, disable_resource_name_hashes=True)
        self.config = config
        labels = stack_labels(config)

        # First in the output, so that `kubectl apply -f` creates them before what lives in them.
        self.namespaces = (
            [
                k8s.KubeNamespace(self, f"Namespace-{name}", metadata=k8s.ObjectMeta(name=name, labels=labels))
                for name in config.namespaces
            ]
            if config.create_namespace
            else []
        )
        self.models = [
            ModelDeployment(self, model.resource_name, stack=config, index=i) for i, model in enumerate(config.models)
        ]
        self.api_keys = ApiKeys(self, "ApiKeys", namespace=config.namespace, config=config.api_keys, labels=labels)

        phoenix = config.observability.phoenix
        project = trace_project(phoenix, config.release)
        self.tracing: GatewayTracing | None = None
        if phoenix is not None and config.gateway.mode == "ai-gateway":
            self.tracing = GatewayTracing(
                self,
                "Tracing",
                name=config.gateway_name,
                namespace=config.namespace,
                phoenix=phoenix,
                project_name=project,
                labels=labels,
            )

        routes = [
            ModelRoute(
                served_model_name=m.server.served_model_name,
                backend_name=m.server.name,
                service_host=m.server.predictor_service_host,
                service_port=m.server.service_port,
                api_prefix=m.server.api_prefix,
                rate_limit=config.rate_limit_of(m.server.model),
            )
            for m in self.models
        ]
        self.gateway: AiGateway | StandaloneGateway
        if config.gateway.mode == "standalone":
            # A plain Envoy Deployment: no Envoy Gateway / AI Gateway custom resources.
            self.gateway = StandaloneGateway(
                self,
                "Gateway",
                name=config.gateway_name,
                namespace=config.namespace,
                routes=routes,
                api_keys_secret=self.api_keys.secret_name,
                config=config.gateway,
                phoenix=phoenix,
                project_name=project,
                labels=labels,
            )
        else:
            self.gateway = AiGateway(
                self,
                "Gateway",
                name=config.gateway_name,
                namespace=config.namespace,
                routes=routes,
                api_keys_secret=self.api_keys.secret_name,
                config=config.gateway,
                gateway_config_name=self.tracing.name if self.tracing else None,
                labels=labels,
            )

        if config.network_policy.enabled:
            # Standalone Envoy pods run in the stack's namespace, never in an Envoy Gateway controller's.
            gateway_namespace = (
                config.namespace
                if config.gateway.mode == "standalone"
                else config.network_policy.gateway_namespace or config.namespace
            )
            for m in self.models:
                m.server.allow_ingress_only_from(
                    gateway_namespace=gateway_namespace,
                    gateway_pod_labels=self.gateway.pod_selector,
                    prometheus_namespace=m.autoscaler.config.prometheus.namespace,
                )

        observability = config.observability
        monitored = [MonitoredModel.of(m.server, m.autoscaler) for m in self.models]
        ai_gateway = config.gateway.mode == "ai-gateway"
        self.alerts: StackAlerts | None = None
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
            )
        self.dashboard: StackDashboard | None = None
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
                ),
                labels=labels,
            )

        if isinstance(self.gateway, AiGateway) and config.api_keys.source == "existing":
            # Declares the out-of-band Secret, so validation can tell it from a forgotten one.
            secret = config.api_keys.secret_name
            self.gateway.security_policy.metadata.add_annotation(EXISTING_SECRET_ANNOTATION, secret)
        for obj in self.node.find_all():
            if isinstance(obj, cdk8s.ApiObject):
                for key, value in config.common_labels.items():
                    obj.metadata.add_label(key, value)
                for key, value in config.common_annotations.items():
                    obj.metadata.add_annotation(key, value)
        self.warnings: list[str] = [w for m in self.models for w in m.server.warnings] + self.api_keys.warnings
        """Warnings about the output (plain-text credentials, a test key), for the caller to show: ``llm-stack synth``
        prints them on stderr."""
        self.validation = ChartValidation(self)
        """Schema and cross-object checks, run by ``App.synth()`` (``synth.synthesize`` checks the objects first)."""
        self.node.add_validation(self.validation)
