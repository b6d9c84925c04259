"""The error every bad input raises: it names the field, the value and the fix."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .redaction import show

_MISSING = object()


class LlmStackError(Exception):
    """The root of every error the stack raises on purpose: catch this one to catch them all.

    The families under it: :class:`ValuesError` (settings and values files, with :class:`SettingsError` for the
    Python spelling), :class:`PropError` (construct props), :class:`ManifestError` (manifests that fail a check or
    cannot be read), :class:`OutputError` (the output directory) and :class:`HarnessError` (the harnesses that run
    the stack: ``verify``, ``local-run``). Each also derives from the built-in type callers caught before
    (``ValueError``; ``RuntimeError`` for the harness), so existing ``except`` clauses keep working.
    ``validation.StackValidationError`` is the one exception outside the root: it is a ``SystemExit`` so that a
    failed ``app.synth()`` ends the user's script with exit status 1 and the problems only, no traceback.
    """


class ValuesError(LlmStackError, ValueError):
    """A value in the stack's configuration is not allowed.

    ``path`` is the dotted field path as written in a values file (``model.runtime.gpuCount``; a
    ``SettingsError`` names the Python field instead), ``value`` the offending value and ``fix`` what would be
    accepted instead. The message hides the value when
    the path or the value looks secret (``redaction.show``).
    """

    MISSING: Any = _MISSING

    def __init__(
        self, path: str, value: Any, fix: str, *, source: str | None = None, settings_check: bool = False
    ) -> None:
        self.path = path
        self.value = value
        self.fix = fix
        self.source = source
        """Where the value was given (``prod.yaml, line 7``, ``--set model.runtime.gpuCount``). Default: None
        (built in Python, or not yet known)."""
        self.settings_check = settings_check
        """A settings class refused the value in its own check (a range, a name, a pair of fields), after the
        values file's shape was read: what the values file's JSON Schema does not say. False when the file could
        not be read or its shape is wrong (an unknown key, a wrong type, a missing key, a value not among the
        allowed ones). Default: false."""
        super().__init__(self._render())

    def _render(self) -> str:
        where = f" (from {self.source})" if self.source else ""
        if self.value is _MISSING:
            return f"{self.path}: missing: {self.fix}{where}"
        return f"{self.path}: {show(self.value, self.path)} is not valid: {self.fix}{where}"

    def under(self, prefix: str) -> ValuesError:
        """The same error with ``prefix`` put in front of its path."""
        path = f"{prefix}.{self.path}" if self.path and not self.path.startswith("[") else f"{prefix}{self.path}"
        return ValuesError(path, self.value, self.fix, source=self.source, settings_check=self.settings_check)

    def from_source(self, source: str | None) -> ValuesError:
        """The same error naming where its value was given."""
        return ValuesError(self.path, self.value, self.fix, source=source, settings_check=self.settings_check)


Namer = Callable[[str], str]
"""How a field path is spelled: ``python_name`` (``gpu_count``) or ``values_key`` (``gpuCount``)."""
Fix = str | Callable[[Namer], str]
"""What would be accepted: a text, or a function of the namer for a text that names other fields."""

_SNAKE_WORD = re.compile(r"_([a-z0-9])")


def python_name(path: str) -> str:
    """A field path as Python spells it (unchanged)."""
    return path


def values_key(path: str) -> str:
    """A Python field path as a values file spells it: ``runtime.gpu_count`` -> ``runtime.gpuCount``."""
    return _SNAKE_WORD.sub(lambda match: match.group(1).upper(), path)


class SettingsError(ValuesError):
    """A settings object refused a value in its constructor, named as Python names it.

    ``path`` is the Python field path (``gpu_count``, ``requests.ephemeral_storage``, ``extra_args[1]``,
    ``common_labels['team']``): what a library user passed. The values loader turns it into the values file's
    spelling with ``values_error`` (``gpuCount``, ``commonLabels.team``) before it adds the path of the block.
    Messages hide secret-looking values by the values-file path, so both spellings hide the same values.
    """

    def __init__(self, field: str, value: Any, fix: Fix, *, key: str | None = None) -> None:
        self.field = field
        """Dotted Python field path, with ``[index]`` for list items."""
        self.key = key
        """A key of the mapping field ``field`` (a label, an environment variable), or None."""
        self._fix = fix
        super().__init__(
            self._path(python_name), value, fix if isinstance(fix, str) else fix(python_name), settings_check=True
        )

    def _path(self, namer: Namer) -> str:
        return namer(self.field) + (
            "" if self.key is None else f"[{self.key!r}]" if namer is python_name else f".{self.key}"
        )

    def _render(self) -> str:
        if self.value is _MISSING:
            return f"{self.path}: missing: {self.fix}"
        return f"{self.path}: {show(self.value, self._path(values_key))} is not valid: {self.fix}"

    def under_field(self, prefix: str) -> SettingsError:
        """The same error with the Python field path ``prefix`` in front of its field (``models[0].autoscaling``)."""
        return SettingsError(f"{prefix}.{self.field}", self.value, self._fix, key=self.key)

    def values_error(self) -> ValuesError:
        """The same error as a values file names it: camelCase keys, mapping keys after a dot."""
        fix = self._fix if isinstance(self._fix, str) else self._fix(values_key)
        return ValuesError(self._path(values_key), self.value, fix, settings_check=True)


class PropError(LlmStackError, ValueError):
    """A construct was given a property value it cannot use: names the construct, the prop, the value (shown with
    ``redaction.show``: a secret-looking one is hidden) and the fix."""

    MISSING: Any = _MISSING
    """The ``value`` of a required prop that was not given."""

    def __init__(self, construct: str, prop: str, value: Any, fix: str) -> None:
        self.construct = construct
        self.prop = prop
        self.value = value
        self.fix = fix
        if value is _MISSING:
            super().__init__(f"{construct} '{prop}': missing: {fix}")
        else:
            super().__init__(f"{construct} '{prop}' ({show(value, values_key(prop))}) is not valid: {fix}")


class ManifestError(LlmStackError, ValueError):
    """A synthesized manifest fails a schema or cross-object check."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ManifestInputError(ManifestError):
    """Manifests that cannot be read safely (too large, too deep, a device, ...): one problem, one line."""

    def __init__(self, problem: str) -> None:
        super().__init__([problem])


class OutputError(LlmStackError, ValueError):
    """The output directory cannot be written without deleting or replacing something synth did not write."""


class HarnessError(LlmStackError, RuntimeError):
    """A harness (``llm-stack verify``, ``llm-stack local-run``) could not run, or found the stack failing: the message
    says what and how to fix it. Raised by the harness distribution (``llm_stack_harness``), defined here so that one
    ``except LlmStackError`` covers every path."""
