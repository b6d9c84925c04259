"""Shared pieces of the e2e fixtures and tests (the process harness itself is ``llm_stack_harness.localrun``)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from llm_stack_harness import base as hb
from llm_stack_harness import localrun as lr

T = TypeVar("T")

# Load: enough concurrent requests that with --max-num-seqs 2 most of them queue in vLLM. Bounded in count and
# time; it lasts several scrape intervals so Prometheus records the queue more than once (on 2 saturated cores a
# scrape of vLLM can be late or missed, and the first one may catch the queue still filling: six leave room).
CONCURRENCY = 20
MAX_TOKENS = 192  # with ~20 prompt tokens this stays inside --max-model-len 256
MAX_REQUESTS = 400
SCRAPES_UNDER_LOAD = 6


@dataclasses.dataclass(frozen=True)
class LoadObservation:
    """What Prometheus recorded of the scaling query around one bounded burst of chat completions."""

    report: lr.LoadReport
    baseline: float
    """Query value before the load (after Prometheus's first scrape)."""
    window: tuple[float, float]
    """Epoch seconds: from just before the load to after the queue drained."""
    series: list[dict[str, Any]]
    """``query_range`` result of the synthesized query over ``window``."""
    step_s: float

    def values(self) -> list[float]:
        return [float(v) for _, v in self.series[0]["values"]] if self.series else []


def instant_value(local: lr.LocalStack, query: str) -> float | None:
    result = hb.query_instant(local.prometheus_url, query)
    return float(result[0]["value"][1]) if result else None


def llm_stack_cli() -> list[str]:
    """The project's CLI: the console script beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "llm-stack"
    found = str(beside) if beside.exists() else shutil.which("llm-stack")
    assert found is not None, "the `llm-stack` command is not installed (pip install -e . in the project venv)"
    return [found]


def synthesize(values: Path, out_dir: Path) -> None:
    """``llm-stack synth --values VALUES --out OUT_DIR``: the project's own CLI."""
    argv = [*llm_stack_cli(), "synth", "--values", str(values), "--out", str(out_dir)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"


def poll(condition: Callable[[], T | None], timeout_s: float, what: str) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value is not None:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
