"""What the gateway probe reads from the synthesized manifests, without running anything: where the gateway's
traces go and under which project, which Phoenix address its Pod resolves, the clients, models and budgets the
checks use (the running data path is ``tests/controlplane/test_dataplane.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import synthesized, with_changes

from llm_stack_harness.controlplane.gateway_checks import api_keys, served_models, token_budget
from llm_stack_harness.controlplane.phoenix import (
    PHOENIX_ADDRESS,
    SandboxPhoenix,
    gateway_otlp_endpoint,
    trace_project,
)
from llm_stack_harness.controlplane.pods import PodNetwork

VALUES_FILE = Path(__file__).parent / "e2e" / "values-e2e.yaml"


def _objects(changes: dict[str, Any]) -> list[dict[str, Any]]:
    values = with_changes(
        yaml.safe_load(VALUES_FILE.read_text()), {"apiKeys.existingSecret": False, "apiKeys.dummyKey": "k" * 24}
    )
    return synthesized(with_changes(values, changes))


def test_default_endpoint_resolves_to_the_sandbox_phoenix(tmp_path: Path) -> None:
    objects = _objects({"observability.phoenix.endpoint": None, "observability.phoenix.projectName": "p-1"})
    assert gateway_otlp_endpoint(objects) == "http://phoenix-svc.phoenix.svc.cluster.local:6006/v1/traces"
    assert trace_project(objects) == "p-1"
    phoenix = SandboxPhoenix(Path("phoenix"), work_dir=tmp_path, network=PodNetwork())
    assert phoenix.hosts_for(objects) == {
        "phoenix-svc.phoenix.svc.cluster.local": PHOENIX_ADDRESS,
        "phoenix-svc.phoenix.svc.cluster.local.": PHOENIX_ADDRESS,
    }


def test_an_address_or_another_port_is_not_redirected(tmp_path: Path) -> None:
    """An endpoint written as an address (the e2e values' loopback) or on another port than Phoenix's cannot be the
    sandbox's Phoenix: the Pod's /etc/hosts gets nothing for it."""
    phoenix = SandboxPhoenix(Path("phoenix"), work_dir=tmp_path, network=PodNetwork())
    assert phoenix.hosts_for(_objects({})) == {}
    other_port = _objects({"observability.phoenix.endpoint": "http://phoenix-svc.example.svc:7007"})
    assert phoenix.hosts_for(other_port) == {}


@pytest.mark.parametrize(
    ("endpoint", "resolved"),
    [
        ("http://phoenix-svc.observability:6006", True),
        ("http://phoenix-svc.observability.svc:6006", True),
        ("http://phoenix-svc.observability.svc.cluster.local:6006", True),
        ("http://phoenix-svc:6006", False),  # in the Envoy Pod's namespace, where Phoenix is not
        ("http://phoenix-scv.phoenix.svc.cluster.local:6006", False),
        ("http://phoenix.phoenix.svc.cluster.local:6006", False),
        ("http://collector.example.com:6006", False),
    ],
)
def test_only_the_phoenix_charts_service_reaches_the_sandbox_phoenix(
    tmp_path: Path, endpoint: str, resolved: bool
) -> None:
    phoenix = SandboxPhoenix(Path("phoenix"), work_dir=tmp_path, network=PodNetwork())
    assert bool(phoenix.hosts_for(_objects({"observability.phoenix.endpoint": endpoint}))) is resolved


def test_clients_models_and_budgets() -> None:
    values = with_changes(
        yaml.safe_load(VALUES_FILE.read_text()),
        {"apiKeys.existingSecret": False, "apiKeys.dummyKey": "k" * 24, "gateway.rateLimit.tokensPerMinute": 40},
    )
    model = values.pop("model")
    values["models"] = [model, model | {"name": "tiny-b", "rateLimit": {"tokensPerMinute": 80}}]
    objects = synthesized(values)
    assert api_keys(objects) == {"test-client": "k" * 24}
    assert served_models(objects) == ["tiny", "tiny-b"]
    assert (token_budget(objects, "tiny"), token_budget(objects, "tiny-b")) == (40, 80)


def test_the_demo_values_send_gateway_spans_to_a_phoenix_the_envoy_pod_reaches(tmp_path: Path) -> None:
    """``make demo`` (``llm-stack local-run`` without ``-f``) runs ``examples/values-local.yaml``: its gateway's
    traces go to Phoenix's Service name, which the sandbox resolves, so the span check can pass."""
    from llm_stack_harness.localrun.cli import DEMO_VALUES

    root = Path(__file__).resolve().parent.parent
    values = with_changes(
        yaml.safe_load((root / DEMO_VALUES).read_text()),
        {"apiKeys.existingSecret": False, "apiKeys.dummyKey": "k" * 24},
    )
    objects = synthesized(values)
    phoenix = SandboxPhoenix(Path("phoenix"), work_dir=tmp_path, network=PodNetwork())
    assert gateway_otlp_endpoint(objects) == "http://phoenix-svc.phoenix.svc.cluster.local:6006/v1/traces"
    assert phoenix.hosts_for(objects) != {}
    assert trace_project(objects) == "demo"
    assert token_budget(objects, "tiny") == 200
