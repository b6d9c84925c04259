"""Synthesis into a directory, all or nothing, and never over anything synth did not write.

The manifests are written to a temporary sibling of the output directory and swapped in only when
synthesis succeeded, so a failure never leaves a half-written (or emptied) ``dist/``. Synth marks its output
with ``OUTPUT_MARKER``, a file listing what it wrote; it replaces only a directory so marked and holding
nothing else, or an empty one, and refuses anything else (a project directory, a regular file, a directory with
a ``kustomization.yaml`` added by hand) with ``OutputError``.

Synthesis runs with Python's cyclic garbage collector paused (``_import_gc.collection_paused``): it allocates
hundreds of thousands of short-lived objects (jsii messages, typed structs, parsed documents) that reference
counting frees, and every collector pass would also rescan the large heap of the generated modules. Cycles made
meanwhile are collected when the collector resumes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdk8s
import yaml

from ._cdk8s_yaml import dump_document
from ._import_gc import collection_paused
from .config import StackConfig
from .errors import ManifestError
from .output_dir import (
    OUTPUT_MARKER,
    check_output_dir,
    make_dir_beside,
    make_parents,
    output_path,
    previous_output,
    remove_empty,
    remove_tree,
    swap_in,
    write_marker,
)
from .safe_yaml import MANIFEST_LIMITS, YamlInputError, load_all, read_bounded

with collection_paused():  # the generated CRD modules (see _import_gc)
    from .chart import LlmInferenceStack
    from .validation import validate_objects
    from .validation.vllm_args import vllm_check_wanted

CHART_ID = "llm-stack"
__all__ = ["CHART_ID", "OUTPUT_MARKER", "build_app", "check_output_dir", "manifests", "synthesize"]


def build_app(config: StackConfig, outdir: str | None = None) -> tuple[cdk8s.App, LlmInferenceStack]:
    app = cdk8s.App(outdir=outdir) if outdir else cdk8s.App()
    chart = LlmInferenceStack(app, CHART_ID, config=config)
    return app, chart


def manifests(config: StackConfig, *, validate: bool = True) -> list[dict[str, Any]]:
    """The synthesized objects as dictionaries, in output order; validated unless ``validate`` is False."""
    with collection_paused():  # see the module docstring
        _app, chart = build_app(config)
        # Chart.to_json() runs the construct validation, which would resolve and check every object once more: the
        # resolved objects are validated below instead (as synthesize does), or not at all when validate is False.
        chart.validation.enabled = False
        # The resolved objects, exactly what synthesis writes as YAML (JSON from jsii; no YAML round trip).
        objects: list[dict[str, Any]] = list(chart.to_json())
        if validate:
            validate_objects(objects, external_secrets=chart.validation.external_secrets)
    return objects


def synthesize(
    config: StackConfig,
    out_dir: str | Path,
    *,
    on_note: Callable[[str], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the stack's manifests to ``out_dir`` atomically; returns the manifest files written.

    The objects are validated (``llm_inference_stack.validation``) before they are written to a staging
    directory; the written YAML is read back and must give the same objects; only then does the staging
    directory replace ``out_dir``. On any failure (``ManifestError``, ``OutputError``, an interrupt) the
    previous output stays untouched and no staging directory, nor any parent directory synth created, is left.
    ``out_dir`` must be absent, empty, or an earlier output of synth holding nothing else (``OutputError``).
    ``on_note`` receives notes such as a skipped vLLM argument check; ``on_warning`` the stack's warnings
    (``LlmInferenceStack.warnings``: a test key in the output, plain-text credentials) and the validation's (an
    object too large for ``kubectl apply``). Default: both printed
    to stderr.
    """
    out = output_path(out_dir)
    previous_output(out)
    created = make_parents(out.parent)
    staging: Path | None = None
    try:
        staging = make_dir_beside(out, "tmp")
        with collection_paused():  # see the module docstring
            app, chart = build_app(config, str(staging))
            # Validate the resolved objects (the content app.synth() writes) before anything is written; the
            # construct validation would do the same checks again inside to_json() and raise jsii's RuntimeError.
            chart.validation.enabled = False
            wanted = vllm_check_wanted(any(m.runtime.extra_args for m in config.models))
            objects = chart.to_json()
            report = validate_objects(objects, vllm_args=wanted, external_secrets=chart.validation.external_secrets)
            _write_chart(app, chart, objects)
            files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
            _check_reads_back(staging, files, objects)
        write_marker(staging, files)
        swap_in(staging, out)
    except BaseException:
        if staging is not None:
            remove_tree(staging)
        remove_empty(created)
        raise
    for note in report.notes:
        (on_note or _print_note)(note)
    for warning in [*chart.warnings, *report.warnings]:
        (on_warning or _print_warning)(warning)
    return [out / f for f in files]


def _write_chart(app: cdk8s.App, chart: LlmInferenceStack, objects: list[Any]) -> None:
    """Write ``objects`` (``chart.to_json()``) as ``app.synth()`` writes the chart, byte for byte: the same file name
    and what ``cdk8s.Yaml.save`` writes (each document as ``cdk8s.Yaml.stringify`` writes it, joined by ``---``
    lines), without resolving every object a second time.

    Each document is written by ``_cdk8s_yaml`` when it can be sure to write the same bytes (every document of the
    stack but the Grafana dashboard and the Envoy configuration), else by the kernel's writer. ``app.synth()`` would
    also run the construct validations (here only the chart's ``ChartValidation``, disabled: the objects were
    validated) and turn construct dependencies into object order (the stack declares none).
    """
    path = Path(app.outdir) / f"{chart.node.id}{app.output_file_extension}"
    texts = [dump_document(o) for o in objects]
    for index, text in enumerate(texts):
        if text is None:
            texts[index] = cdk8s.Yaml.stringify(objects[index])
    try:
        data = "---\n".join(t or "" for t in texts).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: Node.js writes it as U+FFFD
        cdk8s.Yaml.save(str(path), objects)
        return
    path.write_bytes(data)


def _print_note(note: str) -> None:
    print(f"llm-stack: {note}", file=sys.stderr)


def _print_warning(warning: str) -> None:
    print(f"llm-stack: WARNING: {warning}", file=sys.stderr)


def _check_reads_back(staging: Path, files: list[Path], objects: list[Any]) -> None:
    """The written YAML must parse (within the bounds ``llm-stack validate`` applies) into the validated objects:
    a last guard against any string the YAML writer and readers disagree on."""
    documents: list[Any] = []
    try:
        for name in files:
            data = read_bounded(staging / name, MANIFEST_LIMITS.max_bytes)
            documents += [d for d in load_all(data.decode("utf-8"), MANIFEST_LIMITS) if d is not None]
    except (YamlInputError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        problem = str(error).splitlines()[0]
        raise ManifestError([f"[yaml] the written manifests do not read back: {problem}"]) from None
    if documents != [o for o in objects if o]:
        differ = next((i for i, (a, b) in enumerate(zip(documents, objects, strict=False)) if a != b), len(documents))
        raise ManifestError(
            [f"[yaml] the written manifests read back differently from what was validated (object {differ})"]
        )
