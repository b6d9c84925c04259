"""Errors of the harnesses: one family under the library's :class:`~llm_inference_stack.errors.LlmStackError`."""

from __future__ import annotations

from typing import Any

from llm_inference_stack.errors import HarnessError, ValuesError


class InstallsMissing(HarnessError):
    """The pinned vLLM / Phoenix / Prometheus installs (or the built controllers) are absent: the message names the
    install step."""


class LoadProfileError(ValuesError):
    """A load profile (``llm-stack local-run --load`` and its options, or a line of a trace file) is malformed or
    exceeds a bound: names the option or the trace line's key, the value, the fix and, for a trace, the file and the
    line number. ``local-run`` exits 2 on it, before anything starts."""

    def __init__(self, field: str, value: Any, fix: str, *, file: str | None = None, line: int | None = None) -> None:
        self.line = line
        """1-based line of the trace file, or None for an option."""
        self.file = file
        """The trace file, or None for an option."""
        super().__init__(field, value, fix, source=None if file is None else f"{file}, line {line}")


__all__ = ["HarnessError", "InstallsMissing", "LoadProfileError"]
