"""The configuration reference (``docs/configuration.md``), generated from the settings dataclasses.

Each field of ``StackConfig`` and of the settings it holds becomes one row: its values-file key (camelCase, as
``errors.values_key`` spells it), its default as YAML writes it, and its meaning, which is the field's attribute
docstring (the one home of that text). ``python -m llm_inference_stack.settings.reference`` rewrites the part of
the page between ``BEGIN`` and ``END`` (the prose around it is written by hand); ``--check`` exits 1 when the page
differs from what the fields say now. ``docstring_problems`` lists the fields that do not document themselves.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import enum
import inspect
import itertools
import re
import sys
import textwrap
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml

from ..errors import values_key
from .model import ModelConfig
from .stack import StackConfig

REFERENCE_PATH = Path("docs/configuration.md")
"""Where the page lives, relative to the repository root."""

REQUIRED: Any = object()
"""The default of a field that has none (the values file must set it)."""

_DEFAULT = re.compile(r"\bDefault: ")


@dataclass(frozen=True)
class FieldDoc:
    """One settings field: its class, name and attribute docstring (None when it has none)."""

    owner: type
    name: str
    docstring: str | None

    @property
    def default_text(self) -> str | None:
        """What the docstring says of the default (the ``Default: ...`` sentence, without the word), or None."""
        return _split_default(self.docstring or "")[1]

    @property
    def meaning(self) -> str:
        """The docstring without its ``Default:`` sentence."""
        return _split_default(self.docstring or "")[0]


@dataclass(frozen=True)
class Row:
    """One values key of the reference."""

    key: str
    """The key as a values file spells it (``model.runtime.gpuCount``; ``[n]`` for any list item)."""
    default: Any
    """The default value (``REQUIRED`` when the key must be set)."""
    default_markdown: str
    """The default as the page shows it: YAML, with the docstring's words on it where they add something."""
    meaning: str
    """The meaning, as Markdown."""
    settable: bool
    """The key can be written as ``--set <key>=<default>`` (a literal default, no list item in the path)."""


@dataclass(frozen=True)
class Section:
    """A top-level block of a values file (or the top level itself) and its rows."""

    title: str
    rows: tuple[Row, ...]


def _split_default(docstring: str) -> tuple[str, str | None]:
    """``docstring`` split into its text without the ``Default:`` sentence, and that sentence's words."""
    text = " ".join(docstring.split())
    matches = list(_DEFAULT.finditer(text))
    if not matches:
        return text, None
    match = matches[-1]
    start, depth, end = match.end(), 0, len(text)
    for index in range(start, len(text)):
        char = text[index]
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "." and depth == 0 and (index + 1 == len(text) or text[index + 1] == " "):
            end = index
            break
    words = text[start:end].strip()
    rest = (text[: match.start()] + text[end + 1 :]).strip()
    return " ".join(rest.split()), words


@cache
def _attribute_docstrings(cls: type) -> dict[str, str]:
    """Field name -> the string literal that follows the field in ``cls``'s source (PEP 257 attribute docstring)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = typing.cast(ast.ClassDef, tree.body[0]).body
    out: dict[str, str] = {}
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            out[node.target.id] = inspect.cleandoc(following.value.value)
    return out


def field_docs(cls: type) -> list[FieldDoc]:
    """The fields of settings class ``cls`` in declaration order, with their docstrings."""
    docs = _attribute_docstrings(cls)
    return [FieldDoc(cls, f.name, docs.get(f.name)) for f in dataclasses.fields(cls)]


def settings_classes(root: type = StackConfig) -> list[type]:
    """``root`` and every settings dataclass its fields hold, each once, in the order they are reached."""
    seen: list[type] = []

    def visit(cls: type) -> None:
        if cls in seen:
            return
        seen.append(cls)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            inner = _block_class(hints[f.name]) or _item_class(hints[f.name])
            if inner is not None:
                visit(inner)

    visit(root)
    from ..values_loader import NamespaceConfig

    return [*seen, NamespaceConfig]


def _block_class(tp: Any) -> type | None:
    """The settings dataclass of a field that is a block (``X``, ``X | None``, ``X | Inherit | None``)."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if dataclasses.is_dataclass(a)]
        return typing.cast(type, options[0]) if len(options) == 1 else None
    return typing.cast(type, tp) if dataclasses.is_dataclass(tp) else None


