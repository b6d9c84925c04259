"""Operating the stack: Prometheus recording rules and alerts, and a Grafana dashboard, from the same values.

Every model contributes *facts* (served name, namespace, predictor Deployment, KEDA HPA, autoscaling threshold
and replica bounds) as constant recording rules (``llm_stack:model_info``, ``llm_stack:autoscaling_*``). Every
other rule, alert and panel is one generic expression joined on those facts by ``namespace`` and ``model_name``,
so a fleet of 100 models has 100 facts, not 100 copies of each rule, and the dashboard works for any model.

Metrics used (nothing else): vLLM's own (``vllm_metrics``), kube-state-metrics' HPA and Deployment series, and
with ``gateway.mode: ai-gateway`` Envoy AI Gateway's ``gen_ai_*`` series. See the README for what each alert
means and what to do when it fires.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from . import vllm_metrics as vm
from .autoscaler import Autoscaler
from .config import SloConfig
from .errors import PropError
from .grafana import Dashboard, Panel, QueryVariable, Row, Target, Threshold
from .imports.com.coreos import monitoring as prom
from .kube_limits import LAST_APPLIED_LIMIT, kubectl_json_size
from .model_server import SCRAPE_INTERVAL, ModelServer

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
DASHBOARD_LABEL = ("grafana_dashboard", "1")
"""The label kube-prometheus-stack's Grafana sidecar collects dashboards by."""

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


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_RE2_SPECIAL = re.compile(r"[\\.+*?()|\[\]{}^$]")


def _regex_alternatives(values: Sequence[str]) -> str:
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


# --------------------------------------------------------------------------------------------------------------
# Rules


def _record(name: str, expr: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"record": name, "expr": expr}
    if labels:
        rule["labels"] = dict(labels)
    return rule


def _join_ksm(metric: str, object_label: str) -> str:
    """A kube-state-metrics series of the stack's objects, per model through ``llm_stack:model_info``.

    ``max``, not ``sum``: kube-state-metrics run with two replicas exports every object twice.
    """
    return f"max by ({BY}) ( {metric} * on (namespace, {object_label}) group_left (model_name) {INFO})"


