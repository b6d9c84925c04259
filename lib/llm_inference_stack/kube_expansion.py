"""Kubernetes' ``$(VAR)`` expansion of container ``command``, ``args`` and ``env`` values, and its escape.

The kubelet expands ``$(NAME)`` in those strings to the value of the container's variable ``NAME`` (and ``$$``
to ``$``) before the process sees them (k8s.io/kubernetes third_party/forked/golang/expansion). A served model
name ``$(PHOENIX_API_KEY)`` would reach vLLM as the key itself. So every string the user wrote goes through
``escape`` where the containers are built, and whatever runs those strings outside Kubernetes (the vLLM argument
check, ``local-run``) reads them back with ``expand``, as the kubelet would. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def escape(text: str) -> str:
    """``text`` written so that the kubelet's expansion gives back exactly ``text``: every ``$`` doubled."""
    return text.replace("$", "$$")


def reference(name: str) -> str:
    """``$(name)``: a value the kubelet replaces with the container's variable ``name``."""
    return f"$({name})"


def expand(text: str, mapping: Mapping[str, str]) -> str:
    """``text`` as the kubelet expands it: ``$$`` -> ``$``; ``$(NAME)`` -> ``mapping[NAME]`` when defined (left as
    written otherwise); an unclosed ``$(`` and a ``$`` before any other character stay as they are."""
    out: list[str] = []
    checkpoint = 0
    cursor = 0
    length = len(text)
    while cursor < length:
        if text[cursor] == "$" and cursor + 1 < length:
            out.append(text[checkpoint:cursor])
            following = text[cursor + 1]
            if following == "$":
                out.append("$")
                advance = 1
            elif following == "(":
                closer = text.find(")", cursor + 2)
                if closer == -1:
                    out.append("$(")
                    advance = 1
                else:
                    name = text[cursor + 2 : closer]
                    out.append(mapping[name] if name in mapping else reference(name))
                    advance = closer - cursor
            else:
                out.append("$" + following)
                advance = 1
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    out.append(text[checkpoint:])
    return "".join(out)


def container_environment(env: Iterable[Mapping[str, Any]] | None) -> dict[str, str | None]:
    """A container's ``env`` list as the process sees it: literal values expanded in order, each against the
    variables defined before it; variables from ``valueFrom`` (unknown outside the cluster) map to None."""
    known: dict[str, str] = {}
    out: dict[str, str | None] = {}
    for item in env or []:
        if not isinstance(item, Mapping) or "name" not in item:
            continue
        name = str(item["name"])
        value = item.get("value")
        if value is None and item.get("valueFrom") is not None:
            known.pop(name, None)
            out[name] = None
            continue
        text = "" if value is None else str(value)
        expanded = expand(text, known) if text else text
        known[name] = expanded
        out[name] = expanded
    return out


def expanded_args(container: Mapping[str, Any], field: str = "args") -> list[str]:
    """The container's ``args`` (or ``command``) as the process receives them."""
    raw = container.get(field)
    if not isinstance(raw, list):
        return []
    env = {k: v for k, v in container_environment(container.get("env")).items() if v is not None}
    return [expand(str(a), env) for a in raw]
