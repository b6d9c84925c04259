"""The shipped Argo CD health checks, run with Lua 5.1 as Argo CD runs them, on status objects the real controllers
wrote (``tests/fixtures/argocd-health/``, recorded by ``scripts/record_argocd_health_fixtures.py``), and the
``argocd-cm`` patch ``llm-stack argocd-health`` prints."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from argocd_health_cases import FIXTURES
from argocd_lua import LuaScriptError, run_health
from helpers import ROOT, default_values_copy, run_cli, synthesized, with_changes
from lupa import lua51

from llm_inference_stack import pins
from llm_inference_stack.facts import argocd as argocd_facts
from llm_inference_stack.gitops import argocd

FIXTURE_FILES = sorted(FIXTURES.glob("*/*.yaml"))
_EXPECTED = re.compile(r"^# Argo CD health expected: (\w+)$", re.MULTILINE)
_RECORDED = re.compile(r"^# Recorded by scripts/record_argocd_health_fixtures\.py: llm-stack verify --collect", re.M)


def _fixture(path: Path) -> tuple[str, dict[str, Any]]:
    text = path.read_text()
    expected = _EXPECTED.search(text)
    assert expected, f"{path.name}: no '# Argo CD health expected: ...' line"
    assert _RECORDED.search(text), f"{path.name}: does not say how it was recorded"
    return expected.group(1), yaml.safe_load(text)


def _check_of(obj: dict[str, Any]) -> argocd.HealthCheck:
    check = argocd.health_check(obj["apiVersion"].rpartition("/")[0], obj["kind"])
    assert check is not None, f"no shipped check for {obj['apiVersion']} {obj['kind']}"
    return check


def _false_messages(node: Any) -> Iterator[str]:
    """The messages of every condition with status False anywhere in ``node``."""
    if isinstance(node, dict):
        if node.get("status") == "False" and isinstance(node.get("message"), str):
            yield node["message"]
        for value in node.values():
            yield from _false_messages(value)
    elif isinstance(node, list):
        for value in node:
            yield from _false_messages(value)


def test_the_interpreter_is_lua_5_1_without_the_libraries_argo_cd_withholds() -> None:
    assert lua51.LuaRuntime().lua_version == (5, 1)
    assert run_health('return {status = "Healthy", message = type(string) .. type(math)}', {}) == {
        "status": "Healthy",
        "message": "nilnil",
    }
    with pytest.raises(LuaScriptError, match="attempt to index"):
        run_health('return {status = ("healthy"):upper()}', {})
    assert run_health('return {status = "Fine"}', {})["status"] == "Unknown"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_check_gives_the_recorded_verdict(path: Path) -> None:
    expected, obj = _fixture(path)
    health = run_health(_check_of(obj).lua(), obj)
    assert health["status"] == expected, health
    assert health.get("message"), health
    if expected == "Degraded":
        messages = list(_false_messages(obj.get("status")))
        assert any(m[:60] in health["message"] for m in messages), (health, messages)


def test_every_shipped_check_is_tested_on_healthy_progressing_and_degraded_objects() -> None:
    seen: dict[str, set[str]] = {}
    for path in FIXTURE_FILES:
        expected, obj = _fixture(path)
        seen.setdefault(_check_of(obj).key, set()).add(expected)
    for check in argocd.HEALTH_CHECKS:
        assert seen.get(check.key, set()) >= {"Healthy", "Progressing", "Degraded"}, (check.kind, seen.get(check.key))


def _conditions(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    status = obj.get("status") or {}
    yield from status.get("conditions") or []
    for entry in [*(status.get("ancestors") or []), *(status.get("parents") or [])]:
        yield from entry.get("conditions") or []


@pytest.mark.parametrize(
    "path", [p for p in FIXTURE_FILES if p.name.startswith("healthy-")], ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_a_spec_the_controller_has_not_seen_yet_is_progressing(path: Path) -> None:
    """The object as the API server holds it right after a spec change: ``metadata.generation`` one ahead, the
    status as the controller last wrote it. Where the controller records ``observedGeneration`` the check waits;
    the AI Gateway controller records none, so its verdict cannot change."""
    _, obj = _fixture(path)
    ahead = copy.deepcopy(obj)
    ahead["metadata"]["generation"] += 1
    health = run_health(_check_of(obj).lua(), ahead)
    if any("observedGeneration" in c for c in _conditions(obj)):
        assert health["status"] == "Progressing", health
        assert "generation" in health["message"], health
    else:
        assert obj["apiVersion"].startswith("aigateway.envoyproxy.io/"), obj["kind"]
        assert health["status"] == "Healthy", health


def test_the_cli_prints_the_argocd_cm_patch_with_one_key_per_shipped_check() -> None:
    result = run_cli("argocd-health")
    assert result.returncode == 0, result.stderr
    patch = yaml.safe_load(result.stdout)
    assert (patch["apiVersion"], patch["kind"], patch["metadata"]["name"]) == ("v1", "ConfigMap", "argocd-cm")
    assert patch["metadata"]["namespace"] == "argocd"
    assert set(patch["data"]) == {f"resource.customizations.health.{c.group}_{c.kind}" for c in argocd.HEALTH_CHECKS}
    for check in argocd.HEALTH_CHECKS:
        lua = (ROOT / "lib" / "llm_inference_stack" / "gitops" / "argocd_health" / check.script).read_text()
        assert patch["data"][check.key] == lua
        # Argo CD splits the key's last part on "_" into exactly group and kind (settings.go: convertToOverrideKey).
        assert check.key.removeprefix(argocd_facts.HEALTH_KEY_PREFIX).split("_") == [check.group, check.kind]
    assert "\n    local hs = {}\n" in result.stdout  # the scripts as literal blocks, readable in the patch


def test_the_cli_prints_helm_values_and_another_namespace() -> None:
    helm = yaml.safe_load(run_cli("argocd-health", "--format", "helm-values").stdout)
    assert helm == {"configs": {"cm": argocd.health_data()}}
    patch = yaml.safe_load(run_cli("argocd-health", "--namespace", "gitops").stdout)
    assert patch["metadata"]["namespace"] == "gitops"


def test_fails_when_the_namespace_is_no_dns_label() -> None:
    result = run_cli("argocd-health", "--namespace", "Argo_CD")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "llm-stack: argocd-health: --namespace: 'Argo_CD' is not valid: Argo CD's namespace: a DNS-1123 label "
        "(lower-case letters, digits, '-'; at most 63)\n"
    )


def _emitted_kinds() -> set[tuple[str, str]]:
    """(group, kind) of every object the stack writes in the snapshot scenarios, the standalone gateway with its own
    namespace, and ``dist/``."""
    documents: list[dict[str, Any]] = []
    for path in [*sorted((ROOT / "tests" / "__snapshots__").rglob("*.yaml")), ROOT / "dist" / "llm-stack.k8s.yaml"]:
        documents += [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict) and "kind" in d]
    standalone = {"gateway.mode": "standalone", "namespace": {"name": "kserve-inference", "create": True}}
    documents += synthesized(with_changes(default_values_copy(), standalone))
    return {(d["apiVersion"].rpartition("/")[0], d["kind"]) for d in documents}


def _docs_table() -> dict[str, list[str]]:
    rows = {}
    text = (ROOT / "docs" / "gitops.md").read_text()
    section = text.split("## Which kinds Argo CD assesses itself", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("Kind", "---"):
            for kind in cells[0].split(", "):
                rows[f"{'' if cells[1] == 'core' else cells[1]}/{kind}"] = cells
    return rows


def test_the_docs_say_for_every_kind_the_stack_emits_who_assesses_its_health() -> None:
    text = (ROOT / "docs" / "gitops.md").read_text()
    assert f"Argo CD **{pins.ARGO_CD_VERSION}** (`argoproj/argo-cd` at `{pins.ARGO_CD_COMMIT[:7]}`)" in text
    rows = _docs_table()
    kinds = _emitted_kinds() | {("inference.networking.k8s.io", "InferencePool")}
    assert {f"{g}/{k}" for g, k in kinds} <= set(rows), sorted({f"{g}/{k}" for g, k in kinds} - set(rows))
    for key, (_kind, _group, _emitted, argo, shipped) in rows.items():
        group, _, kind = key.partition("/")
        built_in = argocd_facts.built_in_health(group, kind)
        assert argo.startswith(built_in) if built_in else argo == "none", (key, argo)
        assert (shipped == "**yes**") == (argocd.health_check(group, kind) is not None), (key, shipped)
    for check in argocd.HEALTH_CHECKS:
        assert argocd_facts.built_in_health(check.group, check.kind) is None, check.kind
