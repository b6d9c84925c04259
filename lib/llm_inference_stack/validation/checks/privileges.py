"""Checks for objects that give away a node or the cluster: the stack writes none of them, so a directory that holds
one was edited by hand (or by someone hostile), and ``kubectl apply`` would grant what they grant."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..manifests import Manifests, dig
from .registry import Problem, check
from .workloads import containers, pod_specs, workloads

CLUSTER_ADMIN = "cluster-admin"
"""The ClusterRole that may do anything anywhere."""
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
"""Pod spec fields that share a node's namespaces with the pod."""


@check("binds-cluster-admin")
def no_binding_to_cluster_admin(manifests: Manifests) -> Iterator[Problem]:
    """A binding to ``cluster-admin`` hands its subjects the whole cluster; the stack's components need no RBAC of
    their own (their controllers' charts bring theirs)."""
    for kind in ("ClusterRoleBinding", "RoleBinding"):
        for obj in manifests.of_kind(kind):
            role = dig(obj, "roleRef")
            if isinstance(role, Mapping) and role.get("kind") == "ClusterRole" and role.get("name") == CLUSTER_ADMIN:
                yield Problem(
                    obj,
                    f"roleRef binds ClusterRole {CLUSTER_ADMIN!r}, which may do anything in the cluster: the stack "
                    "writes no such binding; remove the object, or bind a Role with only the verbs it needs",
                )


@check("pod-privileges")
def pods_are_not_privileged(manifests: Manifests) -> Iterator[Problem]:
    """A privileged container, a node's network, PID or IPC namespace, or a ``hostPath`` volume gives the pod (and
    whoever runs code in it) the node: the stack's pods need none of them."""
    for obj in workloads(manifests):
        for path, pod in pod_specs(obj):
            for name in HOST_NAMESPACES:
                if pod.get(name) is True:
                    yield Problem(
                        obj,
                        f"{path}.{name} is true: the pod would share the node's namespace; the stack never sets it: "
                        "remove it",
                    )
            volumes = pod.get("volumes")
            for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
                if isinstance(volume, Mapping) and "hostPath" in volume:
                    yield Problem(
                        obj,
                        f"{path}.volumes[{index}] ({volume.get('name')!s}) is a hostPath volume: it exposes the "
                        "node's file system to the pod; use a PersistentVolumeClaim, a ConfigMap or an emptyDir",
                    )
        for path, container in containers(obj):
            context = container.get("securityContext")
            if not isinstance(context, Mapping):
                continue
            if context.get("privileged") is True:
                yield Problem(
                    obj,
                    f"{path}.securityContext.privileged is true: the container would hold every capability of the "
                    "node; the stack never sets it: remove it (GPUs come through the device plugin's resource "
                    "nvidia.com/gpu)",
                )
