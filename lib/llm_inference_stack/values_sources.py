"""Values from several files and ``--set`` flags, merged as Helm merges them, each value keeping its source.

Files merge in order with Helm's ``mergeMaps``: a mapping given in a later file merges key by key into the
mapping of an earlier one; lists, scalars and ``null`` replace what was there. ``--set path=value`` flags then
write into the merged values in order, as Helm's ``--set`` does: ``a.b=1`` keeps ``a``'s other keys,
``models[0].name=x`` changes one item of an existing list (an index one past the end appends). The value is
read as YAML (``4`` is an integer, ``true`` a boolean, ``null`` null, ``[a, b]`` a list), with the same bounds,
duplicate-key and character rules as a values file. A ``null`` that is left in the merged values deletes the
key's default as Helm does (``gateway.rateLimit: null``: no limits), it does not restore the stack's default.

Every file and flag is a *source*; the merged values remember which source gave each field (file and line, or
the ``--set`` flag), so an error found in the merged values names where to fix it.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO, cast

import yaml

from .errors import ValuesError
from .redaction import yaml_kind, yaml_text
from .safe_yaml import (
    VALUES_LIMITS,
    YamlInputError,
    check_raw_characters,
    describe_character,
    load_one_located,
    read_bounded,
    read_bounded_stream,
)

ValuesPath = str | PathLike[str]
_LAST_SEGMENT = re.compile(r"(\.[^.\[\]]*|\[\d+\])$")


@dataclass(frozen=True)
class Source:
    """One file or ``--set`` flag and the field paths it gives."""

    label: str
    """How messages name it: the file as given, or ``--set <path>`` (never the value: it may be a secret)."""
    lines: Mapping[str, int | None]
    """Every field path it gives (``model.runtime.gpuCount``, ``models[0]``) -> its 1-based line (None for a flag)."""

    def where(self, path: str) -> str:
        line = self.lines.get(path)
        return f"{self.label}, line {line}" if line is not None else self.label

    def named_in(self, block: str | None, fix: str) -> str | None:
        """Where this source gives a field that ``fix`` names: by its path below ``block`` (``minReplicas``
        beside ``maxReplicas``), or by its whole path (``apiKeys.secretName``)."""
        if not fix:
            return None
        for path in self.lines:
            key = path[len(block) + 1 :] if block is not None and path.startswith(f"{block}.") else None
            if any(re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", fix) for name in (key, path) if name):
                return self.where(path)
        return None

    def within(self, block: str | None) -> str | None:
        """Where this source gives a field inside ``block`` (the first one's line) or ``block`` itself, or None when
        it gives nothing there (or ``block`` is None: the top level, which every source touches)."""
        if block is None:
            return None
        inner = [p for p in self.lines if p.startswith((f"{block}.", f"{block}["))]
        if inner:
            return self.where(min(inner, key=lambda p: (self.lines[p] or 0, p)))
        return self.where(block) if block in self.lines else None


@dataclass(frozen=True)
class MergedValues:
    """The merged values document and the sources that gave it, in order."""

    data: dict[str, Any]
    sources: tuple[Source, ...]

    def source_of(self, path: str, fix: str = "") -> str | None:
        """Where the value at field path ``path`` was given (``prod.yaml, line 7``), for an error message.

        The last source giving a path that the merged values hold gave its value: an earlier one can only have
        been replaced; a later source that gave a field beside it which the error's ``fix`` names is named too
        (``values.yaml, line 18, with --set autoscaling.minReplicas``: a check across two fields reports one of
        them, and the other may be what changed). For a path the values do not
        hold (a missing key) the last source that gave anything in the nearest enclosing field is named: a
        ``--set`` that emptied it, or the file that wrote the block.
        """
        present = set(_field_paths(self.data, ""))
        if path in present:
            for index in range(len(self.sources) - 1, -1, -1):
                if path in self.sources[index].lines:
                    later = [w for s in self.sources[index + 1 :] if (w := s.named_in(_parent(path), fix))]
                    return ", with ".join([self.sources[index].where(path), *later])
        candidate: str | None = _parent(path)
        while candidate:
            if candidate in present:
                for source in reversed(self.sources):
                    where = source.within(candidate)
                    if where is not None:
                        return where
            candidate = _parent(candidate)
        return self.sources[0].label if len(self.sources) == 1 else None


def _parent(path: str) -> str | None:
    """``a.b`` of ``a.b.c`` or ``a.b[0]``; None for a top-level key."""
    shorter = _LAST_SEGMENT.sub("", path)
    return shorter if shorter and shorter != path else None


def merge_sources(files: Sequence[ValuesPath], sets: Sequence[str] = ()) -> MergedValues:
    """The values of ``files`` merged in order, then the ``--set`` flags ``sets`` applied in order.

    Raises ``ValuesError`` naming the file or flag for anything that cannot be read: each file is read within
    ``safe_yaml.VALUES_LIMITS`` and must hold one mapping; each flag must be ``path=value``.
    """
    if not files:
        raise ValuesError("--values", ValuesError.MISSING, "give at least one values file (-f values.yaml)")
    data: dict[str, Any] = {}
    sources: list[Source] = []
    if sum(str(file) == STDIN for file in files) > 1:
        raise ValuesError("--values", STDIN, "standard input can be read once: give -f - at most once")
    for file in files:
        raw, lines = read_values_file(file)
        data = merge_maps(data, raw)
        sources.append(Source(label=STDIN_LABEL if str(file) == STDIN else str(file), lines=lines))
    for flag in sets:
        path, value = parse_set(flag)
        where = format_path(path)
        label = f"--set {where}"
        before = set(_field_paths(data, ""))
        try:
            apply_set(data, path, value)
        except ValuesError as error:
            raise error.from_source(label) from None
        # The flag gives its own path, everything in its value, and the enclosing fields it had to create.
        created = {format_path(path[:n]) for n in range(1, len(path))} - before
        given = {p: None for p in [where, *created, *_field_paths(value, where)]}
        sources.append(Source(label=label, lines=given))
    return MergedValues(data=data, sources=tuple(sources))


def not_a_mapping(raw: Any, *, source: str | None = None) -> ValuesError:
    """The error for a values document that is not a mapping (an empty file, a list, a string)."""
    kind = "empty" if raw is None else yaml_kind(raw)
    return ValuesError(
        "(top level)", raw, f"the values file must be a YAML mapping, not {kind}; start from values.yaml", source=source
    )


STDIN = "-"
"""The values file name that means standard input (``-f -``, as Helm reads it)."""
STDIN_LABEL = "stdin"
"""How messages name values read from standard input."""


def _stdin() -> BinaryIO:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise YamlInputError("there is no standard input to read (-f -): pass a values file", bound=True)
    return cast(BinaryIO, stream)


def read_values_file(path: ValuesPath) -> tuple[dict[str, Any], dict[str, int | None]]:
    """The mapping in values file ``path`` and the line of each field path, read within ``VALUES_LIMITS``:
    a regular file of at most 1 MiB, UTF-8, bounded nesting and aliases, no duplicate keys or control
    characters. Every ``ValuesError`` names the file. ``-`` reads standard input with the same bounds (at most
    1 MiB is read; a terminal is refused)."""
    file = Path(path)
    label = STDIN_LABEL if str(path) == STDIN else str(path)
    try:
        data = (
            read_bounded_stream(_stdin(), VALUES_LIMITS.max_bytes)
            if str(path) == STDIN
            else read_bounded(file, VALUES_LIMITS.max_bytes)
        )
    except YamlInputError as error:
        hint = " (standard input: -f -)" if "not a regular file" in error.reason else ""
        raise ValuesError("(file)", label, f"cannot use the values file: {error.reason}{hint}", source=label) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValuesError(
            "(file)", label, "the values file is not UTF-8 text; pass a YAML values file", source=label
        ) from None
    if "\x00" in text:
        raise ValuesError("(file)", label, "the values file is binary; pass a YAML values file", source=label)
    try:
        raw, lines = load_one_located(text, VALUES_LIMITS)
    except YamlInputError as error:
        if error.path is not None:
            raise ValuesError(error.path, error.value, error.reason, source=label) from None
        where = f" at line {error.line}" if error.line is not None and "at line" not in error.reason else ""
        raise ValuesError("(file)", label, f"not a usable values file{where}: {error.reason}", source=label) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ValuesError("(file)", label, f"not valid YAML{where}: {problem}", source=label) from None
    if not isinstance(raw, dict):
        raise not_a_mapping(raw, source=label)
    return raw, dict(lines)


def merge_maps(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's ``mergeMaps``: ``override`` over ``base``; mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_maps(out[key], value)
        else:
            out[key] = value
    return out


_SET_FIX = "use --set <path>=<value>, e.g. --set model.runtime.gpuCount=4 or --set models[0].name=llama"


def parse_set(flag: str) -> tuple[list[str | int], Any]:
    """The field path and the YAML value of ``--set`` flag ``flag`` (``path=value``).

    In the path, ``.`` separates keys and ``[n]`` indexes a list; a backslash makes the next character part of
    the key (``commonLabels.team\\.example\\.com/owner=x``). The value is YAML, read within the bounds of a
    values file with the nesting left after the path.
    """
    path, text = _split_assignment(flag)
    where = format_path(path)
    label = f"--set {where}"
    bad = check_raw_characters(where)
    if bad is not None:
        raise ValuesError(
            "--set",
            where,
            f"the path holds the special character {describe_character(bad[1])} (control characters, line or "
            "paragraph separators and lone surrogates change meaning between YAML readers): remove it",
        )
    if len(path) > VALUES_LIMITS.max_depth:
        raise ValuesError(
            where, ValuesError.MISSING, f"nested deeper than {VALUES_LIMITS.max_depth} levels", source=label
        )
    if len(text.encode("utf-8")) > VALUES_LIMITS.max_bytes:
        raise ValuesError(
            where, f"({len(text)} characters)", "a --set value is at most 1 MiB: use a values file", source=label
        )
    limits = dataclasses.replace(VALUES_LIMITS, max_depth=VALUES_LIMITS.max_depth - len(path))
    try:
        value, _lines = load_one_located(text, limits)
    except YamlInputError as error:
        inner = where if error.path in (None, "(top level)") else _join(where, error.path)
        raise ValuesError(inner, text if error.path is None else error.value, error.reason, source=label) from None
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        fix = f"not valid YAML: {problem} (quote the value, e.g. --set '{where}=\"...\"')"
        raise ValuesError(where, text, fix, source=label) from None
    return path, value


def _split_assignment(flag: str) -> tuple[list[str | int], str]:
    segments: list[str | int] = []
    key: list[str] = []
    after_index = False
    i = 0
    while i < len(flag):
        char = flag[i]
        if char == "\\" and i + 1 < len(flag):
            key.append(flag[i + 1])
            i += 2
            continue
        if char == "=":
            if key:
                segments.append("".join(key))
            elif not after_index:
                break
            if not segments:
                break
            return segments, flag[i + 1 :]
        if char == ".":
            if key:
                segments.append("".join(key))
                key = []
            elif not after_index:
                break  # an empty key: "a..b", ".a"
            after_index = False
            i += 1
            if i >= len(flag) or flag[i] in ".=[":
                break
            continue
        if char == "[":
            if key:
                segments.append("".join(key))
                key = []
            elif not segments:
                break
            end = flag.find("]", i)
            digits = flag[i + 1 : end] if end > 0 else ""
            if not digits.isdigit() or not digits.isascii():
                break
            segments.append(int(digits))
            after_index = True
            i = end + 1
            if i < len(flag) and flag[i] not in ".[=":
                break
            continue
        if after_index:
            break
        key.append(char)
        i += 1
    # Only the path part: the value may be a secret.
    shown = flag.partition("=")[0] + ("=..." if "=" in flag else "")
    raise ValuesError("--set", shown, _SET_FIX)


def format_path(path: Iterable[str | int]) -> str:
    """``["models", 0, "name"]`` -> ``models[0].name``: field paths as messages write them."""
    out = ""
    for segment in path:
        out = f"{out}[{segment}]" if isinstance(segment, int) else _join(out, segment)
    return out


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def apply_set(data: dict[str, Any], path: Sequence[str | int], value: Any) -> None:
    """Write ``value`` at ``path`` into ``data``, as Helm's ``--set`` does: missing or non-container steps
    become new mappings or lists; an index may point at an item or one past the last (append)."""
    node: Any = data
    for depth, segment in enumerate(path):
        last = depth == len(path) - 1
        if last:
            child = value
        else:
            wanted: type = list if isinstance(path[depth + 1], int) else dict
            current = _get(node, segment)
            # A copy: a YAML alias may share this mapping or list with another field, which must not change too.
            child = wanted(current) if isinstance(current, wanted) else wanted()
        _put(node, segment, child, path[: depth + 1])
        node = child


def _get(node: Any, segment: str | int) -> Any:
    if isinstance(segment, int):
        return node[segment] if segment < len(node) else None
    return node.get(segment)


def _put(node: Any, segment: str | int, child: Any, path: Sequence[str | int]) -> None:
    if not isinstance(segment, int) or segment < len(node):
        node[segment] = child
    elif segment == len(node):
        node.append(child)
    else:
        listed = format_path(path[:-1])
        change = f"change an item ({listed}[0] to {listed}[{len(node) - 1}]) or " if node else ""
        raise ValuesError(
            format_path(path),
            ValuesError.MISSING,
            f"{listed} has {len(node)} item(s): --set can {change}add one at {listed}[{len(node)}]",
        )


def _field_paths(value: Any, prefix: str) -> Iterable[str]:
    """Every field path under ``value`` (keys and items, not ``prefix`` itself), iteratively."""
    stack: list[tuple[Any, str]] = [(value, prefix)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                inner = _join(path, key if isinstance(key, str) else yaml_text(key))
                yield inner
                stack.append((child, inner))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                inner = f"{path}[{index}]"
                yield inner
                stack.append((child, inner))
