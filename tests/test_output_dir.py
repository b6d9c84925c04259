"""`--out` can no longer delete or replace anything synth did not write; interrupts leave nothing behind."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from llm_inference_stack.output_dir import OUTPUT_MARKER

VALUES = ROOT / "values.yaml"


def synth(out: str | Path, *, cwd: Path = ROOT, values: Path = VALUES) -> subprocess.CompletedProcess[str]:
    """``llm-stack synth`` in this process (the interrupt tests below run the console script)."""
    return run_cli("synth", "--values", str(values), "--out", str(out), cwd=cwd, env={"LLM_STACK_VLLM_CHECK": "never"})


def snapshot(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every path under ``root`` with its mode and content: what must not change."""
    out: dict[str, tuple[int, bytes | None]] = {".": (root.lstat().st_mode, None)}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        out[str(path.relative_to(root))] = (info.st_mode, path.read_bytes() if stat.S_ISREG(info.st_mode) else None)
    return out


def refused(completed: subprocess.CompletedProcess[str], reason: str) -> None:
    assert completed.returncode == 2, completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("llm-stack: cannot write the output: --out "), completed.stderr
    assert reason in lines[0]


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('hello')\n")
    (root / "values.yaml").write_bytes(VALUES.read_bytes())
    return root


def test_fails_when_out_is_the_project_directory(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = snapshot(root)
    refused(synth(".", cwd=root, values=root / "values.yaml"), "is the current directory or one of its parents")
    refused(synth(root, values=root / "values.yaml"), "holds no .llm-stack-output, so synth did not write it")
    assert snapshot(root) == before


def test_fails_when_out_is_a_regular_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n")
    before = snapshot(tmp_path)
    refused(synth(target), "exists and is not a directory")
    assert snapshot(tmp_path) == before


def test_fails_when_out_is_a_symbolic_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    before = snapshot(tmp_path)
    refused(synth(tmp_path / "link"), "is a symbolic link")
    assert snapshot(tmp_path) == before


def test_fails_when_an_earlier_output_holds_a_file_synth_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert synth(out).returncode == 0
    (out / "kustomization.yaml").write_text("resources: [llm-stack.k8s.yaml]\n")
    before = snapshot(tmp_path)
    refused(synth(out), "holds 'kustomization.yaml', which synth did not write")
    assert snapshot(tmp_path) == before


def test_fails_when_the_marker_was_not_written_by_synth(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / OUTPUT_MARKER).write_text("anything.yaml\n")
    (out / "anything.yaml").write_text("mine\n")
    before = snapshot(tmp_path)
    refused(synth(out), "is not one synth wrote")
    assert snapshot(tmp_path) == before


def test_replaces_its_own_output_and_keeps_the_directory_mode(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert synth(out).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "llm-stack.k8s.yaml"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~_umask()
    out.chmod(0o750)
    (out / "llm-stack.k8s.yaml").write_text("stale\n")
    completed = synth(out)
    assert completed.returncode == 0, completed.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert (out / "llm-stack.k8s.yaml").read_bytes() == (ROOT / "dist" / "llm-stack.k8s.yaml").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_writes_into_an_empty_directory(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert synth(out).returncode == 0
    assert (out / OUTPUT_MARKER).is_file()


def test_the_committed_dist_carries_the_marker() -> None:
    marker = (ROOT / "dist" / OUTPUT_MARKER).read_text().splitlines()
    assert marker[-1] == "llm-stack.k8s.yaml"
    assert sorted(p.name for p in (ROOT / "dist").iterdir()) == [OUTPUT_MARKER, "llm-stack.k8s.yaml"]


def test_a_failed_synth_leaves_no_directories_it_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import llm_inference_stack.autoscaler as autoscaler
    from llm_inference_stack import load_values, synthesize
    from llm_inference_stack.errors import ManifestError, OutputError

    config = load_values(VALUES)
    (tmp_path / "c").write_text("a file where a directory is needed")
    with pytest.raises(OutputError, match="Not a directory"):
        synthesize(config, tmp_path / "c" / "x" / "out")
    monkeypatch.setattr(autoscaler, "waiting_requests_query", lambda name, ns: "not promql (")
    with pytest.raises(ManifestError):
        synthesize(config, tmp_path / "a" / "b" / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c"]


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@pytest.mark.parametrize(("signum", "group"), [(signal.SIGTERM, False), (signal.SIGINT, True)], ids=["term", "ctrl-c"])
def test_an_interrupt_during_synthesis_leaves_nothing_behind(tmp_path: Path, signum: int, group: bool) -> None:
    """SIGTERM to the process, or Ctrl-C (SIGINT to the whole process group, jsii's Node.js included), while
    the staging directory exists: exit 128 + signal, one line, no staging or parent directory left."""
    out = tmp_path / "a" / "b" / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "llm_inference_stack.cli", "synth", "--values", str(VALUES), "--out", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LLM_STACK_VLLM_CHECK": "never"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not (out.parent.exists() and list(out.parent.glob(".out.tmp-*"))):
        assert process.poll() is None and time.monotonic() < deadline, "synthesis never started"
        time.sleep(0.005)
    if group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert stderr.splitlines() == [
        f"llm-stack: stopped by {signal.Signals(signum).name}; the output directory is as it was"
    ]
    assert list(tmp_path.iterdir()) == []
