"""The floor plan: the import contracts of ``.importlinter`` hold (the library never imports a harness; the
harness's wings depend one way), as import-linter itself judges them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
