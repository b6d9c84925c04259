"""Tenants on the default gateway's real data path: the synthesized manifests on the local control plane, Envoy
Gateway's Envoy, the AI Gateway's external processor and Envoy Gateway's rate-limit service with Redis, the real vLLM
(CPU, tiny model) behind two served names, and the official ``openai`` client (:mod:`llm_stack_harness.controlplane.
tenant_checks`; marker ``controlplane``, installs of ``make e2e-deps controlplane-deps``).

Three teams: team A (large budgets, both models), team B (a smaller per-key budget and a smaller one its two keys
share, one model only), team C (one budget per key across both models). Budgets are hourly, so no window turns over
during a check.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest
import yaml
from helpers import synth_objects, with_changes
from local_run_support import require_local_runtime
from test_dataplane import MODEL_STORE_ACCOUNT, MODEL_STORE_URI, VALUES_FILE, check, write_dir

pytestmark = pytest.mark.controlplane

Obj = dict[str, Any]
SECOND_MODEL = "tiny-b"
TEAM_B_SHARED = 150
TEAM_C_ACROSS = 160


def _tenant(name: str, key: str, **rest: Any) -> dict[str, Any]:
    return {
        "name": name,
        "apiKeys": {"secretName": f"{name}-keys", "existingSecret": False, "dummyKey": key, "dummyClientId": "ci"},
        **rest,
    }


TENANTS = [
    _tenant("team-a", "sk-team-a-0123456789abcdef", budgets={"perClient": {"tokensPerHour": 5000}}),
    _tenant(
        "team-b",
        "sk-team-b-0123456789abcdef",
        models=["tiny"],
        budgets={"perClient": {"tokensPerHour": 300}, "shared": {"tokensPerHour": TEAM_B_SHARED}},
    ),
    _tenant(
        "team-c",
        "sk-team-c-0123456789abcdef",
        budgets={"perClient": None, "perClientAcrossModels": {"tokensPerHour": TEAM_C_ACROSS}},
    ),
]


def _without_model_access(objects: list[Obj]) -> None:
    """The SecurityPolicy's Deny rules made never to match (``false && ...``): the checks still read from them which
    models each team may call, and Envoy lets every request through."""
    policy = next(o for o in objects if o["kind"] == "SecurityPolicy")
    for rule in policy["spec"]["authorization"]["rules"]:
        if rule.get("action") == "Deny" and rule.get("cel"):
            rule["cel"] = f"false && {rule['cel']}"


@pytest.fixture(scope="session")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One probe run over the three-team stack, and over the same with the SecurityPolicy's model access removed."""
    require_local_runtime()
    root = tmp_path_factory.mktemp("tenants")
    values = with_changes(
        yaml.safe_load(VALUES_FILE.read_text()),
        {
            "apiKeys.existingSecret": False,
            # Weights from S3: the model store of the sandbox holds the tiny model there (pvc:// is not served).
            "model.storageUri": MODEL_STORE_URI,
            "model.serviceAccountName": MODEL_STORE_ACCOUNT,
            "apiKeys.dummyKey": "sk-no-tenant-0123456789abcdef",
            "observability.phoenix.endpoint": None,
        },
    )
    model = values.pop("model")
    values["models"] = [model, model | {"name": SECOND_MODEL}]
    values["tenants"] = TENANTS
    objects = synth_objects(values)
    # A second key for teams B and C, under the team's prefix, as the team's own Secret would hold.
    for secret in (o for o in objects if o["kind"] == "Secret"):
        name = secret["metadata"]["name"]
        if name in ("team-b-keys", "team-c-keys"):
            secret["stringData"][f"{name.removesuffix('-keys')}.bot"] = f"sk-{name}-bot-0123456789abcdef"
    broken = copy.deepcopy(objects)
    _without_model_access(broken)
    directories = {"stack": write_dir(objects, root / "stack"), "no-model-access": write_dir(broken, root / "broken")}
    result = subprocess.run(
        [sys.executable, "-m", "llm_stack_harness.controlplane.probe", *map(str, directories.values()),
         "--vllm", "--json"],
        capture_output=True,
        text=True,
        timeout=2400,
        check=False,
    )  # fmt: skip
    assert result.stdout.strip().startswith("["), f"exit {result.returncode}\n{result.stderr[-4000:]}"
    reports = {r["source"]: r for r in json.loads(result.stdout)}
    return {name: reports[str(d)] for name, d in directories.items()}


def test_every_check_passes_for_three_teams(probed: dict[str, Any]) -> None:
    report = probed["stack"]
    assert report["ok"], json.dumps(report["checks"], indent=1) + f"\nerror: {report['error']}"


def test_each_teams_key_reaches_the_model_server_under_its_id(probed: dict[str, Any]) -> None:
    # Each team's first key by client id: team A has its test key only, teams B and C a second one ("bot").
    for team, client in (("team-a", "team-a.ci"), ("team-b", "team-b.bot"), ("team-c", "team-c.bot")):
        name = f"{team}: key of {client} gets a completion from 'tiny', the model server sees its id"
        assert check(probed["stack"], name)["ok"]


def test_team_b_over_its_budget_gets_429_while_team_a_gets_200(probed: dict[str, Any]) -> None:
    over = check(
        probed["stack"], f"team-b over its token budget ({TEAM_B_SHARED}) -> 429, streamed completions charged"
    )
    assert over["ok"] and "streamed completions" in over["detail"], over
    assert check(probed["stack"], "team-a's key gets 200 meanwhile (while team-b gets 429)")["ok"]
    assert check(probed["stack"], "a client of no tenant gets 200 meanwhile (while team-b gets 429)")["ok"]


def test_a_shared_budget_is_drawn_by_both_keys(probed: dict[str, Any]) -> None:
    assert check(probed["stack"], f"team-b's shared budget ({TEAM_B_SHARED}) is drawn by both its keys")["ok"]


def test_a_budget_across_models_holds_on_the_second_model(probed: dict[str, Any]) -> None:
    name = f"team-c's budget across models ({TEAM_C_ACROSS}) stops a key on 'tiny-b' after it spent it on 'tiny'"
    assert check(probed["stack"], name)["ok"]


def test_a_model_the_team_may_not_call_is_refused_by_the_gateway(probed: dict[str, Any]) -> None:
    name = "team-b: a model it may not call ('tiny-b') -> 403 from the gateway, no model server reached"
    assert check(probed["stack"], name)["ok"]
    # With the Deny rule never matching, the same request reaches the model: the check can fail.
    refused = check(probed["no-model-access"], name)
    assert not refused["ok"] and refused["detail"].startswith("200"), refused


def test_token_metrics_per_client_match_what_the_clients_received(probed: dict[str, Any]) -> None:
    usage = check(
        probed["stack"],
        "token usage per client in the external processor's metrics matches what the clients received (1%)",
    )
    assert usage["ok"], usage
