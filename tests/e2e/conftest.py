"""Fixtures of the end-to-end test: synthesize with the project CLI, run the real components, load them.

The processes (vLLM, Prometheus, Phoenix) start once per module and are stopped by their process groups in a
finalizer, also when a start or a test fails. Without the installs of ``scripts/e2e/install.sh`` the tests
skip, except under CI (``CI=true``), where a missing install is a failure.
"""

from __future__ import annotations

import math
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e_support import (
    CONCURRENCY,
    MAX_REQUESTS,
    MAX_TOKENS,
    SCRAPES_UNDER_LOAD,
    LoadObservation,
    instant_value,
    poll,
    synthesize,
)

from llm_stack_harness import base as hb
from llm_stack_harness import localrun as lr

E2E_DIR = Path(__file__).parent


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # A SIGTERM (CI time-out, `kill`) would end pytest without running finalizers and leave vLLM, Prometheus
    # and Phoenix running; as a KeyboardInterrupt it unwinds through the fixtures that stop them.
    signal.signal(signal.SIGTERM, _interrupt)


VALUES_FILE = E2E_DIR / "values-e2e.yaml"


@pytest.fixture(scope="session")
def installs() -> hb.Installs:
    try:
        return hb.locate_installs()
    except hb.InstallsMissing as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the e2e test: {missing}", pytrace=False)
        pytest.skip(str(missing))


@pytest.fixture(scope="session")
def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(VALUES_FILE.read_text())
    return loaded


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``llm-stack synth --values tests/e2e/values-e2e.yaml --out TMP``: the project's own CLI."""
    out = tmp_path_factory.mktemp("synth")
    synthesize(VALUES_FILE, out)
    return out


@pytest.fixture(scope="module")
def stack(synth_dir: Path) -> hb.SynthesizedStack:
    return hb.SynthesizedStack.from_dir(synth_dir)


@pytest.fixture(scope="session")
def tiny_model(installs: hb.Installs) -> Path:
    return hb.ensure_tiny_model(installs)


@pytest.fixture(scope="module")
def local_stack(
    request: pytest.FixtureRequest,
    stack: hb.SynthesizedStack,
    installs: hb.Installs,
    tiny_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> lr.LocalStack:
    running = lr.LocalStack(stack, installs, model_dir=tiny_model, work_dir=tmp_path_factory.mktemp("local-stack"))
    request.addfinalizer(running.close)  # before start(): a failed start still stops what did start
    running.start(timeout_s=420)
    return running


@pytest.fixture(scope="module")
def load_observation(local_stack: lr.LocalStack, stack: hb.SynthesizedStack) -> LoadObservation:
    query = stack.scaling_query
    interval = lr.scrape_interval_s(stack)
    # The PodMonitor's endpoint (not the ScaledObject's query) proves the scrape works; the query is judged later.
    up = f'up{{job="{stack.namespace}/{stack.pod_monitor["metadata"]["name"]}"}} == 1'
    poll(lambda: hb.query_instant(local_stack.prometheus_url, up) or None, 2 * interval + 30, "a successful scrape")
    baseline = instant_value(local_stack, query)
    start = time.time() - 1
    report = lr.chat_load(
        local_stack.vllm_url,
        stack.served_model_name,
        concurrency=CONCURRENCY,
        min_duration_s=SCRAPES_UNDER_LOAD * interval + 2,
        max_requests=MAX_REQUESTS,
        max_tokens=MAX_TOKENS,
    )
    # Drained: a scrape after the last response, showing an empty queue.
    time.sleep(interval + 2)
    poll(lambda: True if instant_value(local_stack, query) == 0 else None, 3 * interval + 30, "the queue to drain")
    end = time.time()
    step = max(1.0, interval / 3)
    series = hb.query_range(local_stack.prometheus_url, query, start, end, step)
    return LoadObservation(report, baseline if baseline is not None else math.nan, (start, end), series, step)


@pytest.fixture(scope="module")
def vllm_spans(
    local_stack: lr.LocalStack, load_observation: LoadObservation, values: dict[str, Any]
) -> Iterator[list[dict[str, Any]]]:
    """Spans in the values' Phoenix project once vLLM's batch exporter has flushed (bounded wait)."""
    assert local_stack.phoenix_url is not None, "the synthesized container does not trace: no Phoenix was started"
    project = values["observability"]["phoenix"]["projectName"]
    spans = poll(
        lambda: hb.phoenix_spans(local_stack.phoenix_url or "", project) or None, 60, f"spans in project {project}"
    )
    yield spans
