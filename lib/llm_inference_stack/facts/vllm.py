"""The vLLM OpenAI-compatible server: the paths it serves (the metrics it exports are in ``vllm_metrics``).

For the vLLM release in :data:`..pins.VLLM_VERSION`.
"""

from __future__ import annotations

API_PREFIX = "/v1"
"""vLLM serves the OpenAI API under ``/v1`` (not ``/openai/v1`` like KServe's huggingface runtime)."""
METRICS_PATH = "/metrics"
"""Prometheus metrics."""
HEALTH_PATH = "/health"
"""200 once the engine is up."""
HTTP_KEEP_ALIVE_ENV = "VLLM_HTTP_TIMEOUT_KEEP_ALIVE"
"""Environment variable setting how long vLLM's HTTP server (uvicorn's ``timeout_keep_alive``) keeps an idle
keep-alive connection open (``vllm/envs.py``, read by ``entrypoints/launchers/api_server/entry.py``)."""
HTTP_KEEP_ALIVE_SECONDS = 5
"""Its default: vLLM closes a connection idle for 5 s. A proxy that keeps its idle connections to vLLM longer may
send a request on one vLLM is closing, and gets a reset before the response starts (a 503 to the client); so the
gateway's upstream idle timeout must be shorter (``ResilienceConfig.upstream_idle_timeout_seconds``)."""
