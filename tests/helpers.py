"""Helpers shared by the tests: synthesize values, pick objects by kind and name."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import io
import json
import os
import subprocess
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

EXPOSED = {
    "gateway.service": {
        "type": "LoadBalancer",
        "annotations": {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
        },
        "loadBalancerSourceRanges": ["203.0.113.0/24", "2001:db8::/32"],
    }
}
"""A production exposure: a cloud load balancer admitting two client networks."""


@functools.cache
def _default_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((ROOT / "values.yaml").read_text())
    return values


def default_values_copy() -> dict[str, Any]:
    """values.yaml, parsed once per test process: each call returns its own deep copy (the ``default_values``
    fixture; for module-scoped fixtures, which cannot use that per-test fixture)."""
    return copy.deepcopy(_default_values())


def with_changes(values: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``values`` with dotted-path ``changes`` applied (None deletes the key). The result shares
    nothing with either argument, so a later change never reaches a caller's constant."""
    out = copy.deepcopy(values)
    changes = copy.deepcopy(changes)
    for path, value in changes.items():
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return out


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``llm-stack ARGS`` through ``cli.main`` in this process: what the console script runs, without starting
    Python and jsii again (the inner loop; ``slow`` tests run the console script itself). ``env`` is set on top
    of the current environment; ``cwd`` is the working directory during the call. stdout and stderr as text."""
    from llm_inference_stack.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
        pytest.MonkeyPatch.context() as patch,
    ):
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        if cwd is not None:
            patch.chdir(cwd)
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse's usage errors
            code = exit.code if isinstance(exit.code, int) else 2
    return subprocess.CompletedProcess(list(args), code, stdout.getvalue(), stderr.getvalue())


def run_console(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``llm-stack ARGS`` as its own process (``python -m llm_inference_stack.cli``), under a time-out."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


@dataclasses.dataclass(frozen=True)
class VerifyRun:
    """One ``llm-stack verify ... --json`` run: each source's report by the name the test gave it."""

    reports: dict[str, dict[str, Any]]
    returncode: int
    stderr: str


def run_verify(
    sources: Mapping[str, Path], *options: str, values: Collection[str] = (), timeout: float = 1800
) -> VerifyRun:
    """``llm-stack verify OPTIONS SOURCES --json`` as a user runs it (its own process; one control plane for all
    the sources, in order). A source whose name is in ``values`` is a values file (``--values FILE``), the others are
    directories of manifests. Fails the test, with the end of verify's stderr, when a source got no report."""
    argv = ["verify", *options]
    for name, path in sources.items():
        argv += ["--values", str(path)] if name in values else [str(path)]
    result = run_console(*argv, "--json", timeout=timeout)
    output = result.stdout.strip()
    assert output.startswith(("[", "{")), f"exit {result.returncode}\n{result.stderr[-4000:]}"
    parsed = json.loads(output)
    by_source = {report["source"]: report for report in (parsed if isinstance(parsed, list) else [parsed])}
    missing = [name for name, path in sources.items() if str(path) not in by_source]
    errors = [report["error"] for report in by_source.values() if report.get("error")]
    assert not missing, f"no report for {missing}: {errors}\n{result.stderr[-4000:]}"
    return VerifyRun({name: by_source[str(path)] for name, path in sources.items()}, result.returncode, result.stderr)


def synth_objects(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The validated objects of ``values``, synthesized now (for a test of what synthesis does: prints, calls,
    reads; a test that only reads the output uses ``synthesized``)."""
    from llm_inference_stack import manifests, stack_config_from_mapping

    return manifests(stack_config_from_mapping(values))


_SYNTHESIZED: dict[str, list[dict[str, Any]]] = {}
"""``synthesized``'s objects by their values (canonical JSON), one synthesis per test process."""


def synthesized(values: dict[str, Any]) -> list[dict[str, Any]]:
    """``synth_objects(values)``, synthesized once per test process for equal values: each call returns its own
    deep copy, so a test may change what it gets without reaching another test. Values that fail raise every
    time. Only for tests that read the output: whatever synthesis would do again (print, call a patched
    function, read the environment) happens once at most."""
    try:
        key = json.dumps(values, sort_keys=True)
    except (TypeError, ValueError):  # not JSON (keys of several types, dates): synthesized each time
        return synth_objects(values)
    if key not in _SYNTHESIZED:
        _SYNTHESIZED[key] = synth_objects(values)
    return copy.deepcopy(_SYNTHESIZED[key])


def find(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def kinds(objects: list[dict[str, Any]]) -> list[str]:
    return sorted(o["kind"] for o in objects)
