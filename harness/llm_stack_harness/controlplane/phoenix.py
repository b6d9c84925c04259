"""The real Arize Phoenix in the sandbox, where the default gateway's traces are sent.

The AI Gateway's pod mutator copies the GatewayConfig's env (:class:`..observability.GatewayTracing`) into the
external processor it injects into the Envoy Pod; the processor exports its OpenInference spans over OTLP/HTTP to
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` with the resource attributes of ``OTEL_RESOURCE_ATTRIBUTES`` (the Phoenix
project). Here Phoenix (``scripts/e2e/install.sh``'s venv) listens on an address of its own on the Pod bridge, on
the endpoint's port, and the endpoint's cluster name resolves to that address in the Envoy Pod's ``/etc/hosts``
(:meth:`SandboxPhoenix.hosts_for`): the external processor runs with the env exactly as the mutator wrote it.
vLLM's spans reach the same Phoenix over OTLP gRPC on loopback (:data:`..base.vllm.LOCAL_SUBSTITUTIONS`).
Spans are read back through Phoenix's REST API (:func:`..base.telemetry.phoenix_spans`).
"""

from __future__ import annotations

import os
import re
import subprocess
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from llm_inference_stack.facts import opentelemetry
from llm_inference_stack.facts import phoenix as phoenix_facts

from ..base.errors import HarnessError
from ..base.processes import ManagedProcess, free_port, wait_until_ready
from ..base.substitutions import register
from ..base.telemetry import phoenix_spans
from .pods import BRIDGE, POD_SUBNET_PREFIX, PodNetwork

PHOENIX_ADDRESS = f"{POD_SUBNET_PREFIX}250"
"""Phoenix's address on the Pod bridge (its Service's "ClusterIP")."""
PROJECT_ATTRIBUTE = "openinference.project.name"

PHOENIX_SUBSTITUTIONS = register("Phoenix", (
    ("the gateway's OTLP endpoint (the GatewayConfig's OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), when it names the "
     f"Phoenix chart's Service ({phoenix_facts.SERVICE_NAME}.<namespace>[.svc[.cluster.local]]) on port "
     f"{phoenix_facts.HTTP_PORT}, resolves in the Envoy Pod to the real Phoenix in the sandbox at {PHOENIX_ADDRESS}",
     "no Phoenix Deployment, Service or cluster DNS without nodes; the env stays as the mutator wrote it"),
    ("the model Pods' OTLP endpoint (vLLM's --otlp-traces-endpoint), when it names the Phoenix chart's Service, "
     f"resolves in their /etc/hosts to the same Phoenix at {PHOENIX_ADDRESS}, serving OTLP gRPC on that endpoint's "
     "port", "no Phoenix Deployment, Service or cluster DNS without nodes; the Pod's args stay as KServe wrote them"),
))  # fmt: skip


class PhoenixError(HarnessError):
    """Phoenix could not be started."""


def gateway_otlp_endpoint(objects: Sequence[Mapping[str, Any]]) -> str | None:
    """Where the AI Gateway's external processor sends spans: the GatewayConfig's traces endpoint (or the generic
    endpoint with ``/v1/traces``, as the OpenTelemetry SDK derives it)."""
    env = _gateway_env(objects)
    if env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return env["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + opentelemetry.TRACES_PATH
    return None


def trace_project(objects: Sequence[Mapping[str, Any]]) -> str | None:
    """The Phoenix project the gateway's spans carry (``openinference.project.name`` of its resource attributes)."""
    for pair in _gateway_env(objects).get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, _, value = pair.partition("=")
        if key.strip() == PROJECT_ATTRIBUTE:
            return urllib.parse.unquote(value.strip())
    return None


def _gateway_env(objects: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    for config in objects:
        if config.get("kind") == "GatewayConfig":
            env = ((config.get("spec") or {}).get("extProc") or {}).get("kubernetes", {}).get("env") or []
            return {e["name"]: e["value"] for e in env if "value" in e}
    return {}


_SERVICE_HOST = re.compile(
    rf"{re.escape(phoenix_facts.SERVICE_NAME)}\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.svc(\.cluster\.local)?)?\.?"
)


def is_phoenix_service(host: str) -> bool:
    """Whether ``host`` is the Phoenix chart's Service as a Pod in another namespace names it:
    ``phoenix-svc.<namespace>``, with ``.svc`` or ``.svc.cluster.local``. Anything else (an address, a typo, another
    Service) reaches no Phoenix from the Envoy Pod, in a cluster as here."""
    return _SERVICE_HOST.fullmatch(host) is not None


class SandboxPhoenix:
    """Phoenix on :data:`PHOENIX_ADDRESS` (HTTP on ``http_port``, OTLP gRPC on a free port). :meth:`start` does not
    wait; :meth:`wait_ready` does. :meth:`close` stops it (by its process group)."""

    def __init__(
        self,
        phoenix: Path,
        *,
        work_dir: Path,
        network: PodNetwork,
        http_port: int = phoenix_facts.HTTP_PORT,
        grpc_port: int | None = None,
        log: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.phoenix = phoenix
        self.work_dir = work_dir
        self.network = network
        self.http_port = http_port
        self.grpc_port = grpc_port or free_port()
        """Where OTLP gRPC is served (the model Pods' endpoint's port, given; a free one otherwise)."""
        self.log = log
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://{PHOENIX_ADDRESS}:{self.http_port}"

    def start(self) -> None:
        self.network.ensure_bridge()
        # "replace": the address stays on the bridge when Phoenix is stopped and started again (a fault run).
        address = ["ip", "addr", "replace", f"{PHOENIX_ADDRESS}/32", "dev", BRIDGE]
        subprocess.run(address, check=True, capture_output=True)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.work_dir),
            "PHOENIX_WORKING_DIR": str(self.work_dir / "data"),
            "PHOENIX_HOST": PHOENIX_ADDRESS,
            "PHOENIX_PORT": str(self.http_port),
            "PHOENIX_GRPC_PORT": str(self.grpc_port),
            "PHOENIX_TELEMETRY_ENABLED": "false",
        }
        self.process = ManagedProcess(
            "phoenix", [str(self.phoenix), "serve"], env=env, log_path=self.work_dir / "phoenix.log", cwd=self.work_dir
        )

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        if self.process is None:
            raise PhoenixError("Phoenix was not started")
        wait_until_ready({self.process: f"{self.url}/healthz"}, timeout_s)
        self.log(f"Phoenix ready at {self.url} (OTLP gRPC on 127.0.0.1:{self.grpc_port})")

    def hosts_for(self, objects: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        """The Envoy Pod's ``/etc/hosts`` entries that make the gateway's OTLP endpoint this Phoenix; none when the
        endpoint is not the Phoenix chart's Service (:func:`is_phoenix_service`) on Phoenix's HTTP port."""
        endpoint = gateway_otlp_endpoint(objects)
        if endpoint is None:
            return {}
        parts = urllib.parse.urlsplit(endpoint)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if not is_phoenix_service(host) or port != self.http_port or parts.scheme != "http":
            return {}
        return {host: PHOENIX_ADDRESS, f"{host}.": PHOENIX_ADDRESS}

    def spans(self, project: str) -> list[dict[str, Any]]:
        """The project's spans (every set of a probe run writes to the same Phoenix)."""
        return phoenix_spans(self.url, project, limit=1000)

    def close(self) -> None:
        if self.process is not None:
            self.process.stop(grace_s=10.0)
            self.process = None


__all__ = ["PHOENIX_SUBSTITUTIONS", "SandboxPhoenix", "gateway_otlp_endpoint", "trace_project"]
