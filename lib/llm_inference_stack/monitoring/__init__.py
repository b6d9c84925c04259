"""Operating the stack: Prometheus recording rules and alerts, and a Grafana dashboard, from the same values.

Every model contributes *facts* (served name, namespace, predictor Deployment, KEDA HPA, autoscaling threshold
and replica bounds) as constant recording rules (``llm_stack:model_info``, ``llm_stack:autoscaling_*``). Every
other rule, alert and panel is one generic expression joined on those facts by ``namespace`` and ``model_name``,
so a fleet of 100 models has 100 facts, not 100 copies of each rule, and the dashboard works for any model.

Metrics used (nothing else): vLLM's own (``vllm_metrics``), kube-state-metrics' HPA and Deployment series, and
with ``gateway.mode: ai-gateway`` Envoy AI Gateway's ``gen_ai_*`` series. See docs/operations.md for what each alert
means and what to do when it fires.

:mod:`.series` holds what both sides share (the recorded names, the metrics read, the SLO windows,
``MonitoredModel``); :mod:`.rules` the recording rules, the alerts and ``StackAlerts``; :mod:`.stack_dashboard` the
Grafana dashboard and ``StackDashboard``. Their public names are importable from this package.
"""

from __future__ import annotations

from ..facts.grafana import DASHBOARD_LABEL
from .rules import RULE_OBJECT_MAX_BYTES, StackAlerts, alert_rules, recording_rules, split_rule_groups
from .series import (
    AIGW_CLIENT_LABEL,
    AIGW_REQUESTS,
    AIGW_TOKENS,
    AVAILABLE,
    BURN_WINDOWS,
    BY,
    GATEWAY_FAILED_RATE,
    GATEWAY_FAILED_RATIO,
    GATEWAY_REQUEST_RATE,
    GENERATION_TOKENS_RATE,
    HPA_CURRENT,
    HPA_MAX,
    INFO,
    KSM_DEPLOYMENT_AVAILABLE,
    KSM_HPA_CURRENT,
    KSM_HPA_MAX,
    KV_CACHE_MAX,
    LATENCIES,
    MAX_REPLICAS,
    MIN_REPLICAS,
    PROMPT_TOKENS_RATE,
    QUANTILES,
    QUEUE,
    RATIO_WINDOWS,
    REQUEST_RATE,
    RUNNING,
    SLO_OBJECTIVE,
    THRESHOLD,
    MonitoredModel,
    promql_number,
    quantile_rule,
    regex_alternatives,
    slo_seconds,
    slow_ratio_rule,
)
from .stack_dashboard import StackDashboard, dashboard

__all__ = [
    "AIGW_CLIENT_LABEL",
    "AIGW_REQUESTS",
    "AIGW_TOKENS",
    "AVAILABLE",
    "BURN_WINDOWS",
    "BY",
    "DASHBOARD_LABEL",
    "GATEWAY_FAILED_RATE",
    "GATEWAY_FAILED_RATIO",
    "GATEWAY_REQUEST_RATE",
    "GENERATION_TOKENS_RATE",
    "HPA_CURRENT",
    "HPA_MAX",
    "INFO",
    "KSM_DEPLOYMENT_AVAILABLE",
    "KSM_HPA_CURRENT",
    "KSM_HPA_MAX",
    "KV_CACHE_MAX",
    "LATENCIES",
    "MAX_REPLICAS",
    "MIN_REPLICAS",
    "PROMPT_TOKENS_RATE",
    "QUANTILES",
    "QUEUE",
    "RATIO_WINDOWS",
    "REQUEST_RATE",
    "RULE_OBJECT_MAX_BYTES",
    "RUNNING",
    "SLO_OBJECTIVE",
    "THRESHOLD",
    "MonitoredModel",
    "StackAlerts",
    "StackDashboard",
    "alert_rules",
    "dashboard",
    "promql_number",
    "quantile_rule",
    "recording_rules",
    "regex_alternatives",
    "slo_seconds",
    "slow_ratio_rule",
    "split_rule_groups",
]
