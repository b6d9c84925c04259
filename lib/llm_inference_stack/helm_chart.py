"""``llm-stack synth --format helm``: synth's output packaged as a Helm chart.

The chart is a package of the synthesized objects, for a platform that deploys only charts: ``helm install`` gives
them a release with history, ``helm rollback`` goes back to an earlier synthesis. It is not a template: values are
not templated (``values.yaml`` holds the merged values the objects were made from, for information, and
``values.schema.json`` the values' JSON schema, so a ``-f``/``--set`` that the stack would refuse is refused by Helm
too); change the values and synthesize again.

What the chart holds::

    Chart.yaml            apiVersion v2, name = the stack's release, version = --chart-version or the library's
                          (in SemVer 2), appVersion = the library's
    values.yaml           the merged values (values-file spelling), as the files and --set flags gave them
    values.schema.json    settings.json_schema.values_schema()
    .helmignore           leaves synth's output marker out of the packaged chart
    templates/NN-<kind>-<namespace>-<name>.yaml
                          one per object, NN its position in the synthesized order

``helm template`` renders each template to the object's YAML document exactly as ``synth`` writes it into
``llm-stack.k8s.yaml`` (``render_as_helm`` states what Helm does to a template; :func:`helm_problems` refuses the
objects Helm would render otherwise). The templates are the documents with each ``{{`` written as ``{{"{{"}}``,
the only text Go templates read as an action (``}}`` outside an action is plain text); everything else is copied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._cdk8s_yaml import dump_document
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

CHART_FILE = "Chart.yaml"
VALUES_FILE = "values.yaml"
SCHEMA_FILE = "values.schema.json"
HELMIGNORE_FILE = ".helmignore"
TEMPLATES_DIR = "templates"
CHART_API_VERSION = "v2"
LIBRARY_DISTRIBUTION = "llm-inference-stack"

_ACTION = "{{"
_ESCAPED_ACTION = '{{"{{"}}'
"""A Go template action printing ``{{``: the one text of a template that Go would not copy as it is."""
_NO_VALUE = "<no value>"
"""Helm deletes this text from every rendered template (its fix for Go's placeholder of a missing value)."""
HOOK_ANNOTATION = "helm.sh/hook"
"""An object so annotated is a Helm hook, run around the release rather than part of it."""
_DOCUMENT_SEPARATOR = re.compile(r"(?m)^---")
"""Helm splits a template into documents at every line starting with ``---``."""
_MAX_NAME = 200
"""Template file names stay below the 255 bytes of common file systems; the leading index keeps them unique."""
_UNSAFE = re.compile(r"[^a-z0-9.-]+")
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
"""SemVer 2.0.0 (semver.org's expression): what Helm requires of a chart's version."""
_PEP440 = re.compile(
    r"^(?P<release>\d+(?:\.\d+){0,2})(?:(?P<pre>a|b|rc)(?P<pre_n>\d+))?(?:\.post(?P<post>\d+))?"
    r"(?:\.dev(?P<dev>\d+))?(?:\+(?P<local>[a-z0-9]+(?:\.[a-z0-9]+)*))?$"
)
"""A normalized PEP 440 version as the package metadata holds it (no epoch, at most three release numbers)."""

__all__ = [
    "CHART_FILE",
    "SCHEMA_FILE",
    "TEMPLATES_DIR",
    "VALUES_FILE",
    "chart_files",
    "chart_version_problem",
    "default_chart_version",
    "escape_template",
    "helm_problems",
    "library_version",
    "render_as_helm",
    "semver_of",
    "split_documents",
    "synthesize_chart",
    "template_names",
    "unescape_template",
]


# --------------------------------------------------------------------------------------------------------------
# What Helm does to a template, and what it must not do to ours


def escape_template(text: str) -> str:
    """``text`` as a Go template that prints ``text``: each ``{{`` becomes an action printing ``{{``. Replacing left
    to right leaves no ``{{`` outside those actions (a run of braces becomes whole actions and at most one ``{``
    after them), and ``}}`` outside an action is plain text to Go."""
    return text.replace(_ACTION, _ESCAPED_ACTION)


def unescape_template(template: str) -> str:
    """The text :func:`escape_template` made ``template`` from: its inverse, as Go renders the template."""
    return template.replace(_ESCAPED_ACTION, _ACTION)


def render_as_helm(document: str) -> str:
    """What ``helm template`` prints for a template that renders to ``document`` alone: Helm (v3 ``releaseutil``)
    drops ``<no value>`` from the rendered text, trims surrounding white space, splits documents at lines starting
    with ``---``, and prints each as ``---\\n# Source: <chart>/templates/<file>\\n<document>\\n``: this is the
    ``<document>\\n`` part, for a document without a ``---`` line (:func:`helm_problems`)."""
    return document.replace(_NO_VALUE, "").strip() + "\n"


def helm_problems(name: str, document: str, obj: Any) -> list[str]:
    """Why Helm would not render ``document`` (the YAML of ``obj``, in template ``name``) to the same bytes, or not
    as one of the release's objects: empty when it would."""
    problems = []
    if _NO_VALUE in document:
        problems.append(
            f"[helm] {name}: holds the text {_NO_VALUE!r}, which Helm deletes from every rendered template: "
            "change that value, or use --format manifests"
        )
    if _DOCUMENT_SEPARATOR.search(document):
        problems.append(f"[helm] {name}: has a line starting with '---', where Helm would split the document")
    if document.strip() + "\n" != document:
        problems.append(
            f"[helm] {name}: starts or ends with white space that Helm trims (a value ending in blank lines): "
            "change that value, or use --format manifests"
        )
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if isinstance(annotations, Mapping) and HOOK_ANNOTATION in annotations:
        problems.append(
            f"[helm] {name}: has the annotation {HOOK_ANNOTATION}, which makes it a Helm hook instead of an object "
            "of the release: remove that annotation, or use --format manifests"
        )
    return problems


def split_documents(stream: str) -> list[str]:
    """The documents of synth's single file, each with its final newline: the file is them joined by ``---`` lines
    (a document holds no line that is ``---`` alone: YAML forbids it inside one)."""
    documents = stream.split("\n---\n")
    texts = [d + "\n" for d in documents[:-1]] + [documents[-1]]
    if "---\n".join(texts) != stream or not all(texts):  # pragma: no cover - synth's own writer joins them so
        raise ManifestError(["[helm] the synthesized file does not split into its documents"])
    return texts


# --------------------------------------------------------------------------------------------------------------
# The chart's files


def library_version() -> str | None:
    """The installed library's version, or None in a plain checkout on ``sys.path``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(LIBRARY_DISTRIBUTION)
    except PackageNotFoundError:
        return None


def semver_of(version: str) -> str | None:
    """The SemVer 2 spelling of a PEP 440 version: ``0.2.1.dev3+g1a2b3c4`` (three commits after
    a tag) is ``0.2.1-dev.3+g1a2b3c4``, ``1.0rc1`` is ``1.0.0-rc.1``; a post-release's number goes into the build
    metadata (``1.0.0.post1``: ``1.0.0+post.1``), which SemVer does not order. None for what has no such spelling
    (an epoch, four release numbers)."""
    parsed = _PEP440.match(version)
    if parsed is None:
        return None
    release = [*parsed["release"].split("."), "0", "0"][:3]
    pre = [
        *([parsed["pre"], parsed["pre_n"]] if parsed["pre"] else []),
        *(["dev", parsed["dev"]] if parsed["dev"] else []),
    ]
    build = [*(["post", parsed["post"]] if parsed["post"] else []), *([parsed["local"]] if parsed["local"] else [])]
    text = ".".join(str(int(n)) for n in release)
    text += f"-{'.'.join(pre)}" if pre else ""
    return text + (f"+{'.'.join(build)}" if build else "")


def default_chart_version() -> str | None:
    """The chart's version without ``--chart-version``: the library's, in SemVer 2 (:func:`semver_of`)."""
    version = library_version()
    return semver_of(version) if version is not None else None


def chart_version_problem(chart_version: str | None) -> str | None:
    """Why ``chart_version`` (``--chart-version``; None: the library's version) cannot be the chart's version, or
    None when it can."""
    if chart_version is None:
        if default_chart_version() is None:
            return (
                f"--chart-version: not given, and the library's version ({library_version() or 'not installed'}) "
                "has no SemVer 2 spelling: give --chart-version MAJOR.MINOR.PATCH"
            )
        return None
    if not _SEMVER.match(chart_version):
        return (
            f"--chart-version {chart_version!r}: not a SemVer 2 version, which Helm requires of a chart: use "
            "MAJOR.MINOR.PATCH, three numbers without a leading v or zeros (a pre-release or build suffix may follow: "
            "-rc.1, +build.7)"
        )
    return None


def template_names(objects: Sequence[Any]) -> list[str]:
    """The template file of each object: ``templates/<NN>-<kind>[-<namespace>]-<name>.yaml``, ``NN`` the object's
    position in the synthesized order, zero-padded to one width, so the names sort in that order."""
    width = max(2, len(str(len(objects) - 1)))
    names = []
    for index, obj in enumerate(objects):
        meta = obj.get("metadata") if isinstance(obj, Mapping) else None
        meta = meta if isinstance(meta, Mapping) else {}
        parts = [str(obj.get("kind", "")), str(meta.get("namespace") or ""), str(meta.get("name", ""))]
        words = [w for w in (_UNSAFE.sub("-", p.lower()).strip("-.") for p in parts) if w]
        stem = "-".join([f"{index:0{width}d}", *words])[:_MAX_NAME].rstrip("-.")
        names.append(f"{TEMPLATES_DIR}/{stem}.yaml")
    return names


def _yaml_document(data: Any) -> str:
    """``data`` as cdk8s writes a document (the writer of the manifests, which Helm and kubectl read)."""
    text = dump_document(data) if isinstance(data, dict) else None
    if text is None:
        import cdk8s

        text = str(cdk8s.Yaml.stringify(data))
    return text


def _values_schema() -> dict[str, Any]:
    from .settings.json_schema import values_schema

    schema: dict[str, Any] = values_schema()
    return schema


def chart_files(
    documents: Sequence[str],
    objects: Sequence[Any],
    *,
    name: str,
    version: str,
    app_version: str | None,
    values: Mapping[str, Any],
    schema: Mapping[str, Any] | None = None,
) -> dict[str, bytes]:
    """Every file of the chart by its path in the chart directory. ``documents`` are synth's YAML documents and
    ``objects`` the same objects parsed; ``values`` the merged values; ``schema`` the values' JSON schema. Default of
    ``schema``: ``settings.json_schema.values_schema()``. Raises ``ManifestError`` for objects Helm would not render
    as they are (:func:`helm_problems`)."""
    names = template_names(objects)
    problems = [p for n, d, o in zip(names, documents, objects, strict=True) for p in helm_problems(n, d, o)]
    if problems:
        raise ManifestError(problems)
    chart: dict[str, Any] = {
        "apiVersion": CHART_API_VERSION,
        "name": name,
        "description": (
            f"The {name} LLM inference stack as `llm-stack synth` wrote it: a package of the synthesized objects. "
            "Values are not templated: change the values and synthesize again."
        ),
        "type": "application",
        "version": version,
    }
    if app_version is not None:
        chart["appVersion"] = app_version
    header = (
        "# Written by `llm-stack synth --format helm`: the merged values these templates were synthesized from, for\n"
        "# information. They are not templated: change the values and synthesize again.\n"
    )
    files = {
        CHART_FILE: yaml.safe_dump(chart, sort_keys=False).encode("utf-8"),
        VALUES_FILE: (header + _yaml_document(dict(values))).encode("utf-8"),
        SCHEMA_FILE: (json.dumps(schema if schema is not None else _values_schema(), indent=2) + "\n").encode("utf-8"),
        HELMIGNORE_FILE: f"# synth's output marker is no part of the chart\n{OUTPUT_MARKER}\n".encode(),
    }
    for template, document in zip(names, documents, strict=True):
        files[template] = escape_template(document).encode("utf-8")
    return files


# --------------------------------------------------------------------------------------------------------------
# The output directory


@dataclass(frozen=True)
class _Synthesized:
    documents: list[str]
    objects: list[Any]
    stream: bytes


def _synthesized(
    config: StackConfig, on_note: Callable[[str], None] | None, on_warning: Callable[[str], None] | None
) -> _Synthesized:
    """What ``synth --format manifests`` writes (``synth.synthesize_stream``: validated and read back, nothing written
    to disk): the chart's templates are that file's documents, byte for byte."""
    from .safe_yaml import MANIFEST_LIMITS, load_all
    from .synth import synthesize_stream

    stream = synthesize_stream(config, on_note=on_note, on_warning=on_warning)
    documents = split_documents(stream.decode("utf-8"))
    objects = [next(load_all(d, MANIFEST_LIMITS)) for d in documents]
    return _Synthesized(documents, objects, stream)


def synthesize_chart(
    config: StackConfig,
    values: Mapping[str, Any],
    out_dir: str | Path,
    *,
    chart_version: str | None = None,
    on_note: Callable[[str], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the stack as a Helm chart into ``out_dir``, atomically, as ``synth.synthesize`` writes manifests (the
    same checks, output marker and refusals); returns the files written.

    ``values`` are the merged values ``config`` was loaded from (``values_loader.load_values_with_data``), written
    as ``values.yaml``. ``chart_version`` is the chart's version (SemVer 2). Default: the library's version.
    ``on_note`` and ``on_warning`` as for ``synthesize``. Raises ``OutputError`` (``out_dir`` may not be replaced, or
    a bad ``chart_version``) and ``ManifestError`` (the objects fail validation, or Helm would render them otherwise).
    """
    problem = chart_version_problem(chart_version)
    if problem is not None:
        from .errors import OutputError

        raise OutputError(problem)
    out = output_path(out_dir)
    check_output_dir(out)
    synthesized = _synthesized(config, on_note, on_warning)
    app_version = library_version()
    files = chart_files(
        synthesized.documents,
        synthesized.objects,
        name=config.release,
        version=chart_version or default_chart_version() or "",
        app_version=app_version,
        values=values,
    )
    previous_output(out)
    created = make_parents(out.parent)
    staging: Path | None = None
    try:
        staging = make_dir_beside(out, "tmp")
        (staging / TEMPLATES_DIR).mkdir()
        for relative, data in files.items():
            (staging / relative).write_bytes(data)
        _check_templates_read_back(staging, files, synthesized)
        write_marker(staging, sorted(Path(f) for f in files))
        swap_in(staging, out)
    except BaseException:
        if staging is not None:
            remove_tree(staging)
        remove_empty(created)
        raise
    return [out / f for f in sorted(files)]


def _check_templates_read_back(staging: Path, files: Mapping[str, bytes], synthesized: _Synthesized) -> None:
    """The written templates, rendered as Helm renders them, are synth's documents, and joined they are synth's file."""
    rendered = [
        render_as_helm(unescape_template((staging / name).read_bytes().decode("utf-8")))
        for name in sorted(files)
        if name.startswith(f"{TEMPLATES_DIR}/")
    ]
    if rendered != synthesized.documents or "---\n".join(rendered).encode("utf-8") != synthesized.stream:
        raise ManifestError(["[helm] the written templates do not render the synthesized objects"])