def _item_class(tp: Any) -> type | None:
    """The settings dataclass of a field that is a list of blocks (``tuple[X, ...]``)."""
    if get_origin(tp) is tuple:
        items = [a for a in get_args(tp) if a is not Ellipsis]
        if len(items) == 1 and dataclasses.is_dataclass(items[0]):
            return typing.cast(type, items[0])
    return None


def field_default(f: dataclasses.Field[Any]) -> Any:
    """The default of dataclass field ``f``, or ``REQUIRED``."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return REQUIRED


def _is_block(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def yaml_literal(value: Any) -> str:
    """``value`` as a values file writes it (``null``, ``false``, ``'8'``, ``[]``, ``{key: value}``)."""
    from ..values_loader import to_values

    text = yaml.safe_dump(to_values(value), default_flow_style=True, sort_keys=False, width=1_000_000).strip()
    return text.removesuffix("...").strip()


def markdown(text: str) -> str:
    """Docstring markup as Markdown: a code span in double backticks takes single ones."""
    return re.sub(r"``(.+?)``", r"`\1`", text)


def _markdown(text: str) -> str:
    """Docstring markup as Markdown inside a table cell."""
    return markdown(text).replace("|", "\\|")


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _default_markdown(value: Any, words: str | None) -> str:
    """The default column: the YAML literal, with what the docstring says of it when that adds something."""
    if value is REQUIRED:
        return "required"
    if _is_block(value):
        return "see below"
    if isinstance(value, enum.Enum):
        return _markdown(words or value.name)
    literal = yaml_literal(value)
    if words is None:
        return _code(literal)
    rest = words
    empty = value is None or (isinstance(value, (tuple, Mapping)) and not value)
    for spelled in (literal.strip("'"), *(("none", "null") if empty else ())):
        for written in (f"``{spelled}``", spelled):
            if rest.lower().startswith(written.lower()) and not rest[len(written) : len(written) + 1].isalnum():
                rest = rest[len(written) :].strip(" ,;:")
                break
        else:
            continue
        break
    if rest.startswith("(") and rest.endswith(")") and "(" not in rest[1:-1]:
        rest = rest[1:-1]
    return _code(literal) + (f": {_markdown(rest)}" if rest else "")


def _rows(cls: type, prefix: str, instance: Any, homes: Mapping[type, str]) -> Iterator[Row]:
    """The rows of settings class ``cls`` under key ``prefix``; ``instance`` holds the defaults when the block's
    own default is an instance (``gateway.rateLimit``: ``{tokensPerMinute: 100000}``), and is None when the block
    is off by default (its keys then cannot be set one by one)."""
    hints = typing.get_type_hints(cls)
    docs = {d.name: d for d in field_docs(cls)}
    for f in dataclasses.fields(cls):
        if (cls, f.name) in _NOT_IN_VALUES:
            continue
        key = prefix + values_key(f.name)
        doc = docs[f.name]
        if (cls, f.name) == (StackConfig, "models"):
            # One model is written ``model:``, a fleet ``models:`` with the same keys per item.
            yield Row("model` or `models", REQUIRED, "required", _markdown(doc.meaning), False)
            yield from _rows(ModelConfig, "model.", _ON, homes)
            continue
        default = getattr(instance, f.name) if instance not in (None, _ON) else field_default(f)
        # The docstring speaks of the class's default; a block's own default may set another value.
        words = doc.default_text if _same(default, field_default(f)) else None
        block, item = _block_class(hints[f.name]), _item_class(hints[f.name])
        meaning = _markdown(doc.meaning)
        home = homes.get(block) if block is not None else None
        merged_over = home is not None and home != key and not _is_block(default)
        if merged_over:
            meaning += f" Keys as in `{home}`."
        literal = not (default is REQUIRED or _is_block(default) or isinstance(default, enum.Enum))
        # A key inside a list item (``tenants[n].budgets.shared``) cannot be set alone: the item needs its own keys.
        settable = literal and instance is not None and "[n]" not in key
        yield Row(key, default, _default_markdown(default, words), meaning, settable)
        if block is not None and not merged_over:
            yield from _rows(block, key + ".", default if _is_block(default) else None, homes)
        if item is not None:
            yield from _rows(item, key + "[n].", None, homes)
        if (cls, f.name) == (StackConfig, "namespace"):
            from ..values_loader import NamespaceConfig

            yield from _rows(NamespaceConfig, "namespace.", _ON, homes)


_NOT_IN_VALUES = {(StackConfig, "create_namespace")}
"""Fields a values file spells elsewhere: ``create_namespace`` is ``namespace.create`` (the long form)."""


_ON: Any = object()
"""The ``instance`` of a block that is always there but has no default object of its own (the top level, a model,
the long form of ``namespace``): its keys take their fields' defaults and can be set one by one."""


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and a == b)


