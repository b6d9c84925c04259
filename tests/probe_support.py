"""Running the data-path probe (``python -m llm_stack_harness.controlplane.probe``) as the control-plane tests do: in
a child process on directories of manifests, with real vLLM, its JSON report read back; and finding a check in it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from helpers import synth_objects, with_changes

VALUES_FILE = Path(__file__).parent / "e2e" / "values-e2e.yaml"
"""The e2e values the probe's runs start from."""
SANDBOX_MODEL = {
    "apiKeys.existingSecret": False,
    "apiKeys.dummyKey": "test-key-0123456789abcdef",
    "model.storageUri": "s3://models/tiny/",
    "model.serviceAccountName": "kserve-s3-reader",
}
"""A dummy key, and the tiny model where the sandbox's model store keeps it, read with the store's credentials."""


def sandbox_values(changes: dict[str, Any]) -> dict[str, Any]:
    """:data:`VALUES_FILE` with :data:`SANDBOX_MODEL` and ``changes`` (dotted paths; None deletes the key)."""
    return with_changes(yaml.safe_load(VALUES_FILE.read_text()), {**SANDBOX_MODEL, **changes})


def probe_stack(
    directory: Path, values: dict[str, Any], option: str, spec: dict[str, Any], detail: str
) -> dict[str, Any]:
    """The probe's report on ``values`` synthesized into ``directory`` with ``option`` (``--scaling``,
    ``--faults``) given ``spec``; its output is kept there. Fails with the probe's error and its log's end when the
    report has no ``detail`` (the run did not get to its load)."""
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(synth_objects(values), sort_keys=False))
    report = run_probe([directory], option, json.dumps(spec), timeout_s=2400, keep_in=directory)[0]
    assert detail in report["details"], f"{report['error']}\n{(directory / 'probe-stderr.txt').read_text()[-6000:]}"
    return report


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
