"""Prometheus recording rules and alerts, and :class:`StackAlerts`, the PrometheusRule that holds them.

The recording rules turn each model's facts into constant series and aggregate vLLM, kube-state-metrics and gateway
series per model; the alerts read only those recorded series. See the README for what each alert means and what to
do when it fires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cdk8s
from constructs import Construct

from .. import vllm_metrics as vm
from .._resource import plain_api_object
from ..config import SloConfig
from ..contracts import typed_props
from ..errors import PropError
from ..facts import kserve, prometheus_operator
from ..kube_limits import LAST_APPLIED_LIMIT, kubectl_json_size
from ..model_server import SCRAPE_INTERVAL
from ..validation import ChartValidation
from .series import (
    AIGW_REQUESTS,
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
from .tenants import MonitoredTenant, tenant_alerts, tenant_rules


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
        facts.append(_record(THRESHOLD, f"vector({promql_number(m.threshold)})", where))
        facts.append(_record(MIN_REPLICAS, f"vector({m.min_replicas})", where))
        facts.append(_record(MAX_REPLICAS, f"vector({m.max_replicas})", where))

    sel = f"job=~{regex_alternatives([m.job for m in models])}"
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
        models_re = regex_alternatives([m.served_name for m in models])
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


def _slo_burn_alerts(slo: SloConfig) -> list[dict[str, Any]]:
    """For each latency and each of :data:`BURN_WINDOWS`: the SLO's error budget burns too fast."""
    budget = 1 - SLO_OBJECTIVE
    alerts: list[dict[str, Any]] = []
    what = {"ttft": ("time to first token", "Ttft"), "itl": ("inter-token latency", "Itl")}
    for kind in LATENCIES:
        label, camel = what[kind]
        seconds = promql_number(slo_seconds(slo, kind))
        for speed, long, short, burn, for_, severity in BURN_WINDOWS:
            limit = promql_number(round(burn * budget, 6))
            over_percent = promql_number(round(burn * budget * 100, 4))
            budget_days = promql_number(round(30 / burn, 1))
            alerts.append(
                _alert(
                    f"Llm{camel}SloBurn{speed}",
                    f"{slow_ratio_rule(kind, long)} > {limit} and on ({BY}) {slow_ratio_rule(kind, short)} > {limit}",
                    for_,
                    severity,
                    f"{{{{ $labels.model_name }}}} in {{{{ $labels.namespace }}}}: {label} SLO "
                    f"(95% within {seconds} s) burning {promql_number(burn)}x its budget",
                    f"More than {over_percent}% of requests over the last {long} and {short} "
                    f"had a {label} above {seconds} s (the SLO allows 5%); at this rate the 30-day error budget lasts "
                    f"{budget_days} days. Check the dashboard: a queue (waiting requests) at the "
                    "autoscaling threshold with replicas at maxReplicas means too little capacity (raise "
                    "maxReplicas or GPUs); KV-cache usage near 100% means long contexts evict each other (lower "
                    "maxModelLen or --max-num-seqs); neither means slow hardware or a model too large for it.",
                )
            )
    return alerts


def _gateway_failed_requests_alert() -> dict[str, Any]:
    ratio = promql_number(GATEWAY_FAILED_RATIO)
    return _alert(
        "LlmGatewayFailedRequests",
        f"({GATEWAY_FAILED_RATE} / on (model_name) {GATEWAY_REQUEST_RATE}) > {ratio}",
        "10m",
        "warning",
        "{{ $labels.model_name }}: more than "
        + promql_number(GATEWAY_FAILED_RATIO * 100)
        + "% of requests fail at the AI gateway",
        "Envoy AI Gateway records these requests as failed (error_type set): the model answered with an "
        "error status, the connection to it failed, or the gateway could not process the exchange. Check "
        "the model's pods and vLLM's logs first (LlmVllmMetricsAbsent, LlmPredictorBelowMinReplicas), then "
        "the gateway's extproc logs. Requests refused by the rate limit (429) are not counted here.",
    )


