"""Errors of the harnesses: one family under the library's :class:`~llm_inference_stack.errors.LlmStackError`."""

from __future__ import annotations

from llm_inference_stack.errors import HarnessError


class InstallsMissing(HarnessError):
    """The pinned vLLM / Phoenix / Prometheus installs (or the built controllers) are absent: the message names the
    install step."""


__all__ = ["HarnessError", "InstallsMissing"]
