"""How synth lays its output out in files: one file, or one file per object named in apply order.

``single-file`` (the default) is what ``cdk8s synth`` writes: every object in ``<chart>.k8s.yaml``, in the order the
constructs made them. ``file-per-object`` writes each object to its own file, named
``<NN>-<phase>-<kind>[-<namespace>]-<name>.yaml``: ``NN`` is the object's position in the apply order
(``apply_order``: by phase, and in the synthesized order within a phase), zero-padded to one width, so that
``kubectl apply -f DIR``, which applies files in the lexical order of their names, applies the phases in order.
Either layout may add a kustomization (``KUSTOMIZATION_FILE``) listing the files in that order, for ``kubectl apply
-k``, Argo CD and Flux.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import yaml

from .apply_order import in_apply_order, phase_of

Layout = Literal["single-file", "file-per-object"]
"""The layouts of an output directory."""
LAYOUTS: tuple[str, ...] = get_args(Layout)
DEFAULT_LAYOUT: Layout = "single-file"

KUSTOMIZATION_FILE = "Kustomization"
"""The kustomization's file name: one of the three kustomize reads (``kustomization.yaml``, ``kustomization.yml``,
``Kustomization``), and the one without a manifest suffix, so that ``kubectl apply -f DIR`` and ``llm-stack validate
DIR`` (which read ``*.yaml``, ``*.yml`` and ``*.json``) do not take it for an object: ``kubectl apply -f`` fails on a
``kustomization.yaml`` (no kind ``Kustomization`` on the server)."""
KUSTOMIZE_API_VERSION = "kustomize.config.k8s.io/v1beta1"

_MAX_NAME = 200
"""File names stay below the 255 bytes of common file systems; the leading index keeps shortened names unique."""
_UNSAFE = re.compile(r"[^a-z0-9.-]+")


def object_files(objects: Sequence[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
    """``(file name, object)`` for each object of ``file-per-object``, in apply order (which is also the lexical
    order of the names); empty objects are left out, as they are of the single file's documents."""
    ordered = in_apply_order([o for o in objects if o])
    width = max(2, len(str(len(ordered) - 1)))
    return [(_file_name(index, width, obj), obj) for index, obj in enumerate(ordered)]


def _file_name(index: int, width: int, obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    parts = [phase_of(obj).name, str(obj.get("kind", "")), str(meta.get("namespace") or ""), str(meta.get("name", ""))]
    words = [w for w in (_UNSAFE.sub("-", p.lower()).strip("-.") for p in parts) if w]
    stem = "-".join([f"{index:0{width}d}", *words])[:_MAX_NAME].rstrip("-.")
    return f"{stem}.yaml"


def kustomization(files: Sequence[str]) -> bytes:
    """The kustomization listing ``files`` in order, kept in that order by kustomize (``sortOptions: fifo``,
    kustomize 5.0 and later; its default would sort by kind)."""
    document = {
        "apiVersion": KUSTOMIZE_API_VERSION,
        "kind": "Kustomization",
        "sortOptions": {"order": "fifo"},
        "resources": list(files),
    }
    header = (
        "# Written by `llm-stack synth --kustomization`: the manifests of this directory in apply order\n"
        "# (kubectl apply -k DIR, or a GitOps controller's kustomize).\n"
    )
    return (header + yaml.safe_dump(document, sort_keys=False, default_flow_style=False)).encode("utf-8")


def kustomization_resources(data: bytes) -> list[str] | None:
    """The ``resources`` a kustomization written by ``kustomization`` lists, or None when it lists none."""
    document = yaml.safe_load(data.decode("utf-8"))
    resources = document.get("resources") if isinstance(document, dict) else None
    return [str(r) for r in resources] if isinstance(resources, list) else None