def alert_rules(models: Sequence[MonitoredModel], *, slo: SloConfig, ai_gateway: bool) -> list[dict[str, Any]]:
    """One rule group of alerts, reading the recording rules of ``recording_rules``."""
    alerts = _slo_burn_alerts(slo)
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
    sel = f"job=~{regex_alternatives([m.job for m in models])}"
    alerts.append(
        _alert(
            "LlmVllmMetricsAbsent",
            f"{INFO} unless on ({BY}) count by ({BY}) ({vm.RUNNING}{{{sel}}})",
            "10m",
            "critical",
            "{{ $labels.model_name }} in {{ $labels.namespace }}: Prometheus has no vLLM metrics for the model",
            "No vLLM series of this model have been scraped for 10 minutes: no model pod is running, or "
            "Prometheus does not scrape them. Autoscaling reads these metrics, so the ScaledObject sees an empty "
            f"queue. Check the pods (`kubectl get pods -l {kserve.INFERENCE_SERVICE_LABEL}=...`), that "
            "Prometheus selects the PodMonitor (its labels, e.g. commonLabels.release, and namespace), and that "
            "the NetworkPolicy admits Prometheus' namespace (autoscaling.prometheus.namespace).",
        )
    )
    if ai_gateway:
        alerts.append(_gateway_failed_requests_alert())
    return [{"name": "llm-stack.alerts", "rules": alerts}]


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


@typed_props
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
    :param tenants: the gateway's tenants (``MonitoredTenant.of(gateway_tenant.plan(), served=...)``): usage per
        client and per tenant, and ``LlmTenantBudgetUsed`` (with ``ai_gateway`` only). Default: none.
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
        tenants: Sequence[MonitoredTenant] = (),
    ) -> None:
        super().__init__(scope, id)
        ChartValidation.own(self, scope)
        self.name = name
        self.groups = recording_rules(models, slo=slo, ai_gateway=ai_gateway)
        if ai_gateway and tenants:
            self.groups.append(tenant_rules(tenants, interval=SCRAPE_INTERVAL))
        if alerts:
            self.groups += alert_rules(models, slo=slo, ai_gateway=ai_gateway)
            budget_alerts = tenant_alerts(tenants, interval=SCRAPE_INTERVAL) if ai_gateway else []
            if budget_alerts:
                self.groups.append({"name": "llm-stack.tenant-alerts", "rules": budget_alerts})
        all_labels = {"app.kubernetes.io/component": "monitoring", **(labels or {})}
        metadata = {"name": name, "namespace": namespace, "labels": all_labels}
        gvk = _GVK
        empty = {"apiVersion": gvk.api_version, "kind": gvk.kind}
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

    def _rule(self, id: str, metadata: cdk8s.ApiObjectMetadata, groups: Sequence[Mapping[str, Any]]) -> cdk8s.ApiObject:
        return plain_api_object(
            self,
            id,
            gvk=_GVK,
            metadata=metadata,
            body={"spec": {"groups": [_group_body(group) for group in groups]}},
        )


_GVK = cdk8s.GroupVersionKind(api_version=prometheus_operator.API_VERSION, kind=prometheus_operator.PROMETHEUS_RULE)

_RULE_FIELDS = ("record", "alert", "expr", "for", "labels", "annotations")
"""The fields of a rule that a PrometheusRule holds."""


def _group_body(group: Mapping[str, Any]) -> dict[str, Any]:
    """A rule group as the PrometheusRule holds it: its name, interval and rules (the fields it has of
    ``_RULE_FIELDS``)."""
    out: dict[str, Any] = {"name": group["name"]}
    if group.get("interval") is not None:
        out["interval"] = group["interval"]
    out["rules"] = [
        {field: rule[field] for field in _RULE_FIELDS if rule.get(field) is not None} for rule in group["rules"]
    ]
    return out
