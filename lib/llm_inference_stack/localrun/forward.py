"""Port forwarding as ``kubectl port-forward`` does it, for the default gateway whose Envoy runs inside the control
plane's sandbox (a network namespace of its own): inside, :func:`hold_gateway_open` serves Envoy's listener on a Unix
socket in the work directory (a file both sides see); outside, :class:`Forwarder` listens on a loopback port and
relays each connection to that socket.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

UNIX_PATH_MAX = 107
"""Longest path a Unix socket can be bound to (``sun_path`` holds 108 bytes with the terminating NUL)."""


def _copy(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def _relay(client: socket.socket, connect: Callable[[], socket.socket]) -> None:
    try:
        upstream = connect()
    except OSError:
        client.close()
        return
    back = threading.Thread(target=_copy, args=(upstream, client), daemon=True)
    back.start()
    _copy(client, upstream)
    back.join()
    client.close()
    upstream.close()


class Forwarder:
    """Accept connections on ``listener`` and relay each, both ways, to a connection ``connect()`` opens."""

    def __init__(self, listener: socket.socket, connect: Callable[[], socket.socket]) -> None:
        self.listener = listener
        self.connect = connect
        self._thread = threading.Thread(target=self._serve, name="forwarder", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=_relay, args=(client, self.connect), daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


def loopback_listener(port: int = 0) -> socket.socket:
    """A TCP listener on ``127.0.0.1:port`` (0: a free port)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    return listener


def unix_connector(path: Path) -> Callable[[], socket.socket]:
    def connect() -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(path))
        return sock

    return connect


def tcp_connector(host: str, port: int) -> Callable[[], socket.socket]:
    return lambda: socket.create_connection((host, port), timeout=None)


def hold_gateway_open(path: Path, host: str, port: int, alive: Sequence[Callable[[], None]]) -> None:
    """Serve ``host:port`` on the Unix socket ``path`` until interrupted (SIGTERM/SIGINT raise KeyboardInterrupt)
    or until one of ``alive`` raises (a component exited). The socket appears at ``path`` only once it accepts."""
    if len(str(path)) > UNIX_PATH_MAX:
        raise OSError(f"{path} is too long for a Unix socket ({UNIX_PATH_MAX} bytes at most): use a shorter work dir")
    partial = path.with_name(path.name + ".partial")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(partial))
    listener.listen(64)
    os.replace(partial, path)
    forwarder = Forwarder(listener, tcp_connector(host, port))
    try:
        while True:
            for check in alive:
                check()
            time.sleep(1.0)
    finally:
        forwarder.close()
        with contextlib.suppress(OSError):
            path.unlink()