def recording_rules(models: Sequence[MonitoredModel], *, slo: SloConfig, ai_gateway: bool) -> list[dict[str, Any]]:
    """Rule groups of recording rules: the model facts, then per-model aggregates of vLLM, KSM and gateway series."""
    facts: list[dict[str, Any]] = []
    for m in models:
        where = {"namespace": m.namespace, "model_name": m.served_name}
        facts.append(
            _record(INFO, "vector(1)", {**where, "deployment": m.deployment, "horizontalpodautoscaler": m.hpa_name})
        )
        facts.append(_record(THRESHOLD, f"vector({_num(m.threshold)})", where))
        facts.append(_record(MIN_REPLICAS, f"vector({m.min_replicas})", where))
        facts.append(_record(MAX_REPLICAS, f"vector({m.max_replicas})", where))

    sel = f"job=~{_regex_alternatives([m.job for m in models])}"
    vllm: list[dict[str, Any]] = [
        _record(REQUEST_RATE, f"sum by ({BY}) (rate({vm.REQUEST_SUCCESS}{{{sel}}}[5m]))"),
        _record(QUEUE, f"sum by ({BY}) ({vm.WAITING}{{{sel}}})"),
        _record(RUNNING, f"sum by ({BY}) ({vm.RUNNING}{{{sel}}})"),
        _record(KV_CACHE_MAX, f"max by ({BY}) ({vm.KV_CACHE_USAGE}{{{sel}}})"),
        _record(PROMPT_TOKENS_RATE, f"sum by ({BY}) (rate({vm.PROMPT_TOKENS}{{{sel}}}[5m]))"),
        _record(GENERATION_TOKENS_RATE, f"sum by ({BY}) (rate({vm.GENERATION_TOKENS}{{{sel}}}[5m]))"),
    ]
    for kind, histogram in LATENCIES.items():
        for q in QUANTILES:
            vllm.append(
                _record(
                    quantile_rule(kind, q),
                    f"histogram_quantile({q}, sum by ({BY}, le) (rate({histogram.bucket}{{{sel}}}[5m])))",
                )
            )
        le = vm.Histogram.le(slo_seconds(slo, kind))
        for window in RATIO_WINDOWS:
            vllm.append(
                _record(
                    slow_ratio_rule(kind, window),
                    f'1 - ( sum by ({BY}) (rate({histogram.bucket}{{{sel}, le="{le}"}}[{window}])) '
                    f"  / sum by ({BY}) (rate({histogram.count}{{{sel}}}[{window}])))",
                )
            )
    kube = [
        _record(HPA_CURRENT, _join_ksm(KSM_HPA_CURRENT, "horizontalpodautoscaler")),
        _record(HPA_MAX, _join_ksm(KSM_HPA_MAX, "horizontalpodautoscaler")),
        _record(AVAILABLE, _join_ksm(KSM_DEPLOYMENT_AVAILABLE, "deployment")),
    ]
    groups = [
        {"name": "llm-stack.facts", "interval": SCRAPE_INTERVAL, "rules": facts},
        {"name": "llm-stack.vllm", "interval": SCRAPE_INTERVAL, "rules": vllm},
        {"name": "llm-stack.kube-state-metrics", "interval": SCRAPE_INTERVAL, "rules": kube},
    ]
    if ai_gateway:
        models_re = _regex_alternatives([m.served_name for m in models])
        gw = f"gen_ai_original_model=~{models_re}"
        groups.append(
            {
                "name": "llm-stack.ai-gateway",
                "interval": SCRAPE_INTERVAL,
                "rules": [
                    _record(
                        GATEWAY_REQUEST_RATE,
                        _by_model(f"sum by (gen_ai_original_model) (rate({AIGW_REQUESTS}{{{gw}}}[5m]))"),
                    ),
                    _record(
                        GATEWAY_FAILED_RATE,
                        _by_model(
                            f'sum by (gen_ai_original_model) (rate({AIGW_REQUESTS}{{{gw}, error_type!=""}}[5m]))'
                        ),
                    ),
                ],
            }
        )
    return groups


def _by_model(expr: str) -> str:
    """Gateway series keyed by ``model_name`` (the served name clients send) like vLLM's."""
    return f'label_replace({expr}, "model_name", "$1", "gen_ai_original_model", "(.*)")'


def _alert(name: str, expr: str, for_: str, severity: str, summary: str, runbook: str) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity},
        "annotations": {"summary": summary, "description": runbook},
    }


