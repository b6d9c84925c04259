"""``gateway.mode: ai-gateway`` on one machine: the manifests on the local control plane with the real Envoy Gateway
and AI Gateway controllers, and the data path they configure (Envoy, the external processor, the rate-limit service
and Redis) in front of the real vLLM: :mod:`..controlplane.probe` ``--vllm``, run as its own process (it enters a
sandbox of namespaces).

With ``hold`` the probe serves Envoy's listener on a Unix socket until stopped (:func:`.forward.
hold_gateway_open`); :class:`HeldGateway` forwards a loopback port to it, as ``kubectl port-forward`` would.
Without it the probe runs its checks and :func:`run_checks` returns its report.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..controlplane.probe import REPORT_FILE
from .errors import LocalRunError
from .forward import Forwarder, loopback_listener, unix_connector
from .processes import ManagedProcess

PROBE_MODULE = "llm_inference_stack.controlplane.probe"
SOCKET_NAME = "gateway.sock"
PROGRESS_PREFIX = "llm-stack probe: "


def control_plane_substitutions() -> list[str]:
    """What the local control plane and its data path change, as the probe reports them (with vLLM)."""
    from ..controlplane.cluster import SUBSTITUTIONS as PLANE_SUBSTITUTIONS
    from ..controlplane.dataplane import SUBSTITUTIONS
    from ..controlplane.pods import POD_SUBSTITUTIONS
    from ..controlplane.upstream import UPSTREAM_SUBSTITUTIONS

    listed = (*PLANE_SUBSTITUTIONS, *POD_SUBSTITUTIONS, *SUBSTITUTIONS, *UPSTREAM_SUBSTITUTIONS)
    return [f"{what} ({why})" for what, why in listed]


class _Progress:
    """Echoes the probe's progress lines from its log as they arrive."""

    def __init__(self, process: ManagedProcess, echo: Callable[[str], None]) -> None:
        self.process = process
        self.echo = echo
        self.offset = 0

    def poll(self) -> None:
        try:
            with self.process.log_path.open("rb") as log:
                log.seek(self.offset)
                data = log.read()
        except OSError:
            return
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode(errors="replace").splitlines():
            if line.startswith(PROGRESS_PREFIX):
                self.echo(line[len(PROGRESS_PREFIX) :])


def _start_probe(manifests: Path, work_dir: Path, extra: list[str]) -> ManagedProcess:
    probe_work = work_dir / "control-plane"
    probe_work.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", PROBE_MODULE, str(manifests), "--vllm", "--work-dir", str(probe_work), *extra]
    return ManagedProcess("control plane", argv, env=dict(os.environ), log_path=work_dir / "probe.log", cwd=work_dir)


def _reports(work_dir: Path, process: ManagedProcess) -> list[dict[str, Any]]:
    report_file = work_dir / "control-plane" / REPORT_FILE
    if not report_file.is_file():
        raise LocalRunError(
            f"the control plane stopped without a report (exit {process.exit_code()}); "
            f"{process.log_path}:\n{process.log_tail(30)}"
        )
    reports: list[dict[str, Any]] = json.loads(report_file.read_text())
    return reports


def run_checks(manifests: Path, work_dir: Path, echo: Callable[[str], None]) -> list[dict[str, Any]]:
    """The probe's reports for the manifests in ``manifests`` (the set's, then one for a control-plane error)."""
    process = _start_probe(manifests, work_dir, [])
    progress = _Progress(process, echo)
    try:
        while process.exit_code() is None:
            progress.poll()
            time.sleep(1.0)
        progress.poll()
    finally:
        process.stop()
    return _reports(work_dir, process)


class HeldGateway:
    """The default gateway of ``manifests`` kept running, its listener forwarded to ``127.0.0.1:port`` (0: free).
    Use as a context manager or call :meth:`close`: it stops the control plane and everything in its sandbox."""

    def __init__(self, manifests: Path, work_dir: Path, echo: Callable[[str], None], port: int = 0) -> None:
        self.manifests = manifests
        self.work_dir = work_dir
        self.echo = echo
        self.port = port
        self.socket = work_dir / SOCKET_NAME
        self.process: ManagedProcess | None = None
        self.forwarder: Forwarder | None = None
        self.url = ""

    def start(self, timeout_s: float = 900.0) -> None:
        """Start the control plane and its data path; return once Envoy's listener is forwarded."""
        self.process = _start_probe(self.manifests, self.work_dir, ["--hold", str(self.socket)])
        progress = _Progress(self.process, self.echo)
        deadline = time.monotonic() + timeout_s
        while not self.socket.exists():
            progress.poll()
            if self.process.exit_code() is not None:
                reports = _reports(self.work_dir, self.process)
                errors = [str(r.get("error")) for r in reports if r.get("error")]
                raise LocalRunError(f"the default gateway did not come up: {'; '.join(errors) or 'no error given'}")
            if time.monotonic() > deadline:
                log = self.process.log_path
                raise LocalRunError(f"the default gateway did not come up in {timeout_s:.0f} s; {log}")
            time.sleep(1.0)
        progress.poll()
        listener = loopback_listener(self.port)
        self.port = int(listener.getsockname()[1])
        self.forwarder = Forwarder(listener, unix_connector(self.socket))
        self.url = f"http://127.0.0.1:{self.port}"

    def check_alive(self) -> None:
        if self.process is not None and self.process.exit_code() is not None:
            reports = _reports(self.work_dir, self.process)
            errors = [str(r.get("error")) for r in reports if r.get("error")]
            raise LocalRunError(f"the default gateway stopped: {'; '.join(errors) or 'no error given'}")

    def close(self) -> None:
        if self.forwarder is not None:
            self.forwarder.close()
            self.forwarder = None
        if self.process is not None:
            self.process.stop(grace_s=30.0)
            self.process = None

    def __enter__(self) -> HeldGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
