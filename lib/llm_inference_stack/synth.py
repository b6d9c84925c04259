"""Synthesis into a directory, all or nothing.

The manifests are written to a temporary sibling of the output directory and swapped in only when
synthesis succeeded, so a failure never leaves a half-written (or emptied) ``dist/``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdk8s

from ._import_gc import collection_paused
from .config import StackConfig

with collection_paused():  # the generated CRD modules (see _import_gc)
    from .chart import LlmInferenceStack
    from .validation import validate_objects
    from .validation.vllm_args import vllm_check_wanted

CHART_ID = "llm-stack"


def build_app(config: StackConfig, outdir: str | None = None) -> tuple[cdk8s.App, LlmInferenceStack]:
    app = cdk8s.App(outdir=outdir) if outdir else cdk8s.App()
    chart = LlmInferenceStack(app, CHART_ID, config=config)
    return app, chart


def manifests(config: StackConfig, *, validate: bool = True) -> list[dict[str, Any]]:
    """The synthesized objects as dictionaries, in output order; validated unless ``validate`` is False."""
    _app, chart = build_app(config)
    # The resolved objects, exactly what synthesis writes as YAML (JSON from jsii; no YAML round trip).
    objects: list[dict[str, Any]] = list(chart.to_json())
    if validate:
        validate_objects(objects)
    return objects


def synthesize(config: StackConfig, out_dir: str | Path, *, on_note: Callable[[str], None] | None = None) -> list[Path]:
    """Write the stack's manifests to ``out_dir`` atomically; returns the files written.

    The objects are validated (``llm_inference_stack.validation``) before they are written to a staging
    directory that then replaces ``out_dir``: on a ``ManifestError`` the previous output stays untouched.
    ``on_note`` receives notes such as a skipped vLLM argument check. Default: printed to stderr.
    """
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        app, chart = build_app(config, str(staging))
        # Validate the resolved objects (the content app.synth() writes) before anything is written; the
        # construct validation would do the same checks again inside synth and raise jsii's RuntimeError.
        chart.validation.enabled = False
        wanted = vllm_check_wanted(any(m.runtime.extra_args for m in config.models))
        report = validate_objects(chart.to_json(), vllm_args=wanted)
        app.synth()
        for note in report.notes:
            (on_note or _print_note)(note)
        files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / f for f in files]


def _print_note(note: str) -> None:
    print(f"llm-stack: {note}", file=sys.stderr)


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
