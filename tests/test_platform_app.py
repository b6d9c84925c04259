"""The platform example (examples/platform_app/): a cdk8s app holding the stack and the platform's own Argo CD
Application and cert-manager Certificate in one chart, decorated through ``LlmInferenceStack.api_objects``; it
synthesizes from Python and through ``cdk8s synth``, and ``llm-stack validate --only-stack`` accepts its output."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "platform_app"
WAVE = "argocd.argoproj.io/sync-wave"
PLATFORM_KINDS = {"Application", "Certificate"}


def read(out: Path) -> list[dict[str, Any]]:
    return [d for f in sorted(out.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]


def tree(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example run as a platform repository runs it: ``python main.py OUTDIR``."""
    out = tmp_path_factory.mktemp("platform") / "dist"
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "main.py"), str(out)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return out


def test_the_platforms_objects_pass_through_as_written(output: Path) -> None:
    objects = read(output)
    theirs = [o for o in objects if o["kind"] in PLATFORM_KINDS]
    assert {(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in theirs} == {
        ("Application", "argocd", "team-llm"),
        ("Certificate", "team-llm", "team-llm-gateway"),
    }
    assert all("labels" not in o["metadata"] and "annotations" not in o["metadata"] for o in theirs)
    assert next(o for o in theirs if o["kind"] == "Certificate")["spec"]["issuerRef"]["kind"] == "ClusterIssuer"


def test_every_stack_object_has_the_sync_wave_and_the_marker(output: Path) -> None:
    stack = [o for o in read(output) if o["kind"] not in PLATFORM_KINDS]
    assert len(stack) >= 15
    assert {o["metadata"]["annotations"][WAVE] for o in stack} == {"1"}
    assert {o["metadata"]["labels"]["app.kubernetes.io/managed-by"] for o in stack} == {"llm-inference-stack"}


def test_validate_only_stack_accepts_the_output(output: Path) -> None:
    result = run_cli("validate", str(output), "--only-stack")
    assert result.returncode == 0, result.stderr
    stack = [o for o in read(output) if o["kind"] not in PLATFORM_KINDS]
    assert f"{output}: {len(stack)} objects valid" in result.stderr
    assert "llm-stack: ignored 2 object(s) the stack did not write" in result.stderr


def test_validate_without_only_stack_names_the_platforms_objects_and_the_way_out(output: Path) -> None:
    result = run_cli("validate", str(output))
    assert result.returncode == 2
    assert "[schema] Application argocd/team-llm: no schema for argoproj.io/v1alpha1 Application" in result.stderr
    hint = result.stderr.strip().splitlines()[-1]
    assert hint.startswith("  - [only-stack] 2 object(s) here were not written by the stack")
    assert "Application argocd/team-llm (llm-stack.k8s.yaml#" in hint
    assert "Certificate team-llm/team-llm-gateway" in hint
    assert f"llm-stack validate {output} --only-stack" in hint


def test_app_synth_from_python_writes_the_same_output(output: Path, tmp_path: Path) -> None:
    import cdk8s

    spec = importlib.util.spec_from_file_location("platform_app_main", EXAMPLE / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = cdk8s.App(outdir=str(tmp_path / "out"))
    stack = module.build(app)
    app.synth()
    assert tree(tmp_path / "out") == tree(output)
    assert len(stack.api_objects) == len([o for o in read(output) if o["kind"] not in PLATFORM_KINDS])


@pytest.mark.slow  # runs the npm cdk8s CLI, which starts Python again
def test_cdk8s_synth_in_the_example_writes_the_same_output(output: Path, tmp_path: Path) -> None:
    cli = ROOT / "node_modules" / ".bin" / "cdk8s"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [str(cli), "synth", "--no-check-upgrade", "--output", str(tmp_path / "out")],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "out") == tree(output)
