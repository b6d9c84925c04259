"""The base of every settings class: its constructor's fields checked against their annotations first.

A settings class's own ``__post_init__`` checks values (ranges, names, pairs of fields); before it runs, ``Typed``
checks that each field holds the type it is annotated with (``_typed.conform``), so ``ModelConfig(name=3)`` or
``AutoscalingConfig(max_replicas=True)`` is a ``SettingsError`` naming the class, the field and the value, not a
``TypeError`` from a comparison deep inside a check (or a silently wrong object). An unknown or missing field
is a ``SettingsError`` too, with the nearest field name as the fix.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from typing import Any, Self, SupportsIndex

from .._typed import Mismatch, conform, hints
from ..errors import SettingsError, ValuesError

_CHECKED = "_typed_post_init"


def _check_fields(obj: Any) -> None:
    """Each init field of ``obj`` against its annotation; a list given for a tuple is stored as the tuple."""
    cls = type(obj)
    annotations = hints(cls)
    for f in dataclasses.fields(obj):
        if not f.init:
            continue
        value = getattr(obj, f.name)
        try:
            conformed = conform(annotations.get(f.name, Any), value, "")
        except Mismatch as mismatch:
            raise SettingsError(
                f.name + mismatch.where, mismatch.value, mismatch.fix(f"{cls.__name__}.{f.name}")
            ) from None
        if conformed is not value:
            object.__setattr__(obj, f.name, conformed)


def _checked(post_init: Callable[[Any], None]) -> Callable[[Any], None]:
    def __post_init__(self: Any) -> None:
        _check_fields(self)
        post_init(self)

    __post_init__.__doc__ = post_init.__doc__
    setattr(__post_init__, _CHECKED, True)
    return __post_init__


class Typed:
    """Base of the settings dataclasses: fields are type-checked before the class's own ``__post_init__``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__post_init__")
        if own is not None and not getattr(own, _CHECKED, False):
            setattr(cls, "__post_init__", _checked(own))  # noqa: B010 - mypy refuses assigning a method

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        if dataclasses.is_dataclass(cls):
            _check_names(cls, args, kwargs)
        return super().__new__(cls)

    def __post_init__(self) -> None:
        _check_fields(self)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # copy, deepcopy and pickle would call __new__ without the fields, which reads as a call missing them.
        return (_restore, (type(self), dict(vars(self))))


def _restore(cls: type[Typed], state: dict[str, Any]) -> Typed:
    """A copied or unpickled settings object: its fields as they were (they were checked when it was made)."""
    obj = object.__new__(cls)
    for name, value in state.items():
        object.__setattr__(obj, name, value)
    return obj


def _check_names(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Unknown, missing and positional fields, as ``SettingsError`` (the dataclass would raise ``TypeError``)."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    if args:
        raise SettingsError(
            next(iter(fields), "(fields)"),
            args[0],
            f"{cls.__name__} takes keyword arguments only: {cls.__name__}({', '.join(f'{n}=...' for n in fields)})",
        )
    for name, value in kwargs.items():
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            fix = f"{cls.__name__} has no field {name!r}: {hint}its fields: {', '.join(fields)}"
            raise SettingsError(name, value, fix)
    for name, f in fields.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and name not in kwargs:
            raise SettingsError(name, ValuesError.MISSING, f"{cls.__name__} needs {name}=... (it has no default)")
