"""The harness's one registry of substitutions: every part that stands in for a cluster registers what and why, and a
report never loses a part silently."""

from __future__ import annotations

import pytest

from llm_stack_harness.base import substitutions
from llm_stack_harness.base.errors import HarnessError
from llm_stack_harness.controlplane import (
    agent,
    cluster,
    dataplane,
    endpoint_picker,
    faults,
    metrics_adapter,
    model_store,
    monitoring,
    nodes,
    phoenix,
    pods,
    service_proxy,
    traffic_checks,
)
from llm_stack_harness.localrun import standalone

PARTS = (
    "control plane", "nodes", "node agent", "model store", "monitoring", "metrics adapter", "endpoint picker", "pods",
    "network policies", "data path", "service proxy", "Phoenix", "vLLM", "vLLM tracing", "Envoy", "faults",
)  # fmt: skip


def test_every_part_the_harness_runs_is_registered_with_a_reason() -> None:
    listed = substitutions.registered(*PARTS)
    assert {s.part for s in listed} == set(PARTS)
    for sub in listed:
        assert sub.what.strip() and sub.why.strip(), sub
        assert sub.line() == f"{sub.what} ({sub.why})"


def test_the_modules_tables_are_the_registered_ones() -> None:
    assert substitutions.registered("control plane") == list(cluster.SUBSTITUTIONS)
    assert substitutions.registered("nodes") == list(nodes.NODE_SUBSTITUTIONS)
    assert substitutions.registered("node agent") == list(agent.SUBSTITUTIONS)
    assert substitutions.registered("model store") == list(model_store.SUBSTITUTIONS)
    assert substitutions.registered("monitoring") == list(monitoring.SUBSTITUTIONS)
    assert substitutions.registered("metrics adapter") == list(metrics_adapter.SUBSTITUTIONS)
    assert substitutions.registered("endpoint picker") == list(endpoint_picker.SUBSTITUTIONS)
    assert substitutions.registered("data path") == list(dataplane.SUBSTITUTIONS)
    assert substitutions.registered("pods") == list(pods.POD_SUBSTITUTIONS)
    assert substitutions.registered("service proxy") == list(service_proxy.SUBSTITUTIONS)
    assert substitutions.registered("network policies") == list(traffic_checks.SUBSTITUTIONS)
    assert substitutions.registered("Phoenix") == list(phoenix.PHOENIX_SUBSTITUTIONS)
    assert substitutions.registered("faults") == list(faults.SUBSTITUTIONS)
    assert [s.why for s in substitutions.registered("Envoy")] == list(standalone.ENVOY_SUBSTITUTIONS.values())


def test_a_part_never_registered_is_an_error_not_an_empty_report() -> None:
    with pytest.raises(HarnessError, match="no substitutions registered for kubelet"):
        substitutions.lines("control plane", "kubelet")


def test_one_part_cannot_be_claimed_twice_with_other_entries() -> None:
    with pytest.raises(HarnessError, match="registered twice"):
        substitutions.register("pods", [("something else", "another reason")])
    # The same entries again (a module imported twice under another name) are accepted.
    again = substitutions.register("pods", [(s.what, s.why) for s in pods.POD_SUBSTITUTIONS])
    assert again == pods.POD_SUBSTITUTIONS
