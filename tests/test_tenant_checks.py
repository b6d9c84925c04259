"""What the data-path checks read of tenants from the manifests (the run itself is in tests/controlplane), and what
a local run changes for tenants."""

from __future__ import annotations

from typing import Any

import yaml
from tenants_example import VALUES_EXAMPLE

from llm_inference_stack import stack_config_from_mapping
from llm_inference_stack.synth import manifests
from llm_stack_harness.controlplane.tenant_checks import tenant_views, token_usage_by_client
from llm_stack_harness.localrun.session import localize_config, tenant_session_keys, with_session_keys


def _values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(VALUES_EXAMPLE)
    return values


def test_the_checks_read_each_tenant_from_the_manifests() -> None:
    values = _values()
    values["tenants"][1]["modelBudgets"] = [{"model": "qwen-7b", "shared": {"tokensPerHour": 300}}]
    objects = manifests(stack_config_from_mapping(values))
    keys = {"team-a.x": "ka", "team-b.y": "kb", "team-b.z": "kc", "ops": "ko"}
    team_a, team_b = tenant_views(objects, keys, "x-client-id")
    assert (team_a.prefix, team_a.keys, team_a.allowed) == ("team-a.", [("team-a.x", "ka")], None)
    assert (team_b.prefix, [c for c, _k in team_b.keys], team_b.allowed) == (
        "team-b.",
        ["team-b.y", "team-b.z"],
        ["qwen-7b"],
    )
    assert team_a.budget("llama-3-70b") == 20000 and team_a.budget("qwen-7b", across=True) == 5000000
    assert team_b.budget("qwen-7b", per_client=True) == 2000
    assert team_b.budget("qwen-7b", per_client=False) == 300  # its own budget on qwen replaces the tenant's 200000
    assert not team_b.may_call("llama-3-70b") and team_b.units("qwen-7b") == {"Minute", "Hour"}


def test_the_external_processors_token_metrics_are_summed_per_client() -> None:
    text = "\n".join(
        [
            "# TYPE gen_ai_client_token_usage histogram",
            'gen_ai_client_token_usage_sum{client_id="team-b.y",gen_ai_token_type="input",otel_scope_name="x"} 12',
            'gen_ai_client_token_usage_sum{client_id="team-b.y",gen_ai_token_type="output"} 8',
            'gen_ai_client_token_usage_sum{client_id="team-b.y",gen_ai_token_type="cached_input"} 5',
            'gen_ai_client_token_usage_count{client_id="team-b.y",gen_ai_token_type="output"} 1',
            'gen_ai_client_token_usage_sum{gen_ai_token_type="output"} 99',
        ]
    )
    assert token_usage_by_client(text) == {"team-b.y": 20.0}


def test_a_local_run_gives_each_tenant_two_session_keys_under_its_prefix() -> None:
    config = stack_config_from_mapping(_values())
    keys = tenant_session_keys(config)
    assert sorted(keys) == [("kserve-inference", "team-a-api-keys"), ("kserve-inference", "team-b-api-keys")]
    assert sorted(keys[("kserve-inference", "team-b-api-keys")]) == ["team-b.local-run", "team-b.local-run-other"]
    objects = manifests(config)
    for secret, session in keys.items():
        objects, _changes = with_session_keys(objects, secret, session)
    secrets = {o["metadata"]["name"]: o["stringData"] for o in objects if o["kind"] == "Secret"}
    assert sorted(secrets) == ["team-a-api-keys", "team-b-api-keys"]
    assert not [o for o in objects if o["kind"] == "ExternalSecret"]


def test_a_smoke_test_scales_every_tenant_budget_by_one_factor() -> None:
    config, changes = localize_config(stack_config_from_mapping(_values()), smoke_test=True)
    team_a, team_b = (config.budgets_of(t) for t in config.tenants)
    assert team_b.per_client is not None and team_b.per_client.tokens_per_minute == 200
    assert team_a.per_client is not None and team_a.per_client.tokens_per_minute == 2000  # still the larger
    assert team_a.shared_across_models is not None and team_a.shared_across_models.tokens_per_day == 500000
    assert any("every budget times 0.1" in str(c) for c in changes)
    unchanged, _ = localize_config(stack_config_from_mapping(_values()), smoke_test=False)
    assert unchanged.tenants == stack_config_from_mapping(_values()).tenants
