"""bench/scaling.py's arithmetic: the added Pods are those not ready before the load, the target is the issue's
sum with the slowest added Pod's readiness, and a run whose added Pod never became ready says so."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "scaling.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scaling", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(capacity: float | None, ready: dict[str, float]) -> dict[str, Any]:
    rows = [
        {"t": 0, "replicas": 1, "pods": {"first": 0}},
        {"t": 20, "replicas": 2, "pods": {"first": 10}},
        {"t": 200, "replicas": 2, "pods": {"first": 90, "added": 3}},
        {"t": 400, "replicas": 1, "pods": {"added": 50}},
    ]
    summary = {"time_to_capacity_s": capacity, "errors": 0, "requests": 120}
    return {"timeline": rows, "summary": summary, "pod_ready_seconds": ready, "first_pods": ["first"]}


def test_the_target_uses_the_slowest_added_pods_readiness_not_the_first_pods(bench: ModuleType) -> None:
    result = bench.figures(_run(200.0, {"first": 45.0, "added": 160.0}), polling_s=5)
    assert result["added_pod_ready_s"] == {"added": 160.0}
    assert result["target_s"] == 5 + 15 + 160 + 10 and result["target_met"] is False  # 200 > 190
    assert result["loop_s"] == 40.0
    assert result["replicas"] == [1, 2, 2, 1]
    lines = bench.report(result)
    assert lines[0] == "replicas: 1 -> 2 -> 1; 120 requests, 0 failed"
    assert lines[-1].endswith("= 190.0 s: NOT met by 10.0 s")


def test_a_run_whose_added_pod_never_became_ready_has_no_target(bench: ModuleType) -> None:
    result = bench.figures(_run(None, {"first": 45.0}), polling_s=5)
    assert result["target_s"] is None and result["target_met"] is None
    assert "never reached" in bench.report(result)[-1]


def test_the_polling_interval_is_the_values_files(bench: ModuleType) -> None:
    assert bench.polling_interval(bench.VALUES) == 5
