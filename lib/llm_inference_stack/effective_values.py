"""The merged values as a values file: ``llm-stack values``.

Every key of the stack's settings with its value, defaults filled in, in the values file's spelling (camelCase,
``namespace: {name, create}``, ``model:`` or ``models:`` as the sources wrote it): what ``synth`` reads from the
same ``-f`` files and ``--set`` flags, written so that ``synth -f <printed>`` builds the same ``StackConfig``. A
comment on each value a source gave names it (the file and line, or the ``--set`` flag); a model's inherited
``autoscaling`` and ``rateLimit`` fields name the stack's key they came from. Values without a comment are defaults.

Nothing that may be a credential is printed (``redaction``: a secret-looking field or variable, key material, the
value of a secret-looking flag in ``extraArgs``): its line is a comment naming the key and its source, so the
printed file gives the same stack only when that value is given again (another ``-f`` file or ``--set``); the
file's header says so and ``EffectiveValues.hidden`` lists the keys.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import yaml

from .errors import values_key
from .redaction import HIDDEN, hide, secret_arguments
from .settings import INHERIT, StackConfig
from .settings.stack import MODEL_INHERITS
from .values_loader import load_merged
from .values_sources import MergedValues, ValuesPath, format_path

Segments = tuple[str | int, ...]
"""A field path as segments (``("models", 0, "runtime", "env", "HF_TOKEN")``): keys may hold dots."""


@dataclass(frozen=True)
class EffectiveValues:
    """The printed values and what they leave out."""

    text: str
    """The values file."""
    hidden: tuple[str, ...]
    """The keys commented out because their value may be a credential (``apiKeys.dummyKey``), in file order."""


def effective_values(values: ValuesPath | Sequence[ValuesPath], *, sets: Sequence[str] = ()) -> EffectiveValues:
    """The merged values of ``values`` and ``sets`` (as ``load_values`` merges and checks them) as a values file.
    Raises what ``load_values`` raises. Default of ``sets``: none."""
    merged, config = load_merged(values, sets=sets, caller="effective_values")
    printer = _Printer(merged)
    body = printer.mapping(values_tree(config, single_model="model" in merged.data), (), 0)
    return EffectiveValues(_header(merged, printer.hidden) + "".join(f"{line}\n" for line in body), printer.hidden)


def values_tree(config: StackConfig, *, single_model: bool) -> dict[str, Any]:
    """``config`` as a values file holds it, every field spelt out (a model's ``rateLimit`` that is ``INHERIT``, the
    gateway's, has no spelling but leaving the key out: it is an ``_Inherited``). ``single_model`` writes ``model:``
    (one model) rather than ``models:``."""
    rest = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.init}
    out: dict[str, Any] = {
        "release": _tree(rest.pop("release")),
        "namespace": {"name": rest.pop("namespace"), "create": rest.pop("create_namespace")},
    }
    models = [_tree(m) for m in rest.pop("models")]
    if single_model and len(models) == 1:
        out["model"] = models[0]
    else:
        out["models"] = models
    out.update({values_key(name): _tree(value) for name, value in rest.items()})
    return out


_LEFT_OUT = object()


class _Inherited:
    """A model's block that takes the stack's (``INHERIT``): the key is left out, with a comment."""


def _tree(value: Any) -> Any:
    if value is INHERIT:
        return _Inherited()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = _tree(getattr(value, f.name)) if f.init else _LEFT_OUT
            if item is not _LEFT_OUT:
                out[values_key(f.name)] = item
        return out
    if isinstance(value, tuple | list):
        return [_tree(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _tree(v) for k, v in value.items()}
    return value


def _header(merged: MergedValues, hidden: Sequence[str]) -> str:
    sources = " ".join(s.label if s.label.startswith("--set ") else f"-f {s.label}" for s in merged.sources)
    lines = [
        f"# The values llm-stack synth reads from: {sources}",
        "# Every key with its value, defaults filled in. A comment names where a value was given (file and line, or",
        "# the --set flag); values without one are the defaults.",
    ]
    if hidden:
        lines += [
            f"# {len(hidden)} value(s) not printed because they may be credentials (commented out below: "
            f"{', '.join(hidden)}):",
            "# this file gives the same stack only with them given again (another -f file, or --set <key>=<value>).",
        ]
    return "".join(f"{line}\n" for line in lines)


_MODEL = re.compile(r"^(model|models\[\d+\])\.([A-Za-z]+)((?:[.\[].*)?)$")
_INHERITED = {values_key(name): ".".join(values_key(p) for p in path) for name, path in MODEL_INHERITS.items()}
"""A model's block that inherits -> the stack's key it inherits from (``rateLimit`` -> ``gateway.rateLimit``)."""


class _Printer:
    """Writes the values tree as YAML lines, with the source comments and the hidden values."""

    def __init__(self, merged: MergedValues) -> None:
        self.merged = merged
        self._hidden: list[str] = []

    @property
    def hidden(self) -> tuple[str, ...]:
        return tuple(self._hidden)

    @cached_property
    def _given(self) -> frozenset[str]:
        """Every field path the sources give."""
        out: set[str] = set()
        stack: list[tuple[Any, Segments]] = [(self.merged.data, ())]
        while stack:
            node, path = stack.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            for key, child in items:
                inner = (*path, key if isinstance(key, str | int) else str(key))
                out.add(format_path(inner))
                stack.append((child, inner))
        return frozenset(out)

    def source(self, path: Segments) -> str | None:
        """Where the value at ``path`` was given, or None for a default."""
        text = format_path(path)
        if text in self._given:
            return self.merged.source_of(text)
        if text == "namespace.name" and "namespace" in self._given:
            return self.merged.source_of("namespace")
        match = _MODEL.match(text)
        if match and match.group(2) in _INHERITED and match.group(3):  # a field inside the block: the stack's
            stack_path = _INHERITED[match.group(2)] + match.group(3)
            if stack_path in self._given:
                return f"{stack_path}, {self.merged.source_of(stack_path)}"
        return None

    def _comment(self, path: Segments) -> str:
        where = self.source(path)
        return f"  # {where}" if where else ""

    def _hide(self, pad: str, key: str, path: Segments) -> str:
        self._hidden.append(format_path(path))
        where = self.source(path)
        given = f", from {where}" if where else ""
        return f"{pad}# {key}: {HIDDEN}{given}; give it again with -f or --set {format_path(path)}=..."

    def mapping(self, node: Mapping[str, Any], path: Segments, indent: int, *, comments: bool = True) -> list[str]:
        pad = " " * indent
        lines: list[str] = []
        for key, value in node.items():
            inner = (*path, key)
            name = _scalar(key)
            if isinstance(value, _Inherited):
                match = _MODEL.match(format_path(inner))
                stack_key = _INHERITED.get(match.group(2) if match else "", "the stack's")
                lines.append(f"{pad}# {name}: not set, so the model takes {stack_key}")
            elif isinstance(value, Mapping) and value:
                body = self.mapping(value, inner, indent + 2, comments=comments)
                if all(line.lstrip().startswith("#") for line in body):  # every entry hidden: still a mapping
                    lines.append(f"{pad}{name}: {{}}")
                else:
                    lines.append(f"{pad}{name}:")
                lines += body
            elif isinstance(value, list) and value:
                if inner == ("models",):
                    lines.append(f"{pad}{name}:")
                    for index, item in enumerate(value):
                        lines += _item(self.mapping(item, (*inner, index), indent + 4), indent + 2)
                elif _secret_in(value, inner):
                    lines.append(self._hide(pad, name, inner))
                else:
                    lines.append(f"{pad}{name}:{self._comment(inner) if comments else ''}")
                    for item in value:
                        if isinstance(item, Mapping):
                            lines += _item(self.mapping(item, inner, indent + 4, comments=False), indent + 2)
                        else:
                            lines.append(f"{pad}  - {_scalar(item)}")
            elif hide(value, inner):
                lines.append(self._hide(pad, name, inner))
            else:
                lines.append(f"{pad}{name}: {_scalar(value)}{self._comment(inner) if comments else ''}")
        return lines


def _item(lines: list[str], indent: int) -> list[str]:
    """The lines of a mapping (indented by ``indent + 2``) as one list item: ``- `` on its first line."""
    first = next((i for i, line in enumerate(lines) if not line.lstrip().startswith("#")), None)
    if first is None:
        return [*lines, f"{' ' * indent}- {{}}"]
    out = list(lines)
    out[first] = f"{' ' * indent}- {out[first][indent + 2 :]}"
    return out


def _secret_in(items: list[Any], path: Segments) -> bool:
    """Whether a list (replaced as a whole by a later source) holds anything that may be a credential."""
    if secret_arguments(items):
        return True
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            if any(hide(v, (*path, index, k)) for k, v in item.items() if not isinstance(v, Mapping | list)):
                return True
        elif hide(item, (*path, index)):
            return True
    return False


def _scalar(value: Any) -> str:
    """``value`` (a scalar, or an empty list or mapping) as YAML writes it on one line, reading back the same."""
    text = _dump(value, None)
    if "\n" in text:
        text = _dump(value, '"')
    return text


def _dump(value: Any, style: str | None) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, default_style=style, allow_unicode=True, width=1 << 30)
    text = text.removesuffix("\n")
    return text.removesuffix("\n...")
