"""`llm-stack validate DIR` on the default output with one planted defect per case."""

from __future__ import annotations

from pathlib import Path

import pytest
from broken_manifests import CASES, plant
from helpers import ROOT
from test_validation_vllm import require_vllm

from llm_inference_stack.cli import main


def test_the_real_dist_passes(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_STACK_CACHE", "/nonexistent")
    monkeypatch.delenv("LLM_STACK_VLLM_PYTHON", raising=False)
    assert main(["validate", str(ROOT / "dist")]) == 0
    assert "objects valid" in capsys.readouterr().err


def test_the_suite_covers_every_planted_defect() -> None:
    assert len(CASES) >= 30


# Defects that change vLLM's arguments: `validate` runs vLLM's own parser on them (tens of seconds each).
VLLM_PARSED = {"tensor-parallel-mismatch", "model-path-escapes-the-mount", "removed-vllm-flag", "no-served-model-name"}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in VLLM_PARSED else n for n in sorted(CASES)]
)
def test_fails_when_manifests_have_a_planted_defect(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect, *flags = plant(name, tmp_path / name).splitlines()
    check, substring = (part.strip() for part in expect.split("|", 1))
    if "requires: vllm" in flags:
        require_vllm()
    assert main(["validate", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(f"  - [{check}]")]
    assert lines, f"no [{check}] problem in:\n{err}"
    assert any(substring in line for line in lines), err
