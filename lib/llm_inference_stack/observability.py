"""Observability: OTLP traces to Arize Phoenix.

The AI Gateway's external processor emits OpenInference spans; a GatewayConfig sets its ``OTEL_*``
environment and is attached to the Gateway by annotation. vLLM's own spans are configured on the
model server (``--otlp-traces-endpoint``, gRPC).
"""

from __future__ import annotations

from collections.abc import Mapping

import cdk8s
from constructs import Construct

from .config import PhoenixConfig
from .imports.io.envoyproxy import aigateway as aig
from .tracing_env import otlp_env


class GatewayTracing(Construct):
    """A GatewayConfig that points the AI Gateway's trace exporter at Phoenix.

    :param name: name of the GatewayConfig (referenced by the Gateway's annotation).
    :param namespace: the Gateway's namespace.
    :param phoenix: where traces go.
    :param project_name: Phoenix project.
    :param labels: extra labels. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        namespace: str,
        phoenix: PhoenixConfig,
        project_name: str,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.name = name
        env = [
            aig.GatewayConfigSpecExtProcKubernetesEnv(
                name=var.name,
                value=var.value,
                value_from=aig.GatewayConfigSpecExtProcKubernetesEnvValueFrom(
                    secret_key_ref=aig.GatewayConfigSpecExtProcKubernetesEnvValueFromSecretKeyRef(
                        name=var.secret_name, key=var.secret_key
                    )
                )
                if var.secret_name
                else None,
            )
            for var in otlp_env(phoenix, service_name=name, project_name=project_name, exporter="otlp-http")
        ]
        self.gateway_config = aig.GatewayConfig(
            self,
            "Resource",
            metadata=cdk8s.ApiObjectMetadata(
                name=name,
                namespace=namespace,
                labels={"app.kubernetes.io/component": "observability", **(labels or {})},
            ),
            spec=aig.GatewayConfigSpec(
                ext_proc=aig.GatewayConfigSpecExtProc(kubernetes=aig.GatewayConfigSpecExtProcKubernetes(env=env))
            ),
        )
