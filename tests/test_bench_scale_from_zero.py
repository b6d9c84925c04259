"""bench/scale_from_zero.py's report of a saved run: the replicas' path, the held requests, the wake overhead
against its target, and a run whose requests were never answered says so."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "scale_from_zero.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale_from_zero", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _doc(p99: float | None, answered: int = 20) -> dict[str, Any]:
    overhead = {"p50": p99 and p99 / 2, "p99": p99, "max": p99, "n": answered}
    wake = {"held": 20, "succeeded": answered, "failed": [{}] * (20 - answered), "held_before_ready_max": 20.0,
            "pod_ready_after_load_start_s": 55.2, "wake_overhead_s": overhead}  # fmt: skip
    timeline = [{"replicas": 0}, {"replicas": 1}, {"replicas": 1}, {"replicas": 0}]
    checks = [{"name": "KEDA brought it back to 0 after the cooldown", "ok": True}]
    return {"wake": wake, "timeline": timeline, "checks": checks, "load": {"concurrency": 20}}


def test_a_wake_within_the_target_is_met(bench: ModuleType) -> None:
    lines = bench.report(_doc(0.314))
    assert "replicas: first 0, most 1, last 0" in lines
    assert "first token after readiness: p50 0.157 s, p99 0.314 s, max 0.314 s (20 requests)" in lines
    assert "met  wake overhead p99 <= 1 s" in lines
    assert "ok   KEDA brought it back to 0 after the cooldown" in lines


def test_a_slow_release_misses(bench: ModuleType) -> None:
    assert "MISS wake overhead p99 <= 1 s" in bench.report(_doc(1.6))


def test_no_answer_at_all_is_a_miss_not_a_crash(bench: ModuleType) -> None:
    lines = bench.report(_doc(None, answered=0))
    assert "first token after readiness: no request answered" in lines
    assert "held 20, answered 0, failed 20; queue before readiness at most 20.0" in lines
    assert "MISS wake overhead p99 <= 1 s" in lines
