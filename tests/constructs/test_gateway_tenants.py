"""AiGateway.add_tenant through the public API: what a tenant adds, given in any order, and each misuse refused with
the construct, the prop and the fix."""

from __future__ import annotations

import cdk8s
import pytest
from construct_helpers import chart, find, objects, server

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    ApiKeysConfig,
    PropError,
    RateLimitConfig,
    StackValidationError,
    StandaloneGateway,
    TenantBudgets,
)


def _gateway(scope: cdk8s.Chart) -> AiGateway:
    return AiGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))


def _keys(scope: cdk8s.Chart, name: str, prefix: str | None = None) -> ApiKeys:
    return ApiKeys(
        scope, f"{name}-keys", config=ApiKeysConfig(secret_name=f"{name}-keys"), client_id_prefix=prefix or f"{name}."
    )


def _rules(scope: cdk8s.Chart) -> list[dict[str, object]]:
    rules: list[dict[str, object]] = find(objects(scope), "BackendTrafficPolicy")["spec"]["rateLimit"]["global"][
        "rules"
    ]
    return rules


def test_a_tenant_added_before_its_models_is_in_the_output() -> None:
    scope = chart()
    gateway = _gateway(scope)
    llama, qwen = server(scope, "llama"), server(scope, "qwen")
    tenant = gateway.add_tenant(
        "team-b",
        api_keys=_keys(scope, "team-b"),
        models=[qwen],
        budgets=TenantBudgets(per_client=None, shared=RateLimitConfig(tokens_per_hour=900)),
    )
    gateway.add_model(llama)
    gateway.add_model(qwen)
    tenant.set_model_budget(qwen, shared=RateLimitConfig(tokens_per_hour=300))
    objs = objects(scope)
    policy = find(objs, "SecurityPolicy", "gw-api-keys")
    assert [r["name"] for r in policy["spec"]["apiKeyAuth"]["credentialRefs"]] == ["ai-gateway-api-keys", "team-b-keys"]
    assert "['qwen']" in policy["spec"]["authorization"]["rules"][0]["cel"]
    team = [r for r in _rules(scope) if r["clientSelectors"][0]["headers"][0].get("value") == r"team-b\..*"]  # type: ignore[index]
    assert [r["limit"] for r in team] == [{"requests": 900, "unit": "Hour"}, {"requests": 300, "unit": "Hour"}]
    assert tenant.gateway is gateway and gateway.tenants == [tenant] and tenant.client_id_prefix == "team-b."


def test_budgets_across_models_are_shared_rules() -> None:
    scope = chart()
    gateway = _gateway(scope)
    gateway.add_model(server(scope))
    gateway.add_tenant(
        "team-a",
        api_keys=_keys(scope, "team-a"),
        budgets=TenantBudgets(per_client_across_models=RateLimitConfig(tokens_per_month=10)),
    )
    across = [r for r in _rules(scope) if r.get("shared")]
    assert [(r["limit"], len(r["clientSelectors"][0]["headers"])) for r in across] == [  # type: ignore[index]
        ({"requests": 10, "unit": "Month"}, 2)
    ]


def test_fails_when_the_tenants_keys_have_no_prefix() -> None:
    scope = chart()
    with pytest.raises(PropError, match=r"AiGateway\.add_tenant 'api_keys' .* give the tenant's ApiKeys a client_id"):
        _gateway(scope).add_tenant("team-a", api_keys=ApiKeys(scope, "k", config=ApiKeysConfig(secret_name="a")))


def test_fails_when_two_tenants_prefixes_overlap() -> None:
    scope = chart()
    gateway = _gateway(scope)
    gateway.add_tenant("team", api_keys=_keys(scope, "team", "team-"))
    with pytest.raises(PropError, match=r"tenant 'team' has the client-id prefix 'team-': a client id starting with"):
        gateway.add_tenant("team-a", api_keys=_keys(scope, "team-a", "team-a."))


def test_fails_when_a_tenant_reads_the_gateways_secret() -> None:
    scope = chart()
    keys = ApiKeys(scope, "k", client_id_prefix="a.")
    with pytest.raises(PropError, match=r"the gateway's own api_keys uses this Secret too"):
        _gateway(scope).add_tenant("team-a", api_keys=keys)


def test_fails_when_the_tenants_keys_are_in_another_namespace() -> None:
    scope = chart("llm")
    keys = ApiKeys(scope, "k", namespace="team-a", config=ApiKeysConfig(secret_name="a"), client_id_prefix="a.")
    with pytest.raises(PropError, match=r"put the tenant's ApiKeys in the gateway's namespace \('llm'\)"):
        _gateway(scope).add_tenant("team-a", api_keys=keys)


def test_fails_when_a_tenant_is_named_twice_or_badly() -> None:
    scope = chart()
    gateway = _gateway(scope)
    gateway.add_tenant("team-a", api_keys=_keys(scope, "team-a"))
    with pytest.raises(PropError, match=r"this gateway has a tenant of this name already"):
        gateway.add_tenant("team-a", api_keys=_keys(scope, "team-a2", "b."))
    with pytest.raises(PropError, match=r"add_tenant 'name' \('1team'\) is not valid: start the name with a letter"):
        gateway.add_tenant("1team", api_keys=_keys(scope, "x", "x."))


def test_fails_when_models_are_names_not_servers() -> None:
    scope = chart()
    with pytest.raises(PropError, match=r"add_tenant 'models' \('qwen'\) is not valid: pass a list of ServedModels"):
        _gateway(scope).add_tenant("team-a", api_keys=_keys(scope, "team-a"), models="qwen")  # type: ignore[arg-type]


def test_fails_at_synth_when_a_tenant_may_call_a_model_the_gateway_does_not_route() -> None:
    scope = chart()
    gateway = _gateway(scope)
    gateway.add_model(server(scope, "llama"))
    gateway.add_tenant("team-a", api_keys=_keys(scope, "team-a"), models=[server(scope, "qwen")])
    with pytest.raises(StackValidationError, match=r"tenant 'team-a' may call model 'qwen', which the gateway does"):
        scope.node.root.synth()  # type: ignore[attr-defined]


def test_fails_when_a_model_budget_is_for_a_model_the_tenant_may_not_call() -> None:
    scope = chart()
    gateway = _gateway(scope)
    llama, qwen = server(scope, "llama"), server(scope, "qwen")
    tenant = gateway.add_tenant("team-a", api_keys=_keys(scope, "team-a"), models=[qwen])
    with pytest.raises(PropError, match=r"set_model_budget 'server' \('llama'\) is not valid: the tenant may not"):
        tenant.set_model_budget(llama, per_client=None)
    tenant.set_model_budget(qwen, per_client=None)
    with pytest.raises(PropError, match=r"set a model's budget once per tenant"):
        tenant.set_model_budget(qwen, shared=None)


def test_fails_when_the_standalone_gateway_is_given_a_tenant() -> None:
    scope = chart()
    gateway = StandaloneGateway(scope, "gateway", name="gw", api_keys=ApiKeys(scope, "keys"))
    with pytest.raises(PropError, match=r"StandaloneGateway\.add_tenant .* cannot hold tenants: plain Envoy's local"):
        gateway.add_tenant("team-a", api_keys=_keys(scope, "team-a"))


def test_fails_when_a_prefix_is_no_secret_key() -> None:
    with pytest.raises(PropError, match=r"ApiKeys 'client_id_prefix' \('a/b'\) is not valid: use letters"):
        ApiKeys(chart(), "k", client_id_prefix="a/b")
