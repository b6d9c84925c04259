"""The floor plan: the import contracts of ``.importlinter`` hold (the library never imports a harness; the
harness's wings depend one way), as import-linter itself judges them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_are_kept() -> None:
    result = _lint(ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout
    contracts = [
        line.split("[importlinter:contract:")[1].rstrip("]")
        for line in (ROOT / ".importlinter").read_text().splitlines()
        if line.startswith("[importlinter:contract:")
    ]
    assert len(contracts) >= 2
    assert result.stdout.count(" KEPT") == len(contracts)


def test_a_contract_that_the_code_breaks_is_reported_broken(tmp_path: Path) -> None:
    # The harness's base imports nothing above it; claiming the opposite order must fail, or the check is idle.
    reversed_layers = tmp_path / "reversed.ini"
    reversed_layers.write_text(
        "[importlinter]\nroot_packages =\n    llm_stack_harness\n\n"
        "[importlinter:contract:reversed]\nname = reversed\ntype = layers\nlayers =\n"
        "    llm_stack_harness.base\n    llm_stack_harness.controlplane\n"
    )
    result = _lint(reversed_layers)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout


def test_the_library_layers_are_not_idle(tmp_path: Path) -> None:
    # The chart imports the gateways, which import the model server: the opposite order must be reported.
    reversed_layers = tmp_path / "reversed.ini"
    reversed_layers.write_text(
        "[importlinter]\nroot_packages =\n    llm_inference_stack\n\n"
        "[importlinter:contract:reversed]\nname = reversed\ntype = layers\nlayers =\n"
        "    llm_inference_stack.model_server\n    llm_inference_stack.gateway\n    llm_inference_stack.chart\n"
    )
    result = _lint(reversed_layers)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout


@pytest.mark.slow  # a synth process making five stacks
def test_synthesis_loads_no_generated_module(tmp_path: Path) -> None:
    """The constructs write plain JSON bodies: synthesizing every kind of stack (both gateways, prefix-aware routing,
    tenants, external secrets) loads neither cdk8s-plus nor a module of ``imports/``, whose jsii assemblies cost
    more start-up time than the stack itself. Users still patch with the generated classes (escape hatches)."""
    script = """
import sys
from llm_inference_stack.cli import main
for index, args in enumerate(sys.argv[2:]):
    assert main(["synth", "--values", *args.split(), "--out", f"{sys.argv[1]}/{index}"]) == 0, args
print(sorted(m for m in sys.modules if m.startswith("cdk8s_plus") or m.startswith("llm_inference_stack.imports")))
"""
    cases = [
        "values.yaml",
        "values.yaml --set gateway.mode=standalone",
        "examples/values-prefix-aware.yaml",
        "examples/values-two-teams.yaml",
        "tests/e2e/values-local-run.yaml",
    ]
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), *cases],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert len(list(tmp_path.glob("*/*.yaml"))) == len(cases)
