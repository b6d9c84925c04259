"""The model behind the default gateway: the real vLLM (CPU, a tiny model) standing in for each predictor Service.

KServe (Standard mode) gives each InferenceService a Service ``<isvc>-predictor`` on port 80 that forwards to the
predictor pods' container port (8080). Here, per InferenceService of the manifests:

- vLLM runs as :func:`..base.vllm.localize_vllm_container` makes the synthesized container into a local command
  (the tiny model, a free loopback port: the substitutions listed in :data:`..base.vllm.LOCAL_SUBSTITUTIONS`).
  InferenceServices whose containers differ only in their served model name (and ``OTEL_SERVICE_NAME``) share one
  vLLM started with all their names (``--served-model-name a b``): two vLLM processes do not fit a small machine;
- the predictor Service of *each* InferenceService is an address of its own on the sandbox's Pod bridge (its
  "ClusterIP"), where a small relay listens on the Service's port and forwards each request to vLLM, as kube-proxy
  forwards port 80 to the container port. The relay records the request line, headers and body ``model`` it
  forwards, so a check can see which predictor Service received a request and what it received from Envoy
  (vLLM itself logs no headers);
- :meth:`ModelUpstreams.hosts` maps each Service's cluster DNS name to its address, for the Envoy Pod's
  ``/etc/hosts`` (:class:`.dataplane.GatewayDataPlane` ``upstreams``).

Only the Service's name and port come from KServe's conventions, not from the gateway's ``Backend``: a Backend that
names another host or port reaches nothing, as in a cluster. vLLM's spans go to the Phoenix the caller runs
(``phoenix_grpc_port``), or, without one, to the synthesized OTLP endpoint, where nothing listens in the sandbox
(the export then fails in the background only).
"""

from __future__ import annotations

import dataclasses
import http.client
import http.server
import json
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from llm_inference_stack.facts import kserve

from ..base.errors import HarnessError
from ..base.manifests import SynthesizedStack, find_objects
from ..base.processes import ManagedProcess, free_port, wait_until_ready
from ..base.substitutions import register
from ..base.vllm import LocalCommand, localize_vllm_container, unexplained_differences, vllm_environment
from .kube import JsonDict
from .pods import BRIDGE, POD_SUBNET_PREFIX, PodNetwork

PREDICTOR_SERVICE_PORT = kserve.PREDICTOR_SERVICE_PORT
SERVICE_ADDRESS_FIRST = 200
"""Predictor Services get the bridge addresses ``10.244.1.200`` and up (Pods count up from ``.2``)."""
UPSTREAM_SUBSTITUTIONS = register("model servers", (
    ("each InferenceService's predictor Service (<isvc>-predictor.<ns>.svc.cluster.local, port 80) is an address "
     f"on the Pod bridge ({POD_SUBNET_PREFIX}{SERVICE_ADDRESS_FIRST}+) where a relay forwards to the real vLLM "
     "(CPU, the tiny model, on a loopback port) and records the request headers it forwards",
     "no kube-proxy or predictor pods without nodes; vLLM logs no request headers"),
    ("InferenceServices whose containers differ only in --served-model-name (and OTEL_SERVICE_NAME) share one vLLM "
     "started with all their names (--served-model-name a b) and the first one's OTEL_SERVICE_NAME; each keeps its "
     "own predictor Service address and relay, so which Service a request reached stays visible. vLLM answers "
     "every such request with the first name in `model`",
     "two vLLM processes do not fit the 2-core machine"),
))  # fmt: skip
SHARED_ENV = ("OTEL_SERVICE_NAME",)
"""Container env that may differ between InferenceServices sharing one vLLM (each model names its own service)."""

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


