"""What the package promises someone else's environment: true dependency ranges, and its license."""

from __future__ import annotations

import ensurepip
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import yaml
from library_example import EXAMPLE
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REQUIREMENTS = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]


def _bounds(requirement: Requirement) -> tuple[Version, Version]:
    lower = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    upper = [Version(s.version) for s in requirement.specifier if s.operator == "<"]
    assert len(lower) == 1 and len(upper) == 1, f"{requirement}: declare one range, >=lowest tested,<next major"
    return lower[0], upper[0]


def _locked() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        name, _, version = line.partition("==")
        pins[re.sub(r"[-_.]+", "-", name).lower()] = Version(version)
    return pins


def test_every_dependency_declares_a_range_up_to_the_next_major() -> None:
    for requirement in REQUIREMENTS:
        lower, upper = _bounds(requirement)
        next_major = Version(f"{lower.major + 1}") if lower.major else Version(f"0.{lower.minor + 1}")
        assert upper == next_major, f"{requirement}: the range should end before {next_major}"


def test_the_lock_lies_inside_the_declared_ranges() -> None:
    locked = _locked()
    for requirement in REQUIREMENTS:
        pinned = locked[re.sub(r"[-_.]+", "-", requirement.name).lower()]
        assert requirement.specifier.contains(pinned), f"requirements.lock pins {requirement.name}=={pinned}"


def _build(tmp_path: Path, *kinds: str) -> dict[str, Path]:
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", *[f"--{k}" for k in kinds], "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    found = {"wheel": list(out.glob("*.whl")), "sdist": list(out.glob("*.tar.gz"))}
    return {kind: found[kind][0] for kind in kinds}


@pytest.mark.slow
def test_license_ships_in_the_wheel_and_the_sdist(tmp_path: Path) -> None:
    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    built = _build(tmp_path, "sdist", "wheel")
    with zipfile.ZipFile(built["wheel"]) as wheel:
        [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert wheel.read(name).decode() == license_text
        metadata = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        assert "License-Expression: Apache-2.0" in wheel.read(metadata).decode()
        # The library's wheel holds the library only: the harnesses are a distribution of their own (harness/).
        packages = {n.split("/")[0] for n in wheel.namelist() if n.endswith(".py")}
        assert packages == {"llm_inference_stack"}, packages
        assert not [n for n in wheel.namelist() if "/controlplane/" in n or "/localrun/" in n]
        # The values file's JSON Schema, for llm-stack schema --path.
        schema = wheel.read("llm_inference_stack/schemas/values.schema.json")
        assert schema == (ROOT / "values.schema.json").read_bytes()
    with tarfile.open(built["sdist"]) as sdist:
        [member] = [m for m in sdist.getmembers() if m.name.endswith("/LICENSE") and m.name.count("/") == 1]
        extracted = sdist.extractfile(member)
        assert extracted is not None and extracted.read().decode() == license_text
        # The generated imports as files where the package's symlink points (an sdist keeps no symlink).
        names = {m.name.partition("/")[2] for m in sdist.getmembers() if m.isfile()}
        assert "lib/llm_inference_stack/imports/io/kserve/serving/__init__.py" in names


def _install(tmp_path: Path, constraints: Path) -> Path:
    """A fresh venv with the built wheel installed under ``constraints``; returns the venv."""
    (wheel,) = _build(tmp_path, "wheel").values()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--constraint", str(constraints), str(wheel)],
        check=True,
        timeout=900,
    )
    return venv


def _clean_env(venv: Path) -> dict[str, str]:
    """The environment of a user of the installed wheel: nothing of this checkout on the paths."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin"
    return env


@pytest.mark.slow
def test_the_lowest_allowed_versions_synthesize_the_default_stack(tmp_path: Path) -> None:
    lowest = {r.name: _bounds(r)[0] for r in REQUIREMENTS}
    constraints = tmp_path / "lowest.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in lowest.items()))
    venv = _install(tmp_path, constraints)
    py = venv / "bin" / "python"
    probe = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    installed = subprocess.run([str(py), "-c", probe, *lowest], capture_output=True, text=True, check=True).stdout
    assert {n: Version(v) for n, v in __import__("json").loads(installed).items()} == lowest
    app = tmp_path / "app"
    app.mkdir()
    clean_env = _clean_env(venv)
    result = subprocess.run(
        [str(venv / "bin" / "llm-stack"), "synth", "-f", str(ROOT / "values.yaml"), "--out", "dist"],
        cwd=app,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert (app / "dist" / "llm-stack.k8s.yaml").read_text() == (ROOT / "dist" / "llm-stack.k8s.yaml").read_text()


@pytest.mark.slow
def test_the_readme_library_example_runs_verbatim_against_the_installed_wheel(tmp_path: Path) -> None:
    venv = _install(tmp_path, ROOT / "requirements.lock")
    platform = tmp_path / "platform"
    platform.mkdir()
    (platform / "synth_platform.py").write_text(EXAMPLE)
    env = _clean_env(venv)
    synth = subprocess.run(
        [str(venv / "bin" / "python"), "synth_platform.py", "dist"],
        cwd=platform,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert synth.returncode == 0, synth.stderr
    assert [p.name for p in (platform / "dist").iterdir()] == ["platform.k8s.yaml"]
    validate = subprocess.run(
        [str(venv / "bin" / "llm-stack"), "validate", "dist"],
        cwd=platform,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    written = [d for d in yaml.safe_load_all((platform / "dist" / "platform.k8s.yaml").read_text()) if d]
    kinds = [d["kind"] for d in written]
    # Secure by default from the library too: the model's and the gateway's NetworkPolicies, the token limits.
    assert kinds.count("NetworkPolicy") >= 2 and "BackendTrafficPolicy" in kinds, kinds
    assert f"{len(written)} objects" in validate.stdout + validate.stderr
    # Without the harness distribution, its commands say what to install (and nothing is imported from it).
    for command in ("verify", "local-run"):
        missing = subprocess.run(
            [str(venv / "bin" / "llm-stack"), command, "dist"],
            cwd=platform,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert missing.returncode == 2, missing.stderr
        assert "llm-inference-stack-harness" in missing.stderr and "pip install ./harness" in missing.stderr


def _metadata(wheel: Path) -> dict[str, list[str]]:
    """The wheel's METADATA fields, each with its values."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(name).decode())
    return {key: message.get_all(key) or [] for key in set(message.keys())}


