"""Service traffic as kube-proxy sends it: each Service the API server holds with a ClusterIP, on that address and
each of its ports, forwarded connection by connection to a ready endpoint of the Service's EndpointSlices.

:class:`ServiceProxy` polls the API server (every ``interval_s``) for Services and EndpointSlices, as kube-proxy
watches them:

- a Service with a ClusterIP (not ``None``: headless Services get no proxy) gets that address on the sandbox's
  loopback interface and a listener on each TCP port of ``spec.ports``; a Service that is gone loses its listeners;
- each connection goes to the next ready endpoint (``conditions.ready``, round robin) of the EndpointSlices labelled
  ``kubernetes.io/service-name=<service>``, at the port the slice gives for the Service port's name (the targetPort
  the EndpointSlice controller resolved from the Pod's container port). With no ready endpoint the connection is
  closed at once, as kube-proxy rejects it, and the client (Envoy) answers 503;
- what the client sends is passed on byte for byte; beside that, the HTTP/1.1 requests in it are parsed (request
  line, headers, the body's ``model``) and recorded per Service (:meth:`ServiceProxy.seen`), so a check can see
  which Service received a request and what it received (vLLM itself logs no headers).

:meth:`ServiceProxy.hosts` maps each Service's cluster DNS names to its ClusterIP, for a Pod's ``/etc/hosts`` (no
cluster DNS here). Nothing in this module names a Service or a port: all come from the API server's objects.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import socket
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llm_inference_stack.facts import kserve

from ..base.errors import HarnessError
from ..base.substitutions import register
from .kube import ApiError, JsonDict, KubeClient

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
INTERFACE = "lo"
"""Where the ClusterIPs are added in the sandbox's network namespace (Pods reach them through their default route
to the sandbox)."""

SUBSTITUTIONS = register("service proxy", (
    ("Service traffic goes through a proxy in the sandbox (controlplane/service_proxy.py): each Service's ClusterIP "
     "(each InferenceService's predictor Service, <isvc>-predictor, among them) is an address on the sandbox's "
     f"{INTERFACE} with a listener on each Service port, forwarding each TCP "
     "connection to a ready endpoint of the Service's EndpointSlices (round robin), at the port the slice gives; "
     "with no ready endpoint the connection is closed (the client answers 503). It records the HTTP requests it "
     "passes on (request line, headers, body model). A Service port a process of the sandbox already holds on every "
     "address (Envoy Gateway's xDS and metrics ports) is not proxied and its names stay where that process "
     "serves",
     "no kube-proxy (iptables/IPVS) without nodes; vLLM logs no request headers"),
    ("Service DNS names (<service>.<namespace>.svc.cluster.local) resolve to their ClusterIP through the Pod's "
     "/etc/hosts", "no cluster DNS"),
))  # fmt: skip


@dataclasses.dataclass(frozen=True)
class SeenRequest:
    """A request as a Service received it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    model: str | None = None
    """The ``model`` of a JSON request body (what the gateway routed on), if any."""

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


@dataclasses.dataclass
class ModelUpstream:
    """One InferenceService's predictor Service as the gateway reaches it, and what that Service received."""

    inference_service: str
    namespace: str
    served_model_name: str
    seen: list[SeenRequest]
    """Every request the predictor Service received, in order."""

    @property
    def service_host(self) -> str:
        return kserve.predictor_host(self.inference_service, self.namespace)


