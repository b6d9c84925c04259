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

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdk8s
import yaml

from . import output_layout
from ._cdk8s_yaml import dump_document
from ._import_gc import collection_paused
from .config import StackConfig
from .errors import ManifestError, PropError
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
from .output_layout import DEFAULT_LAYOUT, KUSTOMIZATION_FILE, LAYOUTS, Layout
from .safe_yaml import MANIFEST_LIMITS, YamlInputError, load_all, load_all_unchecked, read_bounded

with collection_paused():  # the generated CRD modules (see _import_gc)
    from .chart import LlmInferenceStack
    from .validation import ValidationReport, validate_objects
    from .validation.vllm_args import vllm_check_wanted

CHART_ID = "llm-stack"
__all__ = [
    "CHART_ID",
    "LAYOUTS",
    "OUTPUT_MARKER",
    "build_app",
    "check_output_dir",
    "manifests",
    "synthesize",
    "synthesize_stream",
]


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
    layout: Layout = DEFAULT_LAYOUT,
    kustomization: bool = False,
    on_note: Callable[[str], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the stack's manifests to ``out_dir`` atomically; returns the files written (the kustomization included).

    The objects are validated (``llm_inference_stack.validation``) before they are written to a staging
    directory; the written YAML is read back and must give the same objects; only then does the staging
    directory replace ``out_dir``. On any failure (``ManifestError``, ``OutputError``, an interrupt) the
    previous output stays untouched and no staging directory, nor any parent directory synth created, is left.
    ``out_dir`` must be absent, empty, or an earlier output of synth holding nothing else (``OutputError``).
    ``layout`` is ``single-file`` (every object in ``llm-stack.k8s.yaml``, as ``cdk8s synth`` writes it) or
    ``file-per-object`` (one file per object, named in apply order: ``output_layout``). Default: single-file.
    ``kustomization`` adds a kustomization listing the files in apply order (``output_layout.KUSTOMIZATION_FILE``).
    Default: false. ``on_note`` receives notes such as a skipped vLLM argument check; ``on_warning`` the stack's
    warnings (``LlmInferenceStack.warnings``: a test key in the output, plain-text credentials) and the
    validation's (an object too large for ``kubectl apply``). Default: both printed to stderr.
    """
    if layout not in LAYOUTS or not isinstance(kustomization, bool):
        wrong, value = ("layout", layout) if layout not in LAYOUTS else ("kustomization", kustomization)
        fix = f"use one of {', '.join(LAYOUTS)}" if wrong == "layout" else "use True or False"
        raise PropError("synthesize", wrong, value, fix)
    out = output_path(out_dir)
    previous_output(out)
    created = make_parents(out.parent)
    staging: Path | None = None
    try:
        staging = make_dir_beside(out, "tmp")
        built = _build(config)
        expected = _layout_files(built, layout)
        names = list(expected)
        for name, documents in expected.items():
            (staging / name).write_bytes(_yaml_stream(documents))
        if kustomization:
            (staging / KUSTOMIZATION_FILE).write_bytes(output_layout.kustomization(names))
        with collection_paused():
            _check_reads_back(lambda name: read_bounded(staging / name, MANIFEST_LIMITS.max_bytes), expected)
        written = (staging / KUSTOMIZATION_FILE).read_bytes() if kustomization else None
        if written is not None and output_layout.kustomization_resources(written) != names:
            raise ManifestError([f"[yaml] the written {KUSTOMIZATION_FILE} does not list the manifests in order"])
        files = sorted(Path(n) for n in [*names, *([KUSTOMIZATION_FILE] if kustomization else [])])
        write_marker(staging, files)
        swap_in(staging, out)
    except BaseException:
        if staging is not None:
            remove_tree(staging)
        remove_empty(created)
        raise
    built.report_to(on_note, on_warning)
    return [out / f for f in files]


def synthesize_stream(
    config: StackConfig,
    *,
    on_note: Callable[[str], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> bytes:
    """The bytes ``synthesize(config, DIR)`` writes to its one file (``llm-stack synth --out -``), validated and read
    back as synth checks them, without writing anything. ``on_note`` and ``on_warning`` as for ``synthesize``."""
    built = _build(config)
    ((_name, documents),) = _layout_files(built, "single-file").items()
    data = _yaml_stream(documents)
    with collection_paused():
        _check_reads_back(lambda _name: data, {"(standard output)": documents})
    built.report_to(on_note, on_warning)
    return data


@dataclass(frozen=True)
class _Built:
    """The validated objects of one synthesis, and what to tell the user about them."""

    file_name: str
    """The single file's name, as ``app.synth()`` names the chart's file (``llm-stack.k8s.yaml``)."""
    objects: list[Any]
    report: ValidationReport
    warnings: list[str]

    def report_to(self, on_note: Callable[[str], None] | None, on_warning: Callable[[str], None] | None) -> None:
        for note in self.report.notes:
            (on_note or _print_note)(note)
        for warning in [*self.warnings, *self.report.warnings]:
            (on_warning or _print_warning)(warning)


def _build(config: StackConfig) -> _Built:
    with collection_paused():  # see the module docstring
        app, chart = build_app(config)
        # Validate the resolved objects (the content app.synth() writes) before anything is written; the
        # construct validation would do the same checks again inside to_json() and raise jsii's RuntimeError.
        chart.validation.enabled = False
        wanted = vllm_check_wanted(any(m.runtime.extra_args for m in config.models))
        objects = chart.to_json()
        report = validate_objects(objects, vllm_args=wanted, external_secrets=chart.validation.external_secrets)
    return _Built(f"{chart.node.id}{app.output_file_extension}", objects, report, list(chart.warnings))


def _layout_files(built: _Built, layout: Layout) -> dict[str, list[Any]]:
    """File name -> the objects it holds, in order."""
    if layout == "single-file":
        return {built.file_name: list(built.objects)}
    return {name: [obj] for name, obj in output_layout.object_files(built.objects)}


def _yaml_stream(objects: list[Any]) -> bytes:
    """``objects`` as ``app.synth()`` writes a chart's file, byte for byte: what ``cdk8s.Yaml.save`` writes (each
    document as ``cdk8s.Yaml.stringify`` writes it, joined by ``---`` lines), without resolving every object a
    second time.

    Each document is written by ``_cdk8s_yaml`` when it can be sure to write the same bytes (every document of the
    stack but the Grafana dashboard and the Envoy configuration), else by the kernel's writer. ``app.synth()`` would
    also run the construct validations (here only the chart's ``ChartValidation``, disabled: the objects were
    validated) and turn construct dependencies into object order (the stack declares none). Node.js writes a lone
    surrogate as U+FFFD; so does this.
    """
    with collection_paused():
        texts = [dump_document(o) for o in objects]
        for index, text in enumerate(texts):
            if text is None:
                texts[index] = cdk8s.Yaml.stringify(objects[index])
    data = "---\n".join(t or "" for t in texts)
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", data).encode("utf-8")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _print_note(note: str) -> None:
    print(f"llm-stack: {note}", file=sys.stderr)


def _print_warning(warning: str) -> None:
    print(f"llm-stack: WARNING: {warning}", file=sys.stderr)


def _check_reads_back(read: Callable[[str], bytes], expected: Mapping[str, list[Any]]) -> None:
    """Each written file (``read(name)``) must parse (within the bounds ``llm-stack validate`` applies) into the
    validated objects it was written from (``expected[name]``): a last guard against any string the YAML writer and
    readers disagree on."""
    for name, objects in expected.items():
        documents: list[Any] = []
        wanted = [o for o in objects if o]
        try:
            text = read(name).decode("utf-8")
            # libyaml's composer first; the bounded reader decides whenever that cannot tell or reads otherwise.
            fast = load_all_unchecked(text, MANIFEST_LIMITS)
            if fast is not None and fast == wanted:
                documents = fast
            else:
                documents = [d for d in load_all(text, MANIFEST_LIMITS) if d is not None]
        except (YamlInputError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
            problem = str(error).splitlines()[0]
            raise ManifestError([f"[yaml] the written manifests do not read back: {problem}"]) from None
        if documents != wanted:
            pairs = enumerate(zip(documents, wanted, strict=False))
            differ = next((i for i, (a, b) in pairs if a != b), len(documents))
            where = f"object {differ}" if len(expected) == 1 else f"{name}, object {differ}"
            problem = f"[yaml] the written manifests read back differently from what was validated ({where})"
            raise ManifestError([problem])
