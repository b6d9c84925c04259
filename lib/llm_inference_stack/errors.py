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

    def __init__(self, path: str, value: Any, fix: str, *, source: str | None = None) -> None:
        self.path = path
        self.value = value
        self.fix = fix
        self.source = source
        """Where the value was given (``prod.yaml, line 7``, ``--set model.runtime.gpuCount``). Default: None
        (built in Python, or not yet known)."""
        super().__init__(self._render())

    def _render(self) -> str:
        where = f" (from {self.source})" if self.source else ""
        if self.value is _MISSING:
            return f"{self.path}: missing: {self.fix}{where}"
        return f"{self.path}: {show(self.value, self.path)} is not valid: {self.fix}{where}"

    def under(self, prefix: str) -> ValuesError:
        """The same error with ``prefix`` put in front of its path."""
        path = f"{prefix}.{self.path}" if self.path and not self.path.startswith("[") else f"{prefix}{self.path}"
        return ValuesError(path, self.value, self.fix, source=self.source)

    def from_source(self, source: str | None) -> ValuesError:
        """The same error naming where its value was given."""
        return ValuesError(self.path, self.value, self.fix, source=source)


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
