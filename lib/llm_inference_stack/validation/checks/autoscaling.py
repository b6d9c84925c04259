"""Checks of the KEDA ScaledObjects: the target KServe creates, and a query that returns one right series."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import promql_parser

from ..manifests import Manifests, Obj, dig, name_of, namespace_of, shown
from .kserve import isvc_for_deployment, predictors_in, served_names
from .registry import Problem, check

WAITING_METRIC = "vllm:num_requests_waiting"
HELD_METRIC = "inference_extension_flow_control_queue_size"
"""The endpoint picker's flow control queue (Inference Extension v1.5.0): what wakes a model at zero replicas."""
MODEL_LABEL = "model_name"
ONE_SERIES_AGGREGATIONS = frozenset({"sum", "max", "min", "avg", "count"})


def scale_target(scaled_object: Obj) -> tuple[str, str, str]:
    """``(apiVersion, kind, name)`` of a ScaledObject's target, KEDA's defaults filled in."""
    ref = dig(scaled_object, "spec", "scaleTargetRef")
    ref = ref if isinstance(ref, Mapping) else {}
    return str(ref.get("apiVersion", "apps/v1")), str(ref.get("kind", "Deployment")), str(ref.get("name", ""))


@check("scaledobject-target")
def targets_the_predictor_deployment(manifests: Manifests) -> Iterator[Problem]:
    """The target must be the Deployment KServe creates: apps/v1 ``<isvc>-predictor`` in the same namespace."""
    for scaled in manifests.of_kind("ScaledObject"):
        api_version, kind, name = scale_target(scaled)
        namespace = namespace_of(scaled)
        if (api_version, kind) == ("apps/v1", "Deployment") and isvc_for_deployment(manifests, namespace, name):
            continue
        candidates = predictors_in(manifests, namespace)
        expected = (
            " or ".join(repr(c) for c in candidates[:5]) or "'<isvc>-predictor' of an InferenceService in this output"
        )
        if (api_version, kind) != ("apps/v1", "Deployment"):
            yield Problem(
                scaled,
                f"spec.scaleTargetRef is {api_version} {kind}: KServe Standard mode creates an apps/v1 Deployment; "
                f"target apps/v1 Deployment {expected}",
            )
        else:
            yield Problem(
                scaled,
                f"spec.scaleTargetRef names Deployment {shown(name)}, which no InferenceService in namespace "
                f"{namespace} creates: KServe names the predictor Deployment '<isvc>-predictor'; target {expected}",
            )


def _unwrap(expr: Any) -> Any:
    while isinstance(expr, promql_parser.ParenExpr):
        expr = expr.expr
    return expr


def selectors_of(expr: Any) -> list[Any]:
    found: list[Any] = []

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)
        return True

    promql_parser.walk(expr, visit, None)
    return found


def query_problems(query: str, served: list[str]) -> list[str]:
    """What is wrong with a ScaledObject query for a model served as one of ``served`` (empty when right)."""
    try:
        expr = _unwrap(promql_parser.parse(query))
    except ValueError as error:
        return [f"query {query!r} is not valid PromQL: {error}"]
    problems = []
    if not isinstance(expr, promql_parser.AggregateExpr) or str(expr.op) not in ONE_SERIES_AGGREGATIONS:
        problems.append(
            f"query {query!r} is not aggregated to one series: KEDA fails with 'returned multiple elements' when "
            f"several pods or engines report; wrap it in sum(...)"
        )
    elif expr.modifier is not None:
        problems.append(
            f"query {query!r} aggregates {expr.modifier} labels, which can return several series: "
            f"use a plain {expr.op}(...) without by/without"
        )
    selectors = [s for s in selectors_of(expr) if s.name == WAITING_METRIC]
    if not selectors and not [s for s in selectors_of(expr) if s.name == HELD_METRIC]:
        # The held requests' trigger is judged with its pool (routing's scale-from-zero-hold).
        problems.append(
            f"query {query!r} does not read {WAITING_METRIC}, the queue length the autoscaler is built on (or, to "
            f"wake from zero replicas, the endpoint picker's {HELD_METRIC})"
        )
    for selector in selectors:
        matchers = {m.name: m for m in selector.matchers.matchers}
        if "model" in matchers and MODEL_LABEL not in matchers:
            problems.append(
                f"query {query!r} selects label 'model', which vLLM metrics do not have (it silently returns nothing, "
                f'read as 0): use {MODEL_LABEL}="<served model name>"'
            )
            continue
        matcher = matchers.get(MODEL_LABEL)
        wanted = " or ".join(repr(s) for s in served) or "the served model name"
        if matcher is None:
            problems.append(f"query {query!r} does not select {MODEL_LABEL}: add {MODEL_LABEL}={wanted}")
        elif str(matcher.op) not in ("MatchOp.Equal", "=") or (served and matcher.value not in served):
            problems.append(
                f"query {query!r} selects {MODEL_LABEL}{_op(matcher.op)}{matcher.value!r}, "
                f"but the target serves {wanted}: "
                f"select {MODEL_LABEL}={wanted} exactly"
            )
    return problems


def _op(op: Any) -> str:
    return {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}.get(
        str(op), str(op)
    )


@check("scaledobject-query")
def query_selects_one_series_of_the_model(manifests: Manifests) -> Iterator[Problem]:
    """The Prometheus query parses, is aggregated to one series and selects the target's served model."""
    for scaled in manifests.of_kind("ScaledObject"):
        _api, _kind, target = scale_target(scaled)
        isvc = isvc_for_deployment(manifests, namespace_of(scaled), target)
        served = served_names(isvc) if isvc is not None else []
        triggers = dig(scaled, "spec", "triggers")
        for index, trigger in enumerate(triggers if isinstance(triggers, list) else []):
            if not isinstance(trigger, Mapping) or trigger.get("type") != "prometheus":
                continue
            query = dig(trigger, "metadata", "query")
            if not isinstance(query, str) or not query.strip():
                yield Problem(scaled, f"spec.triggers[{index}].metadata.query is missing: set the PromQL query")
                continue
            for problem in query_problems(query, served):
                yield Problem(scaled, f"spec.triggers[{index}]: {problem}")
            if "metricName" in (trigger.get("metadata") or {}):
                yield Problem(scaled, f"spec.triggers[{index}].metadata.metricName was removed from KEDA: delete it")
        if name_of(scaled) and not triggers:
            yield Problem(scaled, "spec.triggers is empty: add the Prometheus trigger on vllm:num_requests_waiting")
