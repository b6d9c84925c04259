"""Alerts and dashboards: the rules pass ``promtool check rules``, each alert fires on synthetic series that break
its condition and stays quiet on ones that do not (``promtool test rules``), and every query parses.

promtool comes with Debian's ``prometheus`` package (``scripts/e2e/install.sh``); without it these tests skip,
except under CI (``CI=true``), where a missing promtool is a failure.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from helpers import ROOT, find, synthesized, with_changes

from llm_inference_stack import grafana, load_values, monitoring
from llm_inference_stack.errors import ValuesError

NS = "kserve-inference"
MODEL = "llama-3-70b"
JOB = f"{NS}/{MODEL}"
VLLM = f'job="{JOB}", namespace="{NS}", model_name="{MODEL}", engine="0"'


@pytest.fixture(scope="session")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        message = "promtool not found on PATH: run scripts/e2e/install.sh (Debian package prometheus)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the rule tests: {message}", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture
def default_objects(default_values: dict[str, Any]) -> list[dict[str, Any]]:
    return synthesized(default_values)


def _rules(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = copy.deepcopy(find(objects, "PrometheusRule")["spec"])
    return spec


def _alert(rules: dict[str, Any], name: str) -> dict[str, Any]:
    found = [r for g in rules["groups"] for r in g["rules"] if r.get("alert") == name]
    assert len(found) == 1, name
    return found[0]


def _check(promtool: str, rules: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    file = tmp_path / "rules.yaml"
    file.write_text(yaml.safe_dump(rules, sort_keys=False))
    return subprocess.run([promtool, "check", "rules", str(file)], capture_output=True, text=True, check=False)


# --------------------------------------------------------------------------------------------------------------
# What is synthesized


def test_default_output_has_rules_and_dashboard(default_objects: list[dict[str, Any]]) -> None:
    rule = find(default_objects, "PrometheusRule", "llm-stack-llm")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["namespace"] == NS
    cm = find(default_objects, "ConfigMap", "llm-stack-llm-dashboard")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    model = json.loads(cm["data"]["llm-stack-llm-dashboard.json"])
    assert [v["name"] for v in model["templating"]["list"]] == ["datasource", "namespace", "model"]


def test_dist_holds_rules_and_dashboard() -> None:
    text = (ROOT / "dist" / "llm-stack.k8s.yaml").read_text()
    kinds = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(text) if d}
    assert ("PrometheusRule", "llm-stack-llm") in kinds
    assert ("ConfigMap", "llm-stack-llm-dashboard") in kinds


def test_facts_come_from_the_values(default_values: dict[str, Any]) -> None:
    values = with_changes(default_values, {"autoscaling.threshold": 7, "autoscaling.maxReplicas": 9})
    rules = _rules(synthesized(values))
    facts = {r["record"]: r for r in rules["groups"][0]["rules"]}
    assert facts["llm_stack:autoscaling_threshold"]["expr"] == "vector(7)"
    assert facts["llm_stack:autoscaling_max_replicas"]["expr"] == "vector(9)"
    info = facts["llm_stack:model_info"]["labels"]
    # The KEDA HPA is named by the ScaledObject's advanced.horizontalPodAutoscalerConfig.name, not keda-hpa-<name>.
    so = find(synthesized(values), "ScaledObject")
    assert info["horizontalpodautoscaler"] == so["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"]
    assert info["deployment"] == so["spec"]["scaleTargetRef"]["name"]
    assert info["model_name"] == MODEL


def test_slo_threshold_is_the_bucket_the_ratio_reads(default_values: dict[str, Any]) -> None:
    values = with_changes(default_values, {"observability.slo": {"ttftP95Seconds": 5, "itlP95Seconds": 0.05}})
    rules = _rules(synthesized(values))
    exprs = {r["record"]: r["expr"] for g in rules["groups"] for r in g["rules"] if "record" in r}
    assert 'le="5.0"' in exprs[monitoring.slow_ratio_rule("ttft", "1h")]
    assert 'le="0.05"' in exprs[monitoring.slow_ratio_rule("itl", "6h")]


@pytest.mark.parametrize(
    ("changes", "rule", "dashboard"),
    [
        ({"observability.alerts": False}, True, True),
        ({"observability.dashboards": False}, True, False),
        ({"observability.alerts": False, "observability.dashboards": False}, False, False),
    ],
)
def test_switches(default_values: dict[str, Any], changes: dict[str, Any], rule: bool, dashboard: bool) -> None:
    objects = synthesized(with_changes(default_values, changes))
    rules = [o for o in objects if o["kind"] == "PrometheusRule"]
    dashboards = [o for o in objects if o["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    assert (len(rules), len(dashboards)) == (int(rule), int(dashboard))
    if rules:
        alerts = [r for g in rules[0]["spec"]["groups"] for r in g["rules"] if "alert" in r]
        assert bool(alerts) == (changes.get("observability.alerts") is not False)


@pytest.mark.parametrize("value", [2, 0.3, -1])
def test_slo_must_be_a_bucket_boundary(default_values: dict[str, Any], value: float) -> None:
    from llm_inference_stack import stack_config_from_mapping

    values = with_changes(default_values, {"observability.slo": {"ttftP95Seconds": value}})
    with pytest.raises(ValuesError) as error:
        stack_config_from_mapping(values)
    assert str(error.value).startswith(f"observability.slo.ttftP95Seconds: {value!r} is not valid: use one of")
    assert "2.5" in str(error.value)


def test_standalone_mode_has_no_ai_gateway_rules_or_panels(default_values: dict[str, Any]) -> None:
    objects = synthesized(with_changes(default_values, {"gateway.mode": "standalone"}))
    text = json.dumps([o for o in objects if o["kind"] in ("PrometheusRule", "ConfigMap")])
    assert "gen_ai_" not in text


def test_fleet_facts_and_selectors(default_values: dict[str, Any]) -> None:
    values = with_changes(default_values, {"model": None})
    values["models"] = [
        {"name": "Meta-Llama-3.1-8B", "storageUri": "s3://m/a/", "namespace": "team-a"},
        {"name": "qwen.2+7b", "storageUri": "s3://m/b/", "autoscaling": {"threshold": 3}},
    ]
    rules = _rules(synthesized(values))
    infos = [r["labels"] for r in rules["groups"][0]["rules"] if r["record"] == "llm_stack:model_info"]
    assert [(i["namespace"], i["model_name"]) for i in infos] == [("team-a", "Meta-Llama-3.1-8B"), (NS, "qwen.2+7b")]
    queue = next(r["expr"] for r in rules["groups"][1]["rules"] if r["record"] == monitoring.QUEUE)
    assert 'job=~"kserve-inference/qwen-2-7b-[0-9a-f]{6}|team-a/meta-llama-3-1-8b"' not in queue  # no regex leak
    assert "team-a/meta-llama-3-1-8b" in queue
    gateway = next(
        r["expr"] for g in rules["groups"] for r in g["rules"] if r.get("record") == monitoring.GATEWAY_REQUEST_RATE
    )
    assert r"qwen\\.2\\+7b" in gateway  # RE2 metacharacters of served names are escaped


# --------------------------------------------------------------------------------------------------------------
# promtool


def test_promtool_check_rules(promtool: str, default_objects: list[dict[str, Any]], tmp_path: Path) -> None:
    result = _check(promtool, _rules(default_objects), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_rejects_a_broken_rule(promtool: str, default_objects: list[dict[str, Any]], tmp_path: Path) -> None:
    """The check above can fail: a typo in one expression is reported."""
    rules = _rules(default_objects)
    rules["groups"][1]["rules"][0]["expr"] = rules["groups"][1]["rules"][0]["expr"].replace("[5m]", "[5m")
    result = _check(promtool, rules, tmp_path)
    assert result.returncode != 0


def _expand(text: str) -> str:
    return text.replace("{{ $labels.model_name }}", MODEL).replace("{{ $labels.namespace }}", NS)


def _expected(rules: dict[str, Any], name: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    rule = _alert(rules, name)
    return [
        {
            "exp_labels": {**labels, **rule["labels"]},
            "exp_annotations": {k: _expand(v) for k, v in rule["annotations"].items()},
        }
    ]


def _latency_series(kind: str, *, good_per_step: str, total_per_step: str) -> list[dict[str, str]]:
    histogram = monitoring.LATENCIES[kind]
    le = histogram.le(0.1 if kind == "itl" else 2.5)
    return [
        {"series": f'{histogram.bucket}{{{VLLM}, le="{le}"}}', "values": good_per_step},
        {"series": f"{histogram.count}{{{VLLM}}}", "values": total_per_step},
    ]


WHERE = {"namespace": NS, "model_name": MODEL}


def _cases(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """promtool test cases: (input series, alerts expected firing at a time)."""
    cases: list[dict[str, Any]] = []
    for kind, camel in (("ttft", "Ttft"), ("itl", "Itl")):
        fast, slow = f"Llm{camel}SloBurnFast", f"Llm{camel}SloBurnSlow"
        # 90% of requests over the SLO: the fast alert fires after its 2 m, the slow one after 15 m.
        cases.append(
            {
                "interval": "15s",
                "input_series": _latency_series(kind, good_per_step="0+1x200", total_per_step="0+10x200"),
                "alert_rule_test": [
                    {"eval_time": "1m", "alertname": fast, "exp_alerts": []},
                    {"eval_time": "5m", "alertname": fast, "exp_alerts": _expected(rules, fast, WHERE)},
                    {"eval_time": "10m", "alertname": slow, "exp_alerts": []},
                    {"eval_time": "20m", "alertname": slow, "exp_alerts": _expected(rules, slow, WHERE)},
                ],
            }
        )
        # 2% over the SLO (within the 5% budget): quiet.
        cases.append(
            {
                "interval": "15s",
                "input_series": _latency_series(kind, good_per_step="0+98x300", total_per_step="0+100x300"),
                "alert_rule_test": [
                    {"eval_time": "70m", "alertname": fast, "exp_alerts": []},
                    {"eval_time": "70m", "alertname": slow, "exp_alerts": []},
                ],
            }
        )
        # A 5-minute spike after 55 good minutes: the short window burns, the long one does not: quiet.
        cases.append(
            {
                "interval": "15s",
                "input_series": _latency_series(
                    kind, good_per_step="0+98x220 21560+1x20", total_per_step="0+100x220 22000+10x20"
                ),
                "alert_rule_test": [{"eval_time": "60m", "alertname": fast, "exp_alerts": []}],
            }
        )
    hpa = 'namespace="kserve-inference", horizontalpodautoscaler="llama-3-70b", job="kube-state-metrics"'
    saturated = "LlmQueueSaturatedAtMaxReplicas"

    def saturation(waiting: str, current: str) -> dict[str, Any]:
        return {
            "interval": "15s",
            "input_series": [
                {"series": f"vllm:num_requests_waiting{{{VLLM}}}", "values": waiting},
                {"series": f"kube_horizontalpodautoscaler_status_current_replicas{{{hpa}}}", "values": current},
                {"series": f"kube_horizontalpodautoscaler_spec_max_replicas{{{hpa}}}", "values": "4x100"},
            ],
            "alert_rule_test": [],
        }

    # 30 waiting on 4 of 4 replicas: 7.5 per replica > threshold 5, KEDA can add none: fires after 10 m.
    case = saturation("30x100", "4x100")
    case["alert_rule_test"] = [
        {"eval_time": "5m", "alertname": saturated, "exp_alerts": []},
        {"eval_time": "15m", "alertname": saturated, "exp_alerts": _expected(rules, saturated, WHERE)},
    ]
    cases.append(case)
    # Same queue on 3 of 4 replicas: KEDA still scales: quiet. 18 on 4 of 4 (4.5 per replica): quiet.
    for waiting, current in (("30x100", "3x100"), ("18x100", "4x100")):
        case = saturation(waiting, current)
        case["alert_rule_test"] = [{"eval_time": "20m", "alertname": saturated, "exp_alerts": []}]
        cases.append(case)

    below = "LlmPredictorBelowMinReplicas"
    deploy = 'namespace="kserve-inference", deployment="llama-3-70b-predictor", job="kube-state-metrics"'
    for available, expected in (("0x100", True), ("1x100", False)):
        cases.append(
            {
                "interval": "15s",
                "input_series": [
                    {"series": f"kube_deployment_status_replicas_available{{{deploy}}}", "values": available}
                ],
                "alert_rule_test": [
                    {"eval_time": "10m", "alertname": below, "exp_alerts": []},
                    {
                        "eval_time": "20m",
                        "alertname": below,
                        "exp_alerts": _expected(rules, below, WHERE) if expected else [],
                    },
                ],
            }
        )
    absent = "LlmVllmMetricsAbsent"
    info = {**WHERE, "deployment": "llama-3-70b-predictor", "horizontalpodautoscaler": MODEL}
    cases.append(
        {
            "interval": "15s",
            # Another model's series do not count.
            "input_series": [
                {
                    "series": 'vllm:num_requests_running{job="kserve-inference/other", model_name="other"}',
                    "values": "1x100",
                }
            ],
            "alert_rule_test": [
                {"eval_time": "5m", "alertname": absent, "exp_alerts": []},
                {"eval_time": "15m", "alertname": absent, "exp_alerts": _expected(rules, absent, info)},
            ],
        }
    )
    cases.append(
        {
            "interval": "15s",
            "input_series": [{"series": f"vllm:num_requests_running{{{VLLM}}}", "values": "0x100"}],
            "alert_rule_test": [{"eval_time": "15m", "alertname": absent, "exp_alerts": []}],
        }
    )
    failed = "LlmGatewayFailedRequests"
    gw = f'gen_ai_original_model="{MODEL}", gen_ai_operation_name="chat", gen_ai_request_model="{MODEL}"'
    for errors, expected in (("0+10x100", True), ("0+2x100", False)):
        cases.append(
            {
                "interval": "15s",
                "input_series": [
                    {"series": f"gen_ai_server_request_duration_seconds_count{{{gw}}}", "values": "0+100x100"},
                    {
                        "series": f'gen_ai_server_request_duration_seconds_count{{{gw}, error_type="_OTHER"}}',
                        "values": errors,
                    },
                ],
                "alert_rule_test": [
                    {"eval_time": "5m", "alertname": failed, "exp_alerts": []},
                    {
                        "eval_time": "15m",
                        "alertname": failed,
                        "exp_alerts": _expected(rules, failed, {"model_name": MODEL}) if expected else [],
                    },
                ],
            }
        )
    return cases


def test_every_alert_has_a_case() -> None:
    config = load_values(ROOT / "values.yaml")
    assert config.gateway.mode == "ai-gateway"
    models = [monitoring.MonitoredModel(MODEL, NS, JOB, f"{MODEL}-predictor", MODEL, 5, 1, 4)]
    rules = {"groups": monitoring.alert_rules(models, slo=config.observability.slo, ai_gateway=True)}
    names = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    tested = {t["alertname"] for case in _cases(rules) for t in case["alert_rule_test"]}
    assert names == tested
    for name in names:
        rule = _alert(rules, name)
        assert rule["for"] and rule["annotations"]["description"] and rule["labels"]["severity"]


@pytest.mark.slow  # runs promtool over long synthetic series
def test_promtool_unit_tests(promtool: str, default_objects: list[dict[str, Any]], tmp_path: Path) -> None:
    rules = _rules(default_objects)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "15s", "tests": _cases(rules)}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = subprocess.run(
        [promtool, "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_can_fail(promtool: str, default_objects: list[dict[str, Any]], tmp_path: Path) -> None:
    """With the saturation threshold raised to 10, the saturated case (7.5 per replica) no longer fires."""
    rules = _rules(default_objects)
    cases = [c for c in _cases(rules) if c["alert_rule_test"][-1]["alertname"] == "LlmQueueSaturatedAtMaxReplicas"]
    for rule in rules["groups"][0]["rules"]:
        if rule["record"] == "llm_stack:autoscaling_threshold":
            rule["expr"] = "vector(10)"
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "15s", "tests": cases[:1]}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = subprocess.run(
        [promtool, "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "LlmQueueSaturatedAtMaxReplicas" in result.stdout + result.stderr


# --------------------------------------------------------------------------------------------------------------
# Dashboard


def test_every_panel_query_parses(default_objects: list[dict[str, Any]]) -> None:
    cm = find(default_objects, "ConfigMap", "llm-stack-llm-dashboard")
    model = json.loads(cm["data"]["llm-stack-llm-dashboard.json"])
    panels = [p for p in model["panels"] if p["type"] == "timeseries"]
    assert len(panels) >= 8
    variables = [("namespace", NS), ("model", MODEL), ("__rate_interval", "1m")]
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            promql_parser.parse(grafana.substitute(target["expr"], variables))
    for variable in model["templating"]["list"][1:]:
        inner = variable["query"]["query"].removeprefix("label_values(").rsplit(",", 1)[0]
        promql_parser.parse(grafana.substitute(inner, variables))


def test_panels_do_not_overlap(default_objects: list[dict[str, Any]]) -> None:
    cm = find(default_objects, "ConfigMap", "llm-stack-llm-dashboard")
    panels = json.loads(cm["data"]["llm-stack-llm-dashboard.json"])["panels"]
    cells = set()
    for panel in panels:
        g = panel["gridPos"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, panel["title"]
                cells.add((x, y))
    assert len({p["id"] for p in panels}) == len(panels)