def _bundled_pip_venv(path: Path) -> Path:
    """A fresh venv with the pip this Python bundles (``ensurepip``: 23.2.1 for Python 3.11), not upgraded."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip = subprocess.run(
        [str(path / "bin" / "python"), "-m", "pip", "--version"], capture_output=True, text=True, check=True
    )
    assert pip.stdout.startswith(f"pip {ensurepip.version()} "), pip.stdout
    return path


def _cli(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "llm-stack"), *args],
        cwd=cwd,
        env=_clean_env(venv),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The library's sdist and wheel, built from this checkout."""
    return _build(tmp_path_factory.mktemp("built"), "sdist", "wheel")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_the_wheel_and_the_sdist_install_with_the_bundled_pip_and_synthesize(
    tmp_path: Path, built: dict[str, Path], kind: str
) -> None:
    # pip builds a wheel from the sdist itself: that wheel must hold everything the tree-built one does.
    venv = _bundled_pip_venv(tmp_path / "venv")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--constraint", str(ROOT / "requirements.lock"), str(built[kind])], check=True, timeout=900)
    app = tmp_path / "app"
    app.mkdir()
    synth = _cli(venv, app, "synth", "-f", str(ROOT / "values.yaml"), "--out", "dist")
    assert synth.returncode == 0, synth.stderr
    assert (app / "dist" / "llm-stack.k8s.yaml").read_text() == (ROOT / "dist" / "llm-stack.k8s.yaml").read_text()
    (version,) = _metadata(built["wheel"])["Version"]
    assert _cli(venv, app, "--version").stdout == f"llm-stack {version}\n"
    assert built["sdist"].name == f"llm_inference_stack-{version}.tar.gz"


@pytest.mark.slow
def test_the_harness_requires_the_library_of_its_own_version(tmp_path: Path, built: dict[str, Path]) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT / "harness")],
        check=True,
        capture_output=True,
        timeout=900,
    )
    (harness,) = tmp_path.glob("*.whl")
    (version,) = _metadata(built["wheel"])["Version"]
    metadata = _metadata(harness)
    assert metadata["Version"] == [version]
    assert f"llm-inference-stack=={version}" in metadata["Requires-Dist"], metadata["Requires-Dist"]


@pytest.mark.slow
def test_the_readme_install_line_works_as_written_with_the_bundled_pip(tmp_path: Path) -> None:
    # The line as the README writes it, for a clone of this checkout's commit, tagged as the line names it.
    readme = (ROOT / "README.md").read_text()
    (line,) = re.findall(r'^pip install "git\+<URL of this repository>@v\S+".*$', readme, re.MULTILINE)
    args = shlex.split(line, comments=True)
    tag = args[-1].rpartition("@")[2]
    clone = tmp_path / "clone"
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", commit.stdout.strip()], cwd=clone, check=True)
    tags = subprocess.run(["git", "tag", "--list", tag], cwd=clone, capture_output=True, text=True, check=True)
    if not tags.stdout.strip():
        subprocess.run(["git", "tag", tag], cwd=clone, check=True)
    venv = _bundled_pip_venv(tmp_path / "venv")
    args = [str(venv / "bin" / "pip"), *[a.replace("<URL of this repository>", clone.as_uri()) for a in args[1:]]]
    subprocess.run([*args, "--quiet"], check=True, timeout=900)
    app = tmp_path / "app"
    app.mkdir()
    assert _cli(venv, app, "--version").stdout == f"llm-stack {tag.removeprefix('v')}\n"
    synth = _cli(venv, app, "synth", "-f", str(ROOT / "values.yaml"), "--out", "dist")
    assert synth.returncode == 0, synth.stderr
