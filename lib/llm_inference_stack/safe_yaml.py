"""Reading YAML that may be hostile: values files and manifest directories.

PyYAML alone follows a FIFO forever, reads ``/dev/zero`` until memory runs out, expands nested aliases
("billion laughs") into exponentially large data, recurses once per nesting level (a ``RecursionError``, or a
segfault in libyaml's composer at 100,000 levels) and lets a second ``model:`` silently replace the first.
Here every read is bounded: regular files only, at most ``max_bytes`` read, nesting at most ``max_depth``,
aliases standing for at most ``max_alias_nodes`` nodes in total, and duplicate keys are errors. Nodes are
composed in Python over the parser's events (libyaml's when available: it has no recursion of its own), so the
depth check runs before anything recurses.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import LlmStackError

MERGE_TAG = "tag:yaml.org,2002:merge"

FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
"""Characters no value may hold: C0 controls but tab and newline, DEL, C1 controls (NEL included), the
Unicode line and paragraph separators, lone surrogates, byte-order marks and non-characters. YAML 1.1 readers
(PyYAML) take NEL and U+2028 as line breaks where YAML 1.2 emitters write them raw, so they change meaning between
tools; the others are invisible or cannot be encoded."""


@dataclass(frozen=True)
class Limits:
    """Bounds of one YAML input."""

    max_bytes: int
    """Largest file read, in bytes."""
    max_depth: int
    """Deepest nesting of sequences and mappings."""
    max_alias_nodes: int
    """Nodes that aliases may stand for, summed over every alias use (each use counts its whole subtree)."""
    forbid_characters: bool = False
    """Refuse ``FORBIDDEN_CHARACTERS`` in keys and values (values files; manifests are checked by their readers)."""
    forbid_sexagesimal: bool = False
    """Refuse plain scalars that YAML 1.1 reads as base-60 numbers (``1:30`` is 90 to PyYAML, the string "1:30" to
    Helm, kubectl and every YAML 1.2 reader): values files, which both kinds of reader take."""


VALUES_LIMITS = Limits(
    max_bytes=1 << 20, max_depth=32, max_alias_nodes=10_000, forbid_characters=True, forbid_sexagesimal=True
)
"""A values file: 1 MiB (a 100-model fleet takes ~30 KiB), 32 levels (the deepest key has 6), 10,000 alias nodes."""
MANIFEST_LIMITS = Limits(max_bytes=64 << 20, max_depth=64, max_alias_nodes=100_000)
"""One manifest file: 64 MiB (a 100-model output is ~1 MiB), 64 levels, 100,000 alias nodes."""
MANIFEST_TOTAL_BYTES = 256 << 20
"""All manifest files of one directory together."""
MANIFEST_MAX_FILES = 10_000
"""Manifest files in one directory."""


class YamlInputError(LlmStackError, ValueError):
    """The input breaks a bound or a rule.

    ``reason`` says which; ``path`` is the field path inside the document (``model.runtime.env.HF_HOME``) when
    the problem is in one value, ``value`` that value; ``line`` is 1-based when known. ``bound`` is True when a
    resource bound was hit (size, file type, depth, alias expansion) rather than a rule of the content.
    """

    NO_VALUE: Any = object()

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        value: Any = NO_VALUE,
        line: int | None = None,
        bound: bool = False,
    ) -> None:
        self.reason = reason
        self.bound = bound
        self.path = path
        self.value = value
        self.line = line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


def read_bounded(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, reading at most ``max_bytes + 1`` bytes.

    Opened without blocking (a FIFO would wait for a writer forever) and checked with ``fstat`` on the open
    descriptor, so a file swapped for a device after a check cannot slip through.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise YamlInputError(f"cannot read it: {error.strerror or error}", bound=True) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise YamlInputError("it is a directory, not a file", bound=True)
        if not stat.S_ISREG(mode):
            raise YamlInputError("it is not a regular file (a FIFO, socket or device): pass a YAML file", bound=True)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            try:
                chunk = os.read(fd, min(left, 1 << 20))
            except OSError as error:
                if error.errno == errno.EINTR:  # pragma: no cover - retried by Python itself (PEP 475)
                    continue
                raise YamlInputError(f"cannot read it: {error.strerror or error}", bound=True) from None
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise YamlInputError(f"it is larger than {_size(max_bytes)}, the most that is read", bound=True)
    return data


def read_bounded_stream(stream: BinaryIO, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of ``stream`` (standard input for ``-f -``), reading at most ``max_bytes + 1``: a
    stream without end (``/dev/zero``) fails as a file too large does. A terminal is refused: nothing was piped in.
    """
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        raise YamlInputError("standard input is a terminal: pipe the values in (llm-stack synth -f - < values.yaml)")
    chunks: list[bytes] = []
    left = max_bytes + 1
    while left > 0:
        try:
            chunk = stream.read(min(left, 1 << 20))
        except OSError as error:
            raise YamlInputError(f"cannot read it: {error.strerror or error}", bound=True) from None
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise YamlInputError(f"it is larger than {_size(max_bytes)}, the most that is read", bound=True)
    return data


