"""The series the stack's monitoring is made of: the names of the recording rules, the metrics they read (vLLM's,
kube-state-metrics', Envoy AI Gateway's), the SLO's windows, and :class:`MonitoredModel`, what the rules and the
dashboard need of one model. :mod:`.rules` records and alerts on them; :mod:`.stack_dashboard` draws them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .. import vllm_metrics as vm
from ..autoscaler import Autoscaler
from ..config import SloConfig
from ..contracts import typed_call
from ..model_server import ModelServer

BY = "namespace, model_name"
"""Every per-model series is aggregated to these labels."""
SLO_OBJECTIVE = 0.95
"""The ``p95`` of the SLO keys: 95% of requests (tokens) within the threshold; 5% is the error budget."""
# Multi-window, multi-burn-rate alerts (Google SRE workbook, ch. 5) for a 30-day budget:
# (name, long window, short window, burn rate, for, severity).
BURN_WINDOWS = (
    ("Fast", "1h", "5m", 14.4, "2m", "critical"),
    ("Slow", "6h", "30m", 6.0, "15m", "warning"),
)
RATIO_WINDOWS = ("5m", "30m", "1h", "6h")
GATEWAY_FAILED_RATIO = 0.05
"""Failed share of gateway requests to a model above which ``LlmGatewayFailedRequests`` fires."""

# kube-state-metrics series (needs kube-state-metrics; KEDA's HPA and KServe's Deployment are ordinary objects).
KSM_HPA_CURRENT = "kube_horizontalpodautoscaler_status_current_replicas"
KSM_HPA_MAX = "kube_horizontalpodautoscaler_spec_max_replicas"
KSM_DEPLOYMENT_AVAILABLE = "kube_deployment_status_replicas_available"
# Envoy AI Gateway v1.1 (extproc, OpenTelemetry -> Prometheus): histograms with gen_ai_original_model = the
# model in the request body; error_type is set ("_OTHER") on failed requests only.
AIGW_REQUESTS = "gen_ai_server_request_duration_seconds_count"
AIGW_TOKENS = "gen_ai_client_token_usage_sum"
AIGW_CLIENT_LABEL = "client_id"
"""Label of the client id on ``gen_ai_*`` series when the AI Gateway maps the client-id header to ``client.id``."""


@dataclass(frozen=True)
class MonitoredModel:
    """What the rules and the dashboard need of one model, read from its constructs."""

    served_name: str
    namespace: str
    job: str
    """``job`` label the Prometheus Operator gives the PodMonitor's targets: ``<namespace>/<PodMonitor>``."""
    deployment: str
    hpa_name: str
    threshold: float
    min_replicas: int
    max_replicas: int

    @classmethod
    @typed_call
    def of(cls, server: ModelServer, autoscaler: Autoscaler) -> MonitoredModel:
        return cls(
            served_name=server.served_model_name,
            namespace=server.namespace,
            job=f"{server.namespace}/{server.pod_monitor_name}",
            deployment=server.predictor_name,
            hpa_name=autoscaler.hpa_name,
            threshold=autoscaler.config.threshold,
            min_replicas=autoscaler.config.min_replicas,
            max_replicas=autoscaler.config.max_replicas,
        )


def promql_number(value: float) -> str:
    """``value`` as PromQL and the summaries write it: an integer without a decimal point."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_RE2_SPECIAL = re.compile(r"[\\.+*?()|\[\]{}^$]")


def regex_alternatives(values: Sequence[str]) -> str:
    """A PromQL (RE2) regex string literal matching exactly ``values``."""
    return vm.promql_string("|".join(_RE2_SPECIAL.sub(r"\\\g<0>", v) for v in sorted(set(values))))


# --------------------------------------------------------------------------------------------------------------
# Rule names (level:metric:operations)

INFO = "llm_stack:model_info"
THRESHOLD = "llm_stack:autoscaling_threshold"
MIN_REPLICAS = "llm_stack:autoscaling_min_replicas"
MAX_REPLICAS = "llm_stack:autoscaling_max_replicas"
REQUEST_RATE = "namespace_model_name:vllm_requests:rate5m"
QUEUE = "namespace_model_name:vllm_requests_waiting:sum"
RUNNING = "namespace_model_name:vllm_requests_running:sum"
KV_CACHE_MAX = "namespace_model_name:vllm_kv_cache_usage:max"
PROMPT_TOKENS_RATE = "namespace_model_name:vllm_prompt_tokens:rate5m"
GENERATION_TOKENS_RATE = "namespace_model_name:vllm_generation_tokens:rate5m"
HPA_CURRENT = "namespace_model_name:kube_hpa_current_replicas:max"
HPA_MAX = "namespace_model_name:kube_hpa_max_replicas:max"
AVAILABLE = "namespace_model_name:kube_deployment_available_replicas:max"
GATEWAY_REQUEST_RATE = "model_name:gen_ai_requests:rate5m"
GATEWAY_FAILED_RATE = "model_name:gen_ai_failed_requests:rate5m"

LATENCIES = {"ttft": vm.TIME_TO_FIRST_TOKEN, "itl": vm.INTER_TOKEN_LATENCY}
QUANTILES = (0.5, 0.95, 0.99)


def quantile_rule(kind: str, quantile: float) -> str:
    short = LATENCIES[kind].name.removeprefix("vllm:")
    return f"namespace_model_name:vllm_{short}:p{round(quantile * 100)}_rate5m"


def slow_ratio_rule(kind: str, window: str) -> str:
    return f"namespace_model_name:vllm_{kind}_over_slo:ratio_rate{window}"


def slo_seconds(slo: SloConfig, kind: str) -> float:
    return slo.ttft_p95_seconds if kind == "ttft" else slo.itl_p95_seconds
