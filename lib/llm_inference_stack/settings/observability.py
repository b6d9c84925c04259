"""Settings of tracing (Arize Phoenix), alerts, dashboards and the latency objectives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import Namer
from ._checks import check_dns_label, check_url, require


def _key_fix(n: Namer) -> str:
    return f"keep a Phoenix API key in a Secret and name it in {n('auth_secret_name')}"


@dataclass(frozen=True, kw_only=True)
class PhoenixConfig:
    """Arize Phoenix, the trace collector."""

    endpoint: str = "http://phoenix-svc.phoenix.svc.cluster.local:6006"
    """Phoenix's HTTP address (OTLP over HTTP at ``/v1/traces``). Default: ``phoenix-svc`` (the Service of the
    official Phoenix chart) in namespace ``phoenix``."""
    grpc_endpoint: str | None = None
    """Phoenix's OTLP gRPC address, used by vLLM. Default: the host of ``endpoint`` on port 4317."""
    project_name: str | None = None
    """Phoenix project the traces go to. Default: the release name."""
    auth_secret_name: str | None = None
    """Secret (key ``api-key``) with a Phoenix API key, sent as ``authorization: Bearer``. Default: none."""
    trace_vllm: bool = True
    """Also send vLLM's own request spans (``--otlp-traces-endpoint``). Default: true."""

    def __post_init__(self) -> None:
        check_url("endpoint", self.endpoint, appends="'/v1/traces' (by the OTLP/HTTP exporters)", credentials=_key_fix)
        require(
            not self.endpoint.rstrip("/").endswith("/v1/traces"),
            "endpoint",
            self.endpoint,
            "give Phoenix's base address, e.g. http://phoenix-svc.phoenix.svc.cluster.local:6006: the exporters "
            "append /v1/traces themselves",
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
        return f"http://[{host}]:4317" if ":" in host else f"http://{host}:4317"


@dataclass(frozen=True, kw_only=True)
class SloConfig:
    """Latency objectives of every model, alerted on as multi-window burn rates.

    Each is "95% of requests (tokens, for inter-token latency) within N seconds", measured on vLLM's own
    histograms; N must be one of vLLM's bucket boundaries, or the share of requests under it cannot be read.
    """

    ttft_p95_seconds: float = 2.5
    """95% of requests get their first token within this many seconds (``vllm:time_to_first_token_seconds``).
    Default: 2.5."""
    itl_p95_seconds: float = 0.1
    """95% of output tokens follow the previous one within this many seconds
    (``vllm:inter_token_latency_seconds``). Default: 0.1."""

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
class ObservabilityConfig:
    """Tracing, alerts and dashboards."""

    phoenix: PhoenixConfig | None = PhoenixConfig()
    """Phoenix tracing; null turns tracing off. Default: see ``PhoenixConfig``."""
    alerts: bool = True
    """Emit a PrometheusRule with the stack's alerts (SLO burn rates, saturation, availability, gateway errors).
    Default: true."""
    dashboards: bool = True
    """Emit the Grafana dashboard as a ConfigMap labelled ``grafana_dashboard: "1"``. Default: true."""
    slo: SloConfig = SloConfig()
    """Latency objectives the alerts and the dashboard use. Default: see ``SloConfig``."""