def _size(count: int) -> str:
    return f"{count >> 20} MiB" if count >= 1 << 20 else f"{count >> 10} KiB"


def describe_character(char: str) -> str:
    """``U+0085 (a control character)``: how a refused character is named in messages."""
    return f"U+{ord(char):04X}"


class _BoundedComposer:
    """PyYAML's ``Composer`` with bounds, duplicate-key detection and field paths for messages.

    Mixed in front of ``yaml.SafeLoader`` or ``yaml.CSafeLoader`` (whose own composer recurses in C).
    """

    limits: Limits

    # Provided by the parser and resolver the composer is mixed with.
    check_event: Any
    peek_event: Any
    get_event: Any
    resolve: Any
    descend_resolver: Any
    ascend_resolver: Any

    def _init_bounds(self, limits: Limits) -> None:
        self.limits = limits
        self._anchors: dict[str, tuple[Node, int | None]] = {}
        self._segments: list[str | int] = []
        self._alias_nodes = 0

    # The interface BaseConstructor uses.
    def check_node(self) -> bool:
        if self.check_event(StreamStartEvent):
            self.get_event()
        return not self.check_event(StreamEndEvent)

    def get_node(self) -> Node | None:
        if not self.check_event(StreamEndEvent):
            return self._compose_document()
        return None

    def get_single_node(self) -> Node | None:
        self.get_event()
        document = None
        if not self.check_event(StreamEndEvent):
            document = self._compose_document()
        if not self.check_event(StreamEndEvent):
            event = self.get_event()
            raise YamlInputError("expected one document, found another", line=event.start_mark.line + 1)
        self.get_event()
        return document

    def _compose_document(self) -> Node:
        self.get_event()
        self._anchors = {}
        self._alias_nodes = 0
        node, _size = self._compose_node(None, None, 0)
        self.get_event()
        self._anchors = {}
        return node

    def _path(self) -> str:
        out = ""
        for segment in self._segments:
            if isinstance(segment, int):
                out += f"[{segment}]"
            else:
                out += f".{segment}" if out else segment
        return out or "(top level)"

    def _compose_node(self, parent: Node | None, index: Any, depth: int) -> tuple[Node, int]:
        """The next node and the number of nodes it stands for, aliases expanded."""
        if self.check_event(AliasEvent):
            event = self.get_event()
            anchor = event.anchor
            if anchor not in self._anchors:
                raise YamlInputError(f"undefined alias *{anchor}", line=event.start_mark.line + 1)
            node, size = self._anchors[anchor]
            if size is None:
                raise YamlInputError(
                    f"alias *{anchor} refers to a node that contains it", line=event.start_mark.line + 1
                )
            self._alias_nodes += size
            if self._alias_nodes > self.limits.max_alias_nodes:
                raise YamlInputError(
                    f"aliases expand to more than {self.limits.max_alias_nodes} nodes (nested aliases, "
                    "'billion laughs'): write the values out",
                    line=event.start_mark.line + 1,
                    bound=True,
                )
            return node, size
        event = self.peek_event()
        anchor = event.anchor
        if anchor is not None and anchor in self._anchors:
            raise YamlInputError(f"duplicate anchor &{anchor}", line=event.start_mark.line + 1)
        self.descend_resolver(parent, index)
        if self.check_event(ScalarEvent):
            result = self._compose_scalar(anchor)
        elif self.check_event(SequenceStartEvent):
            result = self._compose_sequence(anchor, depth + 1)
        else:
            result = self._compose_mapping(anchor, depth + 1)
        self.ascend_resolver()
        return result

    def _compose_scalar(self, anchor: str | None) -> tuple[Node, int]:
        event = self.get_event()
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(ScalarNode, event.value, event.implicit)
        if self.limits.forbid_characters:
            bad = FORBIDDEN_CHARACTERS.search(event.value)
            if bad is not None:
                raise YamlInputError(
                    f"holds the special character {describe_character(bad.group())} (control characters, line or "
                    "paragraph separators and lone surrogates change meaning between YAML readers): remove it",
                    path=self._path(),
                    value=event.value,
                    line=event.start_mark.line + 1,
                )
        if (
            self.limits.forbid_sexagesimal
            and event.style is None
            and ":" in event.value
            and tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        ):
            raise YamlInputError(
                f"YAML 1.1 (this reader) takes the unquoted {event.value} for the base-60 number "
                f"{_sexagesimal(event.value)}, Helm and kubectl for the string {event.value!r}: quote it "
                f"('{event.value}') or write the number you mean",
                path=self._path(),
                value=event.value,
                line=event.start_mark.line + 1,
            )
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if anchor is not None:
            self._anchors[anchor] = (node, 1)
        return node, 1

    def _enter(self, event: Any, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise YamlInputError(
                f"nested deeper than {self.limits.max_depth} levels", line=event.start_mark.line + 1, bound=True
            )

    def _compose_sequence(self, anchor: str | None, depth: int) -> tuple[Node, int]:
        start = self.get_event()
        self._enter(start, depth)
        tag = start.tag
        if tag is None or tag == "!":
            tag = self.resolve(SequenceNode, None, start.implicit)
        node = SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if anchor is not None:
            self._anchors[anchor] = (node, None)
        size = 1
        index = 0
        segments = self._segments
        while not self.check_event(SequenceEndEvent):
            segments.append(index)
            item, item_size = self._compose_node(node, index, depth)
            segments.pop()
            _not_a_merge(item)
            node.value.append(item)
            size += item_size
            index += 1
        node.end_mark = self.get_event().end_mark
        if anchor is not None:
            self._anchors[anchor] = (node, size)
        return node, size

    def _compose_mapping(self, anchor: str | None, depth: int) -> tuple[Node, int]:
        start = self.get_event()
        self._enter(start, depth)
        tag = start.tag
        if tag is None or tag == "!":
            tag = self.resolve(MappingNode, None, start.implicit)
        node = MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if anchor is not None:
            self._anchors[anchor] = (node, None)
        size = 1
        seen: dict[tuple[str, str], int] = {}
        merge_line: int | None = None
        segments = self._segments
        while not self.check_event(MappingEndEvent):
            segments.append("?")
            key, key_size = self._compose_node(node, None, depth)
            segments.pop()
            if isinstance(key, ScalarNode) and key.tag == MERGE_TAG:
                line = key.start_mark.line + 1
                if merge_line is not None:
                    raise YamlInputError(
                        f"a second '<<' merge key (lines {merge_line} and {line}): readers differ on which one wins; "
                        "merge both in one: '<<: [*first, *second]'",
                        path=self._path(),
                        value="<<",
                        line=line,
                    )
                merge_line = line
            if isinstance(key, ScalarNode) and key.tag != MERGE_TAG:
                line = key.start_mark.line + 1
                ident = (key.tag, key.value)
                segments.append(key.value)
                if ident in seen:
                    where = f"twice on line {line}" if seen[ident] == line else f"at lines {seen[ident]} and {line}"
                    raise YamlInputError(
                        f"duplicate key {key.value!r}, {where}: the second would silently replace the first; keep one",
                        path=self._path(),
                        value=key.value,
                        line=line,
                    )
                seen[ident] = line
            else:
                segments.append("?")
            value, value_size = self._compose_node(node, key, depth)
            segments.pop()
            _not_a_merge(value)
            node.value.append((key, value))
            size += key_size + value_size
        node.end_mark = self.get_event().end_mark
        if anchor is not None:
            self._anchors[anchor] = (node, size)
        return node, size


def _sexagesimal(text: str) -> str:
    """The number YAML 1.1 reads in a base-60 scalar (``1:30`` -> ``90``)."""
    sign = -1 if text.startswith("-") else 1
    value = 0.0
    for part in text.lstrip("+-").replace("_", "").split(":"):
        value = value * 60 + float(part)
    number = sign * value
    return str(int(number)) if number == int(number) and "." not in text else repr(number)


def _not_a_merge(node: Node) -> None:
    """A plain ``<<`` is a merge only as a key; as a value or item it is the string ``"<<"`` (as for YAML 1.2
    writers and Kubernetes), where PyYAML would fail to construct it."""
    if isinstance(node, ScalarNode) and node.tag == MERGE_TAG:
        node.tag = "tag:yaml.org,2002:str"


_IMPLICIT_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:value"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
"""PyYAML's implicit tags without YAML 1.1's ``=`` "value" tag, which SafeLoader cannot even construct: a plain
``=`` is the string ``"="`` for every YAML 1.2 writer (cdk8s) and for Kubernetes."""


class _PyLoader(_BoundedComposer, yaml.SafeLoader):
    yaml_implicit_resolvers = _IMPLICIT_RESOLVERS

    def __init__(self, stream: str, limits: Limits) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._init_bounds(limits)


_CBase: Any = getattr(yaml, "CSafeLoader", None)


if _CBase is not None:

    class _CLoader(_BoundedComposer, _CBase):  # type: ignore[misc]
        yaml_implicit_resolvers = _IMPLICIT_RESOLVERS

        def __init__(self, stream: str, limits: Limits) -> None:
            _CBase.__init__(self, stream)
            self._init_bounds(limits)

    class _CComposingLoader(_CBase):  # type: ignore[misc]
        yaml_implicit_resolvers = _IMPLICIT_RESOLVERS


def load_all_unchecked(text: str, limits: Limits) -> list[Any] | None:
    """Every document of ``text`` read by libyaml's own composer, far faster than the bounded one, or None when this
    cannot tell that ``load_all(text, limits)`` reads the same: no libyaml, a YAML error, a document nested deeper
    than ``limits.max_depth``, or an alias (a collection met twice). For text the stack wrote itself (the read-back
    check of synth), where ``load_all`` still decides whenever this gives None or another result than expected.
    Not for hostile input: libyaml's composer recurses once per nesting level and expands aliases unbounded.
    """
    if _CBase is None:
        return None
    try:
        documents = [d for d in yaml.load_all(text, Loader=_CComposingLoader) if d is not None]
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    return documents if _tree_within(documents, limits.max_depth) else None


def _tree_within(documents: list[Any], max_depth: int) -> bool:
    """Whether no document nests deeper than ``max_depth`` and no collection is met twice (an alias)."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(d, 1) for d in documents]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth or id(node) in seen:
            return False
        seen.add(id(node))
        stack.extend((child, depth + 1) for child in children)
    return True


def _loader(text: str, limits: Limits, *, fast: bool) -> Any:
    if fast and _CBase is not None:
        return _CLoader(text, limits)
    return _PyLoader(text, limits)


def check_raw_characters(text: str) -> tuple[int, str] | None:
    """``(index, character)`` of the first character of ``FORBIDDEN_CHARACTERS`` in ``text``, or None."""
    bad = FORBIDDEN_CHARACTERS.search(text)
    return (bad.start(), bad.group()) if bad else None


def load_one(text: str, limits: Limits) -> Any:
    """The single document of ``text`` (None when empty), within ``limits``.

    A refused character written raw (not as an escape) is reported with the field path of the value holding
    it: it is blanked out first, so the reader accepts the text and the composer can say where it was.
    """
    raw = check_raw_characters(text) if limits.forbid_characters else None
    if raw is not None:
        index, char = raw
        blanked = FORBIDDEN_CHARACTERS.sub(" ", text)
        where = _locate(blanked, index, limits)
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        reason = (
            f"holds the special character {describe_character(char)} at line {line}, column {column} "
            "(control characters, line or paragraph separators and lone surrogates change meaning between YAML "
            "readers): remove it"
        )
        if where is None:
            raise YamlInputError(reason, line=line)
        path, (start, end) = where
        raise YamlInputError(reason, path=path, value=text[start:end], line=line)
    return load_one_located(text, limits)[0]


def load_one_located(text: str, limits: Limits) -> tuple[Any, dict[str, int]]:
    """``load_one``, plus the 1-based line of every key and item, by field path (``model.runtime.gpuCount``,
    ``models[0]``; the paths of ``YamlInputError`` and of the values' errors). Keys brought in by a ``<<``
    merge have none."""
    if limits.forbid_characters and check_raw_characters(text) is not None:
        return load_one(text, limits), {}  # raises with the path of the character
    loader = _loader(text, limits, fast=False)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    _record_lines(node, "", lines)
    return data, lines


def _record_lines(root: Node, root_path: str, lines: dict[str, int]) -> None:
    # Iterative: the depth is bounded already, but aliases may make the node graph shared.
    stack: list[tuple[Node, str, int]] = [(root, root_path, 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > 64:  # pragma: no cover - the composer's depth bound is far lower
            continue
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                child = f"{path}[{index}]"
                lines.setdefault(child, item.start_mark.line + 1)
                stack.append((item, child, depth + 1))
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                if not isinstance(key, ScalarNode) or key.tag == MERGE_TAG:
                    continue
                child = f"{path}.{key.value}" if path else str(key.value)
                lines.setdefault(child, key.start_mark.line + 1)
                stack.append((value, child, depth + 1))


def _locate(text: str, index: int, limits: Limits) -> tuple[str, tuple[int, int]] | None:
    """Field path and source span of the scalar that covers character ``index`` of ``text``, if one does."""
    loader = _loader(text, Limits(limits.max_bytes, limits.max_depth, limits.max_alias_nodes), fast=False)
    found: list[tuple[str, tuple[int, int]]] = []
    original = loader._compose_scalar

    def compose_scalar(anchor: str | None) -> tuple[Node, int]:
        event = loader.peek_event()
        if not found and event.start_mark.index <= index < max(event.end_mark.index, event.start_mark.index + 1):
            found.append((loader._path(), (event.start_mark.index, event.end_mark.index)))
        result: tuple[Node, int] = original(anchor)
        return result

    loader._compose_scalar = compose_scalar
    try:
        while loader.check_node():
            loader.get_node()
    except (yaml.YAMLError, YamlInputError):
        pass
    finally:
        loader.dispose()
    return found[0] if found else None


def load_all(text: str, limits: Limits) -> Iterator[Any]:
    """Every document of ``text`` within ``limits`` (libyaml's parser when PyYAML has it)."""
    loader = _loader(text, limits, fast=True)
    try:
        while loader.check_data():
            yield loader.get_data()
    finally:
        loader.dispose()


def _no_constant(name: str) -> Any:
    raise YamlInputError(f"{name} is not JSON (Kubernetes' JSON reader refuses it): write a number or a string")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise YamlInputError(f"duplicate key {key!r}: a later value would silently replace the first")
        out[key] = value
    return out


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def starts_as_json(text: str) -> bool:
    """Whether a manifest file is read as a stream of JSON objects: it starts with ``{``, as Kubernetes'
    ``YAMLOrJSONDecoder`` (``kubectl apply -f``) decides; anything else is read as YAML."""
    return text.lstrip(" \t\r\n").startswith("{")


def load_json_all(text: str, limits: Limits) -> list[Any]:
    """Every JSON value of ``text``, one after another as ``kubectl`` reads a ``.json`` file (concatenated objects),
    within ``limits``' depth; duplicate keys and ``NaN``/``Infinity`` are errors (``YamlInputError``)."""
    decoder = json.JSONDecoder(object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
    out: list[Any] = []
    index, end = 0, len(text)
    while True:
        while index < end and text[index] in " \t\r\n":
            index += 1
        if index == end:
            return out
        try:
            value, index = decoder.raw_decode(text, index)
        except RecursionError:
            raise YamlInputError(f"nested deeper than {limits.max_depth} levels", bound=True) from None
        except json.JSONDecodeError as error:
            raise YamlInputError(f"not valid JSON: {error.msg}", line=error.lineno) from None
        if _depth(value) > limits.max_depth:
            raise YamlInputError(f"nested deeper than {limits.max_depth} levels", bound=True)
        out.append(value)
