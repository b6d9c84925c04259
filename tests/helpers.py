"""Helpers shared by the tests: synthesize values, pick objects by kind and name."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def with_changes(values: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``values`` with dotted-path ``changes`` applied (None deletes the key)."""
    out = copy.deepcopy(values)
    for path, value in changes.items():
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return out


def synth_objects(values: dict[str, Any]) -> list[dict[str, Any]]:
    from llm_inference_stack import manifests, stack_config_from_mapping

    return manifests(stack_config_from_mapping(values))


def find(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def kinds(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(o["kind"] for o in objects)
