"""What a synth would change in an existing output directory: ``llm-stack diff``.

The stack is synthesized (and validated) into a temporary directory exactly as ``synth`` would write it; the
existing output is read with the bounds of ``llm-stack validate``; objects are matched by API version, kind,
namespace and name and compared as parsed YAML. Changed objects are shown as unified diffs of their YAML,
added and removed objects by name. When every object is the same but a file's bytes are not (order, layout),
the file is named, so "no changes" means a synth would leave every byte as it is.

A diff lands in CI logs: what may be a credential (a Secret's values, a secret-looking variable, flag or field; see
``redaction.redact_object``) is printed as ``(hidden)``, and ``(hidden, changed)`` where it changed; keys and names
are shown.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .config import StackConfig
from .errors import ManifestInputError
from .output_dir import output_path, previous_output
from .output_layout import DEFAULT_LAYOUT, KUSTOMIZATION_FILE, Layout
from .redaction import redact_object, reveal_pair
from .safe_yaml import MANIFEST_LIMITS, YamlInputError, read_bounded
from .synth import synthesize
from .validation.manifests import MANIFEST_SUFFIXES, describe, load_directory, name_of, namespace_of

ObjectKey = tuple[str, str, str | None, str]
"""``(apiVersion, kind, namespace, name)``: what identifies one object across two outputs."""


@dataclass
class OutputDiff:
    """The difference between an output directory and what synth would write there now."""

    changed: list[str] = field(default_factory=list)
    """Unified diffs of the YAML of each object that both hold and that differs, in the new output's order."""
    added: list[str] = field(default_factory=list)
    """Objects synth would add (``InferenceService kserve-inference/llama``)."""
    removed: list[str] = field(default_factory=list)
    """Objects synth would remove."""
    rewritten_files: list[str] = field(default_factory=list)
    """Files whose bytes would change although every object stays the same (order or layout)."""

    @property
    def empty(self) -> bool:
        return not (self.changed or self.added or self.removed or self.rewritten_files)

    def summary(self) -> str:
        if self.empty:
            return "no changes"
        parts = [f"{len(self.changed)} changed", f"{len(self.added)} added", f"{len(self.removed)} removed"]
        if self.rewritten_files:
            parts.append(f"{len(self.rewritten_files)} file(s) rewritten")
        return ", ".join(parts)


def diff_output(
    config: StackConfig,
    out_dir: str | Path,
    *,
    layout: Layout = DEFAULT_LAYOUT,
    kustomization: bool = False,
    on_note: Callable[[str], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> OutputDiff:
    """Compare ``out_dir`` with what ``synthesize(config, out_dir, layout=layout, kustomization=kustomization)`` would
    write; ``out_dir`` is not touched. Objects are compared whatever files hold them; a file whose bytes would change
    (another layout, a kustomization added or removed) is named when the objects are the same.

    Raises what synth raises for the same input (``ValuesError``, ``ManifestError``, ``OutputError`` when
    synth would refuse ``out_dir``), and ``ManifestError`` when the existing output cannot be read.
    ``layout``, ``kustomization``, ``on_note`` and ``on_warning`` as for ``synthesize``. Default: single-file, no
    kustomization, notes and warnings printed to stderr.
    """
    out = output_path(out_dir)
    previous_output(out)  # OutputError where synth would refuse to write
    staging = Path(tempfile.mkdtemp(prefix="llm-stack-diff-"))
    try:
        new_dir = staging / "out"
        synthesize(config, new_dir, layout=layout, kustomization=kustomization, on_note=on_note, on_warning=on_warning)
        return _compare(out, new_dir, label=str(out_dir).rstrip("/") or ".")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _objects(directory: Path) -> tuple[dict[ObjectKey, Mapping[str, Any]], dict[str, bytes]]:
    names = sorted(p for p in directory.rglob("*") if p.suffix in MANIFEST_SUFFIXES and not p.is_dir())
    if not names:
        return {}, {}
    manifests = load_directory(directory)  # bounded: regular files, size, nesting, aliases
    kustomization = directory / KUSTOMIZATION_FILE
    if kustomization.is_file() and not kustomization.is_symlink():
        names.append(kustomization)  # not a manifest, but synth writes it: its bytes may change
    try:
        files = {str(p.relative_to(directory)): read_bounded(p, MANIFEST_LIMITS.max_bytes) for p in names}
    except YamlInputError as error:
        raise ManifestInputError(f"{directory}: {error.reason}") from None
    objects: dict[ObjectKey, Mapping[str, Any]] = {}
    for obj in manifests:
        objects.setdefault(_key(obj), obj)
    return objects, files


def _key(obj: Mapping[str, Any]) -> ObjectKey:
    return str(obj.get("apiVersion", "")), str(obj.get("kind", "")), namespace_of(obj), name_of(obj)


def _yaml(obj: Mapping[str, Any]) -> list[str]:
    text = yaml.safe_dump(dict(obj), sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)
    return text.splitlines(keepends=True)


def _compare(old_dir: Path, new_dir: Path, *, label: str) -> OutputDiff:
    old, old_files = _objects(old_dir) if old_dir.is_dir() else ({}, {})
    new, new_files = _objects(new_dir)
    result = OutputDiff()
    for key, obj in new.items():
        if key not in old:
            result.added.append(describe(obj))
        elif old[key] != obj:
            name = describe(obj)
            before, after = reveal_pair(redact_object(old[key]), redact_object(obj))
            lines = difflib.unified_diff(
                _yaml(before), _yaml(after), fromfile=f"{label}: {name}", tofile=f"synth: {name}", n=3
            )
            result.changed.append("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    result.removed = [describe(obj) for key, obj in old.items() if key not in new]
    if result.empty:
        result.rewritten_files = sorted(
            name for name in old_files.keys() | new_files.keys() if old_files.get(name) != new_files.get(name)
        )
    return result
