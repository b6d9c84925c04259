"""Processes of the local run: each started in its own process group and stopped by that group (by its PID, never
by a name), plus the small HTTP helpers that wait for them."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import HarnessError


def base_env() -> dict[str, str]:
    """This process's environment without settings meant for the components themselves."""
    prefixes = ("OTEL_", "VLLM_", "HF_", "PHOENIX_", "PYTHON")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


class ManagedProcess:
    """A child started in a new session; :meth:`stop` ends its whole process group, and only that."""

    def __init__(self, name: str, argv: Sequence[str], *, env: Mapping[str, str], log_path: Path, cwd: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log = log_path.open("ab")
        self._popen = subprocess.Popen(
            self.argv,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self._popen.pid  # also the process group id (new session)
        self._stopped = False

    def exit_code(self) -> int | None:
        """Exit status if the leader has exited; it stays unreaped so its group id cannot be reused."""
        if self._popen.returncode is not None:
            return self._popen.returncode
        result = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if result is None:
            return None
        return result.si_status if result.si_code == os.CLD_EXITED else -result.si_status

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, grace_s: float = 20.0, *, leader_only: bool = False) -> None:
        """SIGTERM the group, SIGKILL what is left after ``grace_s``, then reap the leader.

        With ``leader_only``, SIGTERM goes to the leader alone, as a container runtime signals a container's main
        process (PID 1) and not its children, which the program stops itself (vLLM's API server stops its engine
        process); SIGKILL goes to the whole group once the leader has exited or ``grace_s`` has passed, as the
        runtime kills what is left when PID 1 ends or the grace period is over."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if leader_only:
                self._stop_leader_first(grace_s)
                return
            for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10.0)):
                if not _group_members(self.pid):
                    break
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + wait_s
                while _group_members(self.pid) and time.monotonic() < deadline:
                    time.sleep(0.2)
        finally:
            self._popen.wait(timeout=30)
            self._log.close()

    def _stop_leader_first(self, grace_s: float) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while self.exit_code() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if not _group_members(self.pid):
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10.0
        while _group_members(self.pid) and time.monotonic() < deadline:
            time.sleep(0.2)


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout_s: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def wait_until_ready(processes: Mapping[ManagedProcess, str], timeout_s: float) -> None:
    """Poll each process's URL until all answer 200; fail as soon as one exits, with its log tail."""
    pending = dict(processes)
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        for process, url in list(pending.items()):
            code = process.exit_code()
            if code is not None:
                raise HarnessError(
                    f"{process.name} exited ({code}) before {url} answered; {process.log_path}:\n{process.log_tail()}"
                )
            try:
                if http_get(url, timeout_s=5)[0] == 200:
                    del pending[process]
            except OSError:
                pass
        time.sleep(0.5)
    if pending:
        process, url = next(iter(pending.items()))
        raise HarnessError(
            f"{process.name}: {url} not ready after {timeout_s:.0f} s; {process.log_path}:\n{process.log_tail()}"
        )