class _RequestParser:
    """The HTTP/1.1 requests in one client stream, parsed as the bytes pass (keep-alive, Content-Length or chunked
    bodies); stops parsing (and keeps forwarding) on anything it does not understand."""

    def __init__(self, record: Callable[[SeenRequest], None]) -> None:
        self.record = record
        self.buffer = b""
        self.broken = False

    def feed(self, data: bytes) -> None:
        if self.broken:
            return
        self.buffer += data
        try:
            while self._one():
                pass
        except (ValueError, IndexError):
            self.broken = True
            self.buffer = b""

    def _one(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        method, path, _version = lines[0].split(" ", 2)
        headers = tuple((k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
        fields = {k.lower(): v for k, v in headers}
        rest = self.buffer[end + 4 :]
        if fields.get("transfer-encoding", "").lower() == "chunked":
            body, used = _dechunk(rest)
            if body is None:
                return False
        else:
            length = int(fields.get("content-length") or 0)
            if len(rest) < length:
                return False
            body, used = rest[:length], length
        self.buffer = rest[used:]
        self.record(SeenRequest(method, path, headers, _body_model(body)))
        return True


def _dechunk(data: bytes) -> tuple[bytes | None, int]:
    chunks: list[bytes] = []
    at = 0
    while True:
        line_end = data.find(b"\r\n", at)
        if line_end < 0:
            return None, 0
        size = int(data[at:line_end].split(b";")[0].strip() or b"0", 16)
        at = line_end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n\r\n", at - 2)
            if trailer_end < 0:
                return None, 0
            return b"".join(chunks), trailer_end + 4
        if len(data) < at + size + 2:
            return None, 0
        chunks.append(data[at : at + size])
        at += size + 2


def _body_model(body: bytes) -> str | None:
    try:
        document = json.loads(body) if body.lstrip().startswith(b"{") else None
    except ValueError:
        return None
    model = document.get("model") if isinstance(document, dict) else None
    return model if isinstance(model, str) else None


@dataclasses.dataclass
class _Listener:
    service: tuple[str, str]
    address: str
    port: int
    port_name: str
    sock: socket.socket


class ServiceProxyError(HarnessError):
    """A Service's ClusterIP or port could not be listened on (the message names the Service)."""


class ServiceProxy:
    """:meth:`start` (a polling thread), :meth:`sync` (one pass, also called by :meth:`start`), :meth:`close`."""

    def __init__(
        self,
        client: KubeClient,
        *,
        interval_s: float = 1.0,
        log: Callable[[str], None] = lambda _message: None,
        add_address: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.add_address = add_address or _add_address
        """Makes a ClusterIP an address of the network namespace (``ip addr add``; a test on loopback gives none)."""
        self.interval_s = interval_s
        self.log = log
        self.services: dict[tuple[str, str], JsonDict] = {}
        """(namespace, name) -> the Service, as last read."""
        self._endpoints: dict[tuple[str, str], dict[str, list[tuple[str, int]]]] = {}
        """(namespace, service) -> Service port name -> the ready (address, port) endpoints."""
        self._seen: dict[tuple[str, str], list[SeenRequest]] = {}
        self._listeners: dict[tuple[str, str, int], _Listener] = {}
        self._addresses: set[str] = set()
        self.unbound: dict[tuple[str, str, int], str] = {}
        """(namespace, service, port) -> why it could not be listened on (a process of the sandbox holds the port on
        every address: Envoy Gateway's xDS, the API server). Such a Service's names are not in :meth:`hosts`."""
        self._turns: dict[tuple[str, str, str], itertools.count[int]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []
        self.connections: dict[tuple[str, str], int] = {}
        """(namespace, service) -> connections forwarded to an endpoint."""
        self.refused: dict[tuple[str, str], int] = {}
        """(namespace, service) -> connections closed for want of a ready endpoint."""

    # -- what the checks read -----------------------------------------------------------------------------------

    def seen(self, namespace: str, name: str) -> list[SeenRequest]:
        """Every HTTP request Service ``namespace/name`` received (the same list for as long as the proxy runs)."""
        with self._lock:
            return self._seen.setdefault((namespace, name), [])

    def hosts(self) -> dict[str, str]:
        """Each Service's cluster DNS names -> its ClusterIP."""
        with self._lock:
            services = list(self.services.values())
            listened = {(k[0], k[1]) for k in self._listeners}
        out: dict[str, str] = {}
        for service in services:
            ip = _cluster_ip(service)
            name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
            if ip is None or (namespace, name) not in listened:
                continue
            for host in (f"{name}.{namespace}.svc.cluster.local", f"{name}.{namespace}.svc", f"{name}.{namespace}"):
                out[host] = ip
                out[f"{host}."] = ip
        return out

    def ready_endpoints(self, namespace: str, name: str) -> dict[str, list[tuple[str, int]]]:
        with self._lock:
            return {k: list(v) for k, v in self._endpoints.get((namespace, name), {}).items()}

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.sync()
        self._thread = threading.Thread(target=self._loop, name="service-proxy", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        with self._lock:
            listeners = list(self._listeners.values())
            self._listeners.clear()
        for listener in listeners:
            with contextlib.suppress(OSError):
                listener.sock.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.sync()
            except (ApiError, OSError, ServiceProxyError) as error:  # the API server stopping; retried
                self.errors = [*self.errors[-9:], str(error)]

    def sync(self) -> None:
        """Read Services and EndpointSlices once; listen for new Services, stop listening for gone ones."""
        services = {
            (s["metadata"]["namespace"], s["metadata"]["name"]): s
            for s in self.client.request("GET", "/api/v1/services")["items"]
        }
        slices = self.client.request("GET", "/apis/discovery.k8s.io/v1/endpointslices")["items"]
        endpoints: dict[tuple[str, str], dict[str, list[tuple[str, int]]]] = {}
        for endpoint_slice in slices:
            service = ((endpoint_slice.get("metadata") or {}).get("labels") or {}).get(SERVICE_NAME_LABEL)
            if not service:
                continue
            key = (endpoint_slice["metadata"]["namespace"], service)
            ready = [
                address
                for endpoint in endpoint_slice.get("endpoints") or []
                if (endpoint.get("conditions") or {}).get("ready") is True
                for address in (endpoint.get("addresses") or [])[:1]
            ]
            by_port = endpoints.setdefault(key, {})
            for port in endpoint_slice.get("ports") or []:
                if port.get("protocol", "TCP") == "TCP" and port.get("port") is not None:
                    by_port.setdefault(port.get("name") or "", []).extend((a, int(port["port"])) for a in ready)
        wanted: dict[tuple[str, str, int], tuple[tuple[str, str], str]] = {}
        for key, service in services.items():
            ip = _cluster_ip(service)
            if ip is None:
                continue
            for port in (service.get("spec") or {}).get("ports") or []:
                if port.get("protocol", "TCP") == "TCP":
                    wanted[(key[0], key[1], int(port["port"]))] = (key, port.get("name") or "")
        with self._lock:
            self.services = services
            self._endpoints = endpoints
            gone = [self._listeners.pop(k) for k in list(self._listeners) if k not in wanted]
            new = [k for k in wanted if k not in self._listeners and k not in self.unbound]
        for listener in gone:
            with contextlib.suppress(OSError):
                listener.sock.close()
        for listen_key in new:
            service_key, port_name = wanted[listen_key]
            ip = _cluster_ip(services[service_key])
            assert ip is not None
            try:
                self._listen(service_key, ip, listen_key[2], port_name)
            except ServiceProxyError as error:
                self.unbound[listen_key] = str(error)
                self.log(str(error))

    # -- forwarding ---------------------------------------------------------------------------------------------

    def _listen(self, service: tuple[str, str], address: str, port: int, port_name: str) -> None:
        if address not in self._addresses:
            self.add_address(address)
            self._addresses.add(address)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
            sock.listen(64)
        except OSError as error:
            sock.close()
            raise ServiceProxyError(
                f"Service {service[0]}/{service[1]}: cannot listen on its ClusterIP {address}:{port}: {error}"
            ) from error
        listener = _Listener(service, address, port, port_name, sock)
        with self._lock:
            self._listeners[(service[0], service[1], port)] = listener
        self.log(f"Service {service[0]}/{service[1]}: {address}:{port} -> its EndpointSlices' ready endpoints")
        threading.Thread(target=self._accept, args=(listener,), name=f"svc {address}:{port}", daemon=True).start()

    def _accept(self, listener: _Listener) -> None:
        while True:
            try:
                client, _peer = listener.sock.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._forward, args=(listener, client), daemon=True).start()

    def _pick(self, listener: _Listener) -> tuple[str, int] | None:
        with self._lock:
            ready = self._endpoints.get(listener.service, {}).get(listener.port_name, [])
            if not ready:
                return None
            turn = self._turns.setdefault((*listener.service, listener.port_name), itertools.count())
            return ready[next(turn) % len(ready)]

    def _forward(self, listener: _Listener, client: socket.socket) -> None:
        target = self._pick(listener)
        counts = self.connections if target is not None else self.refused
        with self._lock:
            counts[listener.service] = counts.get(listener.service, 0) + 1
        if target is None:
            client.close()
            return
        try:
            upstream = socket.create_connection(target, timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        seen = self.seen(*listener.service)
        parser = _RequestParser(seen.append)
        finished: list[bool] = []
        closing = threading.Lock()

        def pump(source: socket.socket, sink: socket.socket, observe: Callable[[bytes], None] | None) -> None:
            try:
                while data := source.recv(65536):
                    if observe is not None:
                        observe(data)
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)
                with closing:
                    finished.append(True)
                    last = len(finished) == 2
                if last:  # both directions ended
                    client.close()
                    upstream.close()

        threading.Thread(target=pump, args=(upstream, client, None), daemon=True).start()
        pump(client, upstream, parser.feed)


def _add_address(address: str) -> None:
    result = subprocess.run(
        ["ip", "addr", "add", f"{address}/32", "dev", INTERFACE], capture_output=True, text=True, check=False
    )
    if result.returncode != 0 and "File exists" not in result.stderr:
        raise ServiceProxyError(f"ip addr add {address}/32 dev {INTERFACE}: {result.stderr.strip()}")


def _cluster_ip(service: Mapping[str, Any]) -> str | None:
    ip = (service.get("spec") or {}).get("clusterIP")
    return str(ip) if ip and ip != "None" else None


def model_upstreams(objects: Sequence[Mapping[str, Any]], proxy: ServiceProxy) -> list[ModelUpstream]:
    """Each InferenceService of ``objects``, with what its predictor Service (KServe's, as the API server holds it)
    received through the proxy."""
    from ..base.manifests import SynthesizedStack, find_objects

    out = []
    listed = [dict(o) for o in objects]
    for isvc in find_objects(listed, "InferenceService"):
        name, namespace = isvc["metadata"]["name"], isvc["metadata"]["namespace"]
        served = SynthesizedStack.from_objects(listed, name).served_model_name
        out.append(ModelUpstream(name, namespace, served, proxy.seen(namespace, kserve.predictor_name(name))))
    return out


__all__ = ["SUBSTITUTIONS", "ModelUpstream", "SeenRequest", "ServiceProxy", "ServiceProxyError", "model_upstreams"]
