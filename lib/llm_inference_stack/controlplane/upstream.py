"""The model behind the default gateway: the real vLLM (CPU, a tiny model) standing in for each predictor Service.

KServe (Standard mode) gives each InferenceService a Service ``<isvc>-predictor`` on port 80 that forwards to the
predictor pods' container port (8080). Here, per InferenceService of the manifests:

- vLLM runs as :func:`..localrun.vllm.localize_vllm_container` makes the synthesized container into a local command
  (the tiny model, a free loopback port: the substitutions listed in :data:`..localrun.vllm.LOCAL_SUBSTITUTIONS`);
- the predictor Service is an address of its own on the sandbox's Pod bridge (its "ClusterIP"), where a small
  relay listens on the Service's port and forwards each request to vLLM, as kube-proxy forwards port 80 to the
  container port. The relay records the request line and headers it forwards, so a check can see what the model
  server received from Envoy (vLLM itself logs no headers);
- :meth:`ModelUpstreams.hosts` maps the Service's cluster DNS name to that address, for the Envoy Pod's
  ``/etc/hosts`` (:class:`.dataplane.GatewayDataPlane` ``upstreams``).

Only the Service's name and port come from KServe's conventions, not from the gateway's ``Backend``: a Backend that
names another host or port reaches nothing, as in a cluster. No Phoenix runs here: vLLM's spans go to the
synthesized OTLP endpoint, where nothing listens in the sandbox (the export fails in the background only).
"""

from __future__ import annotations

import dataclasses
import http.client
import http.server
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..localrun import (
    LocalCommand,
    LocalRunError,
    ManagedProcess,
    SynthesizedStack,
    find_objects,
    free_port,
    localize_vllm_container,
    unexplained_differences,
    vllm_environment,
    wait_until_ready,
)
from .kube import JsonDict
from .pods import BRIDGE, POD_SUBNET_PREFIX, PodNetwork

PREDICTOR_SERVICE_PORT = 80
"""The port of KServe's predictor Service (Standard mode); it forwards to the container port."""
SERVICE_ADDRESS_FIRST = 200
"""Predictor Services get the bridge addresses ``10.244.1.200`` and up (Pods count up from ``.2``)."""
UPSTREAM_SUBSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("each InferenceService's predictor Service (<isvc>-predictor.<ns>.svc.cluster.local, port 80) is an address "
     f"on the Pod bridge ({POD_SUBNET_PREFIX}{SERVICE_ADDRESS_FIRST}+) where a relay forwards to the real vLLM "
     "(CPU, the tiny model, on a loopback port) and records the request headers it forwards",
     "no kube-proxy or predictor pods without nodes; vLLM logs no request headers"),
)  # fmt: skip

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


