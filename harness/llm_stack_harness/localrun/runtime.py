"""The local runtime of the synthesized stack: real vLLM (CPU, the tiny model), Prometheus with the scrape job the
Prometheus Operator would make from the PodMonitor and the stack's rules, and Arize Phoenix for the spans.

- vLLM runs with the ``command``, ``args`` and ``env`` of the InferenceService's ``kserve-container``, changed only as
  :data:`.vllm.LOCAL_SUBSTITUTIONS` says.
- The ScaledObject's Prometheus query is evaluated as written; :func:`.manifests.keda_desired_replicas` turns its
  value into the replica count KEDA's HPA would ask for.
- vLLM's OTLP spans go to a real Phoenix, read back through Phoenix's REST API.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from llm_inference_stack.facts import kserve

from ..base.errors import HarnessError
from ..base.installs import Installs, installed_vllm_version
from ..base.manifests import (
    PREDICTOR_CONTAINER_NAME,
    JsonDict,
    SynthesizedStack,
    name_of,
    namespace_of,
    option_value,
)
from ..base.processes import ManagedProcess, base_env, free_port, wait_until_ready
from ..base.vllm import LocalCommand, localize_vllm_container, vllm_environment

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
PROMETHEUS_OPERATOR_DEFAULT_INTERVAL = "30s"


def parse_duration_s(text: str) -> float:
    """Seconds in a Prometheus duration such as ``15s`` or ``1m30s``."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise HarnessError(f"not a Prometheus duration: {text!r}")
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
        raise HarnessError(f"podMetricsEndpoints[0] fields not reproduced locally: {unsupported}")
    stack.metrics_container_port()  # the port name must resolve to the port vLLM serves on
    pod_monitor = stack.pod_monitor
    job = f"{namespace_of(pod_monitor)}/{name_of(pod_monitor)}"
    job_label = pod_monitor["spec"].get("jobLabel")
    if job_label:
        raise HarnessError("PodMonitor jobLabel takes the job from a pod label: not reproduced locally")
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
                    "pod": f"{kserve.predictor_name(name_of(stack.inference_service))}-local",
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


def _has_tracing(stack: SynthesizedStack) -> bool:
    env_keys = [k for k in stack.env if k.startswith("OTEL_EXPORTER_OTLP") and k.endswith("ENDPOINT")]
    return option_value(stack.args, "--otlp-traces-endpoint") is not None or bool(env_keys)


