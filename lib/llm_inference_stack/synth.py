"""Synthesis into a directory, all or nothing.

The manifests are written to a temporary sibling of the output directory and swapped in only when
synthesis succeeded, so a failure never leaves a half-written (or emptied) ``dist/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import cdk8s
import yaml

from .chart import LlmInferenceStack
from .config import StackConfig

CHART_ID = "llm-stack"


def build_app(config: StackConfig, outdir: str | None = None) -> tuple[cdk8s.App, LlmInferenceStack]:
    app = cdk8s.App(outdir=outdir) if outdir else cdk8s.App()
    chart = LlmInferenceStack(app, CHART_ID, config=config)
    return app, chart


def manifests(config: StackConfig) -> list[dict[str, Any]]:
    """The synthesized objects as dictionaries, in output order."""
    app, _chart = build_app(config)
    return [obj for obj in yaml.safe_load_all(app.synth_yaml()) if obj]


def synthesize(config: StackConfig, out_dir: str | Path) -> list[Path]:
    """Write the stack's manifests to ``out_dir`` atomically; returns the files written."""
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        app, _chart = build_app(config, str(staging))
        app.synth()
        files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / f for f in files]


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