def _homes() -> dict[type, str]:
    """Settings class -> the key where its defaults live, for blocks that also appear as overrides without one
    (``model.autoscaling`` merges over ``autoscaling``, ``model.rateLimit`` over ``gateway.rateLimit``)."""
    homes: dict[type, str] = {}

    def visit(cls: type, prefix: str, instance: Any) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            block = _block_class(hints[f.name])
            if block is None:
                continue
            default = getattr(instance, f.name) if instance is not None else field_default(f)
            key = prefix + values_key(f.name)
            if _is_block(default) and block not in homes:
                homes[block] = key
            visit(block, key + ".", default if _is_block(default) else None)

    visit(StackConfig, "", None)
    return homes


def sections() -> list[Section]:
    """The reference: the top-level keys, then one section per top-level block, in ``StackConfig``'s order."""
    rows = list(_rows(StackConfig, "", _ON, _homes()))
    heads = {row.key.partition(".")[0] for row in rows if "." in row.key} - {"namespace"}  # namespace's long form
    top = [row for row in rows if row.key.partition(".")[0] not in heads]
    blocks: dict[str, list[Row]] = {}
    for row in rows:
        if row.key.partition(".")[0] in heads:
            blocks.setdefault(row.key.partition(".")[0], []).append(row)
    return [Section("Top level", tuple(top)), *(Section(_TITLES.get(h, h), tuple(r)) for h, r in blocks.items())]


_TITLES = {"model": "model (and each item of models)"}


def docstring_problems(classes: list[type]) -> list[str]:
    """What keeps the fields of ``classes`` from documenting themselves: a field without a docstring (or with
    only its default), an optional field whose docstring does not state its default, and a ``Default: X`` whose
    literal X is not the field's default (for a scalar default, X must begin with it; for a null one, X may not be
    a number or a boolean)."""
    problems = []
    for cls in classes:
        for f, doc in zip(dataclasses.fields(cls), field_docs(cls), strict=True):
            where = f"{cls.__name__}.{f.name}"
            if not doc.meaning:
                problems.append(f"{where}: no docstring saying what the field means")
            default = field_default(f)
            if default is REQUIRED:
                continue
            if doc.default_text is None:
                problems.append(f"{where}: the docstring does not state the default (add 'Default: ...')")
            elif isinstance(default, (bool, int, float, str)) and not isinstance(default, enum.Enum):
                said, literal = doc.default_text.replace("``", ""), yaml_literal(default).strip("'")
                if not (said.startswith(literal) and not said[len(literal) : len(literal) + 1].isalnum()):
                    problems.append(f"{where}: the docstring says 'Default: {doc.default_text}' but it is {literal}")
            elif default is None and re.fullmatch(r"-?[0-9][0-9.]*|true|false", doc.default_text.strip("`")):
                problems.append(f"{where}: the docstring says 'Default: {doc.default_text}' but it is null")
    return problems


BEGIN = "<!-- BEGIN REFERENCE -->\n"
END = "<!-- END REFERENCE -->\n"


def render() -> str:
    """The generated part of the page: one table per section."""
    out = []
    for section in sections():
        out.append(f"\n### {section.title}\n\n| Key | Default | Meaning |\n|---|---|---|\n")
        out.extend(f"| `{row.key}` | {row.default_markdown} | {row.meaning} |\n" for row in section.rows)
    return "".join(out) + "\n"


def updated(page: str) -> str:
    """``page`` with the part between ``BEGIN`` and ``END`` replaced by what the fields say now."""
    head, begin, rest = page.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"the page has no generated part: put the lines {BEGIN.strip()} and {END.strip()} in it")
    return head + BEGIN + render() + END + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m llm_inference_stack.settings.reference",
        description="Regenerate the configuration reference in a page from the settings dataclasses.",
    )
    parser.add_argument("--page", type=Path, default=REFERENCE_PATH, help=f"default: {REFERENCE_PATH}")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is out of date instead of writing")
    args = parser.parse_args(argv)
    current = args.page.read_text()
    text = updated(current)
    if args.check:
        if current != text:
            print(f"{args.page} is out of date: run python -m llm_inference_stack.settings.reference", file=sys.stderr)
            return 1
        return 0
    args.page.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
