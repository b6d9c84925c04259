"""How a process of the local run is stopped (base/processes.py): by its group, or, as a container runtime stops a
container, SIGTERM to its main process alone and SIGKILL to what is left once it ended or after the grace period."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from llm_stack_harness.base.processes import ManagedProcess, _group_members

# A main process with one child in its group; each writes its name to the marker file when it gets SIGTERM. The main
# process ends on SIGTERM (after writing), or ignores it with "ignore".
PROGRAM = r"""
import pathlib, signal, subprocess, sys, time
marker, mode = pathlib.Path(sys.argv[1]), sys.argv[2]
def on_term(name):
    def handler(*_):
        with marker.open("a") as out:
            out.write(name + "\n")
        if name == "child" or mode != "ignore":
            sys.exit(0)
    return handler
if mode == "child":
    signal.signal(signal.SIGTERM, on_term("child"))
    marker.with_suffix(".ready").write_text("ready")
    while True:
        time.sleep(1)
signal.signal(signal.SIGTERM, on_term("main"))
subprocess.Popen([sys.executable, __file__, str(marker), "child"])
while True:
    time.sleep(1)
"""


def _started(tmp_path: Path, mode: str) -> tuple[ManagedProcess, Path]:
    script, marker = tmp_path / "program.py", tmp_path / "marker.txt"
    script.write_text(PROGRAM)
    process = ManagedProcess(
        "program", [sys.executable, str(script), str(marker), mode], env={}, log_path=tmp_path / "log", cwd=tmp_path
    )
    deadline = time.monotonic() + 20
    while not marker.with_suffix(".ready").exists():
        assert time.monotonic() < deadline, (tmp_path / "log").read_text()
        time.sleep(0.05)
    return process, marker


def test_leader_only_terms_the_main_process_and_kills_what_is_left_once_it_ended(tmp_path: Path) -> None:
    process, marker = _started(tmp_path, "exit")
    started = time.monotonic()
    process.stop(grace_s=10.0, leader_only=True)
    assert time.monotonic() - started < 5.0  # the main process ended at once: no wait for the grace period
    assert marker.read_text().split() == ["main"]  # the child got no SIGTERM
    assert _group_members(process.pid) == []  # it was killed with the group
    assert process.exit_code() == 0


def test_leader_only_kills_a_main_process_that_outlives_the_grace_period(tmp_path: Path) -> None:
    process, marker = _started(tmp_path, "ignore")
    started = time.monotonic()
    process.stop(grace_s=1.0, leader_only=True)
    assert 1.0 <= time.monotonic() - started < 6.0
    assert marker.read_text().split() == ["main"]
    assert _group_members(process.pid) == []
    assert process.exit_code() == -9  # SIGKILL


def test_by_default_the_whole_group_gets_sigterm(tmp_path: Path) -> None:
    process, marker = _started(tmp_path, "exit")
    process.stop(grace_s=10.0)
    assert sorted(marker.read_text().split()) == ["child", "main"]
    assert _group_members(process.pid) == []
