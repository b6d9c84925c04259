"""Inside the sandbox: hold the data path open for a caller outside (``serve.start_gateway``): forward the sockets
it passed in to the gateway's listener and Phoenix, write the ready file, and wait for the stop pipe."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .gateway_checks import ProbeReport, api_keys

if TYPE_CHECKING:
    from .phoenix import SandboxPhoenix


def _pipe(a: socket.socket, b: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := a.recv(65536):
            b.sendall(data)
    with contextlib.suppress(OSError):
        b.shutdown(socket.SHUT_WR)


def _forward(listener: socket.socket, target: tuple[str, int]) -> None:
    """Accept on ``listener`` forever; pipe each connection to ``target`` both ways."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(target, timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def hold(
    serving: Mapping[str, Any],
    gateway_url: str,
    phoenix: SandboxPhoenix | None,
    report: ProbeReport,
    objects: Sequence[Mapping[str, Any]],
    models: Sequence[str],
) -> None:
    """Forward the caller's sockets, write the ready file, and block until the caller closes the stop pipe (then
    raise KeyboardInterrupt, as Ctrl-C does, so the probe's clean-up runs)."""
    from urllib.parse import urlsplit

    from .phoenix import trace_project

    gateway = urlsplit(gateway_url)
    targets = {"gateway": (gateway.hostname or "", gateway.port or 80)}
    if phoenix is not None:
        phoenix_address = urlsplit(phoenix.url)
        targets["phoenix"] = (phoenix_address.hostname or "", phoenix_address.port or 80)
    endpoints: dict[str, str] = {}
    for name, fd in serving["listeners"].items():
        if name not in targets:
            continue
        listener = socket.socket(fileno=int(fd))
        host, port = listener.getsockname()[:2]
        endpoints[name] = f"http://{host}:{port}"
        threading.Thread(target=_forward, args=(listener, targets[name]), name=f"forward {name}", daemon=True).start()
    ready = {
        "endpoint": endpoints["gateway"],
        "keys": api_keys(objects),
        "models": list(models),
        "phoenixUrl": endpoints.get("phoenix"),
        "phoenixProject": trace_project(objects),
        "report": report.as_dict(),
    }
    partial = Path(serving["ready_file"] + ".partial")
    partial.write_text(json.dumps(ready))
    partial.replace(serving["ready_file"])
    stop_fd = int(serving["stop_fd"])
    with contextlib.suppress(OSError):
        while os.read(stop_fd, 1):
            pass
    raise KeyboardInterrupt


__all__ = ["hold"]
