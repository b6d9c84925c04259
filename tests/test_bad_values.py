"""A catalogue of bad values files: each fails through the real CLI with one readable message, output untouched.

Each file's first line is ``# expect: <field path> | <substring of the message>``; files that cannot carry a
comment (empty, binary) are listed in ``NO_COMMENT``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import ROOT

from llm_inference_stack import load_values, stack_config_from_mapping, synthesize
from llm_inference_stack.cli import main
from llm_inference_stack.names import DNS1123_LABEL

BAD = ROOT / "tests" / "data" / "bad-values"
FILES = sorted(BAD.glob("*.yaml"))
NO_COMMENT = {
    "empty.yaml": ("(top level)", "must be a YAML mapping, not empty"),
    "binary.yaml": ("(file)", "not UTF-8 text"),
}
SENTINEL = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sentinel}\n"


def expectation(file: Path) -> tuple[str, str]:
    if file.name in NO_COMMENT:
        return NO_COMMENT[file.name]
    first = file.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{file.name}: first line must be '# expect: <path> | <substring>'"
    path, substring = first[len("# expect: ") :].split(" | ", 1)
    return path.strip(), substring.strip()


def run_cli(file: Path, out: Path) -> subprocess.CompletedProcess[str]:
    out.mkdir(parents=True)
    (out / "sentinel.yaml").write_bytes(SENTINEL)
    return subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.cli", "synth", "--values", str(file), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LLM_STACK_VLLM_CHECK": "never"},
        check=False,
    )


def run_in_process(file: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """The same command through ``cli.main`` in this process: no interpreter start per file (the inner loop)."""
    out.mkdir(parents=True)
    (out / "sentinel.yaml").write_bytes(SENTINEL)
    stderr = io.StringIO()
    argv = ["synth", "--values", str(file), "--out", str(out)]
    with contextlib.redirect_stderr(stderr), pytest.MonkeyPatch.context() as patch:
        patch.setenv("LLM_STACK_VLLM_CHECK", "never")
        code = main(argv)
    return subprocess.CompletedProcess(argv, code, "", stderr.getvalue())


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """Every file through the CLI's ``main`` once."""
    root = tmp_path_factory.mktemp("bad-values")
    return {f.name: (run_in_process(f, root / f.stem), root / f.stem) for f in FILES}


@pytest.fixture(scope="module")
def console_results(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """Every file through the CLI as its own process, two at a time (each run starts Python)."""
    root = tmp_path_factory.mktemp("bad-values-console")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {f.name: (pool.submit(run_cli, f, root / f.stem), root / f.stem) for f in FILES}
        return {name: (future.result(), out) for name, (future, out) in futures.items()}


def test_the_catalogue_is_large_enough() -> None:
    assert len(FILES) >= 40


def check_one_message(file: Path, completed: subprocess.CompletedProcess[str], out: Path) -> None:
    path, substring = expectation(file)
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith(f"llm-stack: invalid values: {path}: "), lines[0]
    # "<path>: <value> is not valid: <fix>", or "<path>: missing: <fix>" for an absent required key.
    assert " is not valid: " in lines[0] or lines[0].startswith(f"llm-stack: invalid values: {path}: missing: ")
    assert substring in lines[0]
    assert [p.name for p in out.iterdir()] == ["sentinel.yaml"]
    assert hashlib.sha256((out / "sentinel.yaml").read_bytes()).digest() == hashlib.sha256(SENTINEL).digest()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")], "staging left behind"


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_fails_with_one_message_naming_field_value_and_fix(
    file: Path, results: dict[str, tuple[subprocess.CompletedProcess[str], Path]]
) -> None:
    check_one_message(file, *results[file.name])


PYTHON_SPELLINGS = re.compile(r"\b(?:None|True|False)\b|datetime\.|\bNoneType\b")
"""How Python, not YAML, writes a value: a message shows ``null``, ``true``, ``false``, ``2024-01-01``."""


def test_no_message_spells_a_value_as_python_does(
    results: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
) -> None:
    python = {
        name: stderr
        for name, (completed, _out) in results.items()
        if PYTHON_SPELLINGS.search(stderr := completed.stderr)
    }
    assert python == {}


@pytest.mark.slow  # one process per file
def test_fails_the_same_way_through_the_console_script(
    results: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
    console_results: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
) -> None:
    for file in FILES:
        check_one_message(file, *console_results[file.name])
        in_process, _out = results[file.name]
        assert console_results[file.name][0].stderr == in_process.stderr, file.name


@pytest.mark.parametrize(
    ("served", "object_name"),
    [
        ("Meta-Llama-3.1-8B-Instruct", "meta-llama-3-1-8b-instruct"),
        ("meta-llama/Llama-3.1-8B", "meta-llama-llama-3-1-8b"),
        ("Qwen2.5_7B", "qwen2-5-7b"),
    ],
)
def test_model_names_that_need_mapping_succeed(tmp_path: Path, served: str, object_name: str) -> None:
    config = stack_config_from_mapping({"model": {"name": served, "storageUri": "hf://org/model"}})
    [path] = synthesize(config, tmp_path / "out")
    text = path.read_text()
    assert f"name: {object_name}\n" in text
    assert DNS1123_LABEL.match(object_name)
    assert f"--served-model-name\n          - {served}\n" in text
    assert f'model_name="{served}"' in text


def test_the_default_values_load() -> None:
    assert load_values(ROOT / "values.yaml").models[0].name == "llama-3-70b"
