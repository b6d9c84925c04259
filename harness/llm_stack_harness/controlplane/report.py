"""What ``llm-stack verify`` reports: one :class:`Finding` per check and object, one :class:`Report` per manifest
set, printed as a table or as JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass
class Finding:
    """One line of the report: what the real system did with (or because of) an object."""

    kind: str
    name: str
    namespace: str | None
    check: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Report:
    source: str = "control plane"  # the manifest set (directory or values file) this report is about
    findings: list[Finding] = dataclasses.field(default_factory=list)
    prerequisites: list[str] = dataclasses.field(default_factory=list)
    not_served: list[str] = dataclasses.field(default_factory=list)
    """Bound Pods the node agent reported Ready without running their containers, each with the reason."""
    control_plane: dict[str, Any] = dataclasses.field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(f.ok for f in self.findings)

    def add(self, obj: Mapping[str, Any], check: str, ok: bool, detail: str) -> None:
        meta = obj.get("metadata", {})
        self.findings.append(
            Finding(obj.get("kind", "?"), meta.get("name", "?"), meta.get("namespace"), check, ok, detail)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ok": self.ok,
            "error": self.error,
            "prerequisites": self.prerequisites,
            "notServed": self.not_served,
            "findings": [f.as_dict() for f in self.findings],
            "controlPlane": self.control_plane,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        return cls(
            source=str(data.get("source", "control plane")),
            findings=[Finding(**f) for f in data.get("findings", [])],
            prerequisites=list(data.get("prerequisites", [])),
            not_served=list(data.get("notServed", [])),
            control_plane=dict(data.get("controlPlane", {})),
            error=data.get("error"),
        )

    def _control_plane_lines(self) -> list[str]:
        """What ran the checks: each component's version, and every substitution (what stands in for a cluster)."""
        out: list[str] = []
        versions = self.control_plane.get("versions") or {}
        if versions:
            out += ["", "Ran on: " + ", ".join(f"{name} {version}" for name, version in versions.items())]
        substitutions = self.control_plane.get("substitutions") or []
        if substitutions:
            out += ["", "Substitutions (what differs from a cluster):"]
            out += [f"  - {line}" for line in substitutions]
        return out

    def table(self, *, control_plane: bool = True) -> str:
        """The findings as a table, then the prerequisites verify created, and (``control_plane``) the versions
        and substitutions of what ran them."""
        rows = [("RESULT", "KIND", "NAMESPACE/NAME", "CHECK", "DETAIL")]
        for f in self.findings:
            where = f"{f.namespace}/{f.name}" if f.namespace else f.name
            rows.append(("ok" if f.ok else "FAIL", f.kind, where, f.check, f.detail))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in rows]
        if self.prerequisites:
            lines += ["", "Created by verify (prerequisites a cluster has before `kubectl apply -f`):"]
            lines += [f"  - {p}" for p in self.prerequisites]
        if self.not_served:
            lines += ["", "Bound Pods not served (reported Running and Ready without running their containers):"]
            lines += [f"  - {p}" for p in self.not_served]
        if control_plane:
            lines += self._control_plane_lines()
        failed = sum(not f.ok for f in self.findings)
        if self.error:
            lines += ["", f"error: {self.error}"]
        lines += ["", f"{len(self.findings) - failed} passed, {failed} failed" if self.findings else "no checks ran"]
        return "\n".join(lines)
