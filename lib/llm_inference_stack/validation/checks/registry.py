"""The registry of cross-object checks: small named functions, each one fact no schema can see."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..manifests import Manifests, Obj


@dataclass(frozen=True)
class Problem:
    """One failed check on one object (``obj`` None when it concerns the output as a whole)."""

    obj: Obj | None
    message: str


CheckFunction = Callable[[Manifests], Iterable[Problem]]

REGISTRY: dict[str, CheckFunction] = {}
"""Check name -> function. The name is shown in every message (``[scaledobject-target] ...``)."""


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``function`` as the cross-object check ``name``."""

    def register(function: CheckFunction) -> CheckFunction:
        if name in REGISTRY:
            raise ValueError(f"cross-object check {name!r} is registered twice")
        REGISTRY[name] = function
        return function

    return register


def run_checks(manifests: Manifests, names: Iterable[str] | None = None) -> list[str]:
    """Messages ``[<check>] <object>: <problem and fix>`` of every registered check (or of ``names``)."""
    out = []
    for name in names if names is not None else REGISTRY:
        for problem in REGISTRY[name](manifests):
            where = manifests.where(problem.obj) if problem.obj is not None else "(output)"
            out.append(f"[{name}] {where}: {problem.message}")
    return out
