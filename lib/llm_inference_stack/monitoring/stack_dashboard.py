"""The stack's Grafana dashboard (built with ``llm_inference_stack.grafana``), and :class:`StackDashboard`, the
ConfigMap that kube-prometheus-stack's Grafana sidecar loads it from.

Every panel is one expression over the variables ``namespace`` and ``model``, so the dashboard works for any model
of the stack; it reads vLLM's series and the recorded ones of :mod:`.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cdk8s
from constructs import Construct

from .. import vllm_metrics as vm
from .._resource import gvk, plain_api_object
from ..config import SloConfig
from ..contracts import typed_call, typed_props
from ..facts import kubernetes
from ..facts.grafana import DASHBOARD_LABEL
from ..grafana import Dashboard, Panel, QueryVariable, Row, Target, Threshold
from ..validation import ChartValidation
from .series import (
    AIGW_CLIENT_LABEL,
    AIGW_REQUESTS,
    AIGW_TOKENS,
    BURN_WINDOWS,
    BY,
    GATEWAY_FAILED_RATIO,
    HPA_CURRENT,
    HPA_MAX,
    QUANTILES,
    SLO_OBJECTIVE,
    THRESHOLD,
    MonitoredModel,
    promql_number,
    regex_alternatives,
    slow_ratio_rule,
)
from .tenants import MonitoredTenant, tenant_row

NS = 'namespace="$namespace"'
MODEL = 'model_name="$model"'
SEL = f"{NS}, {MODEL}"


def _quantile(histogram: vm.Histogram, q: float) -> str:
    return f"histogram_quantile({q}, sum by (le) (rate({histogram.bucket}{{{SEL}}}[$__rate_interval])))"


def _latency_panel(title: str, histogram: vm.Histogram, slo_seconds: float, description: str) -> Panel:
    """Percentiles of a vLLM latency histogram, with the SLO as a line and a threshold."""
    return Panel(
        title,
        (
            *tuple(Target(_quantile(histogram, q), f"p{round(q * 100)}") for q in QUANTILES),
            Target(f"vector({promql_number(slo_seconds)})", "SLO: p95 within"),
        ),
        unit="s",
        thresholds=(Threshold(slo_seconds),),
        description=description,
    )


def _scaling_row() -> Row:
    """What KEDA scales on and what it did: the queue against the scale-up point, replicas, finished requests."""
    return Row(
        "Requests and scaling",
        (
            Panel(
                "Queue, threshold and replicas",
                (
                    Target(f"sum({vm.WAITING}{{{SEL}}})", "waiting (KEDA's scaling input)"),
                    Target(f"sum({vm.RUNNING}{{{SEL}}})", "running"),
                    Target(
                        f"{THRESHOLD}{{{SEL}}} * on ({BY}) {HPA_CURRENT}{{{SEL}}}",
                        "scale-up point (threshold × replicas)",
                    ),
                    Target(f"{THRESHOLD}{{{SEL}}}", "threshold per replica"),
                    Target(f"{HPA_CURRENT}{{{SEL}}}", "replicas (KEDA HPA)"),
                    Target(f"{HPA_MAX}{{{SEL}}}", "maxReplicas"),
                ),
                description="KEDA asks for ceil(waiting / threshold) replicas, between minReplicas and "
                "maxReplicas: when 'waiting' crosses the scale-up point, another replica is added.",
            ),
            Panel(
                "Finished requests per second",
                (
                    Target(
                        f"sum by (finished_reason) (rate({vm.REQUEST_SUCCESS}{{{SEL}}}[$__rate_interval]))",
                        "{{finished_reason}}",
                    ),
                ),
                unit="reqps",
            ),
        ),
    )


def _latency_row(slo: SloConfig) -> Row:
    """Time to first token and inter-token latency against their SLOs, and how fast the error budget burns."""
    ttft, itl = slo.ttft_p95_seconds, slo.itl_p95_seconds
    return Row(
        "Latency against the SLO",
        (
            _latency_panel(
                "Time to first token",
                vm.TIME_TO_FIRST_TOKEN,
                ttft,
                f"SLO: 95% of requests get their first token within {promql_number(ttft)} s.",
            ),
            _latency_panel(
                "Inter-token latency",
                vm.INTER_TOKEN_LATENCY,
                itl,
                f"SLO: 95% of output tokens within {promql_number(itl)} s of the previous one.",
            ),
            Panel(
                "SLO burn rate (1h)",
                (
                    Target(
                        f"{slow_ratio_rule('ttft', '1h')}{{{SEL}}} / {promql_number(round(1 - SLO_OBJECTIVE, 6))}",
                        "time to first token",
                    ),
                    Target(
                        f"{slow_ratio_rule('itl', '1h')}{{{SEL}}} / {promql_number(round(1 - SLO_OBJECTIVE, 6))}",
                        "inter-token latency",
                    ),
                ),
                thresholds=(Threshold(BURN_WINDOWS[1][3], "orange"), Threshold(BURN_WINDOWS[0][3], "red")),
                description="Share of requests over the SLO divided by the 5% budget: 1 spends the 30-day "
                "budget in 30 days; the alerts fire at 6 (slow) and 14.4 (fast).",
            ),
        ),
    )


def _engine_row() -> Row:
    """vLLM's KV cache and token throughput."""
    return Row(
        "Engine",
        (
            Panel(
                "KV-cache usage",
                (
                    Target(f"max({vm.KV_CACHE_USAGE}{{{SEL}}})", "max over pods"),
                    Target(f"avg({vm.KV_CACHE_USAGE}{{{SEL}}})", "average"),
                ),
                unit="percentunit",
                min=0,
                max=1,
            ),
            Panel(
                "Tokens per second",
                (
                    Target(f"sum(rate({vm.PROMPT_TOKENS}{{{SEL}}}[$__rate_interval]))", "in (prompt)"),
                    Target(f"sum(rate({vm.GENERATION_TOKENS}{{{SEL}}}[$__rate_interval]))", "out (generated)"),
                ),
            ),
        ),
    )