def alert_rules(models: Sequence[MonitoredModel], *, slo: SloConfig, ai_gateway: bool) -> list[dict[str, Any]]:
    """One rule group of alerts, reading the recording rules of ``recording_rules``."""
    budget = 1 - SLO_OBJECTIVE
    alerts: list[dict[str, Any]] = []
    what = {"ttft": ("time to first token", "Ttft"), "itl": ("inter-token latency", "Itl")}
    for kind in LATENCIES:
        label, camel = what[kind]
        seconds = _num(slo_seconds(slo, kind))
        for speed, long, short, burn, for_, severity in BURN_WINDOWS:
            limit = _num(round(burn * budget, 6))
            alerts.append(
                _alert(
                    f"Llm{camel}SloBurn{speed}",
                    f"{slow_ratio_rule(kind, long)} > {limit} and on ({BY}) {slow_ratio_rule(kind, short)} > {limit}",
                    for_,
                    severity,
                    f"{{{{ $labels.model_name }}}} in {{{{ $labels.namespace }}}}: {label} SLO "
                    f"(95% within {seconds} s) burning {_num(burn)}x its budget",
                    f"More than {_num(round(burn * budget * 100, 4))}% of requests over the last {long} and {short} "
                    f"had a {label} above {seconds} s (the SLO allows 5%); at this rate the 30-day error budget lasts "
                    f"{_num(round(30 / burn, 1))} days. Check the dashboard: a queue (waiting requests) at the "
                    "autoscaling threshold with replicas at maxReplicas means too little capacity (raise "
                    "maxReplicas or GPUs); KV-cache usage near 100% means long contexts evict each other (lower "
                    "maxModelLen or --max-num-seqs); neither means slow hardware or a model too large for it.",
                )
            )
    alerts.append(
        _alert(
            "LlmQueueSaturatedAtMaxReplicas",
            f"({QUEUE} / on ({BY}) {HPA_CURRENT}) > on ({BY}) {THRESHOLD} "
            f"and on ({BY}) {HPA_CURRENT} >= on ({BY}) {HPA_MAX}",
            "10m",
            "warning",
            "{{ $labels.model_name }} in {{ $labels.namespace }}: queue above the autoscaling threshold at maxReplicas",
            "The waiting requests per replica have stayed above the ScaledObject's threshold for 10 minutes while "
            "KEDA's HPA already runs maxReplicas: KEDA cannot add capacity and latency grows. Raise the model's "
            "autoscaling.maxReplicas (and make sure the cluster has the GPUs), or lower the load with the "
            "gateway's rate limits. Needs kube-state-metrics.",
        )
    )
    alerts.append(
        _alert(
            "LlmPredictorBelowMinReplicas",
            f"{AVAILABLE} < on ({BY}) {MIN_REPLICAS}",
            "15m",
            "critical",
            "{{ $labels.model_name }} in {{ $labels.namespace }}: fewer ready model pods than minReplicas",
            "The predictor Deployment has had fewer available (ready) replicas than autoscaling.minReplicas for 15 "
            "minutes, longer than a model normally takes to load. `kubectl describe inferenceservice` and the "
            "pods' events show why: Pending (no GPU node fits: check the GPU count, tolerations, nodeSelector), "
            "the storage initializer failing (weights URI or credentials), or vLLM crashing (its logs: out of GPU "
            "memory, unsupported model). Needs kube-state-metrics.",
        )
    )
    sel = f"job=~{_regex_alternatives([m.job for m in models])}"
    alerts.append(
        _alert(
            "LlmVllmMetricsAbsent",
            f"{INFO} unless on ({BY}) count by ({BY}) ({vm.RUNNING}{{{sel}}})",
            "10m",
            "critical",
            "{{ $labels.model_name }} in {{ $labels.namespace }}: Prometheus has no vLLM metrics for the model",
            "No vLLM series of this model have been scraped for 10 minutes: no model pod is running, or "
            "Prometheus does not scrape them. Autoscaling reads these metrics, so the ScaledObject sees an empty "
            "queue. Check the pods (`kubectl get pods -l serving.kserve.io/inferenceservice=...`), that "
            "Prometheus selects the PodMonitor (its labels, e.g. commonLabels.release, and namespace), and that "
            "the NetworkPolicy admits Prometheus' namespace (autoscaling.prometheus.namespace).",
        )
    )
    if ai_gateway:
        ratio = _num(GATEWAY_FAILED_RATIO)
        alerts.append(
            _alert(
                "LlmGatewayFailedRequests",
                f"({GATEWAY_FAILED_RATE} / on (model_name) {GATEWAY_REQUEST_RATE}) > {ratio}",
                "10m",
                "warning",
                "{{ $labels.model_name }}: more than "
                + _num(GATEWAY_FAILED_RATIO * 100)
                + "% of requests fail at the AI gateway",
                "Envoy AI Gateway records these requests as failed (error_type set): the model answered with an "
                "error status, the connection to it failed, or the gateway could not process the exchange. Check "
                "the model's pods and vLLM's logs first (LlmVllmMetricsAbsent, LlmPredictorBelowMinReplicas), then "
                "the gateway's extproc logs. Requests refused by the rate limit (429) are not counted here.",
            )
        )
    return [{"name": "llm-stack.alerts", "rules": alerts}]


# --------------------------------------------------------------------------------------------------------------
# Dashboard

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
            Target(f"vector({_num(slo_seconds)})", "SLO: p95 within"),
        ),
        unit="s",
        thresholds=(Threshold(slo_seconds),),
        description=description,
    )


