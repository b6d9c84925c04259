"""The shapes of synth's output: the YAML stream on standard output (``--out -``), one file per object named in apply
order (``--layout file-per-object``), and a kustomization listing the files (``--kustomization``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import default_values_copy, run_cli, synthesized, with_changes

from llm_inference_stack.apply_order import phase_of
from llm_inference_stack.output_dir import OUTPUT_MARKER
from llm_inference_stack.output_layout import KUSTOMIZATION_FILE, object_files

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "values.yaml"
DIST = ROOT / "dist" / "llm-stack.k8s.yaml"
WIDE = {
    "namespace": {"name": "kserve-inference", "create": True},
    "apiKeys.existingSecret": False,
    "apiKeys.dummyKey": "test-key-0123456789abcdef",
    "autoscaling.prometheus.auth": {"mode": "bearer", "secretName": "prometheus-token"},
}
"""values.yaml with objects in every phase the stack has (Namespace, Secret, TriggerAuthentication...)."""


def _key(obj: dict[str, Any]) -> tuple[str, str, str | None, str]:
    meta = obj["metadata"]
    return obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"]


def _manifests(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix == ".yaml")


@pytest.fixture(scope="module")
def wide_values(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """WIDE as a values file, and its objects as the single file holds them."""
    values = with_changes(default_values_copy(), WIDE)
    path = tmp_path_factory.mktemp("values") / "wide.yaml"
    path.write_text(yaml.safe_dump(values))
    return path, synthesized(values)


@pytest.fixture(scope="module")
def per_object(wide_values: tuple[Path, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """WIDE synthesized with --layout file-per-object --kustomization."""
    out = tmp_path_factory.mktemp("synth") / "out"
    result = run_cli(
        "synth", "-f", str(wide_values[0]), "--layout", "file-per-object", "--kustomization", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    return out


# --out -


def test_out_dash_writes_exactly_the_single_files_bytes_on_stdout_and_nothing_else(tmp_path: Path) -> None:
    # The console script as its own process: only a process shows that nothing else (jsii, Node.js) reaches stdout.
    result = subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.cli", "synth", "-f", str(VALUES), "--out", "-"],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == DIST.read_bytes()
    assert b"standard output" in result.stderr
    assert list(tmp_path.iterdir()) == [], "--out - writes nothing to disk (no directory named '-')"


def test_out_dash_with_overrides_equals_the_file_synth_writes(tmp_path: Path) -> None:
    args = ["-f", str(VALUES), "--set", "model.runtime.gpuCount=4", "--set", "namespace.create=true"]
    streamed = run_cli("synth", *args, "--out", "-", cwd=tmp_path)
    written = run_cli("synth", *args, "--out", str(tmp_path / "out"))
    assert streamed.returncode == written.returncode == 0, streamed.stderr + written.stderr
    assert streamed.stdout.encode() == (tmp_path / "out" / "llm-stack.k8s.yaml").read_bytes()
    assert not (tmp_path / "-").exists()


def test_out_dash_sends_warnings_to_stderr_only(tmp_path: Path) -> None:
    result = run_cli(
        "synth", "-f", str(VALUES), "--set", "apiKeys.existingSecret=false", "--set",
        "apiKeys.dummyKey=test-key-0123456789abcdef", "--out", "-", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "WARNING" in result.stderr and "WARNING" not in result.stdout
    documents = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert any(d["kind"] == "Secret" for d in documents)


def test_out_dash_validates_first_and_prints_nothing_on_bad_values(tmp_path: Path) -> None:
    result = run_cli("synth", "-f", str(VALUES), "--set", "model.runtime.gpuCount=0", "--out", "-", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "model.runtime.gpuCount" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["synth", "--layout", "file-per-object"], "--layout file-per-object needs a directory (--out DIR)"),
        (["synth", "--kustomization"], "--kustomization needs a directory (--out DIR)"),
        (["diff"], "diff compares with an output directory and never writes one"),
    ],
)
def test_out_dash_refuses_what_needs_a_directory(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_cli(*args, "-f", str(VALUES), "--out", "-", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["synth", "diff"])
def test_an_unknown_layout_fails_with_exit_2_naming_the_layouts(command: str, tmp_path: Path) -> None:
    result = run_cli(command, "-f", str(VALUES), "--layout", "bogus", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "--layout: invalid choice: 'bogus'" in result.stderr
    assert "single-file" in result.stderr and "file-per-object" in result.stderr
    assert not (tmp_path / "out").exists()


# --layout file-per-object


def test_file_per_object_holds_each_object_of_the_single_file_once(
    per_object: Path, wide_values: tuple[Path, list[dict[str, Any]]]
) -> None:
    objects = wide_values[1]
    files = _manifests(per_object)
    assert len(files) == len(objects)
    read: list[dict[str, Any]] = []
    for file in files:
        documents = [d for d in yaml.safe_load_all(file.read_text()) if d is not None]
        assert len(documents) == 1, file.name
        read.append(documents[0])
    single = {_key(o): o for o in objects}
    assert {_key(o): o for o in read} == single
    assert len({_key(o) for o in read}) == len(read)


def test_file_per_object_names_sort_in_apply_order(per_object: Path) -> None:
    files = _manifests(per_object)
    objects = [yaml.safe_load(f.read_text()) for f in files]  # lexical order, as kubectl apply -f DIR reads them
    phases = [phase_of(o).index for o in objects]
    assert phases == sorted(phases)
    assert len(set(phases)) >= 7, "the wide values reach most phases"
    assert objects[0]["kind"] == "Namespace"
    assert objects[-1]["kind"] in ("PrometheusRule", "ConfigMap", "PodMonitor")
    for file, obj in zip(files, objects, strict=True):
        index, phase, kind = file.name.split("-")[0], phase_of(obj).name, obj["kind"].lower()
        assert file.name.startswith(f"{index}-{phase}-{kind}-"), file.name
        assert file.name.endswith(f"-{obj['metadata']['name']}.yaml")
    assert len({f.name.split("-")[0] for f in files}) == len(files), "each index once, all of one width"


def test_file_per_object_keeps_the_synthesized_order_within_a_phase(
    per_object: Path, wide_values: tuple[Path, list[dict[str, Any]]]
) -> None:
    read = [_key(yaml.safe_load(f.read_text())) for f in _manifests(per_object)]
    objects = wide_values[1]
    for phase in {phase_of(o).index for o in objects}:
        in_output = [_key(o) for o in objects if phase_of(o).index == phase]
        assert [k for k in read if k in in_output] == in_output


def test_the_kustomization_lists_every_manifest_in_apply_order(per_object: Path) -> None:
    kustomization = yaml.safe_load((per_object / KUSTOMIZATION_FILE).read_text())
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["sortOptions"] == {"order": "fifo"}  # kustomize keeps the listed order
    assert kustomization["resources"] == [f.name for f in _manifests(per_object)]


def test_the_marker_lists_every_file_written(per_object: Path) -> None:
    marker = (per_object / OUTPUT_MARKER).read_text().splitlines()
    written = sorted(p.name for p in per_object.iterdir() if p.name != OUTPUT_MARKER)
    assert [line for line in marker if not line.startswith("#")] == written
    assert KUSTOMIZATION_FILE in written


def test_validate_accepts_a_file_per_object_directory(per_object: Path) -> None:
    result = run_cli("validate", str(per_object))
    assert result.returncode == 0, result.stderr
    count = len(_manifests(per_object))
    assert f"{per_object}: {count} objects valid" in result.stderr


def test_diff_compares_a_file_per_object_directory(
    per_object: Path, wide_values: tuple[Path, list[dict[str, Any]]]
) -> None:
    values = str(wide_values[0])
    same = run_cli("diff", "-f", values, "--layout", "file-per-object", "--kustomization", "--out", str(per_object))
    assert same.returncode == 0, same.stdout + same.stderr
    assert "no changes" in same.stderr
    changed = run_cli(
        "diff", "-f", values, "--set", "model.runtime.gpuCount=4", "--layout", "file-per-object", "--kustomization",
        "--out", str(per_object),
    )  # fmt: skip
    assert changed.returncode == 1
    assert "+++ synth: InferenceService kserve-inference/llama-3-70b" in changed.stdout
    assert "rewritten" not in changed.stdout
    # The same objects in another layout: every file would be rewritten.
    other = run_cli("diff", "-f", values, "--out", str(per_object))
    assert other.returncode == 1
    assert "rewritten (same objects, other bytes): llm-stack.k8s.yaml" in other.stdout
    assert f"rewritten (same objects, other bytes): {KUSTOMIZATION_FILE}" in other.stdout


def test_a_synth_in_another_layout_replaces_a_file_per_object_output(
    wide_values: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    values = str(wide_values[0])
    first = run_cli("synth", "-f", values, "--layout", "file-per-object", "--out", str(out))
    assert first.returncode == 0, first.stderr
    again = run_cli("synth", "-f", values, "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "llm-stack.k8s.yaml"]


def test_a_file_per_object_output_with_a_foreign_file_is_not_replaced(
    per_object: Path, wide_values: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli("synth", "-f", str(wide_values[0]), "--layout", "file-per-object", "--out", str(out))
    assert result.returncode == 0, result.stderr
    (out / "zz-mine.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mine}\n")
    before = sorted(p.name for p in out.iterdir())
    refused = run_cli("synth", "-f", str(wide_values[0]), "--layout", "file-per-object", "--out", str(out))
    assert refused.returncode == 2
    assert "'zz-mine.yaml'" in refused.stderr and "which synth did not write" in refused.stderr
    assert sorted(p.name for p in out.iterdir()) == before


def test_file_names_are_padded_to_one_width_for_a_fleet() -> None:
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}", "namespace": "ns"}} for i in range(120)
    ]
    names = [name for name, _ in object_files(objects)]
    assert names[0] == "000-config-configmap-ns-c0.yaml"
    assert names == sorted(names)
    assert len({len(n.split("-")[0]) for n in names}) == 1


def test_a_long_name_is_shortened_below_the_file_system_limit() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a" * 253, "namespace": "n" * 63}}
    ((name, _),) = object_files([obj])
    assert len(name.encode()) <= 255 and name.startswith("00-config-configmap-") and name.endswith(".yaml")


def _console(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.cli", *args], cwd=cwd, capture_output=True, timeout=300, check=False
    )


@pytest.mark.slow  # four processes of the console script
def test_the_console_script_writes_validates_and_prints_the_values_of_a_file_per_object_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    synth = _console(
        "synth", "-f", str(VALUES), "--layout", "file-per-object", "--kustomization", "--out", str(out), cwd=tmp_path
    )
    assert synth.returncode == 0, synth.stderr.decode()
    assert synth.stdout == b""
    validate = _console("validate", str(out), cwd=tmp_path)
    assert validate.returncode == 0, validate.stderr.decode()
    objects = [yaml.safe_load(p.read_text()) for p in _manifests(out)]
    single = [d for d in yaml.safe_load_all(DIST.read_text()) if d]
    assert sorted(map(_key, objects)) == sorted(map(_key, single))
    values = _console("values", "-f", str(VALUES), cwd=tmp_path)
    assert values.returncode == 0, values.stderr.decode()
    (tmp_path / "printed.yaml").write_bytes(values.stdout)
    streamed = _console("synth", "-f", str(tmp_path / "printed.yaml"), "--out", "-", cwd=tmp_path)
    assert streamed.returncode == 0, streamed.stderr.decode()
    assert streamed.stdout == DIST.read_bytes()


def test_synthesize_refuses_an_unknown_layout_before_writing(tmp_path: Path) -> None:
    from llm_inference_stack import load_values, synthesize
    from llm_inference_stack.errors import PropError

    with pytest.raises(PropError, match=r"synthesize 'layout' \('one-big-file'\) is not valid: use one of single-file"):
        synthesize(load_values(VALUES), tmp_path / "out", layout="one-big-file")  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # a process of the console script
def test_out_dash_into_a_closed_pipe_says_so_in_one_line(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "llm_inference_stack.cli", "synth", "-f", str(VALUES), "--out", "-"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before anything is written (`| head` that already exited)
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141
    assert stderr.strip().splitlines()[-1] == "llm-stack: standard output was closed before the manifests were written"
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []
