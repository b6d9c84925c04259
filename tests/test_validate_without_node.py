"""``llm-stack validate DIR`` reads plain manifests: it imports neither cdk8s nor jsii, so it never starts Node.js."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NODE_SIDE = ("jsii", "cdk8s", "constructs", "cdk8s_plus_27")
"""The modules that start (or need) jsii's Node.js process."""

# Runs the CLI's main in a fresh interpreter, then reports what it imported; its own output goes to stdout as one
# JSON line after whatever the CLI printed.
PROBE = f"""
import json, sys
from llm_inference_stack.cli import main
code = main(["validate", sys.argv[1]])
loaded = [name for name in {NODE_SIDE!r} if name in sys.modules]
from llm_inference_stack.validation import ChartValidation
after = [name for name in {NODE_SIDE!r} if name in sys.modules]
print(json.dumps({{"code": code, "loaded": loaded, "after_chart_validation": after}}))
"""


@pytest.fixture(scope="module")
def validated() -> tuple[dict[str, object], str]:
    """What ``llm-stack validate dist/`` printed on stderr, and what the probe reported."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "lib"), str(ROOT / "harness")])}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "dist/"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def test_validate_imports_no_cdk8s_and_reports_as_before(validated: tuple[dict[str, object], str]) -> None:
    report, stderr = validated
    assert report["code"] == 0
    assert report["loaded"] == [], f"llm-stack validate imported {report['loaded']}"
    objects = [
        doc for path in sorted((ROOT / "dist").glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc
    ]
    lines = stderr.splitlines()
    assert lines[-1] == f"dist: {len(objects)} objects valid"
    # Where vLLM's parser cannot run, one note says so before the count; nothing else is printed.
    assert all(line.startswith("llm-stack: vLLM argument check skipped: ") for line in lines[:-1]), stderr


def test_the_probe_sees_cdk8s_once_the_construct_side_is_loaded(validated: tuple[dict[str, object], str]) -> None:
    # ChartValidation is still importable from llm_inference_stack.validation, and loading it is what the probe
    # would catch: the check above cannot pass by not looking.
    report, _ = validated
    after = report["after_chart_validation"]
    assert isinstance(after, list) and {"jsii", "cdk8s", "constructs"} <= set(after), after
