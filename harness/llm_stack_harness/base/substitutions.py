"""What stands in for a part of a cluster or a machine, and why: the one type and the one registry.

Each harness module that substitutes something registers its list once, at import, under the name of the part it
runs (``register("control plane", ...)``); what a run reports is ``lines(*parts)`` of the parts it started, in the
order given. A part asked for but never registered is an error, never an empty list: a report cannot lose its
substitutions silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from .errors import HarnessError


@dataclasses.dataclass(frozen=True)
class Substitution:
    """One thing that differs from a cluster: ``what`` runs instead, ``why`` it must. ``part`` names the harness part
    that registered it (``control plane``, ``pods``, ``data path``, ``model servers``, ``Phoenix``, ``vLLM``,
    ``Envoy``)."""

    part: str
    what: str
    why: str

    def line(self) -> str:
        """The substitution as reports print it: ``what (why)``."""
        return f"{self.what} ({self.why})"


_REGISTRY: dict[str, tuple[Substitution, ...]] = {}


def register(part: str, entries: Iterable[tuple[str, str]]) -> tuple[Substitution, ...]:
    """Register ``part``'s substitutions (``(what, why)`` pairs) and return them. Registering a part again with other
    entries is an error (two modules claiming one part)."""
    listed = tuple(Substitution(part, what, why) for what, why in entries)
    if part in _REGISTRY and _REGISTRY[part] != listed:
        raise HarnessError(f"substitutions of {part!r} registered twice with different entries")
    _REGISTRY[part] = listed
    return listed


def registered(*parts: str) -> list[Substitution]:
    """The substitutions of ``parts``, in that order. Each part must have been registered (its module imported)."""
    missing = [p for p in parts if p not in _REGISTRY]
    if missing:
        raise HarnessError(
            f"no substitutions registered for {', '.join(missing)}: import the module that runs that part first"
        )
    return [s for part in parts for s in _REGISTRY[part]]


def lines(*parts: str) -> list[str]:
    """``registered(*parts)`` as report lines."""
    return [s.line() for s in registered(*parts)]


__all__ = ["Substitution", "lines", "register", "registered"]