@dataclasses.dataclass(frozen=True)
class LocalModel:
    """One InferenceService's vLLM: the synthesized stack it comes from, its loopback port and local command."""

    stack: SynthesizedStack
    port: int
    command: LocalCommand

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class LocalStack:
    """vLLM, Prometheus and (when a container traces) Phoenix, started from synthesized stacks.

    ``stack`` is the first model; ``others`` are further InferenceServices of the same manifests (a fleet): each gets
    its own vLLM, all traced into the one Phoenix and scraped by the one Prometheus. ``phoenix`` (default: when a
    container traces) starts Phoenix also for a gateway that traces. Use as a context manager, or
    call :meth:`close` in a ``finally``/finalizer: it stops every process this object started (and nothing else),
    also after a failed start.
    """

    def __init__(
        self,
        stack: SynthesizedStack,
        installs: Installs,
        *,
        model_dir: Path,
        work_dir: Path,
        others: Sequence[SynthesizedStack] = (),
        phoenix: bool | None = None,
    ) -> None:
        self.stack = stack
        self.installs = installs
        self.model_dir = model_dir
        self.work_dir = work_dir
        self.tracing = phoenix if phoenix is not None else any(_has_tracing(s) for s in (stack, *others))
        """Whether Phoenix runs: ``phoenix``, by default when a model's container traces."""
        self.prometheus_port = free_port()
        self.phoenix_port = free_port() if self.tracing else None
        self.phoenix_grpc_port = free_port() if self.tracing else None
        self.models = [self._localize(s) for s in (stack, *others)]
        """Every model's vLLM, the first one being ``stack``'s."""
        self.processes: dict[str, ManagedProcess] = {}

    def _localize(self, stack: SynthesizedStack) -> LocalModel:
        port = free_port()
        command = localize_vllm_container(
            stack,
            vllm_python=self.installs.vllm_python,
            model_dir=self.model_dir,
            port=port,
            phoenix_grpc_port=self.phoenix_grpc_port,
            phoenix_http_port=self.phoenix_port,
        )
        return LocalModel(stack, port, command)

    @property
    def vllm_port(self) -> int:
        return self.models[0].port

    @property
    def command(self) -> LocalCommand:
        return self.models[0].command

    @property
    def vllm_url(self) -> str:
        return self.models[0].url

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{self.prometheus_port}"

    @property
    def phoenix_url(self) -> str | None:
        return f"http://127.0.0.1:{self.phoenix_port}" if self.phoenix_port else None

    def _start(self, name: str, argv: Sequence[str], env: Mapping[str, str], work_dir: Path) -> ManagedProcess:
        work_dir.mkdir(parents=True, exist_ok=True)
        process = ManagedProcess(name, argv, env=env, log_path=work_dir / f"{name}.log", cwd=work_dir)
        self.processes[name] = process
        return process

    def start(self, timeout_s: float = 300.0) -> None:
        """Start all processes, then wait until each answers its health endpoint."""
        installed = installed_vllm_version(self.installs)
        for model in self.models:
            model.stack.check_image_matches(installed)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        waits: dict[ManagedProcess, str] = {}
        if self.tracing:
            phoenix_env = base_env() | {
                "PHOENIX_WORKING_DIR": str(self.work_dir / "phoenix"),
                "PHOENIX_HOST": "127.0.0.1",
                "PHOENIX_PORT": str(self.phoenix_port),
                "PHOENIX_GRPC_PORT": str(self.phoenix_grpc_port),
                "PHOENIX_TELEMETRY_ENABLED": "false",
            }
            phoenix = self._start("phoenix", [str(self.installs.phoenix), "serve"], phoenix_env, self.work_dir)
            waits[phoenix] = f"{self.phoenix_url}/healthz"
        for index, model in enumerate(self.models):
            isvc = model.stack.inference_service
            name = "vllm" if index == 0 else f"vllm-{namespace_of(isvc)}-{name_of(isvc)}"
            work_dir = self.work_dir if index == 0 else self.work_dir / name
            vllm = self._start(name, model.command.argv, vllm_environment(model.command, work_dir), work_dir)
            waits[vllm] = f"{model.url}/health"
        configs = [prometheus_config(m.stack, vllm_port=m.port) for m in self.models]
        config = configs[0] | {"scrape_configs": [job for c in configs for job in c["scrape_configs"]]}
        config_file = self.work_dir / "prometheus.yml"
        config_file.write_text(json.dumps(config, indent=2))
        if self.stack.prometheus_rules:
            (self.work_dir / RULES_FILE).write_text(json.dumps({"groups": self.stack.rule_groups()}, indent=2))
        prometheus_argv = [
            str(self.installs.prometheus),
            f"--config.file={config_file}",
            f"--storage.tsdb.path={self.work_dir / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{self.prometheus_port}",
        ]
        prometheus = self._start("prometheus", prometheus_argv, base_env(), self.work_dir)
        waits[prometheus] = f"{self.prometheus_url}/-/ready"
        wait_until_ready(waits, timeout_s)

    def check_alive(self) -> None:
        """Raise naming the first process that has exited, with its log tail."""
        for process in self.processes.values():
            code = process.exit_code()
            if code is not None:
                raise HarnessError(f"{process.name} exited ({code}); {process.log_path}:\n{process.log_tail(20)}")

    def close(self) -> None:
        """Stop every started process (reverse order); never raises for one that already ended."""
        for process in reversed(list(self.processes.values())):
            process.stop()

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
