"""cdk8s's YAML writer (``cdk8s.Yaml.stringify``: the ``yaml`` package, YAML 1.1, no line folding), in Python, for the
documents it can write byte for byte; ``None`` for any other.

The jsii kernel's writer costs about a second of Node.js CPU for 100 models, most of a synthesis's output step.
What this writes: block mappings and sequences of non-empty collections; integers, booleans and floats written
without an exponent; single-line strings of printable ASCII, plain where the ``yaml`` package writes them plain and
quoted (double, or single when only ``"`` occurs) where its rules or a YAML 1.1 type of the text call for it. The
rules are the package's (``stringifyString.plainString`` and the ``yaml-1.1`` schema tags). Anything else (a
multi-line or non-ASCII string, an empty collection, a null, a nested list, a document marker) gives ``None``, and
the document goes through the kernel's writer (``synth._write_chart``). Tested against the kernel's writer.
"""

from __future__ import annotations

import json
import re
from typing import Any

_NOT_PLAIN = re.compile(r"^[\n\t ,\[\]{}#&*!|>'\"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$")
"""``plainString``'s test: text that cannot be a plain scalar."""

_OTHER_TYPE = re.compile(
    "|".join(
        (
            r"^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$",  # bool
            r"^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$",
            r"^(?:~|[Nn]ull|NULL)?$",  # null
            r"^[-+]?0b[0-1_]+$",  # int
            r"^[-+]?0[0-7_]+$",
            r"^[-+]?[0-9][0-9_]*$",
            r"^[-+]?0x[0-9a-fA-F_]+$",
            r"^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$",  # float
            r"^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$",
            r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$",
            r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$",  # sexagesimal int and float
            r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$",
            r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\.[0-9]+)?)"
            r"(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$",  # timestamp
        )
    )
)
"""The ``yaml-1.1`` schema's tests: plain text of another type than string, which is therefore quoted (not the merge
key ``<<``: the package writes it plain)."""

_UNSURE = re.compile(r"[^\x20-\x7e]|^(?:%|---|\.\.\.)|^0o[0-7]+$")
"""Text this writer leaves to the kernel's: anything but printable ASCII on one line, a document marker at the start,
and the YAML 1.2 octal form (a test of the 1.2 schema the package might also apply)."""

_MAX_KEY = 1024
"""Longer keys are written as explicit ``? key`` entries."""


class _Unsure(Exception):
    pass


def dump_document(document: dict[str, Any]) -> str | None:
    """``cdk8s.Yaml.stringify(document)``, or None when this writer cannot be sure to write the same bytes."""
    if not isinstance(document, dict) or not document:
        return None
    lines: list[str] = []
    try:
        _mapping(document, 0, None, lines)
    except _Unsure:
        return None
    return "\n".join(lines) + "\n"


def _mapping(value: dict[str, Any], column: int, lead: str | None, lines: list[str]) -> None:
    """``value`` with its keys at ``column``; ``lead`` replaces the indentation of the first line (a ``- ``)."""
    pad = " " * column
    for key, item in value.items():
        start = pad if lead is None else lead
        lead = None
        text = _string(key, key=True)
        if type(item) is dict:
            if not item:
                raise _Unsure
            lines.append(f"{start}{text}:")
            _mapping(item, column + 2, None, lines)
        elif type(item) is list:
            if not item:
                raise _Unsure
            lines.append(f"{start}{text}:")
            _sequence(item, column + 2, lines)
        else:
            lines.append(f"{start}{text}: {_scalar(item)}")


def _sequence(value: list[Any], column: int, lines: list[str]) -> None:
    dash = " " * column + "- "
    for item in value:
        if type(item) is dict:
            if not item:
                raise _Unsure
            _mapping(item, column + 2, dash, lines)
        elif type(item) is list:
            raise _Unsure
        else:
            lines.append(dash + _scalar(item))


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value, key=False)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        text = repr(value)
        # Python's repr and JavaScript's shortest form agree on the digits; without an exponent also on the form.
        if "e" in text or "n" in text:  # an exponent, inf, nan
            raise _Unsure
        return text
    raise _Unsure  # None, or anything JSON does not give


def _string(value: str, *, key: bool) -> str:
    if type(value) is not str or _UNSURE.search(value) or (key and len(value) > _MAX_KEY):
        raise _Unsure
    if not _NOT_PLAIN.search(value) and not _OTHER_TYPE.match(value):
        return value
    if '"' in value and "'" not in value:
        return f"'{value}'"
    return json.dumps(value)
