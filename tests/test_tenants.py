"""Tenants: teams sharing the gateway, from values and from the constructs (the README's two-team example), the
objects they make, and the cross-object checks of what they rely on."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tenants_example import LIBRARY_EXAMPLE, VALUES_EXAMPLE

from llm_inference_stack import StackConfig, TenantBudgets, load_values, stack_config_from_mapping
from llm_inference_stack.synth import manifests
from llm_inference_stack.tenants import (
    TenantPlan,
    model_access_rule,
    names_pattern,
    no_tenant_selector,
    prefix_pattern,
    tenant_rules,
)
from llm_inference_stack.validation import validate_objects
from llm_inference_stack.validation.checks import run_checks
from llm_inference_stack.validation.manifests import from_objects


def _values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(VALUES_EXAMPLE)
    return values


@pytest.fixture(scope="module")
def two_teams() -> list[dict[str, Any]]:
    return manifests(stack_config_from_mapping(_values()))


def _one(objs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"{kind} {name}: {len(found)}"
    return found[0]


def _rules(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = _one(objs, "BackendTrafficPolicy")["spec"]["rateLimit"]["global"]["rules"]
    return rules


def _headers(rule: dict[str, Any]) -> list[tuple[str, str, str | None, bool]]:
    return [
        (h["name"], h["type"], h.get("value"), bool(h.get("invert")))
        for selector in rule["clientSelectors"]
        for h in selector["headers"]
    ]


# --------------------------------------------------------------------------------------------------------------
# The README's example, from values


def test_each_team_secret_is_read_by_the_one_security_policy(two_teams: list[dict[str, Any]]) -> None:
    policy = _one(two_teams, "SecurityPolicy")
    assert [r["name"] for r in policy["spec"]["apiKeyAuth"]["credentialRefs"]] == [
        "ai-gateway-api-keys",
        "team-a-api-keys",
        "team-b-api-keys",
    ]
    external = _one(two_teams, "ExternalSecret", "team-a-api-keys")
    assert external["spec"]["secretStoreRef"]["name"] == "vault-team-a"
    assert external["spec"]["dataFrom"] == [
        {"extract": {"key": "llm/team-a"}, "rewrite": [{"regexp": {"source": "^", "target": "team-a."}}]}
    ]
    assert not [o for o in two_teams if o["kind"] == "Secret"]  # team B's Secret exists already


def test_team_b_may_call_only_its_model(two_teams: list[dict[str, Any]]) -> None:
    authorization = _one(two_teams, "SecurityPolicy")["spec"]["authorization"]
    assert authorization["defaultAction"] == "Allow"
    (rule,) = authorization["rules"]
    assert rule["action"] == "Deny" and rule["name"] == "team-b-models"
    assert "startsWith('team-b.')" in rule["cel"] and "in ['qwen-7b']" in rule["cel"]


def test_the_budgets_are_rules_of_the_route_policy(two_teams: list[dict[str, Any]]) -> None:
    rules = _rules(two_teams)
    summary = [(_headers(r), r["limit"]["requests"], r["limit"]["unit"], r.get("shared", False)) for r in rules]
    no_tenant = ("x-client-id", "RegularExpression", r"(?:team-a\.|team-b\.).*", True)
    team_a = ("x-client-id", "RegularExpression", r"team-a\..*", False)
    team_b = ("x-client-id", "RegularExpression", r"team-b\..*", False)
    distinct = ("x-client-id", "Distinct", None, False)
    assert summary == [
        # clients of no tenant: gateway.rateLimit per client per model
        ([distinct, ("x-ai-eg-model", "Exact", "llama-3-70b", False), no_tenant], 100000, "Minute", False),
        ([distinct, ("x-ai-eg-model", "Exact", "qwen-7b", False), no_tenant], 100000, "Minute", False),
        ([team_a, distinct], 20000, "Minute", False),
        ([team_a], 5000000, "Day", True),
        ([team_b, distinct], 2000, "Minute", False),
        ([team_b], 200000, "Day", False),
    ]
    for rule in rules:  # each charged by the response's total tokens, checked (cost 0) on the request
        assert rule["cost"] == {
            "request": {"from": "Number", "number": 0},
            "response": {
                "from": "Metadata",
                "metadata": {"namespace": "io.envoy.ai_gateway", "key": "llm_total_token"},
            },
        }


def test_values_and_library_give_the_same_tenant_objects(two_teams: list[dict[str, Any]], tmp_path: Path) -> None:
    script = tmp_path / "two_teams.py"
    script.write_text(LIBRARY_EXAMPLE)
    out = tmp_path / "dist"
    done = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    library = [d for f in sorted(out.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    for kind in ("SecurityPolicy", "BackendTrafficPolicy", "ExternalSecret", "AIGatewayRoute", "Backend"):
        ours = sorted(((o["metadata"]["name"], o["spec"]) for o in two_teams if o["kind"] == kind), key=str)
        theirs = sorted(((o["metadata"]["name"], o["spec"]) for o in library if o["kind"] == kind), key=str)
        assert ours and ours == theirs, kind


def test_a_test_key_of_a_tenant_is_written_under_its_prefix() -> None:
    values = _values()
    values["tenants"][1]["apiKeys"] = {
        "secretName": "team-b-api-keys",
        "existingSecret": False,
        "dummyKey": "sk-team-b-0123456789abcdef",
        "dummyClientId": "ci",
    }
    objs = manifests(stack_config_from_mapping(values))
    assert _one(objs, "Secret", "team-b-api-keys")["stringData"] == {"team-b.ci": "sk-team-b-0123456789abcdef"}


def test_per_model_budgets_replace_the_tenants_on_that_model_only() -> None:
    values = _values()
    values["tenants"][0]["modelBudgets"] = [{"model": "llama-3-70b", "perClient": {"tokensPerMinute": 5000}}]
    rules = _rules(manifests(stack_config_from_mapping(values)))
    team_a = [r for r in rules if ("x-client-id", "RegularExpression", r"team-a\..*", False) in _headers(r)]
    assert [(_headers(r)[1:], r["limit"]["requests"]) for r in team_a] == [
        # the tenant's own per-client budget, on every model but llama
        (
            [("x-client-id", "Distinct", None, False), ("x-ai-eg-model", "RegularExpression", "llama-3-70b", True)],
            20000,
        ),
        ([("x-client-id", "Distinct", None, False), ("x-ai-eg-model", "Exact", "llama-3-70b", False)], 5000),
        ([], 5000000),
    ]


def test_a_tenant_without_budgets_gets_the_gateways_per_client_budget() -> None:
    values = _values()
    del values["tenants"][0]["budgets"]
    config = stack_config_from_mapping(values)
    assert config.budgets_of(config.tenants[0]).per_client == config.gateway.rate_limit
    team_a = [r for r in _rules(manifests(config)) if any(h[2] == r"team-a\..*" for h in _headers(r))]
    assert [(r["limit"]["requests"], r["limit"]["unit"]) for r in team_a] == [(100000, "Minute")]


def test_without_tenants_nothing_changes() -> None:
    values = _values()
    del values["tenants"]
    objs = manifests(stack_config_from_mapping(values))
    policy = _one(objs, "SecurityPolicy")
    assert "authorization" not in policy["spec"] and len(policy["spec"]["apiKeyAuth"]["credentialRefs"]) == 1
    assert all(len(_headers(r)) == 2 for r in _rules(objs))


def test_every_window_is_a_rule(two_teams: list[dict[str, Any]]) -> None:
    values = _values()
    values["gateway"] = {
        "rateLimit": {
            "tokensPerSecond": 1,
            "tokensPerMinute": 2,
            "tokensPerHour": 3,
            "tokensPerDay": 4,
            "tokensPerMonth": 5,
        }
    }
    del values["tenants"]
    units = [(r["limit"]["unit"], r["limit"]["requests"]) for r in _rules(manifests(stack_config_from_mapping(values)))]
    assert units[:5] == [("Second", 1), ("Minute", 2), ("Hour", 3), ("Day", 4), ("Month", 5)]


# --------------------------------------------------------------------------------------------------------------
# The rule arithmetic


def test_prefixes_and_names_are_matched_literally() -> None:
    assert prefix_pattern(["team.a+"]) == r"team\.a\+.*"
    assert prefix_pattern(["b.", "a."]) == r"(?:a\.|b\.).*"
    assert re.fullmatch(prefix_pattern(["team-a."]), "team-a.alice")
    assert not re.fullmatch(prefix_pattern(["team-a."]), "team-aXalice")
    assert names_pattern(["Mini.Model-B", "x"]) == r"(?:Mini\.Model-B|x)"
    assert no_tenant_selector([], "x-client-id") is None


def test_a_tenant_on_no_model_of_a_route_gets_no_across_rule_there() -> None:
    plan = TenantPlan(name="t", prefix="t.", budgets=TenantBudgets(per_client=None), models=None, model_budgets={})
    assert tenant_rules(plan, ["m"], client_header="x-client-id", model_header="x-ai-eg-model", across=True) == []


def test_the_model_access_rule_is_cel_that_fails_closed() -> None:
    plan = TenantPlan(name="t", prefix="t'.", budgets=TenantBudgets(), models=("m'1",), model_budgets={})
    cel = model_access_rule(plan, client_header="x-client-id", model_header="x-ai-eg-model")
    assert cel == (
        "'x-client-id' in request.headers && request.headers['x-client-id'].startsWith('t\\'.') && "
        "!('x-ai-eg-model' in request.headers && request.headers['x-ai-eg-model'] in ['m\\'1'])"
    )
    assert (
        model_access_rule(
            TenantPlan(name="t", prefix="t.", budgets=TenantBudgets(), models=None, model_budgets={}),
            client_header="x-client-id",
            model_header="x-ai-eg-model",
        )
        is None
    )


# --------------------------------------------------------------------------------------------------------------
# Cross-object checks of what tenants rely on


def _checked(objs: list[dict[str, Any]], *names: str) -> list[str]:
    return run_checks(from_objects(objs), names)


def _with_test_keys(objs: list[dict[str, Any]], **secrets: dict[str, str]) -> list[dict[str, Any]]:
    extra = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name.replace("_", "-"), "namespace": "kserve-inference"},
            "type": "Opaque",
            "stringData": data,
        }
        for name, data in secrets.items()
    ]
    return [*objs, *extra]


def test_fails_when_one_key_stands_for_two_clients(two_teams: list[dict[str, Any]]) -> None:
    objs = _with_test_keys(two_teams, team_b_api_keys={"team-b.ci": "sk-same-key-0123456789"})
    objs = _with_test_keys(objs, ai_gateway_api_keys={"ops": "sk-same-key-0123456789"})
    (problem,) = _checked(objs, "api-keys-unique")
    assert (
        "client 'team-b.ci' has the same API key as client 'ops'" in problem and "refuses the whole policy" in problem
    )


def test_fails_when_one_client_id_is_in_two_secrets(two_teams: list[dict[str, Any]]) -> None:
    objs = _with_test_keys(
        two_teams,
        ai_gateway_api_keys={"team-b.ci": "sk-one-0123456789"},
        team_b_api_keys={"team-b.ci": "sk-two-012345"},
    )
    (problem,) = _checked(objs, "api-keys-unique")
    assert "client id 'team-b.ci', which Secret 'ai-gateway-api-keys' has too" in problem


def test_fails_when_two_sources_write_one_secret(two_teams: list[dict[str, Any]]) -> None:
    objs = _with_test_keys(two_teams, team_a_api_keys={"team-a.x": "sk-x-0123456789abcdef"})
    (problem,) = _checked(objs, "secret-one-writer")
    assert "Secret 'team-a-api-keys' is also written by ExternalSecret kserve-inference/team-a-api-keys" in problem


def test_fails_when_a_budget_counts_by_a_header_the_client_sends(two_teams: list[dict[str, Any]]) -> None:
    objs = copy.deepcopy(two_teams)
    policy = _one(objs, "BackendTrafficPolicy")
    rule = policy["spec"]["rateLimit"]["global"]["rules"][2]
    rule["clientSelectors"][0]["headers"][1]["name"] = "x-user"
    (problem,) = _checked(objs, "budget-key-header")
    assert "rules[2].clientSelectors[0].headers[1] counts a budget per value of 'x-user'" in problem


def test_the_example_passes_every_check(two_teams: list[dict[str, Any]]) -> None:
    existing = [("kserve-inference", "ai-gateway-api-keys"), ("kserve-inference", "team-b-api-keys")]
    assert validate_objects(two_teams, external_secrets=existing).count == len(two_teams)


# --------------------------------------------------------------------------------------------------------------
# Bad input beyond the catalogue (tests/data/bad-values/tenant-*.yaml)


def test_the_values_path_names_the_tenant(tmp_path: Path) -> None:
    values = _values()
    values["tenants"][1]["models"] = ["qwen-7b", "qwen-7b"]
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    with pytest.raises(ValueError, match=r"^tenants\[1\]\.models\[1\]: 'qwen-7b' is not valid: listed twice"):
        load_values(path)


def test_a_stack_built_in_python_checks_tenants_too() -> None:
    config = stack_config_from_mapping(_values())
    with pytest.raises(ValueError, match=r"tenants\[1\]\.name: 'team-a' is not valid: tenants\[0\] has this name"):
        StackConfig(models=config.models, tenants=(config.tenants[0], config.tenants[0]))


# --------------------------------------------------------------------------------------------------------------
# Usage per client and per tenant


def _prometheus_rules(objs: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = copy.deepcopy(_one(objs, "PrometheusRule")["spec"])
    return spec


def _group(rules: dict[str, Any], name: str) -> list[dict[str, Any]]:
    (group,) = [g for g in rules["groups"] if g["name"] == name]
    found: list[dict[str, Any]] = group["rules"]
    return found


def test_usage_is_recorded_per_client_and_per_tenant(two_teams: list[dict[str, Any]]) -> None:
    recorded = _group(_prometheus_rules(two_teams), "llm-stack.tenants")
    assert [(r["record"], r.get("labels", {}).get("tenant")) for r in recorded] == [
        ("client_id:gen_ai_tokens:rate5m", None),
        ("tenant:gen_ai_tokens:rate5m", "team-a"),
        ("tenant:gen_ai_tokens:rate5m", "team-b"),
        ("tenant_model_name:gen_ai_tokens:rate5m", "team-b"),
    ]
    assert (
        'client_id=~"team-b\\\\..*"' in recorded[2]["expr"]
        and 'gen_ai_token_type=~"input|output"' in recorded[2]["expr"]
    )


def test_a_tenant_alert_for_each_daily_or_monthly_shared_budget(two_teams: list[dict[str, Any]]) -> None:
    alerts = _group(_prometheus_rules(two_teams), "llm-stack.tenant-alerts")
    assert [(a["labels"]["tenant"], a["labels"]["window"], a["expr"]) for a in alerts] == [
        ("team-a", "day", 'sum_over_time(tenant:gen_ai_tokens:rate5m{tenant="team-a"}[1d]) * 15 > 4000000'),
        (
            "team-b",
            "day",
            'sum_over_time(tenant_model_name:gen_ai_tokens:rate5m{tenant="team-b", model_name=~"qwen-7b"}[1d]) * 15 '
            "> 160000",
        ),
    ]


def test_the_dashboard_has_a_row_per_tenant(two_teams: list[dict[str, Any]]) -> None:
    import json

    config_map = _one(two_teams, "ConfigMap", "llm-stack-llm-dashboard")
    board = json.loads(next(iter(config_map["data"].values())))
    titles = [p["title"] for p in board["panels"]]
    assert "Tenants (Envoy AI Gateway)" in titles
    assert {
        "Tokens per second by tenant",
        "team-a: tokens per second by client",
        "team-b: tokens per second by client",
    } <= set(titles)


@pytest.fixture(scope="module")
def promtool() -> str:
    import os
    import shutil

    found = shutil.which("promtool")
    if found is None:
        message = "promtool not found on PATH: run scripts/e2e/install.sh (Debian package prometheus)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the rule tests: {message}", pytrace=False)
        pytest.skip(message)
    return found


def _budget_case(rules: dict[str, Any], tokens_per_step: int) -> dict[str, Any]:
    """team-b.ci calls qwen-7b at ``tokens_per_step`` input tokens per 15 s; a client of no tenant calls it 100 times
    as much (it must not count)."""
    base = 'gen_ai_client_token_usage_sum{gen_ai_original_model="qwen-7b", gen_ai_token_type="input", client_id='
    return {
        "interval": "15s",
        "input_series": [
            {"series": base + '"team-b.ci"}', "values": f"0+{tokens_per_step}x400"},
            {"series": base + '"ops"}', "values": f"0+{tokens_per_step * 100}x400"},
        ],
    }


@pytest.mark.slow  # runs promtool over synthetic series
def test_promtool_fires_the_tenant_alert_at_its_share_only(promtool: str, tmp_path: Path) -> None:
    values = _values()
    values["tenants"][1]["budgets"]["shared"] = {"tokensPerDay": 1000}  # 80%: 800 tokens
    rules = _prometheus_rules(manifests(stack_config_from_mapping(values)))
    labels = {
        "alertname": "LlmTenantBudgetUsed",
        "severity": "warning",
        "tenant": "team-b",
        "window": "day",
        "model_name": "qwen-7b",
        "gen_ai_original_model": "qwen-7b",
    }
    (rule,) = [
        r
        for g in rules["groups"]
        for r in g["rules"]
        if r.get("alert") == "LlmTenantBudgetUsed"
        and r["labels"]["window"] == "day"
        and r["labels"]["tenant"] == "team-b"
    ]
    annotations = {k: v.replace("{{ $labels.model_name }}", "qwen-7b") for k, v in rule["annotations"].items()}
    over = _budget_case(rules, 10)  # 40 tokens a minute: 800 after 20 minutes
    over["alert_rule_test"] = [
        {"eval_time": "15m", "alertname": "LlmTenantBudgetUsed", "exp_alerts": []},
        {
            "eval_time": "45m",
            "alertname": "LlmTenantBudgetUsed",
            "exp_alerts": [{"exp_labels": labels, "exp_annotations": annotations}],
        },
    ]
    under = _budget_case(rules, 1)  # 400 tokens in 100 minutes: quiet
    under["alert_rule_test"] = [{"eval_time": "100m", "alertname": "LlmTenantBudgetUsed", "exp_alerts": []}]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "15s", "tests": [over, under]}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = subprocess.run(
        [promtool, "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
