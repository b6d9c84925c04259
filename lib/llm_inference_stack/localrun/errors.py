"""Errors of the local run."""

from __future__ import annotations


class LocalRunError(RuntimeError):
    """The synthesized stack cannot be run locally as written (the message says why and what to fix)."""


class InstallsMissing(LocalRunError):
    """The pinned vLLM / Phoenix / Prometheus installs are absent."""