@dataclasses.dataclass(frozen=True)
class SeenRequest:
    """A request as the model server received it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    model: str | None = None
    """The ``model`` of a JSON request body (what the gateway routed on), if any."""

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
        self.server.seen.append(SeenRequest(self.command, self.path, tuple(self.headers.items()), _body_model(body)))
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


def _body_model(body: bytes) -> str | None:
    try:
        document = json.loads(body) if body.lstrip().startswith(b"{") else None
    except ValueError:
        return None
    model = document.get("model") if isinstance(document, dict) else None
    return model if isinstance(model, str) else None


@dataclasses.dataclass
class ModelUpstream:
    """One InferenceService's predictor: its relay on the Service's address, and the vLLM behind it (which several
    InferenceServices may share, see :data:`UPSTREAM_SUBSTITUTIONS`)."""

    inference_service: str
    namespace: str
    served_model_name: str
    address: str
    vllm: ManagedProcess
    relay: _RelayServer
    seen: list[SeenRequest]
    """Every request this predictor Service received, in order."""

    @property
    def service_host(self) -> str:
        return kserve.predictor_host(self.inference_service, self.namespace)


@dataclasses.dataclass(frozen=True)
class _Localized:
    name: str
    namespace: str
    stack: SynthesizedStack
    command: LocalCommand
    port: int


@dataclasses.dataclass
class _Vllm:
    process: ManagedProcess
    port: int
    names: tuple[str, ...]
    started: float
    ready: bool = False


def _served_name_index(args: Sequence[str]) -> int:
    return list(args).index("--served-model-name") + 1


def _sharing_key(local: _Localized) -> tuple[str, ...]:
    """What must be equal for InferenceServices to share one vLLM: the command with the served name, the port and
    :data:`SHARED_ENV` left out."""
    args = list(local.command.args)
    args[_served_name_index(args)] = ""
    args = ["" if a == str(local.port) else a for a in args]
    env = sorted(f"{k}={v}" for k, v in local.command.env.items() if k not in SHARED_ENV)
    return (*local.command.command_rest, *args, *env)


class ModelUpstreams:
    """vLLM for the InferenceServices of the manifests (one per group that can share it), started once and kept for
    the next set of manifests that runs the same one (vLLM takes ~30-40 s to start); a relay per predictor Service."""

    def __init__(
        self,
        vllm_python: Path,
        model_dir: Path,
        vllm_version: str,
        *,
        work_dir: Path,
        network: PodNetwork,
        phoenix_grpc_port: int | None = None,
        log: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.vllm_python = vllm_python
        self.model_dir = model_dir
        self.vllm_version = vllm_version
        self.work_dir = work_dir
        self.network = network
        self.phoenix_grpc_port = phoenix_grpc_port
        """Phoenix's OTLP gRPC port on loopback, where vLLM's spans go (:data:`..base.vllm.LOCAL_SUBSTITUTIONS`)."""
        self.log = log
        self._vllms: dict[tuple[str, ...], _Vllm] = {}
        self._relays: dict[tuple[str, str, int], ModelUpstream] = {}
        self.current: list[ModelUpstream] = []

    def _localize(self, objects: Sequence[JsonDict]) -> list[_Localized]:
        out = []
        for isvc in find_objects(objects, "InferenceService"):
            name, namespace = isvc["metadata"]["name"], isvc["metadata"]["namespace"]
            stack = SynthesizedStack.from_objects(objects, name)
            stack.check_image_matches(self.vllm_version)
            port = free_port()
            command = localize_vllm_container(
                stack, vllm_python=self.vllm_python, model_dir=self.model_dir, port=port,
                phoenix_grpc_port=self.phoenix_grpc_port, phoenix_http_port=None,
            )  # fmt: skip
            problems = unexplained_differences(stack, command)
            if problems:
                raise HarnessError("the local vLLM differs from the container: " + "; ".join(problems))
            out.append(_Localized(name, namespace, stack, command, port))
        return out

    def _groups(self, objects: Sequence[JsonDict]) -> tuple[list[_Localized], dict[tuple[str, ...], list[_Localized]]]:
        localized = self._localize(objects)
        groups: dict[tuple[str, ...], list[_Localized]] = {}
        for local in localized:
            groups.setdefault(_sharing_key(local), []).append(local)
        return localized, {(*key, *[m.stack.served_model_name for m in members]): members
                           for key, members in groups.items()}  # fmt: skip

    def start(self, objects: Sequence[JsonDict]) -> None:
        """Start the vLLM processes these manifests need, without waiting for them (:meth:`serve` waits)."""
        for key, members in self._groups(objects)[1].items():
            if key not in self._vllms:
                self._vllms[key] = self._start_vllm(members[0], [m.stack.served_model_name for m in members])

    def serve(self, objects: Sequence[JsonDict], timeout_s: float = 300.0) -> list[ModelUpstream]:
        """The upstreams of these manifests' InferenceServices, started where not already running, once ready."""
        self.network.ensure_bridge()
        self.start(objects)
        localized, groups = self._groups(objects)
        chosen: dict[tuple[str, str], ModelUpstream] = {}
        for key, members in groups.items():
            vllm = self._vllms[key]
            self._wait_ready(vllm, timeout_s)
            for member in members:
                relay_key = (member.name, member.namespace, vllm.port)
                if relay_key not in self._relays:
                    self._relays[relay_key] = self._start_relay(member, vllm.process, vllm.port)
                chosen[(member.name, member.namespace)] = self._relays[relay_key]
        self.current = [chosen[(m.name, m.namespace)] for m in localized]
        return self.current

    def _start_vllm(self, first: _Localized, names: Sequence[str]) -> _Vllm:
        work = self.work_dir / f"{first.namespace}-{first.name}-{len(self._vllms)}"
        work.mkdir(parents=True, exist_ok=True)
        argv = list(first.command.argv)
        at = len(argv) - len(first.command.args) + _served_name_index(first.command.args)
        argv[at : at + 1] = list(names)
        process = ManagedProcess(
            f"vllm {first.namespace}/{first.name}",
            argv,
            env=vllm_environment(first.command, work),
            log_path=work / "vllm.log",
            cwd=work,
        )
        return _Vllm(process, first.port, tuple(names), time.monotonic())

    def _wait_ready(self, vllm: _Vllm, timeout_s: float) -> None:
        if vllm.ready:
            return
        try:
            wait_until_ready({vllm.process: f"http://127.0.0.1:{vllm.port}/health"}, timeout_s)
        except Exception:
            vllm.process.stop(grace_s=5.0)
            raise
        vllm.ready = True
        served = " ".join(vllm.names)
        self.log(f"vLLM serving {served} ready on 127.0.0.1:{vllm.port} ({time.monotonic() - vllm.started:.1f} s)")

    def _start_relay(self, member: _Localized, vllm: ManagedProcess, port: int) -> ModelUpstream:
        address = f"{POD_SUBNET_PREFIX}{SERVICE_ADDRESS_FIRST + len(self._relays)}"
        subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", BRIDGE], check=True, capture_output=True)
        seen: list[SeenRequest] = []
        relay = _RelayServer((address, PREDICTOR_SERVICE_PORT), port, seen)
        threading.Thread(target=relay.serve_forever, name=f"relay {address}", daemon=True).start()
        return ModelUpstream(member.name, member.namespace, member.stack.served_model_name, address, vllm, relay, seen)

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
                raise HarnessError(f"{upstream.vllm.name} exited ({code}):\n{upstream.vllm.log_tail(20)}")

    def close(self) -> None:
        for upstream in self._relays.values():
            upstream.relay.shutdown()
            upstream.relay.server_close()
        for vllm in self._vllms.values():
            vllm.process.stop(grace_s=10.0)
        self._relays.clear()
        self._vllms.clear()
        self.current = []
