"""The console script as users call it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import run_cli

from llm_inference_stack.cli import main

ROOT = Path(__file__).resolve().parent.parent
LLM_STACK = Path(sys.executable).parent / "llm-stack"
VALUES = ROOT / "values.yaml"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LLM_STACK), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


RUNS = [pytest.param("inner-loop", id="inner-loop"), pytest.param("console", marks=pytest.mark.slow, id="console")]
"""An error case runs ``cli.main`` in this process in the inner loop, and the console script too in ``make test``."""


def run_as(how: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``llm-stack ARGS`` from the repository root: the console script (``console``) or its ``main`` in this
    process (``inner-loop``)."""
    return run(*args) if how == "console" else run_cli(*args, cwd=ROOT)


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "synth" in result.stdout and "validate" in result.stdout


@pytest.mark.slow  # a synth process; test_committed_dist_is_what_main_py_synthesizes does the same in the inner loop
def test_synth_writes_the_default_stack(tmp_path: Path) -> None:
    result = run("synth", "--values", str(ROOT / "values.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "llm-stack.k8s.yaml").read_text() == (ROOT / "dist" / "llm-stack.k8s.yaml").read_text()


@pytest.mark.parametrize("how", RUNS)
def test_fails_with_exit_2_naming_field_value_and_fix(how: str, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text((ROOT / "values.yaml").read_text().replace("gpuCount: 2", "gpuCount: 0"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.yaml").write_text("sentinel")
    result = run_as(how, "synth", "--values", str(values), "--out", str(out))
    assert result.returncode == 2
    assert "model.runtime.gpuCount" in result.stderr and "0" in result.stderr and "from 1 to 16" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.yaml"]
    assert (out / "keep.yaml").read_text() == "sentinel"


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"llm-stack {version('llm-inference-stack')}"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_synth_merges_files_and_sets_and_diff_sees_no_change_against_one_equal_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "prod.yaml"
    overlay.write_text("model:\n  runtime:\n    gpuCount: 4\ngateway:\n  rateLimit: null\n")
    out = tmp_path / "out"
    code = main(["synth", "-f", str(VALUES), "-f", str(overlay), "--set", "gateway.replicas=3", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = (out / "llm-stack.k8s.yaml").read_text()
    assert 'nvidia.com/gpu: "4"' in text and "rateLimit:" not in text
    # The same values written as one file give the same output: diff reports nothing and exits 0.
    single = tmp_path / "single.yaml"
    values = yaml.safe_load((ROOT / "values.yaml").read_text())
    values["model"]["runtime"]["gpuCount"] = 4
    values.setdefault("gateway", {}).update(replicas=3, rateLimit=None)
    single.write_text(yaml.safe_dump(values))
    before = _tree(out)
    code, stdout, stderr = diff(capsys, "-f", str(single), "--out", str(out))
    assert code == 0, stdout + stderr
    assert stdout == "" and "no changes" in stderr
    assert _tree(out) == before


def diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``llm-stack diff`` in this process (the same code as the console script, without starting Node.js again)."""
    capsys.readouterr()
    code = main(["diff", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_diff_shows_changed_added_and_removed_objects_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    before = _tree(ROOT / "dist")
    dist = str(ROOT / "dist")
    code, stdout, stderr = diff(
        capsys,
        "-f",
        str(VALUES),
        "--out",
        dist,
        "--set",
        "model.runtime.gpuCount=4",
        "--set",
        "gateway.rateLimit=null",
    )
    assert code == 1, stderr
    # The route's policy keeps its retries and idle timeout; its token limits go.
    assert f"--- {dist}: BackendTrafficPolicy kserve-inference/llm-stack-ai-gateway-backend-traffic\n" in stdout
    assert "-  rateLimit:\n" in stdout
    assert f"--- {dist}: InferenceService kserve-inference/llama-3-70b\n" in stdout
    assert "+++ synth: InferenceService kserve-inference/llama-3-70b\n" in stdout
    assert "-          nvidia.com/gpu: '2'\n+          nvidia.com/gpu: '4'\n" in stdout
    # No token limits: the gateway's NetworkPolicy drops its egress to the rate-limit service.
    assert f"--- {dist}: NetworkPolicy kserve-inference/llm-stack-ai-gateway\n" in stdout
    assert "3 changed, 0 added, 0 removed" in stderr
    assert _tree(ROOT / "dist") == before, "diff must not write the output directory"
    code, stdout, _stderr = diff(capsys, "-f", str(VALUES), "--out", dist, "--set", "namespace.create=true")
    assert code == 1 and "added: Namespace kserve-inference" in stdout


def test_diff_of_a_directory_that_does_not_exist_lists_every_object_as_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _stderr = diff(capsys, "-f", str(VALUES), "--out", str(tmp_path / "none"))
    assert code == 1
    assert "added: InferenceService kserve-inference/llama-3-70b" in stdout
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("how", RUNS)
def test_diff_fails_with_exit_2_on_bad_values_naming_the_flag(how: str) -> None:
    result = run_as(how, "diff", "-f", "values.yaml", "--set", "model.runtime.gpuCount=0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "llm-stack: invalid values: model.runtime.gpuCount: 0 is not valid: use an integer from 1 to 16 (GPUs per "
        "replica; vLLM needs at least one GPU) (from --set model.runtime.gpuCount)"
    ]


@pytest.mark.parametrize("how", RUNS)
def test_diff_fails_with_exit_2_where_synth_would_refuse_the_directory(how: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "kustomization.yaml").write_text("resources: []\n")
    result = run_as(how, "diff", "-f", "values.yaml", "--out", str(out))
    assert result.returncode == 2 and "cannot write the output" in result.stderr


def test_diff_names_a_file_whose_bytes_would_change_with_the_same_objects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dist"
    shutil.copytree(ROOT / "dist", out)
    manifest = out / "llm-stack.k8s.yaml"
    documents = list(yaml.safe_load_all(manifest.read_text()))
    manifest.write_text(yaml.safe_dump_all(documents, sort_keys=True))  # same objects, keys in another order
    code, stdout, stderr = diff(capsys, "-f", str(VALUES), "--out", str(out))
    assert code == 1, stderr
    assert stdout == "rewritten (same objects, other bytes): llm-stack.k8s.yaml\n"
    assert "1 file(s) rewritten" in stderr
