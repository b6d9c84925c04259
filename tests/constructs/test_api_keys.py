"""ApiKeys through the public API: an existing Secret declared to validation, an ExternalSecret, a test key."""

from __future__ import annotations

from typing import cast

import cdk8s
import pytest
from construct_helpers import chart, find, objects, server

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    ApiKeysConfig,
    ExternalSecretConfig,
    PropError,
    StackValidationError,
)


def _gateway(scope: cdk8s.Chart, keys: ApiKeys) -> AiGateway:
    gateway = AiGateway(scope, "gateway", name="gw", api_keys=keys)
    gateway.add_model(server(scope))
    return gateway


def test_an_existing_secret_emits_nothing_and_is_declared_to_validation() -> None:
    scope = chart("team-b")
    keys = ApiKeys(scope, "keys", config=ApiKeysConfig(secret_name="team-b-keys"))
    gateway = _gateway(scope, keys)
    objs = objects(scope)
    assert not [o for o in objs if o["kind"] in ("Secret", "ExternalSecret")]
    policy = find(objs, "SecurityPolicy", "gw-api-keys")
    assert policy["spec"]["apiKeyAuth"]["credentialRefs"] == [{"group": "", "kind": "Secret", "name": "team-b-keys"}]
    assert "annotations" not in policy["metadata"]
    assert keys.node.default_child is None and gateway.api_keys is keys


def test_an_external_secret_writes_the_keys_secret() -> None:
    scope = chart()
    external = ExternalSecretConfig(store_name="vault", remote_key="llm/api-keys")
    keys = ApiKeys(scope, "keys", config=ApiKeysConfig(external_secret=external))
    _gateway(scope, keys)
    secret = find(objects(scope), "ExternalSecret", "ai-gateway-api-keys")
    assert secret["spec"]["target"]["name"] == "ai-gateway-api-keys"
    assert cdk8s.ApiObject.of(keys.node.default_child).kind == "ExternalSecret"


def test_a_test_key_is_a_warning_attribute(capsys: pytest.CaptureFixture[str]) -> None:
    scope = chart()
    config = ApiKeysConfig(existing_secret=False, dummy_key="test-key-0123456789abcdef")
    keys = ApiKeys(scope, "keys", config=config)
    assert find(objects(scope), "Secret", "ai-gateway-api-keys")["stringData"] == {
        "test-client": "test-key-0123456789abcdef"
    }
    assert len(keys.warnings) == 1 and "test API key" in keys.warnings[0]
    assert capsys.readouterr() == ("", "")


def test_fails_at_synth_when_the_gateway_reads_a_secret_nobody_declared() -> None:
    scope = chart()
    gateway = _gateway(scope, ApiKeys(scope, "keys"))
    cdk8s.ApiObject.of(gateway.security_policy).add_json_patch(
        cdk8s.JsonPatch.replace("/spec/apiKeyAuth/credentialRefs/0/name", "forgotten-keys")
    )
    with pytest.raises(StackValidationError, match=r"\[api-keys-secret\] .*names Secret 'forgotten-keys'"):
        cast(cdk8s.App, scope.node.root).synth()


def test_fails_when_the_namespace_is_not_a_dns_label() -> None:
    with pytest.raises(PropError, match=r"^ApiKeys 'namespace' \('team_b'\) is not valid: use a DNS-1123 label"):
        ApiKeys(chart(), "keys", namespace="team_b")
