"""Observability: OTLP traces to Arize Phoenix.

The AI Gateway's external processor emits OpenInference spans; a GatewayConfig sets its ``OTEL_*``
environment and is attached to the Gateway by annotation. vLLM's own spans are configured on the
model server (``--otlp-traces-endpoint``, gRPC).
"""

from __future__ import annotations

from collections.abc import Mapping

import cdk8s
from constructs import Construct

from ._resource import body, check_label, lazy_api_object, namespace_for
from .config import PhoenixConfig
from .imports.io.envoyproxy import aigateway as aig
from .kube_expansion import escape, reference


def otlp_env(
    phoenix: PhoenixConfig, *, service_name: str, project_name: str
) -> list[tuple[str, str | None, str | None]]:
    """``(name, value, secret)`` environment for an OTLP/HTTP exporter sending traces to Phoenix.

    Values are as the container spec holds them: configured strings escaped (``kube_expansion.escape``), only
    the trace header refers to ``PHOENIX_API_KEY`` on purpose."""
    env: list[tuple[str, str | None, str | None]] = []
    if phoenix.auth_secret_name is not None:
        env.append(("PHOENIX_API_KEY", None, phoenix.auth_secret_name))
    env += [
        ("OTEL_TRACES_EXPORTER", "otlp", None),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf", None),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", escape(phoenix.endpoint.rstrip("/") + "/v1/traces"), None),
        ("OTEL_SERVICE_NAME", escape(service_name), None),
        ("OTEL_RESOURCE_ATTRIBUTES", escape(f"openinference.project.name={project_name}"), None),
    ]
    if phoenix.auth_secret_name is not None:
        env.append(("OTEL_EXPORTER_OTLP_TRACES_HEADERS", f"authorization=Bearer {reference('PHOENIX_API_KEY')}", None))
    return env


class GatewayTracing(Construct):
    """A GatewayConfig that points the AI Gateway's trace exporter at Phoenix.

    Usually made by ``AiGateway.add_tracing``, which attaches it to the Gateway.

    :param name: name of the GatewayConfig (referenced by the Gateway's annotation).
    :param phoenix: where traces go.
    :param namespace: the Gateway's namespace. Default: the chart's namespace, else ``kserve-inference``.
    :param project_name: Phoenix project. Default: ``phoenix.project_name``, else ``name``.
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
        check_label("GatewayTracing", "name", name, 253)
        namespace = namespace_for(self, namespace)
        project_name = project_name or phoenix.project_name or name
        self.name = name
        self.phoenix = phoenix
        self.project_name = project_name
        env = [
            aig.GatewayConfigSpecExtProcKubernetesEnv(
                name=key,
                value=value,
                value_from=aig.GatewayConfigSpecExtProcKubernetesEnvValueFrom(
                    secret_key_ref=aig.GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef(
                        name=secret, key="api-key"
                    )
                )
                if secret
                else None,
            )
            for key, value, secret in otlp_env(phoenix, service_name=name, project_name=project_name)
        ]
        spec = aig.GatewayConfigSpec(
            ext_proc=aig.GatewayConfigSpecExtProc(kubernetes=aig.GatewayConfigSpecExtProcKubernetes(env=env))
        )
        self.gateway_config = lazy_api_object(
            self,
            "Resource",
            gvk=aig.GatewayConfig.GVK,
            metadata=cdk8s.ApiObjectMetadata(
                name=name,
                namespace=namespace,
                labels={"app.kubernetes.io/component": "observability", **(labels or {})},
            ),
            fields=("spec",),
            produce=lambda: body(aig.GatewayConfig.manifest(spec=spec)),
        )
        """The GatewayConfig (``node.default_child``)."""
