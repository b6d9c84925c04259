"""``llm-stack validate DIR --only-stack``: the objects the stack wrote (its marker label) are validated, and of
the others in the directory only their references into the stack's objects."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
NS = "kserve-inference"


def valid_count(stderr: str) -> int:
    match = re.search(r": (\d+) objects valid", stderr)
    assert match, stderr
    return int(match.group(1))


def mixed(tmp_path: Path, *others: dict[str, Any]) -> Path:
    """dist/ and a file of the platform's own objects beside it."""
    out = tmp_path / "mixed"
    shutil.copytree(DIST, out)
    (out / "platform.yaml").write_text(yaml.safe_dump_all(others))
    return out


def chat_route(port: int) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "chat", "namespace": NS},
        "spec": {
            "parentRefs": [{"name": "edge", "namespace": "edge"}],
            "rules": [{"backendRefs": [{"name": "llm-stack-ai-gateway", "port": port}]}],
        },
    }


def test_only_stack_on_dist_counts_what_plain_validate_counts() -> None:
    plain = run_cli("validate", str(DIST))
    only = run_cli("validate", str(DIST), "--only-stack")
    assert plain.returncode == only.returncode == 0, plain.stderr + only.stderr
    assert (
        valid_count(only.stderr)
        == valid_count(plain.stderr)
        == len([d for d in yaml.safe_load_all((DIST / "llm-stack.k8s.yaml").read_text()) if d])
    )
    assert "ignored" not in only.stderr


def test_only_stack_ignores_unknown_kinds_and_notes_their_count(tmp_path: Path) -> None:
    workflow = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "w"}, "spec": {}}
    out = mixed(tmp_path, workflow, chat_route(8080))
    result = run_cli("validate", str(out), "--only-stack")
    assert result.returncode == 0, result.stderr
    assert "llm-stack: ignored 2 object(s) the stack did not write (without the label " in result.stderr
    assert valid_count(result.stderr) == valid_count(run_cli("validate", str(DIST)).stderr)


def test_fails_when_a_platform_route_sends_to_a_port_the_gateway_service_lacks(tmp_path: Path) -> None:
    result = run_cli("validate", str(mixed(tmp_path, chat_route(80))), "--only-stack")
    assert result.returncode == 2
    assert (
        f"  - [service-port] HTTPRoute {NS}/chat (platform.yaml#0): spec.rules[0].backendRefs[0] sends to port 80 of "
        "the Service Envoy Gateway makes for Gateway 'llm-stack-ai-gateway', which listens on 8080 only: use port 8080"
    ) in result.stderr


def test_plain_validate_of_a_directory_with_valid_platform_objects_passes_as_before(tmp_path: Path) -> None:
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "mine", "namespace": NS}, "data": {}}
    result = run_cli("validate", str(mixed(tmp_path, config)))
    assert result.returncode == 0, result.stderr
    assert "only-stack" not in result.stderr


def test_plain_validate_warns_about_every_credential_and_only_stack_about_the_stacks(tmp_path: Path) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": NS}, "data": {"pw": "eA=="}}
    out = mixed(tmp_path, secret)
    assert "holds its values in the directory" in run_cli("validate", str(out)).stderr
    assert "holds its values in the directory" not in run_cli("validate", str(out), "--only-stack").stderr


def test_fails_when_only_stack_finds_no_object_of_the_stack(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(chat_route(80)))
    result = run_cli("validate", str(tmp_path), "--only-stack")
    assert result.returncode == 2
    assert "no object carries the stack's label app.kubernetes.io/managed-by: llm-inference-stack" in result.stderr
