"""The optional `vllm serve` argument check with vLLM's own parser (the [vllm] extra or a vLLM venv)."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from pathlib import Path

import pytest
from helpers import ROOT

from llm_inference_stack import ManifestError, RuntimeConfig, load_values, manifests
from llm_inference_stack.cli import main
from llm_inference_stack.validation import check_vllm_args, validate_objects
from llm_inference_stack.validation.manifests import from_objects
from llm_inference_stack.validation.vllm_args import image_version, vllm_python

VERSION = "0.32.0"


def require_vllm() -> None:
    """Skip without a vLLM of the image's version, except in CI, where its absence is a failure."""
    if vllm_python(VERSION) is not None or importlib.util.find_spec("vllm") is not None:
        return
    message = f"no vLLM {VERSION}: run scripts/e2e/install.sh or set LLM_STACK_VLLM_PYTHON"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def with_extra_args(*args: str, image: str | None = None) -> list[dict[str, object]]:
    config = load_values(ROOT / "values.yaml")
    model = config.models[0]
    runtime = dataclasses.replace(model.runtime, extra_args=args, image=image or model.runtime.image)
    return manifests(dataclasses.replace(config, models=(dataclasses.replace(model, runtime=runtime),)), validate=False)


def test_reads_the_vllm_version_from_the_image_tag() -> None:
    assert image_version(RuntimeConfig().image) == VERSION
    assert image_version("vllm/vllm-openai:0.33.0") == "0.33.0"
    assert image_version("vllm/vllm-openai@sha256:" + "a" * 64) is None


@pytest.mark.slow  # imports vLLM (tens of seconds)
def test_the_generated_args_parse() -> None:
    require_vllm()
    result = check_vllm_args(from_objects(with_extra_args("--enable-prefix-caching")))
    assert result.status == "passed", result


@pytest.mark.slow  # imports vLLM (tens of seconds)
def test_fails_when_extra_args_has_a_removed_flag() -> None:
    require_vllm()
    with pytest.raises(ManifestError) as caught:
        validate_objects(with_extra_args("--disable-log-requests"), vllm_args=True)
    [problem] = caught.value.problems
    assert problem.startswith("[vllm-args] InferenceService kserve-inference/llama-3-70b: vllm serve 0.32.0 rejects")
    assert "unrecognized arguments: --disable-log-requests" in problem


def test_reports_skipped_when_vllm_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_STACK_CACHE", str(tmp_path))
    monkeypatch.delenv("LLM_STACK_VLLM_PYTHON", raising=False)
    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is importable in this interpreter")
    result = check_vllm_args(from_objects(with_extra_args()))
    assert result.status == "skipped"
    assert "vLLM 0.32.0 is not installed" in result.reason


def test_reports_skipped_when_the_image_runs_another_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_STACK_CACHE", str(tmp_path))
    monkeypatch.delenv("LLM_STACK_VLLM_PYTHON", raising=False)
    result = check_vllm_args(from_objects(with_extra_args(image="vllm/vllm-openai:v0.99.0")))
    assert result.status == "skipped"
    assert "0.99.0" in result.reason


def test_cli_prints_one_line_when_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LLM_STACK_CACHE", str(tmp_path))
    monkeypatch.delenv("LLM_STACK_VLLM_PYTHON", raising=False)
    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is importable in this interpreter")
    assert main(["validate", str(ROOT / "dist")]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "vLLM argument check skipped" in line] == [
        "llm-stack: vLLM argument check skipped: vLLM 0.32.0 is not installed: "
        "pip install 'llm-inference-stack[vllm]', run scripts/e2e/install.sh, "
        "or set LLM_STACK_VLLM_PYTHON to a Python that has vLLM 0.32.0"
    ]
