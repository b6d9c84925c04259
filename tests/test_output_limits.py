"""Scale limits of the output: every object fits what ``kubectl apply`` records, a large fleet's rules are split
over several PrometheusRules of bounded size, and no PodDisruptionBudget blocks a node drain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from helpers import ROOT, find, run_cli, synth_objects, with_changes

from llm_inference_stack import monitoring
from llm_inference_stack.config import SloConfig
from llm_inference_stack.errors import PropError
from llm_inference_stack.kube_limits import LAST_APPLIED_LIMIT, kubectl_json_size, last_applied_size


def fleet(count: int) -> list[monitoring.MonitoredModel]:
    """``count`` models with long, realistic names over seven namespaces."""
    models = []
    for i in range(count):
        name, namespace = f"organisation-model-{i:04d}-instruct", f"team-{i % 7}"
        models.append(
            monitoring.MonitoredModel(
                served_name=name,
                namespace=namespace,
                job=f"{namespace}/{name}",
                deployment=f"{name}-predictor",
                hpa_name=f"keda-hpa-{name}",
                threshold=5,
                min_replicas=1,
                max_replicas=4,
            )
        )
    return models


def alerts_objects(count: int, *, ai_gateway: bool = True) -> tuple[monitoring.StackAlerts, list[dict[str, Any]]]:
    chart = cdk8s.Testing.chart()
    alerts = monitoring.StackAlerts(
        chart,
        "Alerts",
        name="llm-stack-llm",
        namespace="kserve-inference",
        models=fleet(count),
        slo=SloConfig(),
        ai_gateway=ai_gateway,
        labels={"release": "kube-prometheus-stack"},
    )
    return alerts, [r.to_json() for r in alerts.prometheus_rules]


def _rules(objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (rule.get("record") or rule["alert"], rule["expr"])
        for obj in objects
        for group in obj["spec"]["groups"]
        for rule in group["rules"]
    ]


def test_kubectl_json_size_counts_what_gos_encoder_writes() -> None:
    assert kubectl_json_size({"a": [1, 2]}) == len('{"a":[1,2]}')
    assert kubectl_json_size({"e": "x > 1 & y < 2"}) == len('{"e":"x \\u003e 1 \\u0026 y \\u003c 2"}')
    assert kubectl_json_size("é") == len('"é"'.encode())
    obj = {"metadata": {"name": "n", "annotations": {"a": "bc"}}}
    assert last_applied_size(obj) == len("kubectl.kubernetes.io/last-applied-configuration") + kubectl_json_size(
        obj
    ) + 1 + len("abc")


def test_split_keeps_groups_that_fit_as_they_are() -> None:
    groups = [{"name": "g", "rules": [{"record": "r", "expr": "1"}]}]
    assert monitoring.split_rule_groups(groups, empty_size=100) == [groups]


def test_split_packs_in_order_and_cuts_a_group_too_large_for_one_object() -> None:
    rules = [{"record": f"r{i}", "expr": "x" * 100} for i in range(30)]
    groups = [{"name": "small", "rules": rules[:2]}, {"name": "big", "rules": rules[2:]}]
    parts = monitoring.split_rule_groups(groups, empty_size=50, max_bytes=1000)
    assert all(50 + sum(kubectl_json_size(g) + 1 for g in part) <= 1000 for part in parts)
    flat = [(g["name"], r["record"]) for part in parts for g in part for r in g["rules"]]
    assert [record for _, record in flat] == [r["record"] for r in rules]
    assert {name for name, _ in flat} == {"small"} | {f"big-{i}" for i in range(1, 5)}
    assert parts == monitoring.split_rule_groups(groups, empty_size=50, max_bytes=1000)


def test_split_fails_naming_a_rule_too_large_for_any_object() -> None:
    groups = [{"name": "g", "rules": [{"record": "huge", "expr": "x" * 2000}]}]
    with pytest.raises(PropError, match=r"'rule huge of group g'.*larger than a PrometheusRule may be"):
        monitoring.split_rule_groups(groups, empty_size=50, max_bytes=1000)


def test_the_default_stack_keeps_one_prometheus_rule_of_its_name(default_values: dict[str, Any]) -> None:
    objects = synth_objects(default_values)
    rules = [o for o in objects if o["kind"] == "PrometheusRule"]
    assert [r["metadata"]["name"] for r in rules] == ["llm-stack-llm"]
    assert all(last_applied_size(o) < LAST_APPLIED_LIMIT for o in objects)


@pytest.mark.parametrize(
    ("count", "ai_gateway"),
    [
        (200, True),
        pytest.param(1000, True, marks=pytest.mark.slow),  # ~20 s each: 5,000 rules through jsii
        pytest.param(1000, False, marks=pytest.mark.slow),
    ],
    ids=["200-ai-gateway", "1000-ai-gateway", "1000-standalone"],
)
def test_a_large_fleet_splits_into_prometheus_rules_kubectl_can_apply(count: int, ai_gateway: bool) -> None:
    alerts, objects = alerts_objects(count, ai_gateway=ai_gateway)
    sizes = [last_applied_size(o) for o in objects]
    assert len(objects) > 1 and max(sizes) < LAST_APPLIED_LIMIT, sizes
    assert max(kubectl_json_size(o) for o in objects) <= monitoring.RULE_OBJECT_MAX_BYTES
    assert [o["metadata"]["name"] for o in objects] == [f"llm-stack-llm-{i}" for i in range(1, len(objects) + 1)]
    # Every rule exactly once, in order; group names unique.
    expected = [(r.get("record") or r["alert"], r["expr"]) for g in alerts.groups for r in g["rules"]]
    assert _rules(objects) == expected
    names = [g["name"] for o in objects for g in o["spec"]["groups"]]
    assert len(names) == len(set(names))
    assert all(o["metadata"]["labels"]["release"] == "kube-prometheus-stack" for o in objects)
    # Deterministic: the same fleet gives the same objects.
    assert alerts_objects(count, ai_gateway=ai_gateway)[1] == objects


@pytest.mark.parametrize(
    ("changes", "kind", "name", "budget"),
    [
        ({"gateway.replicas": 1}, "EnvoyProxy", "llm-stack-ai-gateway", {"maxUnavailable": 1}),
        ({"gateway.replicas": 2}, "EnvoyProxy", "llm-stack-ai-gateway", {"minAvailable": 1}),
        ({"gateway.replicas": 1, "gateway.mode": "standalone"}, "PodDisruptionBudget", "llm-stack-ai-gateway", None),
        ({"autoscaling.minReplicas": 1}, "PodDisruptionBudget", "llama-3-70b", None),
    ],
    ids=["ai-gateway-one-replica", "ai-gateway-two-replicas", "standalone-one-replica", "model-min-replicas-one"],
)
def test_no_disruption_budget_blocks_a_node_drain_with_one_replica(
    default_values: dict[str, Any], changes: dict[str, Any], kind: str, name: str, budget: dict[str, int] | None
) -> None:
    objects = synth_objects(with_changes(default_values, changes))  # validated: pdb-allows-drain passes
    obj = find(objects, kind, name)
    if kind == "EnvoyProxy":
        assert obj["spec"]["provider"]["kubernetes"]["envoyPDB"] == budget
    else:
        assert obj["spec"]["maxUnavailable"] == 1 and "minAvailable" not in obj["spec"]


def test_validate_warns_about_an_object_too_large_for_kubectl_apply(tmp_path: Path) -> None:
    objects = [d for d in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if d]
    find(objects, "ConfigMap", "llm-stack-llm-dashboard")["data"]["padding"] = "x" * LAST_APPLIED_LIMIT
    (tmp_path / "out.yaml").write_text(yaml.safe_dump_all(objects))
    result = run_cli("validate", str(tmp_path), env={"LLM_STACK_VLLM_CHECK": "never"})
    assert result.returncode == 0, result.stderr  # server-side apply takes it: a warning, not a failure
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and "ConfigMap kserve-inference/llm-stack-llm-dashboard is " in warnings[0]
    assert "kubectl apply fails on it. Apply with kubectl apply --server-side" in warnings[0]


@pytest.mark.slow  # a synthesis of 180 models (~45 s)
def test_a_fleet_of_180_models_synthesizes_prometheus_rules_kubectl_can_apply() -> None:
    values = {
        "commonLabels": {"release": "kube-prometheus-stack"},
        "commonAnnotations": {"team.example.com/owner": "platform"},
        "models": [
            {
                "name": f"organisation-model-{i:04d}-instruct",
                "storageUri": f"s3://models/m{i}/",
                "namespace": f"t{i % 7}",
            }
            for i in range(180)
        ],
    }
    objects = synth_objects(values)
    rules = [o for o in objects if o["kind"] == "PrometheusRule"]
    assert [r["metadata"]["name"] for r in rules] == [f"llm-stack-llm-{i}" for i in range(1, len(rules) + 1)]
    assert len(rules) > 1
    assert max(last_applied_size(o) for o in objects) < LAST_APPLIED_LIMIT
    assert all(r["metadata"]["annotations"] == {"team.example.com/owner": "platform"} for r in rules)
    records = [rule.get("record") for r in rules for g in r["spec"]["groups"] for rule in g["rules"]]
    assert records.count("llm_stack:model_info") == 180
