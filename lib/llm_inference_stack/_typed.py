"""A value checked against its annotation: the one runtime type check of settings fields and construct props.

Python does not check annotations, and the jsii layer below the constructs checks only what reaches it, late and
in its own words (``TypeError: type of argument ... must be ...``). So every settings class (``settings.typed``)
and every public construct (``contracts.typed_props``) runs ``conform`` on what it was given before anything
reads it, and turns a ``Mismatch`` into its own error (``SettingsError``, ``PropError``) naming the type, the field
and the value.

The rules are the values file's (``values_loader``): ``bool`` is not an ``int`` (``max_replicas=True`` is
refused although ``True == 1``), an ``int`` is a ``float``, a number is never a string, and a string is not a
sequence of strings (``extra_args="--foo"`` would otherwise become one argument per character). A list given
where a tuple is expected is taken as that tuple (settings are frozen and hashable). Protocols are not checked
here: ``contracts.check_contract`` names what a value lacks of one.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import math
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, get_args, get_origin


class Mismatch(Exception):
    """``value`` (at ``where`` inside the checked value: ``[2]``, ``['team']``) is not ``expected``."""

    def __init__(self, expected: str, value: Any, where: str = "", note: str = "") -> None:
        self.expected = expected
        self.value = value
        self.where = where
        self.note = note
        super().__init__(f"{where}: expected {expected}")

    def fix(self, owner: str) -> str:
        """What to pass instead, naming ``owner`` (``ModelConfig.name``, ``ModelServer model``)."""
        got = "bool" if isinstance(self.value, bool) else type(self.value).__name__
        return f"pass {self.expected} as {owner}{self.where} (got {article(got)}){self.note}"


def article(name: str) -> str:
    """``a ModelConfig``, ``an int``."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


_SIMPLE = {str: "a string", bool: "True or False", int: "an integer", float: "a finite number", type(None): "None"}
_SEQUENCES = (tuple, list, collections.abc.Sequence)
_MAPPINGS = (dict, collections.abc.Mapping)
_STRING_AS_SEQUENCE = ": a string would be taken one character per item, so wrap it in a list or tuple"


def expected(tp: Any) -> str:
    """How a message names what fits ``tp``: ``a string``, ``a ModelConfig``, ``one of 'Exists', 'Equal'``."""
    origin = get_origin(tp)
    if tp in _SIMPLE:
        return _SIMPLE[tp]
    if origin in (typing.Union, types.UnionType):
        return " or ".join(expected(option) for option in get_args(tp))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in _SEQUENCES:
        items = [a for a in get_args(tp) if a is not Ellipsis]
        kind = "tuple" if origin is tuple else "list"
        return f"a {kind} of {_plural(items[0])}" if len(items) == 1 else f"a {kind}"
    if origin in _MAPPINGS or tp in _MAPPINGS:
        args = get_args(tp)
        return f"a mapping of {_plural(args[0])} to {_plural(args[1])}" if args else "a mapping"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return " or ".join(f"{tp.__name__}.{member.name}" for member in tp)
    if isinstance(tp, type):
        return article(tp.__name__)
    return str(tp)


def _plural(tp: Any) -> str:
    text = expected(tp)
    for prefix in ("a ", "an "):
        if text.startswith(prefix) and " or " not in text:
            return text[len(prefix) :] + "s"
    return text


