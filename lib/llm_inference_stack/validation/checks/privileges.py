"""Checks for objects that give away a node or the cluster: the stack writes none of them, so a directory that holds
one was edited by hand (or by someone hostile), and ``kubectl apply`` would grant what they grant."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..manifests import Manifests, dig, namespace_of
from .registry import Problem, check
from .workloads import containers, pod_specs, workloads

CLUSTER_ADMIN = "cluster-admin"
"""The ClusterRole that may do anything anywhere."""
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
"""Pod spec fields that share a node's namespaces with the pod."""


ANONYMOUS = frozenset({"system:anonymous", "system:unauthenticated"})
"""Subjects that stand for anyone who can reach the API server."""
DANGEROUS_CAPABILITIES = frozenset({"ALL", "SYS_ADMIN", "CAP_SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "NET_ADMIN"})
"""Capabilities that let a container take over (or see into) its node."""


def _grants_everything(role: Mapping[str, Any] | None) -> bool:
    """Whether a Role or ClusterRole of the output grants every verb on every resource (cluster-admin by
    another name)."""
    rules = role.get("rules") if isinstance(role, Mapping) else None
    for rule in rules if isinstance(rules, list) else []:
        if isinstance(rule, Mapping) and "*" in (rule.get("verbs") or []) and "*" in (rule.get("resources") or []):
            return True
    return False


@check("binds-cluster-admin")
def no_binding_to_cluster_admin(manifests: Manifests) -> Iterator[Problem]:
    """A binding to ``cluster-admin`` (or to a role granting ``*`` on ``*``), or of anyone at all, hands its
    subjects the cluster; the stack's components need no RBAC of their own (their controllers' charts bring
    theirs)."""
    for kind in ("ClusterRoleBinding", "RoleBinding"):
        for obj in manifests.of_kind(kind):
            role = dig(obj, "roleRef")
            if not isinstance(role, Mapping):
                continue
            role_kind, name = role.get("kind"), role.get("name")
            if role_kind == "ClusterRole" and name == CLUSTER_ADMIN:
                yield Problem(
                    obj,
                    f"roleRef binds ClusterRole {CLUSTER_ADMIN!r}, which may do anything in the cluster: the stack "
                    "writes no such binding; remove the object, or bind a Role with only the verbs it needs",
                )
                continue
            namespace = None if role_kind == "ClusterRole" else namespace_of(obj)
            if _grants_everything(manifests.get(str(role_kind), namespace, str(name))):
                yield Problem(
                    obj,
                    f"roleRef binds {role_kind} {name!r}, which grants every verb on every resource (cluster-admin "
                    "by another name): the stack writes no such role; remove both, or grant only the verbs needed",
                )
            subjects = obj.get("subjects")
            for index, subject in enumerate(subjects if isinstance(subjects, list) else []):
                if isinstance(subject, Mapping) and subject.get("name") in ANONYMOUS:
                    yield Problem(
                        obj,
                        f"subjects[{index}] is {subject.get('name')}: anyone who reaches the API server gets "
                        f"{role_kind} {name!r}; remove the subject",
                    )


def _security_contexts(obj: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """``(field path, holder)`` of every container-like spec with a ``securityContext`` in a workload: containers,
    init and ephemeral containers, and an InferenceService component's own container fields (``predictor.model``,
    ``predictor.huggingface``, ...), which KServe turns into a container too; and the pod's own context."""
    out = list(containers(obj))
    for path, pod in pod_specs(obj):
        items = pod.get("ephemeralContainers")
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, Mapping):
                out.append((f"{path}.ephemeralContainers[{index}]", item))
        for key, value in pod.items():
            if isinstance(value, Mapping) and isinstance(value.get("securityContext"), Mapping):
                out.append((f"{path}.{key}", value))
        if isinstance(pod.get("securityContext"), Mapping):
            out.append((path, pod))
    return out


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
        for path, container in _security_contexts(obj):
            context = container.get("securityContext")
            if not isinstance(context, Mapping):
                continue
            capabilities = dig(context, "capabilities", "add")
            granted = (
                sorted({str(c) for c in capabilities} & DANGEROUS_CAPABILITIES)
                if isinstance(capabilities, list)
                else []
            )
            if granted:
                yield Problem(
                    obj,
                    f"{path}.securityContext.capabilities.add grants {', '.join(granted)}: enough to take over the "
                    "node; the stack's containers need no added capability: remove them",
                )
            if dig(context, "windowsOptions", "hostProcess") is True:
                yield Problem(
                    obj,
                    f"{path}.securityContext.windowsOptions.hostProcess is true: the container would run as a process "
                    "of the Windows node itself; the stack never sets it: remove it",
                )
            if context.get("privileged") is True:
                yield Problem(
                    obj,
                    f"{path}.securityContext.privileged is true: the container would hold every capability of the "
                    "node; the stack never sets it: remove it (GPUs come through the device plugin's resource "
                    "nvidia.com/gpu)",
                )
