"""How a block of settings inherits: the fields it was given override a base, key by key.

One rule for both ways of writing settings. A values file merges a block key by key over its base before the
block is built (``values_loader.merge_values``: blocks of settings recurse, any other value, null included,
replaces). In Python the same rule runs on objects: every settings class that inherits (``Settings``) records
which fields its constructor was given, and ``over(base, override)`` takes those from ``override`` and the
rest from ``base``. So ``ResourceList(cpu="4", memory="8Gi")`` keeps the default ``ephemeral_storage`` where
it replaces the default requests, and ``ephemeral_storage=None`` (given) sets none, exactly as
``ephemeralStorage: null`` does in a values file.

Where blocks inherit:

* a model's ``autoscaling`` and ``rate_limit`` over the stack's (``StackConfig.autoscaling_of`` and
  ``rate_limit_of``, and a gateway's ``add_model`` over its ``GatewayConfig.rate_limit``);
* ``Resources.requests`` and ``limits`` over ``DEFAULT_REQUESTS`` and ``DEFAULT_LIMITS``;
* ``GatewayConfig.rate_limit`` over its default (100000 tokens per minute).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Self, TypeVar

from .typed import Typed

S = TypeVar("S", bound="Settings")

_GIVEN = "_given_fields"


class Settings(Typed):
    """Base of the settings classes that inherit: remembers the fields the constructor was given.

    The record is not a dataclass field, so it takes no part in ``==``, ``hash`` or ``repr``; a copy keeps it.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        obj = super().__new__(cls, *args, **kwargs)
        object.__setattr__(obj, _GIVEN, frozenset(kwargs))
        return obj


def given_fields(obj: object) -> frozenset[str]:
    """The fields ``obj``'s constructor was given; every field for an object that does not record them."""
    given = getattr(obj, _GIVEN, None)
    if given is not None:
        return frozenset(given)
    return frozenset(f.name for f in dataclasses.fields(obj) if f.init)  # type: ignore[arg-type]


def over(base: S | None, override: S | None) -> S | None:
    """``override``'s given fields over ``base``; a given block of settings over the base's block, recursively.

    None on either side is no block: the other one is the result. The result is checked as a whole (its
    ``__post_init__``), so a pair of fields that only fit together is judged after the merge.
    """
    if base is None:
        return override
    if override is None or override is base:
        return base
    if type(override) is not type(base):
        return override
    given = given_fields(override)
    if given == frozenset(f.name for f in dataclasses.fields(base) if f.init):  # type: ignore[arg-type]
        return override
    changes: dict[str, Any] = {}
    for name in given:
        value, inherited = getattr(override, name), getattr(base, name)
        if isinstance(value, Settings) and type(value) is type(inherited):
            value = over(inherited, value)
        changes[name] = value
    return dataclasses.replace(base, **changes)  # type: ignore[type-var]


def inherit_defaults(obj: object, *names: str) -> None:
    """Put each of ``obj``'s blocks ``names`` over that field's default (in ``__post_init__`` of a frozen class).

    A block that was given every field is kept as it is.
    """
    defaults = {f.name: f.default for f in dataclasses.fields(obj)}  # type: ignore[arg-type]
    for name in names:
        value = getattr(obj, name)
        default = defaults[name]
        if isinstance(value, Settings) and isinstance(default, Settings):
            object.__setattr__(obj, name, over(default, value))
