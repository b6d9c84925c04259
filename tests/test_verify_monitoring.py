"""What verify's metrics side decides without a control plane (``controlplane/monitoring.py``): which namespace a
``serverAddress`` names, KEDA's hosts file, and the relay at the Prometheus Pod's address with a bearer token."""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_stack_harness.controlplane import monitoring


@pytest.mark.parametrize(
    ("address", "namespace"),
    [
        ("http://prometheus-operated.monitoring.svc.cluster.local:9090", "monitoring"),
        ("http://prometheus-operated.observability.svc:9090", "observability"),
        ("http://prometheus-operated.obs:9090", "obs"),
        ("https://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local", "monitoring"),
        ("http://prometheus-operated:9090", None),  # KEDA's own namespace: not the stack's to name
        ("http://10.0.0.7:9090", None),
        ("http://prometheus.example.com:9090", None),
    ],
)
def test_server_namespace(address: str, namespace: str | None) -> None:
    assert monitoring.server_namespace(address) == namespace


def test_cluster_dns_rewrites_the_bind_mounted_file_in_place(tmp_path: Path) -> None:
    dns = monitoring.ClusterDns(tmp_path, "keda")
    inode = dns.hosts_file.stat().st_ino
    assert dns.hosts_file.read_text() == "127.0.0.1 localhost\n"
    assert "search keda.svc.cluster.local svc.cluster.local cluster.local" in dns.resolv_conf.read_text()
    names = dict.fromkeys(monitoring.service_names("prometheus-operated", "monitoring"), "10.244.16.2")
    dns.update(names)
    assert dns.hosts_file.stat().st_ino == inode
    assert "10.244.16.2 prometheus-operated.monitoring.svc.cluster.local\n" in dns.hosts_file.read_text()
    dns.update({})
    assert dns.hosts_file.read_text() == "127.0.0.1 localhost\n"
    argv = dns.wrap(["keda-operator", "--flag"])
    assert argv[:3] == ["unshare", "--mount", "sh"] and argv[-2:] == ["keda-operator", "--flag"]


class _Backend(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        return

    def do_GET(self) -> None:
        body = f"seen {self.path} auth={self.headers.get('Authorization')}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def relay() -> Iterator[monitoring._Relay]:
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    front = monitoring._Relay(("127.0.0.1", 0), monitoring._RelayHandler)
    front.tokens = set()
    front.backend = ("127.0.0.1", backend.server_address[1])
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (backend, front)]
    for thread in threads:
        thread.start()
    yield front
    for server in (front, backend):
        server.shutdown()
        server.server_close()


def _get(relay: monitoring._Relay, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{relay.server_address[1]}/api/v1/query?query=up")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_relay_passes_everything_when_no_trigger_sends_a_token(relay: monitoring._Relay) -> None:
    assert _get(relay) == (200, "seen /api/v1/query?query=up auth=None")


def test_the_relay_asks_for_the_trigger_authentications_token(relay: monitoring._Relay) -> None:
    relay.tokens = {"the-token"}
    assert _get(relay)[0] == 401
    assert _get(relay, "another-token")[0] == 401
    assert _get(relay, "the-token") == (200, "seen /api/v1/query?query=up auth=Bearer the-token")
