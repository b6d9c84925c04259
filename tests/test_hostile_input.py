"""Resource exhaustion: hostile values files and manifest directories fail fast with exit 2 and one line.

In the inner loop each case runs the CLI's ``main`` in the pytest process, except a FIFO and ``/dev/zero``, which
a regression would block on or read forever: those run the real CLI in a subprocess under a time-out. The
``slow`` runs put every case in a subprocess, so a hang, a memory blow-up or a crash (a segfault in libyaml's
recursive composer at 100,000 nesting levels) fails the test instead of the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from llm_inference_stack import safe_yaml
from llm_inference_stack.errors import ManifestInputError
from llm_inference_stack.validation.manifests import load_directory

TIMEOUT_SECONDS = 60
LEVELS = 100_000
BILLION_LAUGHS = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)
)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.cli", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env={**os.environ, "LLM_STACK_VLLM_CHECK": "never"},
        check=False,
    )


BLOCKING_CASES = ("fifo", "dev-zero")
"""Cases only a process with a time-out can fail on, should the check before reading regress."""
RUNS = [pytest.param("inner-loop", id="inner-loop"), pytest.param("console", marks=pytest.mark.slow, id="console")]


def run(how: str, case: str, *args: str) -> subprocess.CompletedProcess[str]:
    if how == "console" or case in BLOCKING_CASES:
        return cli(*args)
    return run_cli(*args, env={"LLM_STACK_VLLM_CHECK": "never"})


def one_line(completed: subprocess.CompletedProcess[str]) -> str:
    assert completed.returncode == 2, completed.stderr[-2000:]
    assert "Traceback" not in completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr[-2000:]
    return lines[0]


def write(text: str) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_text(text)
        return path

    return make


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def dev_zero(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def oversized(size: int) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        with path.open("wb") as stream:
            stream.truncate(size)  # sparse: costs no disk
        return path

    return make


VALUES_CASES = {
    "billion-laughs": (write(BILLION_LAUGHS), "aliases expand to more than 10000 nodes"),
    "flow-nesting-100000": (write("[" * LEVELS + "]" * LEVELS), "nested deeper than 32 levels"),
    "block-nesting-100000": (write("- " * LEVELS + "x\n"), "nested deeper than 32 levels"),
    "mapping-nesting-100000": (write("{a: " * LEVELS + "1" + "}" * LEVELS), "nested deeper than 32 levels"),
    "fifo": (fifo, "not a regular file"),
    "dev-zero": (dev_zero, "not a regular file"),
    "too-large": (oversized(safe_yaml.VALUES_LIMITS.max_bytes + 1), "larger than 1 MiB"),
}


@pytest.mark.parametrize("how", RUNS)
@pytest.mark.parametrize("case", sorted(VALUES_CASES))
def test_fails_fast_on_a_hostile_values_file(case: str, how: str, tmp_path: Path) -> None:
    make, reason = VALUES_CASES[case]
    values = make(tmp_path / "values.yaml")
    out = tmp_path / "out"
    line = one_line(run(how, case, "synth", "--values", str(values), "--out", str(out)))
    assert line.startswith("llm-stack: invalid values: (file): "), line
    assert reason in line
    assert not out.exists()


MANIFEST_CASES = {
    "billion-laughs": (write(BILLION_LAUGHS), "aliases expand to more than 100000 nodes"),
    "flow-nesting-100000": (write("[" * LEVELS + "]" * LEVELS), "nested deeper than 64 levels"),
    "block-nesting-100000": (write("- " * LEVELS + "x\n"), "nested deeper than 64 levels"),
    "mapping-nesting-100000": (write("{a: " * LEVELS + "1" + "}" * LEVELS), "nested deeper than 64 levels"),
    "fifo": (fifo, "not a regular file"),
    "dev-zero": (dev_zero, "not a regular file"),
    "too-large": (oversized(safe_yaml.MANIFEST_LIMITS.max_bytes + 1), "larger than 64 MiB"),
}


@pytest.mark.parametrize("how", RUNS)
@pytest.mark.parametrize("case", sorted(MANIFEST_CASES))
def test_validate_fails_fast_on_hostile_manifests(case: str, how: str, tmp_path: Path) -> None:
    make, reason = MANIFEST_CASES[case]
    directory = tmp_path / "manifests"
    directory.mkdir()
    (directory / "a.yaml").write_bytes((ROOT / "dist" / "llm-stack.k8s.yaml").read_bytes())
    make(directory / "b.yaml")
    line = one_line(run(how, case, "validate", str(directory)))
    assert line.startswith("llm-stack: cannot validate: b.yaml: "), line
    assert reason in line


def test_validate_bounds_the_total_size_of_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import llm_inference_stack.validation.manifests as manifests

    monkeypatch.setattr(manifests, "MANIFEST_TOTAL_BYTES", 20_000)
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_bytes((ROOT / "dist" / "llm-stack.k8s.yaml").read_bytes())
    with pytest.raises(ManifestInputError, match="together are larger than"):
        load_directory(tmp_path)


def test_validate_reports_duplicate_keys_in_manifests(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: x}\n")
    completed = run_cli("validate", str(tmp_path))
    assert completed.returncode == 2
    assert "[yaml] a.yaml: line 3: duplicate key 'kind', at lines 2 and 3" in completed.stderr


def test_a_values_file_with_ordinary_aliases_and_merge_keys_loads(tmp_path: Path) -> None:
    from llm_inference_stack import load_values

    values = tmp_path / "values.yaml"
    values.write_text(
        "models:\n"
        "  - {name: a, storageUri: 's3://m/a', runtime: &runtime {gpuCount: 2, maxModelLen: 4096}}\n"
        "  - {name: b, storageUri: 's3://m/b', runtime: {<<: *runtime, gpuCount: 4}}\n"
    )
    config = load_values(values)
    assert [m.runtime.gpu_count for m in config.models] == [2, 4]
    assert [m.runtime.max_model_len for m in config.models] == [4096, 4096]


AMBIGUOUS = ["=", "<<", "2024-01-01", "yes", "on", "~", "null", "012", "0x10", "1_000", ".inf", "1:20", "a: b", "#c"]


@pytest.mark.slow  # many synth and validate round trips, with vLLM's argument parser
def test_strings_yaml_readers_disagree_on_round_trip_through_synth_and_validate(tmp_path: Path) -> None:
    """YAML 1.1 readers (PyYAML) give '=' and '<<' special meanings a YAML 1.2 writer (cdk8s) does not quote for:
    synth's read-back guard and `llm-stack validate` must read them as the strings they are."""
    values = tmp_path / "values.yaml"
    env = "".join(f"      V{i}: {value!r}\n" for i, value in enumerate(AMBIGUOUS)).replace("'", '"')
    values.write_text(f"model:\n  name: m\n  storageUri: s3://b/m\n  runtime:\n    env:\n{env}")
    out = tmp_path / "out"
    completed = cli("synth", "--values", str(values), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    documents = list(safe_yaml.load_all((out / "llm-stack.k8s.yaml").read_text(), safe_yaml.MANIFEST_LIMITS))
    [isvc] = [d for d in documents if d["kind"] == "InferenceService"]
    env_values = {e["name"]: e.get("value") for e in isvc["spec"]["predictor"]["containers"][0]["env"]}
    assert [env_values[f"V{i}"] for i in range(len(AMBIGUOUS))] == AMBIGUOUS
    assert cli("validate", str(out)).returncode == 0


def test_the_unchecked_reader_reads_as_the_bounded_one_or_says_it_cannot_tell() -> None:
    """``load_all_unchecked`` (synth's read-back of its own output) gives what ``load_all`` gives, or None for what
    only the bounded reader may decide: an alias, a nesting deeper than the limit, a YAML error."""
    text = "a: 1\nb: [x, '=', {c: d}]\n---\n---\nkind: K\n"
    assert safe_yaml.load_all_unchecked(text, safe_yaml.MANIFEST_LIMITS) == [
        d for d in safe_yaml.load_all(text, safe_yaml.MANIFEST_LIMITS) if d is not None
    ]
    assert safe_yaml.load_all_unchecked("a: &x [1]\nb: *x\n", safe_yaml.MANIFEST_LIMITS) is None
    deep = (
        "a: " + "[" * (safe_yaml.MANIFEST_LIMITS.max_depth + 1) + "]" * (safe_yaml.MANIFEST_LIMITS.max_depth + 1) + "\n"
    )
    assert safe_yaml.load_all_unchecked(deep, safe_yaml.MANIFEST_LIMITS) is None
    assert safe_yaml.load_all_unchecked("a: [1\n", safe_yaml.MANIFEST_LIMITS) is None