def conform(tp: Any, value: Any, where: str = "") -> Any:
    """``value`` if it fits annotation ``tp`` (a list given for a tuple comes back as the tuple); ``Mismatch``
    otherwise. Annotations this does not know (``Any``, a protocol, a callable, a type variable) take anything."""
    if tp is Any:
        return value
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for option in get_args(tp):
            try:
                return conform(option, value, where)
            except Mismatch as mismatch:
                if mismatch.where != where:  # the right kind of value, with a bad item inside: report the item
                    raise
        raise Mismatch(expected(tp), value, where, _note(tp, value))
    if tp in _SIMPLE:
        if not _simple_fits(tp, value):
            raise Mismatch(expected(tp), value, where)
        return value
    if origin is Literal:
        if not any(type(value) is type(option) and value == option for option in get_args(tp)):
            raise Mismatch(expected(tp), value, where)
        return value
    if origin in _SEQUENCES:
        return _conform_sequence(tp, origin, value, where)
    if origin in _MAPPINGS or tp in _MAPPINGS:
        if not isinstance(value, Mapping):
            raise Mismatch(expected(tp), value, where)
        key_type, value_type = get_args(tp) or (Any, Any)
        for key, item in value.items():
            conform(key_type, key, f"{where}[{key!r}]")
            conform(value_type, item, f"{where}[{key!r}]")
        return value
    if isinstance(tp, type) and not getattr(tp, "_is_protocol", False) and tp is not object:
        if not isinstance(value, tp):
            raise Mismatch(expected(tp), value, where, _note(tp, value))
        return value
    return value


def _simple_fits(tp: type, value: Any) -> bool:
    if tp is bool or tp is type(None):
        return type(value) is tp
    if isinstance(value, bool):
        return False
    if tp is float:
        return isinstance(value, (int, float)) and math.isfinite(value)
    return isinstance(value, tp)


def _conform_sequence(tp: Any, origin: Any, value: Any, where: str) -> Any:
    items = [a for a in get_args(tp) if a is not Ellipsis]
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        note = _STRING_AS_SEQUENCE if isinstance(value, str) else ""
        raise Mismatch(expected(tp), value, where, note)
    if len(items) == 1:
        out = tuple(conform(items[0], item, f"{where}[{index}]") for index, item in enumerate(value))
        return out if origin is tuple else value
    return tuple(value) if origin is tuple else value


def _note(tp: Any, value: Any) -> str:
    """A hint for a common slip: a settings class where an instance of it is expected, a dict for settings."""
    options = [o for o in (get_args(tp) or (tp,)) if isinstance(o, type) and dataclasses.is_dataclass(o)]
    if not options:
        return ""
    name = options[0].__name__
    if value in options:
        return f": call it, {name}(...), or leave the prop out"
    if isinstance(value, Mapping):
        return f": build it with {name}(**...) (a values file's mapping goes through load_values)"
    return f", e.g. {name}(...)"


_HINTS: dict[object, dict[str, Any]] = {}


class _Names(dict[str, Any]):
    """Names an annotation may use beyond its module's: looked up with ``fallback`` on first use."""

    def __init__(self, fallback: Callable[[str], Any] | None) -> None:
        super().__init__()
        self._fallback = fallback

    def __missing__(self, name: str) -> Any:
        if self._fallback is None:
            raise KeyError(name)
        try:
            value = self._fallback(name)
        except AttributeError:
            raise KeyError(name) from None
        self[name] = value
        return value


def hints(obj: Callable[..., Any] | type, fallback: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """The resolved annotations of a class (its dataclass fields) or a function (its parameters), cached.

    A name of a function's annotation that its module imports for type checkers only is looked up with
    ``fallback``; an annotation that still does not resolve is ``Any`` (not checked).
    """
    cached = _HINTS.get(obj)
    if cached is not None:
        return cached
    try:
        out = typing.get_type_hints(obj)
    except Exception:  # a name imported for type checkers only: resolve one annotation at a time
        out = {}
        names = _Names(fallback)
        for cls in reversed(obj.__mro__) if isinstance(obj, type) else (obj,):
            module = sys.modules.get(getattr(cls, "__module__", ""))
            namespace = getattr(cls, "__globals__", None) or (vars(module) if module is not None else {})
            own = vars(cls).get("__annotations__", {}) if isinstance(obj, type) else obj.__annotations__
            for name, annotation in own.items():
                try:
                    # the library's own annotations
                    out[name] = eval(annotation, namespace, names) if isinstance(annotation, str) else annotation
                except Exception:  # an annotation that cannot be resolved is not checked
                    out[name] = Any
    _HINTS[obj] = out
    return out
