"""The Service proxy sends each connection to a ready endpoint of the Service's EndpointSlices, at the slice's port,
and closes it when there is none (:mod:`llm_stack_harness.controlplane.service_proxy`). On loopback addresses:
``127.0.0.0/8`` is local already, so no address is added."""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from llm_stack_harness.controlplane.service_proxy import ServiceProxy

CLUSTER_IP = "127.0.0.77"


class _Named(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = self.server.server_address[0].encode()  # type: ignore[union-attr]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _server(address: str) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer((address, 0), _Named)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Client:
    """The two lists the proxy reads, as the API server answers them."""

    def __init__(self, services: list[dict[str, Any]], slices: list[dict[str, Any]]) -> None:
        self.services, self.slices = services, slices

    def request(self, method: str, path: str) -> dict[str, Any]:
        assert method == "GET"
        return {"items": self.services if path == "/api/v1/services" else self.slices}


def _service(name: str, port: int, ip: str = CLUSTER_IP) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns"},
            "spec": {"clusterIP": ip, "ports": [{"name": "http", "port": port, "targetPort": 8080}]}}  # fmt: skip


def _slice(service: str, port: int, endpoints: list[tuple[str, bool]]) -> dict[str, Any]:
    return {
        "metadata": {"namespace": "ns", "labels": {"kubernetes.io/service-name": service}},
        "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
        "endpoints": [{"addresses": [a], "conditions": {"ready": ready}} for a, ready in endpoints],
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((CLUSTER_IP, 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def pods() -> Iterator[list[http.server.ThreadingHTTPServer]]:
    # Two "Pods" on one port (as a container port is the same in every Pod of a Deployment), a third not ready.
    first = _server("127.0.0.11")
    port = first.server_address[1]
    servers = [first]
    for address in ("127.0.0.12", "127.0.0.13"):
        server = http.server.ThreadingHTTPServer((address, port), _Named)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def _post(port: int, model: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(CLUSTER_IP, port, timeout=10)
    try:
        connection.request("POST", "/v1/chat/completions", body=json.dumps({"model": model}),
                           headers={"x-client-id": "c1"})  # fmt: skip
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_connections_go_to_ready_endpoints_only_round_robin(pods: list[http.server.ThreadingHTTPServer]) -> None:
    target = pods[0].server_address[1]
    port = _free_port()
    endpoints = [("127.0.0.11", True), ("127.0.0.12", True), ("127.0.0.13", False)]
    client = _Client([_service("model-predictor", port)], [_slice("model-predictor", target, endpoints)])
    proxy = ServiceProxy(client, add_address=lambda _address: None)  # type: ignore[arg-type]
    proxy.sync()
    try:
        answered = [_post(port, f"m{i}")[1] for i in range(4)]
        assert answered == ["127.0.0.11", "127.0.0.12", "127.0.0.11", "127.0.0.12"]  # never the unready one
        seen = proxy.seen("ns", "model-predictor")
        assert [r.model for r in seen] == ["m0", "m1", "m2", "m3"]
        assert seen[0].method == "POST" and seen[0].path == "/v1/chat/completions"
        assert seen[0].header("x-client-id") == ["c1"]
        assert proxy.hosts()["model-predictor.ns.svc.cluster.local"] == CLUSTER_IP
    finally:
        proxy.close()


def test_a_service_without_a_ready_endpoint_gets_its_connections_closed(
    pods: list[http.server.ThreadingHTTPServer],
) -> None:
    target = pods[0].server_address[1]
    port = _free_port()
    client = _Client([_service("idle-predictor", port)], [_slice("idle-predictor", target, [("127.0.0.13", False)])])
    proxy = ServiceProxy(client, add_address=lambda _address: None)  # type: ignore[arg-type]
    proxy.sync()
    try:
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            _post(port, "m")
        assert proxy.refused == {("ns", "idle-predictor"): 1} and not proxy.connections
        assert proxy.seen("ns", "idle-predictor") == []
        # Once the EndpointSlice controller marks the endpoint ready, traffic flows to it.
        client.slices = [_slice("idle-predictor", target, [("127.0.0.13", True)])]
        proxy.sync()
        assert _post(port, "m") == (200, "127.0.0.13")
    finally:
        proxy.close()
