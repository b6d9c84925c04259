from __future__ import annotations

from typing import Any

import pytest
from helpers import default_values_copy


@pytest.fixture
def default_values() -> dict[str, Any]:
    """values.yaml, parsed: each test its own copy, so what one test changes never reaches another."""
    return default_values_copy()


# ---------------------------------------------------------------------------------------------------------------
# The order the tests with servers are handed out in, when `make test` gives them two xdist workers

FIRST = (
    "test_scaling.py", "test_verify.py", "test_faults_dataplane.py", "test_verify_metrics.py",
    "test_rollout_dataplane.py", "test_dataplane.py", "test_verify_scheduling.py",
)  # fmt: skip
"""The longest control-plane modules (the autoscaling loop under load; one ``llm-stack verify`` over many directories;
the fault run; the metrics path; the rolling update; the data path; scheduling): first, so the two workers finish
close together instead of one of them starting a long module last. `make test` runs the control-plane tests with
``--dist loadfile --no-loadscope-reorder`` (a module's tests in one worker, its control plane started once there,
modules handed out in this order); two modules may run at once, since each starts its servers in a sandbox of its own
(network, mount and PID namespaces). The e2e tests run before them, serially (beside the Go builds on a cold
machine): their servers share the machine's loopback and its free ports, and run beside other modules the load test's
queue never built up (its vLLM served 400 requests with nothing waiting)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the :data:`FIRST` modules' tests to the front, in that order (the others keep pytest's order)."""
    rank = {name: index for index, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
