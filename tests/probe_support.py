"""Running the data-path probe (``python -m llm_stack_harness.controlplane.probe``) as the control-plane tests do: in
a child process on directories of manifests, with real vLLM, its JSON report read back; and finding a check in it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_probe(
    directories: list[Path], *options: str, timeout_s: float, keep_in: Path | None = None
) -> list[dict[str, Any]]:
    """The probe's reports (one per directory, then any of the control plane's) for ``directories`` with ``--vllm``,
    ``--json`` and ``options``; with ``keep_in``, its standard output and error are kept there
    (``probe-stdout.json``, ``probe-stderr.txt``), for the counts and logs of a long run."""
    result = subprocess.run(
        [sys.executable, "-m", "llm_stack_harness.controlplane.probe", *map(str, directories), "--vllm", "--json",
         *options],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )  # fmt: skip
    if keep_in is not None:
        (keep_in / "probe-stdout.json").write_text(result.stdout)
        (keep_in / "probe-stderr.txt").write_text(result.stderr)
    assert result.stdout.strip().startswith("["), f"exit {result.returncode}\n{result.stderr[-6000:]}"
    reports: list[dict[str, Any]] = json.loads(result.stdout)
    return reports


def check(report: dict[str, Any], name: str) -> dict[str, Any]:
    """The report's check called ``name`` (it must be there)."""
    matches = [c for c in report["checks"] if c["name"] == name]
    assert matches, f"no check {name!r}: error {report['error']}, checks {report['checks']}"
    return matches[0]
