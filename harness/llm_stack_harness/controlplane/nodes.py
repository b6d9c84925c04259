"""The nodes of the local control plane: declared by a profile, registered through the API, and a stand-in for
what their kubelets would report about the Pods bound to them.

A profile is a YAML list of nodes (``llm-stack verify --nodes FILE``; :data:`DEFAULT_NODES` otherwise)::

    - name: gpu-node-1
      capacity: {cpu: "32", memory: 256Gi, ephemeral-storage: 500Gi, nvidia.com/gpu: 4}
      labels: {nvidia.com/gpu.present: "true"}
      taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]

Each becomes a Node object (its labels, the well-known ``kubernetes.io/hostname``, ``os`` and ``arch``, its taints),
then its status is written through the status subresource: capacity, allocatable (the capacity unless given), the
Ready condition. The TaintNodesByCondition admission plugin taints a new Node ``node.kubernetes.io/not-ready``;
the node lifecycle controller would remove that taint once the node reports Ready, and as it does not run here,
:func:`register_nodes` removes it. Without that controller nothing marks a node NotReady or Unknown later, so no
heartbeat (Lease, condition times) is kept fresh.

:class:`BoundPodStandIn` does for the Pods the scheduler bound to these nodes what their kubelet would report (until
a node agent runs their containers): each becomes Running and Ready through the status subresource, and a Pod being
deleted is removed at once (the kubelet's final delete, after its containers stopped). Pods no scheduler bound stay
Pending, with the scheduler's own reason in their PodScheduled condition.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from llm_inference_stack.quantity import parse_quantity

from ..base.errors import HarnessError
from ..base.substitutions import register
from .kube import ApiError, JsonDict, KubeClient

GPU_RESOURCE = "nvidia.com/gpu"
GPU_TAINT: JsonDict = {"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"}
"""The taint GPU node pools carry (GKE, AKS and the NVIDIA GPU operator's docs); the model pods tolerate it."""
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
NODE_ADDRESS_PREFIX = "10.244.3."
POD_NETWORK = "10.244"
"""Pod addresses the stand-in reports: 10.244.4.2 onwards (the Pod bridge of the data path is 10.244.1.0/24)."""
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
NODE_FIELDS = ("name", "capacity", "allocatable", "labels", "taints")
DEFAULT_PODS = "110"
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


class NodeProfileError(HarnessError):
    """A node profile that cannot be read (the message names the file and the field)."""


@dataclasses.dataclass(frozen=True)
class NodeSpec:
    """One declared node."""

    name: str
    capacity: Mapping[str, str]
    allocatable: Mapping[str, str]
    labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    taints: tuple[Mapping[str, str], ...] = ()

    def as_dict(self) -> JsonDict:
        return {
            "name": self.name,
            "capacity": dict(self.capacity),
            "allocatable": dict(self.allocatable),
            "labels": dict(self.labels),
            "taints": [dict(t) for t in self.taints],
        }


def _gpu_node(name: str) -> NodeSpec:
    # Room for two pods of the default values (2 GPUs, 8 CPU, 64Gi memory, 150Gi ephemeral storage each).
    capacity = {
        "cpu": "32", "memory": "256Gi", "ephemeral-storage": "500Gi", "pods": DEFAULT_PODS, GPU_RESOURCE: "4",
    }  # fmt: skip
    labels = {"nvidia.com/gpu.present": "true", "node.kubernetes.io/instance-type": "gpu-4x"}
    return NodeSpec(name, capacity, dict(capacity), labels, (dict(GPU_TAINT),))


DEFAULT_NODES: tuple[NodeSpec, ...] = (
    _gpu_node("gpu-node-1"),
    _gpu_node("gpu-node-2"),
    NodeSpec(
        "cpu-node-1",
        {"cpu": "8", "memory": "32Gi", "ephemeral-storage": "100Gi", "pods": DEFAULT_PODS},
        {"cpu": "8", "memory": "32Gi", "ephemeral-storage": "100Gi", "pods": DEFAULT_PODS},
        {"node.kubernetes.io/instance-type": "cpu-8"},
    ),
)
"""Two GPU nodes of 4 ``nvidia.com/gpu`` each, tainted as GPU pools are, and one CPU node for the gateway's pods."""

NODE_SUBSTITUTIONS = register("nodes", (
    ("the nodes are Node objects of a declared profile (default: gpu-node-1 and gpu-node-2 with 4 nvidia.com/gpu, "
     "32 CPU, 256Gi memory, 500Gi ephemeral storage each, tainted nvidia.com/gpu=present:NoSchedule; cpu-node-1 "
     "with 8 CPU, 32Gi; or --nodes FILE), their status written once through the status subresource; the "
     "not-ready taint admission puts on a new Node is removed as the node lifecycle controller would",
     "no kubelet registers a node here; the node lifecycle controller does not run, so no heartbeat is needed"),
    ("bound Pods are reported Ready without running their containers (Running, every container ready, through the "
     "status subresource), and a bound Pod being deleted is removed at once, unless the node agent serves them "
     "(node agent, below: the model Pods up to --serve-models)",
     "no kubelet or container runtime; the Deployment controller then computes Available from real Pods"),
))  # fmt: skip


# ----------------------------------------------------------------------------------------------------------------
# Profiles


def _fail(source: str, field: str, message: str) -> NodeProfileError:
    return NodeProfileError(f"{source}: {field}: {message}")


def _resources(value: object, source: str, field: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise _fail(source, field, "must be a mapping of resource names to quantities, e.g. {cpu: '8', memory: 32Gi}")
    out = {}
    for name, quantity in value.items():
        text = str(quantity) if isinstance(quantity, int | float) and not isinstance(quantity, bool) else quantity
        if not isinstance(text, str):
            raise _fail(source, f"{field}.{name}", f"{quantity!r} is not a quantity")
        try:
            if parse_quantity(text) < 0:
                raise ValueError(text)
        except ValueError:
            example = "e.g. '8', '500m', '32Gi'"
            raise _fail(source, f"{field}.{name}", f"{quantity!r} is not a quantity ({example})") from None
        out[str(name)] = text
    return out


def _labels(value: object, source: str, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise _fail(source, field, "must be a mapping of label names to strings")
    return {str(k): v for k, v in value.items()}


def _taints(value: object, source: str, field: str) -> tuple[dict[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(source, field, "must be a list of {key, value, effect}")
    taints = []
    for index, taint in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(taint, Mapping) or not isinstance(taint.get("key"), str) or not taint["key"]:
            raise _fail(source, f"{where}.key", "each taint needs a key")
        unknown = sorted(set(taint) - {"key", "value", "effect"})
        if unknown:
            raise _fail(source, f"{where}.{unknown[0]}", "unknown field (a taint has key, value, effect)")
        if taint.get("effect") not in TAINT_EFFECTS:
            raise _fail(source, f"{where}.effect", f"{taint.get('effect')!r} is not one of {', '.join(TAINT_EFFECTS)}")
        taints.append({k: str(v) for k, v in taint.items()})
    return tuple(taints)


def _node(item: object, index: int, source: str) -> NodeSpec:
    field = f"nodes[{index}]"
    if not isinstance(item, Mapping):
        raise _fail(source, field, "each node is a mapping with name and capacity")
    unknown = sorted(set(item) - set(NODE_FIELDS))
    if unknown:
        raise _fail(source, f"{field}.{unknown[0]}", f"unknown field (a node has {', '.join(NODE_FIELDS)})")
    name = item.get("name")
    if not isinstance(name, str) or len(name) > 253 or not _NAME.fullmatch(name):
        raise _fail(source, f"{field}.name", f"{name!r} is not a node name (lowercase DNS subdomain)")
    capacity = _resources(item.get("capacity"), source, f"{field}.capacity")
    for required in ("cpu", "memory"):
        if required not in capacity:
            raise _fail(source, f"{field}.capacity.{required}", "missing (the scheduler fits pods by it)")
    capacity.setdefault("pods", DEFAULT_PODS)
    allocatable = capacity
    if item.get("allocatable") is not None:
        allocatable = capacity | _resources(item["allocatable"], source, f"{field}.allocatable")
    labels = _labels(item.get("labels"), source, f"{field}.labels")
    return NodeSpec(name, capacity, allocatable, labels, _taints(item.get("taints"), source, f"{field}.taints"))


def parse_profile(data: object, source: str = "nodes") -> tuple[NodeSpec, ...]:
    """The nodes of a profile (a list of nodes as parsed from YAML); :class:`NodeProfileError` names the field."""
    if not isinstance(data, list) or not data:
        raise _fail(source, "nodes", "a node profile is a non-empty YAML list of nodes")
    nodes = tuple(_node(item, index, source) for index, item in enumerate(data))
    seen: set[str] = set()
    for index, node in enumerate(nodes):
        if node.name in seen:
            raise _fail(source, f"nodes[{index}].name", f"{node.name!r} is declared twice")
        seen.add(node.name)
    return nodes


def load_profile(path: Path) -> tuple[NodeSpec, ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise NodeProfileError(f"{path}: cannot read the node profile: {error}") from None
    except yaml.YAMLError as error:
        raise NodeProfileError(f"{path}: not YAML: {error}") from None
    return parse_profile(data, str(path))


# ----------------------------------------------------------------------------------------------------------------
# Registration


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def node_object(node: NodeSpec) -> JsonDict:
    well_known = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": node.name, "labels": well_known | dict(node.labels)},
        "spec": {"taints": [dict(t) for t in node.taints]} if node.taints else {},
    }


def node_status(node: NodeSpec, index: int) -> JsonDict:
    now = _now()

    def condition(kind: str, status: str, reason: str, message: str) -> JsonDict:
        return {"type": kind, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": now, "lastTransitionTime": now}  # fmt: skip

    return {
        "capacity": dict(node.capacity),
        "allocatable": dict(node.allocatable),
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "declared node"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "declared node"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "declared node"),
            condition("Ready", "True", "KubeletReady", "declared node (no kubelet)"),
        ],
        "addresses": [
            {"type": "InternalIP", "address": f"{NODE_ADDRESS_PREFIX}{index + 2}"},
            {"type": "Hostname", "address": node.name},
        ],
    }


def register_nodes(client: KubeClient, nodes: Sequence[NodeSpec]) -> None:
    """Create each node, write its status (status subresource) and remove the not-ready taint admission added."""
    merge = "application/merge-patch+json"
    for index, node in enumerate(nodes):
        try:
            client.request("POST", "/api/v1/nodes", node_object(node))
        except ApiError as error:
            if error.status != 409:
                raise
        path = f"/api/v1/nodes/{urllib.parse.quote(node.name)}"
        client.request("PATCH", f"{path}/status", {"status": node_status(node, index)}, content_type=merge)
        live = client.request("GET", path)
        taints = [t for t in live.get("spec", {}).get("taints") or [] if t.get("key") != NOT_READY_TAINT]
        client.request("PATCH", path, {"spec": {"taints": taints or None}}, content_type=merge)


# ----------------------------------------------------------------------------------------------------------------
# What the kubelets would report about their Pods


def _is_ready(pod: Mapping[str, Any]) -> bool:
    found = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in found)


def ready_status(pod: Mapping[str, Any], pod_ip: str, host_ip: str) -> JsonDict:
    """The status a kubelet reports once every container of ``pod`` started and passed its readiness probe."""
    now = _now()
    spec = pod.get("spec") or {}

    def running(container: Mapping[str, Any], *, init: bool) -> JsonDict:
        sidecar = init and container.get("restartPolicy") == "Always"
        state = (
            {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}}
            if init and not sidecar
            else {"running": {"startedAt": now}}
        )
        status: JsonDict = {"name": container["name"], "image": container.get("image", ""), "imageID": "",
                            "ready": not init or sidecar, "restartCount": 0, "state": state}  # fmt: skip
        if not init or sidecar:
            status["started"] = True
        return status

    conditions = [
        {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
        for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
    ]
    return {
        "phase": "Running",
        "conditions": conditions,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": now,
        "initContainerStatuses": [running(c, init=True) for c in spec.get("initContainers") or []] or None,
        "containerStatuses": [running(c, init=False) for c in spec.get("containers") or []],
    }


class BoundPodStandIn:
    """Reports the Pods bound to the declared nodes Running and Ready, and finishes their deletion (what each node's
    kubelet would do), every ``interval_s`` in a thread of its own until :meth:`stop`."""

    def __init__(
        self, client: KubeClient, nodes: Sequence[NodeSpec], *, interval_s: float = 1.0,
        log: Callable[[str], None] = lambda _message: None,
    ) -> None:  # fmt: skip
        self.client = client
        self.host_ips = {node.name: f"{NODE_ADDRESS_PREFIX}{index + 2}" for index, node in enumerate(nodes)}
        self.interval_s = interval_s
        self.log = log
        self.reported: set[str] = set()
        self._addresses: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bound-pod-stand-in", daemon=True)
        self.errors: list[str] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except (ApiError, OSError) as error:  # the API server restarting or stopping: try again
                self.errors = [*self.errors[-9:], str(error)]
            self._stop.wait(self.interval_s)

    def _address(self, uid: str) -> str:
        if uid not in self._addresses:
            index = len(self._addresses)
            self._addresses[uid] = f"{POD_NETWORK}.{4 + index // 250}.{2 + index % 250}"
        return self._addresses[uid]

    def sweep(self) -> None:
        """One pass over every Pod bound to a declared node."""
        for pod in self.client.request("GET", "/api/v1/pods")["items"]:
            node = (pod.get("spec") or {}).get("nodeName")
            if node not in self.host_ips:
                continue
            metadata = pod["metadata"]
            path = f"/api/v1/namespaces/{metadata['namespace']}/pods/{urllib.parse.quote(metadata['name'])}"
            try:
                if metadata.get("deletionTimestamp"):
                    self.client.request("DELETE", f"{path}?gracePeriodSeconds=0")
                elif not _is_ready(pod):
                    status = ready_status(pod, self._address(metadata["uid"]), self.host_ips[node])
                    self.client.request(
                        "PATCH", f"{path}/status", {"status": status}, content_type="application/merge-patch+json"
                    )
                    self.reported.add(metadata["uid"])
            except ApiError as error:
                if error.status not in (404, 409):
                    raise


__all__ = [
    "DEFAULT_NODES",
    "GPU_TAINT",
    "NODE_SUBSTITUTIONS",
    "BoundPodStandIn",
    "NodeProfileError",
    "NodeSpec",
    "load_profile",
    "parse_profile",
    "register_nodes",
]
