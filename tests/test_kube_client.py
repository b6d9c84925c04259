"""The harness's API client over a slow server: a request that gets no answer in time is named, reads are sent once
more, and installing an object sends its POST again (a 409 from an earlier attempt that landed is success).

The server here speaks just enough of the API over TLS (discovery, and POSTs it answers late or with 409) to stall
the client the way a fresh kube-apiserver on a loaded machine does over one large CRD; the real server's answers
are in tests/controlplane/."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llm_stack_harness.controlplane.cluster import CREATE_ATTEMPTS, ControlPlaneError, LocalControlPlane
from llm_stack_harness.controlplane.kube import GET_ATTEMPTS, ApiTimeout, KubeClient
from llm_stack_harness.controlplane.pki import Pki, make_pki

TIMEOUT_S = 0.3
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
}
DISCOVERY: dict[str, Any] = {
    "/apis": {"groups": [{"name": "apiextensions.k8s.io", "versions": [{"version": "v1"}]}]},
    "/api/v1": {"resources": []},
    "/apis/apiextensions.k8s.io/v1": {
        "resources": [{"name": "customresourcedefinitions", "kind": "CustomResourceDefinition", "namespaced": False}]
    },
}


class SlowServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, pki: Pki, *, stall: dict[str, int], conflict_after_stall: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.stall = dict(stall)
        """Per ``METHOD path``: how many of its requests get no answer (longer than the client waits)."""
        self.conflict_after_stall = conflict_after_stall
        self.seen: list[str] = []
        self.release = threading.Event()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(pki.serving_cert), str(pki.serving_key))
        self.socket = context.wrap_socket(self.socket, server_side=True)


class Handler(http.server.BaseHTTPRequestHandler):
    server: SlowServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        key = f"{self.command} {self.path}"
        self.server.seen.append(key)
        if self.server.stall.get(key, 0) > 0:
            self.server.stall[key] -= 1
            self.server.release.wait(10 * TIMEOUT_S)  # the client has given up by then
            return
        if self.command == "GET" and self.path in DISCOVERY:
            self._answer(200, DISCOVERY[self.path])
        elif self.command == "POST" and self.server.conflict_after_stall:
            self._answer(409, {"kind": "Status", "reason": "AlreadyExists", "message": "already exists"})
        else:
            self._answer(201, {})

    do_GET = do_POST = _handle


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def serve(pki: Pki, **options: Any) -> Iterator[SlowServer]:
    server = SlowServer(pki, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def client_of(server: SlowServer, pki: Pki) -> KubeClient:
    port = server.server_address[1]
    return KubeClient(
        f"https://127.0.0.1:{port}", ca=pki.ca_cert, cert=pki.admin_cert, key=pki.admin_key, timeout_s=TIMEOUT_S
    )


def test_a_get_without_an_answer_is_sent_again_then_named(pki: Pki) -> None:
    for server in serve(pki, stall={"GET /apis": GET_ATTEMPTS}):
        with pytest.raises(ApiTimeout) as raised:
            client_of(server, pki).request("GET", "/apis")
        assert str(raised.value) == f"GET /apis: no answer from the API server in {TIMEOUT_S:g} s"
        assert server.seen == ["GET /apis"] * GET_ATTEMPTS


def test_a_get_answered_on_the_second_send_succeeds(pki: Pki) -> None:
    for server in serve(pki, stall={"GET /apis": GET_ATTEMPTS - 1}):
        assert client_of(server, pki).request("GET", "/apis") == DISCOVERY["/apis"]


def test_a_post_is_not_repeated_by_the_client(pki: Pki) -> None:
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    for server in serve(pki, stall={f"POST {path}": 1}):
        with pytest.raises(ApiTimeout):
            client_of(server, pki).request("POST", path, CRD)
        assert server.seen == [f"POST {path}"]


def control_plane_on(server: SlowServer, pki: Pki, tmp_path: Path, log: list[str]) -> LocalControlPlane:
    plane = LocalControlPlane(binaries=None, sources=None, work_dir=tmp_path, log=log.append)  # type: ignore[arg-type]
    plane._client = client_of(server, pki)  # the started control plane's client, pointed at the slow server
    return plane


def test_installing_sends_the_post_again_and_takes_a_409_as_landed(pki: Pki, tmp_path: Path) -> None:
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    log: list[str] = []
    for server in serve(pki, stall={f"POST {path}": 1}):
        control_plane_on(server, pki, tmp_path, log)._create(CRD)
        assert [s for s in server.seen if s.startswith("POST")] == [f"POST {path}"] * 2
    assert log == [
        f"installing CustomResourceDefinition widgets.example.com: POST {path}: no answer from the API server in "
        f"{TIMEOUT_S:g} s; sending it again"
    ]


def test_installing_gives_up_after_its_attempts_and_names_the_object(pki: Pki, tmp_path: Path) -> None:
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    for server in serve(pki, stall={f"POST {path}": CREATE_ATTEMPTS}):
        with pytest.raises(ControlPlaneError) as raised:
            control_plane_on(server, pki, tmp_path, [])._create(CRD)
        assert str(raised.value).startswith("installing CustomResourceDefinition widgets.example.com: POST ")
        assert str(raised.value).endswith(f"({CREATE_ATTEMPTS} attempts)")
        assert [s for s in server.seen if s.startswith("POST")] == [f"POST {path}"] * CREATE_ATTEMPTS