def dashboard(
    models: Sequence[MonitoredModel], *, release: str, slo: SloConfig, ai_gateway: bool, client_id_header: str
) -> Dashboard:
    """The stack's dashboard: per model (variables ``namespace`` and ``model``), and per client where the gateway
    exports it."""
    jobs = _regex_alternatives([m.job for m in models])
    ttft, itl = slo.ttft_p95_seconds, slo.itl_p95_seconds
    rows = [
        Row(
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
        ),
        Row(
            "Latency against the SLO",
            (
                _latency_panel(
                    "Time to first token",
                    vm.TIME_TO_FIRST_TOKEN,
                    ttft,
                    f"SLO: 95% of requests get their first token within {_num(ttft)} s.",
                ),
                _latency_panel(
                    "Inter-token latency",
                    vm.INTER_TOKEN_LATENCY,
                    itl,
                    f"SLO: 95% of output tokens within {_num(itl)} s of the previous one.",
                ),
                Panel(
                    "SLO burn rate (1h)",
                    (
                        Target(
                            f"{slow_ratio_rule('ttft', '1h')}{{{SEL}}} / {_num(round(1 - SLO_OBJECTIVE, 6))}",
                            "time to first token",
                        ),
                        Target(
                            f"{slow_ratio_rule('itl', '1h')}{{{SEL}}} / {_num(round(1 - SLO_OBJECTIVE, 6))}",
                            "inter-token latency",
                        ),
                    ),
                    thresholds=(Threshold(BURN_WINDOWS[1][3], "orange"), Threshold(BURN_WINDOWS[0][3], "red")),
                    description="Share of requests over the SLO divided by the 5% budget: 1 spends the 30-day "
                    "budget in 30 days; the alerts fire at 6 (slow) and 14.4 (fast).",
                ),
            ),
        ),
        Row(
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
        ),
    ]
    if ai_gateway:
        gw = 'gen_ai_original_model="$model"'
        rows.append(
            Row(
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
        )
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


# --------------------------------------------------------------------------------------------------------------
# Constructs

RULE_OBJECT_MAX_BYTES = LAST_APPLIED_LIMIT * 3 // 4
"""Largest PrometheusRule the stack writes, as compact JSON (192 KiB): ``kubectl apply`` records the object in an
annotation of at most ``LAST_APPLIED_LIMIT`` bytes; the rest is left for ``commonLabels`` and
``commonAnnotations`` (the annotations count twice)."""


def split_rule_groups(
    groups: Sequence[Mapping[str, Any]], *, empty_size: int, max_bytes: int = RULE_OBJECT_MAX_BYTES
) -> list[list[dict[str, Any]]]:
    """``groups`` packed in order into as few lists as keep each PrometheusRule within ``max_bytes``.

    ``empty_size`` is the size (``kubectl_json_size``) of the object with no groups. A group too large for an
    object of its own is cut into consecutive runs of its rules, named ``<group>-1``, ``<group>-2``, ...
    (recording rules of one group never read each other here, so they may be evaluated apart). Deterministic: the
    same groups always give the same lists; groups that fit one object give ``[groups]``, unchanged.
    """
    room = max_bytes - empty_size

    def size(group: Mapping[str, Any]) -> int:
        return kubectl_json_size(group) + 1  # and a comma

    pieces: list[dict[str, Any]] = []
    for group in groups:
        if size(group) <= room:
            pieces.append(dict(group))
            continue
        shell = size({**group, "rules": []})
        runs: list[list[Any]] = [[]]
        used = shell
        for rule in group["rules"]:
            rule_size = size(rule)
            if shell + rule_size > room:
                raise PropError(
                    "StackAlerts",
                    "models",
                    f"rule {rule.get('record') or rule.get('alert')} of group {group['name']}",
                    f"the rule alone is larger than a PrometheusRule may be ({max_bytes} bytes as JSON): too many "
                    "models for one stack; split the fleet over several releases",
                )
            if runs[-1] and used + rule_size > room:
                runs.append([])
                used = shell
            runs[-1].append(rule)
            used += rule_size
        pieces += [{**group, "name": f"{group['name']}-{i}", "rules": run} for i, run in enumerate(runs, 1)]
    parts: list[list[dict[str, Any]]] = [[]]
    used = 0
    for piece in pieces:
        if parts[-1] and used + size(piece) > room:
            parts.append([])
            used = 0
        parts[-1].append(piece)
        used += size(piece)
    return parts


class StackAlerts(Construct):
    """A PrometheusRule with the stack's recording rules and (optionally) its alerts; several for a fleet whose rules
    are too large for one object ``kubectl apply`` can take (``split_rule_groups``).

    :param name: name of the PrometheusRule (``<name>-1``, ``<name>-2``, ... when they are split).
    :param namespace: its namespace (the Prometheus must select it: ``ruleNamespaceSelector``, ``ruleSelector``).
    :param models: the models to watch.
    :param slo: the latency objectives.
    :param ai_gateway: the gateway is Envoy AI Gateway (adds the ``gen_ai_*`` gateway rules).
    :param alerts: include the alerts; without them only the recording rules the dashboard reads. Default: true.
    :param labels: extra labels. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        namespace: str,
        models: Sequence[MonitoredModel],
        slo: SloConfig,
        ai_gateway: bool,
        alerts: bool = True,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.name = name
        self.groups = recording_rules(models, slo=slo, ai_gateway=ai_gateway)
        if alerts:
            self.groups += alert_rules(models, slo=slo, ai_gateway=ai_gateway)
        all_labels = {"app.kubernetes.io/component": "monitoring", **(labels or {})}
        metadata = {"name": name, "namespace": namespace, "labels": all_labels}
        empty = {"apiVersion": prom.PrometheusRule.GVK.api_version, "kind": prom.PrometheusRule.GVK.kind}
        # Measured with room for the suffix of a part's name (-1 ... -999).
        empty_size = kubectl_json_size(
            {**empty, "metadata": {**metadata, "name": f"{name}-999"}, "spec": {"groups": []}}
        )
        self.parts = split_rule_groups(self.groups, empty_size=empty_size)
        """The rule groups of each PrometheusRule: one list, ``groups`` itself, unless they are too large for one."""
        self.prometheus_rules = [
            self._rule(
                "Resource" if index == 0 else f"Resource{index + 1}",
                cdk8s.ApiObjectMetadata(
                    name=name if len(self.parts) == 1 else f"{name}-{index + 1}",
                    namespace=namespace,
                    labels=all_labels,
                ),
                part,
            )
            for index, part in enumerate(self.parts)
        ]
        """The PrometheusRules: one, named ``name``, or ``<name>-1``, ``<name>-2``, ... for a fleet too large for one
        (``RULE_OBJECT_MAX_BYTES``)."""
        self.prometheus_rule = self.prometheus_rules[0]
        """The (first) PrometheusRule."""

    def _rule(
        self, id: str, metadata: cdk8s.ApiObjectMetadata, groups: Sequence[Mapping[str, Any]]
    ) -> prom.PrometheusRule:
        return prom.PrometheusRule(
            self,
            id,
            metadata=metadata,
            spec=prom.PrometheusRuleSpec(
                groups=[
                    prom.PrometheusRuleSpecGroups(
                        name=group["name"],
                        interval=group.get("interval"),
                        rules=[
                            prom.PrometheusRuleSpecGroupsRules(
                                record=rule.get("record"),
                                alert=rule.get("alert"),
                                expr=prom.PrometheusRuleSpecGroupsRulesExpr.from_string(rule["expr"]),
                                for_=rule.get("for"),
                                labels=rule.get("labels"),
                                annotations=rule.get("annotations"),
                            )
                            for rule in group["rules"]
                        ],
                    )
                    for group in groups
                ]
            ),
        )


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
        self.name = name
        self.dashboard = dashboard
        key, value = DASHBOARD_LABEL
        self.config_map = k8s.KubeConfigMap(
            self,
            "Resource",
            metadata=k8s.ObjectMeta(
                name=name,
                namespace=namespace,
                labels={"app.kubernetes.io/component": "monitoring", **(labels or {}), key: value},
            ),
            data={f"{name}.json": dashboard.to_json()},
        )