@dataclasses.dataclass(frozen=True)
class SeenRequest:
    """A request as the model server received it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


class _RelayServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], target_port: int, seen: list[SeenRequest]) -> None:
        super().__init__(address, _RelayHandler)
        self.target_port = target_port
        self.seen = seen


class _RelayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _RelayServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _relay(self) -> None:
        body = self._body()
        self.server.seen.append(SeenRequest(self.command, self.path, tuple(self.headers.items())))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"content-length"}}
        headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.target_port, timeout=600)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP | {"content-length", "date", "server"}:
                    self.send_header(key, value)
            length = response.getheader("Content-Length")
            if length is not None:
                self.send_header("Content-Length", length)
                self.end_headers()
                self.wfile.write(response.read())
                return
            self.send_header("Transfer-Encoding", "chunked")  # streamed answers stay streamed
            self.end_headers()
            while chunk := response.read1(65536):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        finally:
            upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = _relay


@dataclasses.dataclass
class ModelUpstream:
    """One InferenceService's predictor: vLLM and the relay on the Service's address."""

    inference_service: str
    namespace: str
    served_model_name: str
    address: str
    vllm: ManagedProcess
    relay: _RelayServer
    seen: list[SeenRequest]

    @property
    def service_host(self) -> str:
        return f"{self.inference_service}-predictor.{self.namespace}.svc.cluster.local"


class ModelUpstreams:
    """vLLM for each InferenceService of the manifests, started once per distinct local command and kept for the
    next set of manifests that runs the same one (vLLM takes ~30-40 s to start)."""

    def __init__(
        self,
        vllm_python: Path,
        model_dir: Path,
        vllm_version: str,
        *,
        work_dir: Path,
        network: PodNetwork,
        log: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.vllm_python = vllm_python
        self.model_dir = model_dir
        self.vllm_version = vllm_version
        self.work_dir = work_dir
        self.network = network
        self.log = log
        self._running: dict[tuple[str, ...], ModelUpstream] = {}
        self.current: list[ModelUpstream] = []

    def serve(self, objects: Sequence[JsonDict], timeout_s: float = 300.0) -> list[ModelUpstream]:
        """The upstreams of these manifests' InferenceServices, started where not already running."""
        self.network.ensure_bridge()
        self.current = []
        for isvc in find_objects(objects, "InferenceService"):
            name, namespace = isvc["metadata"]["name"], isvc["metadata"]["namespace"]
            stack = SynthesizedStack.from_objects(objects, name)
            stack.check_image_matches(self.vllm_version)
            port = free_port()
            command = localize_vllm_container(
                stack, vllm_python=self.vllm_python, model_dir=self.model_dir, port=port,
                phoenix_grpc_port=None, phoenix_http_port=None,
            )  # fmt: skip
            problems = unexplained_differences(stack, command)
            if problems:
                raise LocalRunError("the local vLLM differs from the container: " + "; ".join(problems))
            key = (name, namespace, *command.command_rest, *[a for a in command.args if a != str(port)],
                   *sorted(f"{k}={v}" for k, v in command.env.items()))  # fmt: skip
            if key not in self._running:
                self._running[key] = self._start(name, namespace, stack, command, port, timeout_s)
            self.current.append(self._running[key])
        return self.current

    def _start(
        self, name: str, namespace: str, stack: SynthesizedStack, command: LocalCommand, port: int, timeout_s: float
    ) -> ModelUpstream:
        work = self.work_dir / f"{namespace}-{name}-{len(self._running)}"
        work.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        vllm = ManagedProcess(
            f"vllm {namespace}/{name}",
            command.argv,
            env=vllm_environment(command, work),
            log_path=work / "vllm.log",
            cwd=work,
        )
        try:
            wait_until_ready({vllm: f"http://127.0.0.1:{port}/health"}, timeout_s)
        except Exception:
            vllm.stop(grace_s=5.0)
            raise
        self.log(f"vLLM for {namespace}/{name} ready on 127.0.0.1:{port} ({time.monotonic() - started:.1f} s)")
        address = f"{POD_SUBNET_PREFIX}{SERVICE_ADDRESS_FIRST + len(self._running)}"
        subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", BRIDGE], check=True, capture_output=True)
        seen: list[SeenRequest] = []
        relay = _RelayServer((address, PREDICTOR_SERVICE_PORT), port, seen)
        threading.Thread(target=relay.serve_forever, name=f"relay {address}", daemon=True).start()
        return ModelUpstream(name, namespace, stack.served_model_name, address, vllm, relay, seen)

    def hosts(self) -> dict[str, str]:
        """Cluster DNS name of each current predictor Service -> its address here."""
        return {
            host: upstream.address
            for upstream in self.current
            for host in (upstream.service_host, upstream.service_host + ".")
        }

    def check_alive(self) -> None:
        for upstream in self.current:
            code = upstream.vllm.exit_code()
            if code is not None:
                raise LocalRunError(f"{upstream.vllm.name} exited ({code}):\n{upstream.vllm.log_tail(20)}")

    def close(self) -> None:
        for upstream in self._running.values():
            upstream.relay.shutdown()
            upstream.relay.server_close()
            upstream.vllm.stop(grace_s=10.0)
        self._running.clear()
        self.current = []
