"""Observability: OTLP traces to Arize Phoenix.

The AI Gateway's external processor emits OpenInference spans; a GatewayConfig sets its ``OTEL_*``
environment and is attached to the Gateway by annotation. vLLM's own spans are configured on the
model server (``--otlp-traces-endpoint``, gRPC).
"""

from __future__ import annotations

from collections.abc import Mapping

import cdk8s
from constructs import Construct

from ._resource import check_label, gvk, namespace_for, plain_api_object
from .config import PhoenixConfig
from .contracts import typed_props
from .facts import ai_gateway
from .tracing_env import otlp_env
from .tracing_env import project_name as trace_project
from .validation import ChartValidation


@typed_props
class GatewayTracing(Construct):
    """A GatewayConfig that points the AI Gateway's trace exporter at Phoenix.

    Usually made by ``AiGateway.add_tracing``, which attaches it to the Gateway.

    :param name: name of the GatewayConfig (referenced by the Gateway's annotation).
    :param phoenix: where traces go.
    :param namespace: the Gateway's namespace. Default: the chart's namespace, else ``kserve-inference``.
    :param project_name: Phoenix project. Default: ``tracing_env.project_name(phoenix)``.
    :param labels: extra labels. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        phoenix: PhoenixConfig,
        namespace: str | None = None,
        project_name: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        ChartValidation.own(self, scope)
        check_label("GatewayTracing", "name", name, 253)
        namespace = namespace_for(self, namespace)
        project_name = project_name or trace_project(phoenix)
        self.name = name
        self.phoenix = phoenix
        self.project_name = project_name
        env = [
            {"name": var.name, "valueFrom": {"secretKeyRef": {"name": var.secret_name, "key": var.secret_key}}}
            if var.secret_name
            else {"name": var.name, "value": var.value}
            for var in otlp_env(phoenix, service_name=name, project_name=project_name, exporter="otlp-http")
        ]
        self.gateway_config = plain_api_object(
            self,
            "Resource",
            gvk=gvk(ai_gateway.API_VERSION, ai_gateway.GATEWAY_CONFIG),
            metadata=cdk8s.ApiObjectMetadata(
                name=name,
                namespace=namespace,
                labels={"app.kubernetes.io/component": "observability", **(labels or {})},
            ),
            body={"spec": {"extProc": {"kubernetes": {"env": env}}}},
        )
        """The GatewayConfig (``node.default_child``)."""
