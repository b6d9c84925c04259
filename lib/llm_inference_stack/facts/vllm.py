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
