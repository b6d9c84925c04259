"""``llm-stack verify --collect DIR``: every object of the manifests as the API server holds it, one YAML file each.

Two moments per manifest set: ``applied/`` holds the server's answer to the apply (defaults filled in, no
controller has written a status yet) and ``settled/`` the object read again after the controllers settled, with the
status they wrote. That is what a GitOps tool's health checks read (``kubectl get -o yaml`` of the live object), so
the files serve as real inputs for them. Each file opens with a comment naming the object, the moment and the
versions of the control plane. Left out: ``metadata.managedFields`` (as ``kubectl get`` leaves it out) and a
Secret's ``data`` and ``stringData``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from llm_inference_stack.pins import (
    AI_GATEWAY_CONTROLLER_VERSION,
    AI_GATEWAY_VERSION,
    ENVOY_GATEWAY_VERSION,
    KEDA_VERSION,
    KSERVE_VERSION,
    KUBERNETES_VERSION,
)

from .kube import JsonDict, KubeClient

STAGES = {
    "applied": "as kube-apiserver answered the apply, before any controller wrote a status",
    "settled": "as kube-apiserver held it after the controllers settled",
}
CONTROL_PLANE = (
    f"kube-apiserver {KUBERNETES_VERSION}, KServe {KSERVE_VERSION}, KEDA {KEDA_VERSION}, Envoy Gateway "
    f"{ENVOY_GATEWAY_VERSION}, Envoy AI Gateway controller {AI_GATEWAY_CONTROLLER_VERSION} "
    f"(CRDs {AI_GATEWAY_VERSION})"
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class CollectDirError(ValueError):
    """``--collect`` names something that is not a new or empty directory."""


def check_collect_dir(directory: Path) -> Path:
    """``directory`` resolved and created; refuses a file or a directory with something in it."""
    if directory.exists() and not directory.is_dir():
        raise CollectDirError(f"--collect {directory}: not a directory; name a new or empty directory")
    if directory.is_dir() and any(directory.iterdir()):
        raise CollectDirError(f"--collect {directory}: not empty; name a new or empty directory")
    directory.mkdir(parents=True, exist_ok=True)
    return directory.resolve()


def set_directory(root: Path, index: int, source: str) -> Path:
    """Where the objects of manifest set number ``index`` (from 1) go: ``<index>-<name of its directory>``."""
    return root / f"{index}-{_UNSAFE.sub('_', Path(source).name) or 'manifests'}"


def file_name(obj: Mapping[str, Any]) -> str:
    """``<Kind>_<namespace>_<name>.yaml`` (``<Kind>_<name>.yaml`` for a cluster-scoped object)."""
    metadata = obj.get("metadata") or {}
    parts = [obj.get("kind", "Object"), metadata.get("namespace"), metadata.get("name", "unnamed")]
    return "_".join(_UNSAFE.sub("_", str(part)) for part in parts if part) + ".yaml"


def as_collected(obj: Mapping[str, Any]) -> JsonDict:
    """``obj`` without managed fields, and without a Secret's values."""
    collected = dict(obj)
    collected["metadata"] = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1":
        collected.pop("data", None)
        collected.pop("stringData", None)
    return collected


def write_objects(directory: Path, stage: str, objects: Iterable[Mapping[str, Any]], *, source: str) -> int:
    """Write each object into ``directory/<stage>/``; returns how many."""
    target = directory / stage
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for obj in objects:
        metadata = obj.get("metadata") or {}
        where = f"{metadata['namespace']}/{metadata.get('name')}" if metadata.get("namespace") else metadata.get("name")
        header = (
            f"# {obj.get('apiVersion')} {obj.get('kind')} {where}: {STAGES[stage]}\n"
            f"# llm-stack verify {source} --collect ({CONTROL_PLANE})\n"
        )
        body = yaml.safe_dump(as_collected(obj), sort_keys=False, width=120)
        (target / file_name(obj)).write_text(header + body)
        count += 1
    return count


def read_back(client: KubeClient, objects: Iterable[Mapping[str, Any]]) -> list[JsonDict]:
    """Each object as the API server holds it now (those deleted meanwhile are left out)."""
    current = []
    for obj in objects:
        metadata = obj.get("metadata") or {}
        namespace = metadata.get("namespace") if client.namespaced(obj["apiVersion"], obj["kind"]) else None
        found = client.get(obj["apiVersion"], obj["kind"], metadata["name"], namespace)
        if found is not None:
            current.append(found)
    return current
