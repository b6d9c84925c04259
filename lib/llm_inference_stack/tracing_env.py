"""The environment of every trace exporter that sends spans to Phoenix, and the Phoenix project they go to.

Three exporters send spans to Phoenix: the AI Gateway's external processor (an OpenTelemetry SDK configured
entirely by ``OTEL_*`` variables, OTLP over HTTP), vLLM (endpoint given by ``--otlp-traces-endpoint``, OTLP over
gRPC) and the standalone gateway's Envoy (endpoint in its bootstrap; the project travels as a resource
attribute). The variable names, their values and the project name are decided here once; the constructs turn
each ``EnvVar`` into their own container-spec type. No jsii: safe to import anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .facts import opentelemetry as otel
from .kube_expansion import escape, reference
from .settings import PhoenixConfig, StackConfig

PHOENIX_API_KEY = "PHOENIX_API_KEY"
"""Variable holding the Phoenix API key (from ``observability.phoenix.authSecretName``)."""
PHOENIX_API_KEY_SECRET_KEY = "api-key"
"""Key of the Phoenix API key in its Secret."""
PROJECT_ATTRIBUTE = "openinference.project.name"
"""Resource attribute Phoenix files spans under as their project."""

Exporter = Literal["otlp-http", "vllm", "envoy"]
"""``otlp-http``: an OpenTelemetry SDK configured by environment alone (the AI Gateway's external processor);
``vllm``: vLLM, whose endpoint is a flag (gRPC, plain text in the cluster); ``envoy``: the standalone gateway's
Envoy, which reads only the resource attributes (service name included) from its environment."""


@dataclass(frozen=True)
class EnvVar:
    """One environment variable: a literal ``value`` as the container spec holds it (configured strings escaped
    with ``kube_expansion.escape``; only the trace header refers to ``PHOENIX_API_KEY``, on purpose), or a
    ``secret_name`` whose key ``secret_key`` holds the value."""

    name: str
    value: str | None = None
    secret_name: str | None = None
    secret_key: str = PHOENIX_API_KEY_SECRET_KEY


def project_name(phoenix: PhoenixConfig | None, release: str = StackConfig.release) -> str:
    """The Phoenix project of every span of a stack: ``phoenix.project_name``, else the release name (a construct
    used without a stack: the default release, ``llm-stack``)."""
    return (phoenix.project_name if phoenix is not None else None) or release


def resource_attributes(project: str, service_name: str | None = None) -> str:
    """``OTEL_RESOURCE_ATTRIBUTES`` naming the project (and, for exporters that take no ``OTEL_SERVICE_NAME``, the
    service), unescaped."""
    return f"{PROJECT_ATTRIBUTE}={project}" + (f",service.name={service_name}" if service_name is not None else "")


def otlp_env(phoenix: PhoenixConfig, *, service_name: str, project_name: str, exporter: Exporter) -> list[EnvVar]:
    """The variables that send ``exporter``'s spans to ``phoenix`` under ``project_name``, in container order:
    the API key's Secret reference first (the trace header refers to it), the trace header last."""
    if exporter == "envoy":
        return [EnvVar("OTEL_RESOURCE_ATTRIBUTES", escape(resource_attributes(project_name, service_name)))]
    secret = phoenix.auth_secret_name
    env = [EnvVar(PHOENIX_API_KEY, secret_name=secret)] if secret is not None else []
    if exporter == "otlp-http":
        env += [
            EnvVar("OTEL_TRACES_EXPORTER", "otlp"),
            EnvVar("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
            EnvVar("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", escape(phoenix.endpoint.rstrip("/") + otel.TRACES_PATH)),
        ]
    env += [
        EnvVar("OTEL_SERVICE_NAME", escape(service_name)),
        EnvVar("OTEL_RESOURCE_ATTRIBUTES", escape(resource_attributes(project_name))),
    ]
    if exporter == "vllm":
        env.append(EnvVar("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "true"))
    if secret is not None:
        env.append(EnvVar("OTEL_EXPORTER_OTLP_TRACES_HEADERS", f"authorization=Bearer {reference(PHOENIX_API_KEY)}"))
    return env
