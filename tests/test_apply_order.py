"""The apply order: every kind the stack synthesizes has its phase, and the phases put what is referred to first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import synthesized, with_changes

from llm_inference_stack import apply_order
from llm_inference_stack.apply_order import (
    KIND_PHASES,
    OTHER,
    PHASES,
    in_apply_order,
    known,
    phase_of,
    phase_of_kind,
)

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = sorted((ROOT / "tests" / "__snapshots__").rglob("*.yaml"))
"""Every snapshot scenario's synthesized objects (tests/test_stack.py writes them)."""
FIXTURE_VALUES = [
    ROOT / "values.yaml",
    ROOT / "examples" / "values-local.yaml",
    ROOT / "tests" / "data" / "fleet-20.yaml",
    *sorted((ROOT / "tests" / "e2e").glob("values-*.yaml")),
]
"""The good values files of the repository (the bad ones in tests/data/bad-values synthesize nothing)."""
VARIANTS: dict[str, dict[str, Any]] = {
    "standalone gateway": {"gateway.mode": "standalone"},
    "created namespaces": {"namespace": {"name": "kserve-inference", "create": True}},
    "test key Secret": {"apiKeys.existingSecret": False, "apiKeys.dummyKey": "test-key-0123456789abcdef"},
    "external secret": {"apiKeys.externalSecret": {"storeName": "vault", "remoteKey": "llm/api-keys"}},
    "secured prometheus": {"autoscaling.prometheus.auth": {"mode": "bearer", "secretName": "prometheus-token"}},
}
"""values.yaml with the changes that bring in the kinds the default stack does not make."""


def _every_output(default_values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    outputs = {str(p.relative_to(ROOT)): [d for d in yaml.safe_load_all(p.read_text()) if d] for p in SNAPSHOTS}
    for path in FIXTURE_VALUES:
        outputs[str(path.relative_to(ROOT))] = synthesized(yaml.safe_load(path.read_text()))
    for name, changes in VARIANTS.items():
        outputs[name] = synthesized(with_changes(default_values, changes))
    return outputs


def test_every_kind_the_stack_synthesizes_has_a_phase(default_values: dict[str, Any]) -> None:
    outputs = _every_output(default_values)
    assert len(SNAPSHOTS) >= 9
    seen: dict[tuple[str, str], str] = {}
    for where, objects in outputs.items():
        for obj in objects:
            seen.setdefault((obj["apiVersion"], obj["kind"]), where)
    unmapped = [
        f"{kind} ({api_version}, in {where})"
        for (api_version, kind), where in seen.items()
        if not known(api_version, kind)
    ]
    assert unmapped == [], "add each to apply_order.KIND_PHASES"
    # The fixtures reach every kind the constructs make (a kind no output shows would go untested here).
    kinds = {kind for _, kind in seen}
    assert {"Namespace", "Secret", "ExternalSecret", "TriggerAuthentication", "Deployment", "Service"} <= kinds
    assert {"InferenceService", "ScaledObject", "AIGatewayRoute", "PrometheusRule", "NetworkPolicy"} <= kinds


def test_the_phases_are_numbered_in_order_and_other_is_last() -> None:
    assert [p.index for p in PHASES] == list(range(len(PHASES)))
    assert PHASES[-1] is OTHER
    assert len({p.name for p in PHASES}) == len(PHASES)
    assert OTHER not in KIND_PHASES.values()
    assert [p.sync_wave for p in PHASES[:3]] == ["0", "1", "2"]


def test_a_kind_the_order_does_not_know_goes_after_every_known_phase() -> None:
    assert not known("example.com/v1", "Widget")
    assert phase_of_kind("example.com/v1", "Widget") is OTHER
    assert all(phase.index < OTHER.index for phase in KIND_PHASES.values())
    # The group decides, not the kind's name alone: a Gateway of another API group is unknown.
    assert phase_of_kind("example.com/v1", "Gateway") is OTHER
    assert phase_of_kind("gateway.networking.k8s.io/v1beta1", "Gateway") is apply_order.GATEWAYS


def test_a_grafana_dashboard_is_monitoring_and_another_configmap_is_configuration() -> None:
    dashboard = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "d", "labels": {"grafana_dashboard": "1"}},
    }
    bootstrap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "envoy"}}
    assert phase_of(dashboard) is apply_order.MONITORING
    assert phase_of(bootstrap) is apply_order.CONFIG


def _phase(kind: str, api_version: str) -> int:
    return phase_of_kind(api_version, kind).index


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (("Namespace", "v1"), ("Secret", "v1")),
        (("Secret", "v1"), ("SecurityPolicy", "gateway.envoyproxy.io/v1alpha1")),  # the API keys it reads
        (("ExternalSecret", "external-secrets.io/v1"), ("SecurityPolicy", "gateway.envoyproxy.io/v1alpha1")),
        (("NetworkPolicy", "networking.k8s.io/v1"), ("InferenceService", "serving.kserve.io/v1beta1")),
        (("Backend", "gateway.envoyproxy.io/v1alpha1"), ("AIGatewayRoute", "aigateway.envoyproxy.io/v1beta1")),
        (
            ("AIServiceBackend", "aigateway.envoyproxy.io/v1beta1"),
            ("AIGatewayRoute", "aigateway.envoyproxy.io/v1beta1"),
        ),
        (("InferenceService", "serving.kserve.io/v1beta1"), ("ScaledObject", "keda.sh/v1alpha1")),  # its predictor
        (("InferenceService", "serving.kserve.io/v1beta1"), ("PodMonitor", "monitoring.coreos.com/v1")),
        (("ConfigMap", "v1"), ("Deployment", "apps/v1")),  # the standalone gateway's bootstrap
    ],
)
def test_what_an_object_refers_to_comes_first(first: tuple[str, str], then: tuple[str, str]) -> None:
    assert _phase(*first) < _phase(*then)


def test_in_apply_order_sorts_by_phase_and_keeps_the_order_within_a_phase(default_values: dict[str, Any]) -> None:
    objects = synthesized(with_changes(default_values, {"namespace": {"name": "kserve-inference", "create": True}}))
    ordered = in_apply_order(objects)
    assert sorted(map(id, ordered)) == sorted(map(id, objects))
    assert [phase_of(o).index for o in ordered] == sorted(phase_of(o).index for o in objects)
    assert ordered[0]["kind"] == "Namespace"
    for phase in PHASES:
        assert [o for o in ordered if phase_of(o) is phase] == [o for o in objects if phase_of(o) is phase]
