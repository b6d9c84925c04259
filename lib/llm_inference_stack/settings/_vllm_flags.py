"""``vllm serve``'s options as vLLM's own parser resolves them, without vLLM installed.

``vllm_serve_flags.json`` is the option table of vLLM's ``vllm serve`` parser (every option string, its
destination and how many values it takes), written by ``scripts/gen_vllm_flags.py`` from the vLLM of the default
image (its ``vllm`` field says which). An argument is resolved the way vLLM resolves it: vLLM's own rewriting first
(``--a_b`` is ``--a-b`` up to the first ``.``; ``-O3`` is ``--optimization-level 3``), then argparse itself, over
that table, with vLLM's ``allow_abbrev``: ``--ho`` is ``--host`` when no other option starts with ``--ho``, and an
abbreviation that fits several options is refused by vLLM.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, NoReturn

TABLE_FILE = "vllm_serve_flags.json"
_KEY = re.compile(r"(?<=--)[^.]*")


class _Ambiguous(Exception):
    pass


class _TableParser(argparse.ArgumentParser):
    """argparse over the option table; its errors are raised, not printed."""

    def error(self, message: str) -> NoReturn:
        raise _Ambiguous(message)


@dataclass(frozen=True)
class Resolved:
    """What vLLM's parser makes of one argument: the option's destination (``host``), the option string it
    matched (``--host``), or ``ambiguous`` (the options an abbreviation fits). All None for a value or an option
    the table does not know."""

    dest: str | None = None
    option: str | None = None
    ambiguous: str | None = None


@functools.cache
def table() -> dict[str, Any]:
    """The option table (``vllm``: the vLLM version it was written from; ``actions``: ``dest``, ``options``,
    ``nargs``)."""
    text = resources.files(__package__).joinpath(TABLE_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def _parser() -> _TableParser:
    data = table()
    parser = _TableParser(
        prog="vllm serve", add_help=False, allow_abbrev=bool(data["allow_abbrev"]), prefix_chars=data["prefix_chars"]
    )
    for action in data["actions"]:
        if action["nargs"] == 0:
            parser.add_argument(*action["options"], dest=action["dest"], action="store_const", const=True)
        else:
            parser.add_argument(*action["options"], dest=action["dest"], nargs=action["nargs"])
    return parser


def rewrite(arg: str) -> list[str]:
    """``arg`` as vLLM's ``FlexibleArgumentParser`` hands it to argparse (underscores to dashes in an option name,
    ``-O<n>`` to ``--optimization-level <n>``)."""
    if arg.startswith("--"):
        key, eq, value = arg.partition("=")
        return [_KEY.sub(lambda m: m.group(0).replace("_", "-"), key, count=1) + eq + value]
    if arg.startswith("-O") and arg != "-O":
        return ["--optimization-level", arg[3:] if arg[2:3] == "=" else arg[2:]]
    return [arg]


def resolve(arg: str) -> Resolved:
    """The option vLLM's parser takes ``arg`` for (see ``Resolved``)."""
    first = rewrite(arg)[0]
    if not first.startswith("-"):
        return Resolved()  # a value
    name = first.split("=", 1)[0]
    if "." in name:
        # A dotted sub-key (``--compilation-config.level 3``): vLLM gathers these into one JSON value and appends
        # ``<key> <json>`` after every other argument, so the key before the dot is an option like any other.
        first = name.split(".", 1)[0]
    try:
        found: Any = _parser()._parse_optional(first)
    except _Ambiguous as error:
        return Resolved(ambiguous=str(error).split(" could match ", 1)[-1])
    if not found:
        return Resolved()
    # Python 3.11 returns one (action, option, explicit) tuple; 3.12 and later a list of (action, option, sep, arg).
    action, option = (found[0][0], found[0][1]) if isinstance(found, list) else (found[0], found[1])
    if action is None:
        return Resolved()
    return Resolved(dest=action.dest, option=option)


def values(args: Sequence[str], dest: str) -> list[tuple[int, str | None]]:
    """``(index, value)`` of every argument of ``args`` setting option ``dest`` (value None: none given, or a dotted
    sub-key, whose value vLLM turns into a JSON object)."""
    out: list[tuple[int, str | None]] = []
    for index, arg in enumerate(args):
        if resolve(arg).dest != dest:
            continue
        rewritten = rewrite(arg)
        first = rewritten[-1] if len(rewritten) > 1 else rewritten[0]
        if "." in first.split("=", 1)[0]:
            out.append((index, None))  # a JSON object, never a number
        elif len(rewritten) > 1:
            out.append((index, first))
        elif "=" in first:
            out.append((index, first.split("=", 1)[1]))
        else:
            out.append((index, args[index + 1] if index + 1 < len(args) else None))
    return out