def _gateway_row(client_id_header: str) -> Row:
    """Envoy AI Gateway's view: tokens per client and the share of failed requests."""
    gw = 'gen_ai_original_model="$model"'
    return Row(
        "Gateway, per client (Envoy AI Gateway)",
        (
            Panel(
                "Tokens per second by client",
                (
                    Target(
                        f"sum by ({AIGW_CLIENT_LABEL}, gen_ai_token_type) (rate({AIGW_TOKENS}"
                        f'{{{gw}, gen_ai_token_type=~"input|output"}}[$__rate_interval]))',
                        "{{" + AIGW_CLIENT_LABEL + "}} {{gen_ai_token_type}}",
                    ),
                ),
                description=f"Needs the AI Gateway installed with controller.metricsRequestHeaderAttributes "
                f'"{client_id_header}:client.id".',
            ),
            Panel(
                "Failed requests at the gateway",
                (
                    Target(
                        f'sum(rate({AIGW_REQUESTS}{{{gw}, error_type!=""}}[$__rate_interval])) '
                        f"/ sum(rate({AIGW_REQUESTS}{{{gw}}}[$__rate_interval]))",
                        "failed share",
                    ),
                ),
                unit="percentunit",
                thresholds=(Threshold(GATEWAY_FAILED_RATIO),),
            ),
        ),
    )


@typed_call
def dashboard(
    models: Sequence[MonitoredModel],
    *,
    release: str,
    slo: SloConfig,
    ai_gateway: bool,
    client_id_header: str,
    tenants: Sequence[MonitoredTenant] = (),
) -> Dashboard:
    """The stack's dashboard: per model (variables ``namespace`` and ``model``), and per client where the gateway
    exports it; with ``tenants``, a row of tokens per tenant and per client of each (default: none)."""
    jobs = regex_alternatives([m.job for m in models])
    rows = [_scaling_row(), _latency_row(slo), _engine_row()]
    if ai_gateway:
        rows.append(_gateway_row(client_id_header))
        if tenants:
            rows.append(tenant_row(tenants, client_id_header))
    return Dashboard(
        uid=f"{release}-llm"[:40],
        title=f"LLM inference: {release}",
        description="Generated by llm-inference-stack from the stack's values; edits are overwritten.",
        tags=("llm-inference-stack", release),
        variables=(
            QueryVariable("namespace", "Namespace", f"label_values({vm.WAITING}{{job=~{jobs}}}, namespace)"),
            QueryVariable("model", "Model", f"label_values({vm.WAITING}{{job=~{jobs}, {NS}}}, model_name)"),
        ),
        rows=tuple(rows),
    )


@typed_props
class StackDashboard(Construct):
    """The Grafana dashboard as a ConfigMap labelled ``grafana_dashboard: "1"`` (kube-prometheus-stack's sidecar).

    :param name: name of the ConfigMap; the JSON is its key ``<name>.json``.
    :param namespace: its namespace (the sidecar's ``searchNamespace`` must include it).
    :param dashboard: the dashboard.
    :param labels: extra labels. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        namespace: str,
        dashboard: Dashboard,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        ChartValidation.own(self, scope)
        self.name = name
        self.dashboard = dashboard
        key, value = DASHBOARD_LABEL
        self.config_map = plain_api_object(
            self,
            "Resource",
            gvk=gvk(*kubernetes.CONFIG_MAP),
            metadata=cdk8s.ApiObjectMetadata(
                name=name,
                namespace=namespace,
                labels={"app.kubernetes.io/component": "monitoring", **(labels or {}), key: value},
            ),
            body={"data": {f"{name}.json": dashboard.to_json()}},
        )
