"""What ``llm-stack local-run`` changes in a user's stack (``localrun.session``): fast, without the local runtime."""

from __future__ import annotations

from typing import Any

import yaml
from helpers import ROOT, synthesized, with_changes

from llm_inference_stack import stack_config_from_mapping
from llm_stack_harness.localrun.session import (
    SMOKE_REQUESTS_PER_MINUTE,
    SMOKE_TOKENS_PER_MINUTE,
    TINY_MAX_MODEL_LEN,
    api_key_secret_name,
    localize_config,
    session_keys,
    with_session_keys,
)

E2E_VALUES = ROOT / "tests" / "e2e" / "values-e2e.yaml"


def _changes(values: dict[str, Any], *, smoke_test: bool) -> dict[str, str]:
    _config, changes = localize_config(stack_config_from_mapping(values), smoke_test=smoke_test)
    return {c.where: f"{c.written} -> {c.local}" for c in changes}


def test_a_stack_made_for_one_cpu_is_kept_as_written() -> None:
    values = yaml.safe_load(E2E_VALUES.read_text())  # one GPU, 256 tokens, --enforce-eager, 100000 tokens/min
    assert _changes(values, smoke_test=False) == {}
    config = stack_config_from_mapping(values)
    assert localize_config(config, smoke_test=False)[0] == config


def test_what_one_cpu_and_the_tiny_model_cannot_do_is_changed_and_listed(default_values: dict[str, Any]) -> None:
    values = with_changes(
        default_values,
        {"model.runtime.env": {"HF_TOKEN": {"secretKeyRef": {"name": "hf", "key": "token"}}, "MODE": "fast"}},
    )
    values["observability"]["phoenix"]["authSecretName"] = "phoenix-api-key"
    config, changes = localize_config(stack_config_from_mapping(values), smoke_test=False)
    assert {c.where: f"{c.written} -> {c.local}" for c in changes} == {
        "model.runtime.gpuCount": "2 -> 1",
        "model.runtime.maxModelLen": f"8192 -> {TINY_MAX_MODEL_LEN}",
        "model.runtime.env": "HF_TOKEN from a Secret -> left out",
        "model.runtime.extraArgs": "[] -> + --enforce-eager",
        "observability.phoenix.authSecretName": "phoenix-api-key -> null",
    }
    assert all(c.why for c in changes)
    (model,) = config.models
    assert model.name == "llama-3-70b" and dict(model.runtime.env) == {"MODE": "fast"}
    assert config.release == "llm-stack" and config.gateway.rate_limit is not None
    assert config.gateway.rate_limit.tokens_per_minute == 100_000  # kept without --no-wait


def test_the_smoke_test_lowers_only_budgets_it_could_not_use_up(default_values: dict[str, Any]) -> None:
    changes = _changes(default_values, smoke_test=True)
    assert changes["gateway.rateLimit.tokensPerMinute"] == f"100000 -> {SMOKE_TOKENS_PER_MINUTE}"
    small = with_changes(default_values, {"gateway.rateLimit.tokensPerMinute": 60})
    assert "gateway.rateLimit.tokensPerMinute" not in _changes(small, smoke_test=True)
    standalone = with_changes(default_values, {"gateway.mode": "standalone"})
    changes = _changes(standalone, smoke_test=True)
    assert changes["gateway.standalone.requestsPerMinute"] == f"60 -> {SMOKE_REQUESTS_PER_MINUTE}"
    assert "gateway.rateLimit.tokensPerMinute" not in changes  # not enforced in that mode: nothing to lower


def test_the_session_keys_replace_the_key_secret_and_an_external_secret() -> None:
    values = with_changes(
        yaml.safe_load(E2E_VALUES.read_text()),
        {"namespace": "team-a", "apiKeys.secretName": "edge-keys", "apiKeys.externalSecret": {"storeName": "vault",
         "remoteKey": "llm/keys"}, "apiKeys.existingSecret": False},
    )  # fmt: skip
    config = stack_config_from_mapping(values)
    objects = synthesized(values)
    assert any(o["kind"] == "ExternalSecret" for o in objects)
    keys = session_keys()
    assert sorted(keys) == ["local-run", "local-run-other"] and len(set(keys.values())) == 2
    secret = api_key_secret_name(objects, config)
    assert secret == ("team-a", "edge-keys")
    local, changes = with_session_keys(objects, secret, keys)
    secrets = [o for o in local if o["kind"] == "Secret"]
    assert [(s["metadata"]["namespace"], s["metadata"]["name"], s["stringData"]) for s in secrets] == [
        ("team-a", "edge-keys", keys)
    ]
    assert not any(o["kind"] == "ExternalSecret" for o in local)
    assert [c.where for c in changes] == ["Secret team-a/edge-keys", "ExternalSecret team-a/edge-keys"]
    assert len(local) == len(objects)  # the ExternalSecret out, the Secret in, nothing else changed
    assert [o for o in local if o["kind"] not in ("Secret", "ExternalSecret")] == [
        o for o in objects if o["kind"] not in ("Secret", "ExternalSecret")
    ]


def test_manifests_without_values_name_the_secret_their_gateway_reads() -> None:
    values = with_changes(yaml.safe_load(E2E_VALUES.read_text()), {"apiKeys.secretName": "edge-keys"})
    assert api_key_secret_name(synthesized(values), None) == ("kserve-inference", "edge-keys")  # SecurityPolicy
    standalone = with_changes(values, {"gateway.mode": "standalone"})
    assert api_key_secret_name(synthesized(standalone), None) == ("kserve-inference", "edge-keys")  # Pod volume
