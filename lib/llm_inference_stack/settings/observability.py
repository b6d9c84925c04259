"""Settings of tracing (Arize Phoenix), alerts, dashboards and the latency objectives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import Namer
from ..facts import opentelemetry
from ..facts import phoenix as phoenix_facts
from ._checks import check_dns_label, check_url, require
from .typed import Typed


def _key_fix(n: Namer) -> str:
    return f"keep a Phoenix API key in a Secret and name it in {n('auth_secret_name')}"


@dataclass(frozen=True, kw_only=True)
class PhoenixConfig(Typed):
    """Arize Phoenix, the trace collector."""

    endpoint: str = "http://phoenix-svc.phoenix.svc.cluster.local:6006"
    """Phoenix's HTTP address; the gateway sends OTLP over HTTP to ``<endpoint>/v1/traces``. Default:
    ``http://phoenix-svc.phoenix.svc.cluster.local:6006`` (``phoenix-svc``, the Service of the official Phoenix
    chart, in namespace ``phoenix``)."""
    grpc_endpoint: str | None = None
    """Phoenix's OTLP gRPC address, for vLLM's ``--otlp-traces-endpoint``. Default: the host of ``endpoint`` on
    port 4317."""
    project_name: str | None = None
    """Phoenix project the traces go to (``openinference.project.name``). Default: the release name."""
    auth_secret_name: str | None = None
    """Secret (key ``api-key``) with a Phoenix API key, sent as ``authorization: Bearer``. Default: none."""
    trace_vllm: bool = True
    """Also send vLLM's own request spans (``--otlp-traces-endpoint``). Default: true."""

    def __post_init__(self) -> None:
        traces = opentelemetry.TRACES_PATH
        check_url("endpoint", self.endpoint, appends=f"'{traces}' (by the OTLP/HTTP exporters)", credentials=_key_fix)
        require(
            not self.endpoint.rstrip("/").endswith(traces),
            "endpoint",
            self.endpoint,
            "give Phoenix's base address, e.g. http://phoenix-svc.phoenix.svc.cluster.local:6006: the exporters "
            f"append {traces} themselves",
        )
        if self.grpc_endpoint is not None:
            check_url("grpc_endpoint", self.grpc_endpoint, appends="the OTLP gRPC service path", credentials=_key_fix)
        if self.auth_secret_name is not None:
            check_dns_label("auth_secret_name", self.auth_secret_name, 253)
        if self.project_name is not None:
            require(
                bool(re.fullmatch(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", self.project_name)),
                "project_name",
                self.project_name,
                "use letters, digits, '-', '_' and '.', at most 100 characters",
            )

    @property
    def otlp_grpc_endpoint(self) -> str:
        if self.grpc_endpoint:
            return self.grpc_endpoint
        host = urlsplit(self.endpoint).hostname or ""
        return (
            f"http://[{host}]:{phoenix_facts.GRPC_PORT}" if ":" in host else f"http://{host}:{phoenix_facts.GRPC_PORT}"
        )


@dataclass(frozen=True, kw_only=True)
class SloConfig(Typed):
    """Latency objectives of every model, alerted on as multi-window burn rates.

    Each is "95% of requests (tokens, for inter-token latency) within N seconds", measured on vLLM's own
    histograms; N must be one of vLLM's bucket boundaries, or the share of requests under it cannot be read.
    """

    ttft_p95_seconds: float = 2.5
    """SLO: 95% of requests get their first token within this many seconds; a bucket boundary of vLLM 0.32's
    ``vllm:time_to_first_token_seconds`` (..., 0.5, 0.75, 1, 2.5, 5, 7.5, 10, ...). Default: 2.5."""
    itl_p95_seconds: float = 0.1
    """SLO: 95% of output tokens follow the previous one within this many seconds; a bucket boundary of
    ``vllm:inter_token_latency_seconds`` (..., 0.05, 0.075, 0.1, 0.15, 0.2, ...). Default: 0.1."""

    def __post_init__(self) -> None:
        # Imported here: vllm_metrics is the one home of vLLM's metric facts, and it needs nothing from here.
        from ..vllm_metrics import INTER_TOKEN_LATENCY, TIME_TO_FIRST_TOKEN

        for name, histogram in (("ttft_p95_seconds", TIME_TO_FIRST_TOKEN), ("itl_p95_seconds", INTER_TOKEN_LATENCY)):
            value = getattr(self, name)
            require(
                isinstance(value, (int, float)) and float(value) in histogram.buckets,
                name,
                value,
                f"use one of the bucket boundaries of vLLM's {histogram.name} histogram "
                f"({', '.join(f'{b:g}' for b in histogram.buckets)}): the share of requests within any other "
                "value cannot be read from it",
            )


@dataclass(frozen=True, kw_only=True)
class ObservabilityConfig(Typed):
    """Tracing, alerts and dashboards."""

    phoenix: PhoenixConfig | None = PhoenixConfig()
    """Phoenix tracing; null turns tracing off. Default: see ``PhoenixConfig``."""
    alerts: bool = True
    """Emit the PrometheusRule's alerts (SLO burn rates, saturation, availability, gateway errors); false keeps
    only the recording rules the dashboard reads. Default: true."""
    dashboards: bool = True
    """Emit the Grafana dashboard as a ConfigMap ``<release>-llm-dashboard`` labelled ``grafana_dashboard: "1"``;
    with ``alerts`` also false, no PrometheusRule either. Default: true."""
    slo: SloConfig = SloConfig()
    """Latency objectives the alerts and the dashboard use. Default: see ``SloConfig``."""
