"""Checks every container and the output as a whole: pinned images, requests and limits, unique objects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...images import image_is_pinned
from ..manifests import Manifests, Obj, dig, name_of, namespace_of
from .registry import Problem, check

_POD_SPEC_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "InferenceService": (("spec", "predictor"), ("spec", "transformer"), ("spec", "explainer")),
    "Deployment": (("spec", "template", "spec"),),
    "StatefulSet": (("spec", "template", "spec"),),
    "DaemonSet": (("spec", "template", "spec"),),
    "ReplicaSet": (("spec", "template", "spec"),),
    "ReplicationController": (("spec", "template", "spec"),),
    "Job": (("spec", "template", "spec"),),
    "CronJob": (("spec", "jobTemplate", "spec", "template", "spec"),),
    "PodTemplate": (("template", "spec"),),
    "Pod": (("spec",),),
}
"""Where each kind that makes pods holds its pod spec (an InferenceService: one per component)."""


def pod_specs(obj: Obj) -> list[tuple[str, Mapping[str, Any]]]:
    """``(field path, pod spec)`` of every pod spec or pod template spec in a workload object."""
    out = []
    for path in _POD_SPEC_PATHS.get(str(obj.get("kind")), ()):
        pod = dig(obj, *path)
        if isinstance(pod, Mapping):
            out.append((".".join(path), pod))
    return out


def containers(obj: Obj) -> list[tuple[str, Mapping[str, Any]]]:
    """``(field path, container)`` of every container and init container of a workload object."""
    out = []
    for path, pod in pod_specs(obj):
        for field in ("initContainers", "containers"):
            items = dig(pod, field)
            for index, container in enumerate(items if isinstance(items, list) else []):
                if isinstance(container, Mapping):
                    out.append((f"{path}.{field}[{index}]", container))
    return out


def workloads(manifests: Manifests) -> Iterator[Obj]:
    """Every object that makes pods."""
    for kind in _POD_SPEC_PATHS:
        yield from manifests.of_kind(kind)


@check("image-pinned")
def images_are_pinned(manifests: Manifests) -> Iterator[Problem]:
    """``latest`` or untagged images change under a running deployment: pin a version tag or digest."""
    for obj in workloads(manifests):
        for path, container in containers(obj):
            image = str(container.get("image", ""))
            if not image_is_pinned(image):
                yield Problem(
                    obj, f"{path}.image {image!r} is not pinned: use an explicit version tag or @sha256 digest"
                )


@check("container-resources")
def containers_have_requests_and_limits(manifests: Manifests) -> Iterator[Problem]:
    """Every container requests and is limited in CPU and memory, so the scheduler and the node can plan."""
    for obj in workloads(manifests):
        for path, container in containers(obj):
            for part in ("requests", "limits"):
                values = dig(container, "resources", part)
                missing = [r for r in ("cpu", "memory") if not isinstance(values, Mapping) or r not in values]
                if missing:
                    yield Problem(
                        obj, f"{path}.resources.{part} has no {' or '.join(missing)}: set both cpu and memory"
                    )


@check("unique-objects")
def objects_are_unique(manifests: Manifests) -> Iterator[Problem]:
    """Two objects of one kind, namespace and name overwrite each other when applied."""
    seen: set[tuple[str, str, str | None, str]] = set()
    for obj in manifests:
        key = (str(obj.get("apiVersion")).rpartition("/")[0], str(obj.get("kind")), namespace_of(obj), name_of(obj))
        if key in seen:
            yield Problem(obj, "another object has the same kind, namespace and name: one would overwrite the other")
        seen.add(key)
