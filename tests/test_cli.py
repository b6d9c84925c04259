"""The console script as users call it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LLM_STACK = Path(sys.executable).parent / "llm-stack"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LLM_STACK), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "synth" in result.stdout and "validate" in result.stdout


def test_synth_writes_the_default_stack(tmp_path: Path) -> None:
    result = run("synth", "--values", str(ROOT / "values.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "llm-stack.k8s.yaml").read_text() == (ROOT / "dist" / "llm-stack.k8s.yaml").read_text()


def test_fails_with_exit_2_naming_field_value_and_fix(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text((ROOT / "values.yaml").read_text().replace("gpuCount: 2", "gpuCount: 0"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.yaml").write_text("sentinel")
    result = run("synth", "--values", str(values), "--out", str(out))
    assert result.returncode == 2
    assert "model.runtime.gpuCount" in result.stderr and "0" in result.stderr and "from 1 to 16" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.yaml"]
    assert (out / "keep.yaml").read_text() == "sentinel"
