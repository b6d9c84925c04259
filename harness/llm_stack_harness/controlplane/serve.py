"""Keep the default gateway's data path running for a person or a program: :func:`start_gateway`.

The probe's sandbox (:mod:`.probe`) has only a private network. To reach the gateway from the machine, the caller
opens listening sockets on the machine's loopback *before* the sandbox starts and hands them to it (a socket keeps
the network namespace it was made in): inside, a forwarder accepts on each and connects to the Envoy Pod's listener
or to Phoenix, as ``kubectl port-forward`` would. The sandbox writes a ready file (the endpoints, the API keys of
the manifests, the served models, and the checks when asked for), then holds everything until the caller closes a
pipe (:meth:`RunningGateway.close`), Ctrl-C or SIGTERM; every process ends with the sandbox.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..base.errors import HarnessError
from .gateway_checks import Check, ProbeReport

if TYPE_CHECKING:
    pass


class ServeError(HarnessError):
    """The data path did not come up (the message has the sandbox's error or exit status)."""


@dataclasses.dataclass(frozen=True)
class ServedGateway:
    """What a caller needs to use the running gateway."""

    endpoint: str
    """The gateway's listener on the machine's loopback, e.g. ``http://127.0.0.1:8080`` (the OpenAI base URL is this
    plus ``/v1``)."""
    keys: dict[str, str]
    """Client id -> API key, from the manifests' Secret."""
    models: list[str]
    """Served model names, in the order of the InferenceServices."""
    phoenix_url: str | None
    """Phoenix (UI and REST API) on the machine's loopback, when it runs."""
    phoenix_project: str | None
    """The project the gateway's spans go to."""
    checks: list[Check]
    """The probe's checks, when asked for (they spend the first client's token budget); else empty."""
    details: dict[str, Any]
    """The probe report's details: substitutions, start times, the addresses inside the sandbox."""


# ----------------------------------------------------------------------------------------------------------------
# Outside


def _listener(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot listen on 127.0.0.1:{port}: {error}") from error
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


class RunningGateway:
    """The sandbox holding the data path of one directory of manifests. :meth:`close` (or leaving the ``with``
    block) stops it and everything in it."""

    def __init__(
        self, process: subprocess.Popen[bytes], stop_write: int, served: ServedGateway, cleanup: Callable[[], None]
    ) -> None:
        self.process = process
        self._stop_write: int | None = stop_write
        self.served = served
        self._cleanup = cleanup

    def __enter__(self) -> ServedGateway:
        return self.served

    def __exit__(self, *exc: object) -> None:
        self.close()

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self, timeout_s: float = 60.0) -> None:
        """Ask the sandbox to stop (its processes end by PID, then the namespaces go); kill it after
        ``timeout_s``."""
        if self._stop_write is not None:
            os.close(self._stop_write)
            self._stop_write = None
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()  # unshare --kill-child: the sandbox's PID 1 and with it every process inside
            self.process.wait()
        self._cleanup()


def start_gateway(
    directory: Path,
    *,
    port: int = 0,
    phoenix_port: int = 0,
    checks: bool = False,
    work_dir: Path | None = None,
    timeout_s: float = 900.0,
    log: Callable[[str], None] | None = None,
) -> RunningGateway:
    """Bring up the default-mode data path for the manifests in ``directory`` (control plane, Envoy with the external
    processor, rate-limit service, real vLLM and Phoenix, as :func:`.probe.run_probe` with ``vllm=True``) and keep it
    running. The gateway listens on ``127.0.0.1:port`` and Phoenix on ``127.0.0.1:phoenix_port`` (0: a free port).
    ``checks`` also runs the probe's checks first (they spend the first client's budget for a minute). Raises
    :class:`ServeError` when it does not come up within ``timeout_s``."""
    from .probe import prepare_job

    say = log or (lambda message: print(f"llm-stack probe: {message}", file=sys.stderr, flush=True))
    work = Path(tempfile.mkdtemp(prefix="llm-stack-gateway-")) if work_dir is None else work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    listeners = {"gateway": _listener(port), "phoenix": _listener(phoenix_port)}
    stop_read, stop_write = os.pipe()
    ready_file = work / "ready.json"
    ready_file.unlink(missing_ok=True)

    def cleanup() -> None:
        for sock in listeners.values():
            sock.close()
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)

    try:
        fds = {name: sock.fileno() for name, sock in listeners.items()}
        serving = {
            "listeners": fds,
            "stop_fd": stop_read,
            "ready_file": str(ready_file),
            "checks": checks,
        }
        command, env = prepare_job([directory], vllm=True, work=work, log=say, serving=serving)
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, pass_fds=(stop_read, *fds.values()))
    except BaseException:
        os.close(stop_write)
        os.close(stop_read)
        cleanup()
        raise
    os.close(stop_read)
    running = RunningGateway(process, stop_write, _pending(), cleanup)
    deadline = time.monotonic() + timeout_s
    while not ready_file.is_file():
        if process.poll() is not None or time.monotonic() > deadline:
            running.close(timeout_s=10)
            report_file = work / "report.json"
            reason = report_file.read_text()[-2000:] if report_file.is_file() else f"exit {process.returncode}"
            raise ServeError(f"the gateway's data path did not come up: {reason}")
        time.sleep(0.5)
    ready = json.loads(ready_file.read_text())
    report = ProbeReport.from_dict(ready["report"])
    running.served = ServedGateway(
        endpoint=ready["endpoint"],
        keys=ready["keys"],
        models=ready["models"],
        phoenix_url=ready["phoenixUrl"],
        phoenix_project=ready["phoenixProject"],
        checks=report.checks,
        details=report.details,
    )
    return running


def _pending() -> ServedGateway:
    return ServedGateway("", {}, [], None, None, [], {})


__all__ = ["RunningGateway", "ServeError", "ServedGateway", "start_gateway"]
