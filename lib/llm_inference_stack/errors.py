"""The error every bad input raises: it names the field, the value and the fix."""

from __future__ import annotations

from typing import Any

from .redaction import show

_MISSING = object()


class ValuesError(ValueError):
    """A value in the stack's configuration is not allowed.

    ``path`` is the dotted field path as written in a values file (``model.runtime.gpuCount``),
    ``value`` the offending value and ``fix`` what would be accepted instead. The message hides the value when
    the path or the value looks secret (``redaction.show``).
    """

    MISSING: Any = _MISSING

    def __init__(self, path: str, value: Any, fix: str) -> None:
        self.path = path
        self.value = value
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        if self.value is _MISSING:
            return f"{self.path}: missing: {self.fix}"
        return f"{self.path}: {show(self.value, self.path)} is not valid: {self.fix}"

    def under(self, prefix: str) -> ValuesError:
        """The same error with ``prefix`` put in front of its path."""
        path = f"{prefix}.{self.path}" if self.path and not self.path.startswith("[") else f"{prefix}{self.path}"
        return ValuesError(path, self.value, self.fix)


class ManifestError(ValueError):
    """A synthesized manifest fails a schema or cross-object check."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ManifestInputError(ManifestError):
    """Manifests that cannot be read safely (too large, too deep, a device, ...): one problem, one line."""

    def __init__(self, problem: str) -> None:
        super().__init__([problem])


class OutputError(ValueError):
    """The output directory cannot be written without deleting or replacing something synth did not write."""
