"""``llm-stack synth --format helm``: the chart's files, its templates as synth's documents, and bad input.

What Helm itself makes of the chart (``helm lint``, ``helm template`` byte for byte, ``helm install`` against the API
server) is ``tests/controlplane/test_chart_with_helm.py``: it needs the Helm binary built from its Go module.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, run_cli
from hypothesis import given
from hypothesis import strategies as st

from llm_inference_stack import helm_chart, pins
from llm_inference_stack.output_dir import OUTPUT_MARKER

VALUES = ROOT / "values.yaml"
MANIFEST = "llm-stack.k8s.yaml"
NO_VLLM_CHECK = {"LLM_STACK_VLLM_CHECK": "never"}

needs_schema = pytest.mark.skipif(
    importlib.util.find_spec("llm_inference_stack.settings.json_schema") is None,
    reason="llm_inference_stack.settings.json_schema (values_schema(), the chart's values.schema.json) is absent",
)


def synth(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("synth", "-f", str(VALUES), *args, env=NO_VLLM_CHECK)


def templates(chart: Path) -> list[Path]:
    return sorted((chart / "templates").iterdir())


def rendered_stream(chart: Path) -> bytes:
    """The templates as Go renders them (each ``{{"{{"}}`` prints ``{{``), in file-name order, joined as synth joins
    documents."""
    return "---\n".join(helm_chart.unescape_template(p.read_text()) for p in templates(chart)).encode()


# ---------------------------------------------------------------------------------------------------------------
# The escaping


@given(st.text(alphabet="{}`\"'-/*<> .$\n", max_size=40))
def test_escaping_leaves_no_action_but_those_printing_braces(text: str) -> None:
    template = helm_chart.escape_template(text)
    assert "{{" not in template.replace('{{"{{"}}', "")
    assert helm_chart.unescape_template(template) == text


def test_escaping_keeps_runs_of_braces_and_the_escape_itself() -> None:
    assert helm_chart.escape_template("{{{") == '{{"{{"}}{'
    assert helm_chart.escape_template("}}{{}}") == '}}{{"{{"}}}}'
    for text in ["{{{{{", '{{"{{"}}', "{{- /* x */ -}}"]:
        assert helm_chart.unescape_template(helm_chart.escape_template(text)) == text


# ---------------------------------------------------------------------------------------------------------------
# What the chart holds


@needs_schema
def test_templates_are_the_synthesized_documents_byte_for_byte(tmp_path: Path) -> None:
    assert synth("--out", str(tmp_path / "dist")).returncode == 0
    result = synth("--format", "helm", "--out", str(tmp_path / "chart"))
    assert result.returncode == 0, result.stderr
    chart = tmp_path / "chart"
    documents = [yaml.safe_load(p.read_text()) for p in templates(chart) if "{{" not in p.read_text()]
    assert documents and all(isinstance(d, dict) and d["kind"] for d in documents)
    assert rendered_stream(chart) == (tmp_path / "dist" / MANIFEST).read_bytes()
    # The alerts' {{ $labels.x }} are escaped, not dropped.
    rules = next(p for p in templates(chart) if "-prometheusrule-" in p.name).read_text()
    assert '{{"{{"}} $labels.model_name }}' in rules and "{{ $labels" not in rules
    names = [p.name for p in templates(chart)]
    assert names[0] == "00-inferenceservice-kserve-inference-llama-3-70b.yaml"
    assert len(names) == len(list(yaml.safe_load_all((tmp_path / "dist" / MANIFEST).read_text())))


@needs_schema
def test_chart_yaml_values_and_schema(tmp_path: Path) -> None:
    from llm_inference_stack.settings.json_schema import values_schema

    chart = tmp_path / "chart"
    result = synth(
        "--set", "release=edge", "--set", "model.runtime.gpuCount=4", "--format", "helm", "--out", str(chart)
    )
    assert result.returncode == 0, result.stderr
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    version = helm_chart.library_version()
    assert version is not None
    assert meta["apiVersion"] == "v2" and meta["name"] == "edge" and meta["type"] == "application"
    assert meta["version"] == helm_chart.semver_of(version) and meta["appVersion"] == version
    values = yaml.safe_load((chart / "values.yaml").read_text())
    expected = yaml.safe_load(VALUES.read_text())
    expected["release"], expected["model"]["runtime"]["gpuCount"] = "edge", 4
    assert values == expected
    assert json.loads((chart / "values.schema.json").read_text()) == values_schema()
    assert (chart / ".helmignore").read_text().splitlines()[-1] == OUTPUT_MARKER
    listed = (chart / OUTPUT_MARKER).read_text().splitlines()[2:]
    assert listed == sorted(
        str(p.relative_to(chart)) for p in chart.rglob("*") if p.is_file() and p.name != OUTPUT_MARKER
    )
    assert "templates/00-inferenceservice-kserve-inference-llama-3-70b.yaml" in listed


@needs_schema
def test_values_from_standard_input_are_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.BytesIO(b"gateway:\n  replicas: 3\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
    chart = tmp_path / "chart"
    result = run_cli("synth", "-f", str(VALUES), "-f", "-", "--format", "helm", "--out", str(chart), env=NO_VLLM_CHECK)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((chart / "values.yaml").read_text())["gateway"] == {
        "rateLimit": {"tokensPerMinute": 100000},
        "replicas": 3,
    }
    gateway = next(p for p in templates(chart) if "-envoyproxy-" in p.name)
    assert "replicas: 3" in gateway.read_text()


@needs_schema
def test_chart_version_option(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    assert synth("--format", "helm", "--chart-version", "2.1.0-rc.1+build.7", "--out", str(chart)).returncode == 0
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    assert meta["version"] == "2.1.0-rc.1+build.7" and meta["appVersion"] == helm_chart.library_version()


@needs_schema
def test_a_new_synth_replaces_its_chart_and_nothing_else(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    assert synth("--format", "helm", "--out", str(chart)).returncode == 0
    before = {p.name for p in templates(chart)}
    result = synth("--set", "observability.dashboards=false", "--set", "observability.alerts=false", "--format",
                   "helm", "--out", str(chart))  # fmt: skip
    assert result.returncode == 0, result.stderr
    after = {p.name for p in templates(chart)}
    assert after < before and not any("prometheusrule" in n or "dashboard" in n for n in after)
    assert not [p for p in tmp_path.iterdir() if p.name != "chart"]  # no staging or old directory left
    (chart / "templates" / "notes.yaml").write_text("kind: ConfigMap\n")
    refused = synth("--format", "helm", "--out", str(chart))
    assert refused.returncode == 2
    assert "holds 'templates/notes.yaml', which synth did not write" in refused.stderr, refused.stderr
    assert {p.name for p in templates(chart)} == after | {"notes.yaml"}


# ---------------------------------------------------------------------------------------------------------------
# Bad input: exit 2, one line, nothing written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "bogus"], "argument --format: invalid choice: 'bogus'"),
        (["--format", "helm", "--out", "-"], "llm-stack: --format helm writes a chart directory, not one stream"),
        (["--chart-version", "1.2.0"], "llm-stack: --chart-version: only with --format helm"),
        (["--format", "helm", "--chart-version", "1.2"], "llm-stack: --chart-version '1.2': not a SemVer 2 version"),
        (["--format", "helm", "--chart-version", "v1.2.0"], "llm-stack: --chart-version 'v1.2.0': not a SemVer 2"),
    ],
    ids=["bogus-format", "chart-to-stdout", "chart-version-without-helm", "short-version", "v-prefix"],
)
def test_bad_format_options_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    out = ["--out", str(tmp_path / "out")] if "--out" not in args else []
    result = synth(*args, *out)
    assert result.returncode == 2
    assert message in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


@needs_schema
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "model.runtime.env.NOTE=a <no value> here",
            "holds the text '<no value>', which Helm deletes from every rendered template",
        ),
        ("commonAnnotations.helm\\.sh/hook=pre-install", "has the annotation helm.sh/hook, which makes it a Helm hook"),
    ],
    ids=["no-value-text", "hook-annotation"],
)
def test_objects_helm_would_render_otherwise_are_refused(tmp_path: Path, change: str, message: str) -> None:
    result = synth("--set", change, "--format", "helm", "--out", str(tmp_path / "chart"))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr, result.stderr
    assert "[helm] templates/00-inferenceservice-" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_helm_problems_of_a_document() -> None:
    obj: dict[str, Any] = {"kind": "ConfigMap", "metadata": {"name": "x"}}
    assert helm_chart.helm_problems("t.yaml", "kind: ConfigMap\n", obj) == []
    [separator] = helm_chart.helm_problems("t.yaml", "kind: ConfigMap\n--- x\n", obj)
    assert "line starting with '---'" in separator
    [blank] = helm_chart.helm_problems("t.yaml", "data: |+\n  x\n\n", obj)
    assert "white space that Helm trims" in blank


def test_the_helm_build_is_pinned_with_its_kubernetes_version() -> None:
    from llm_stack_harness.controlplane.build import COMPONENTS_BY_NAME

    helm = COMPONENTS_BY_NAME["helm"]
    go_mod = (helm.module_dir / "go.mod").read_text()
    assert re.search(rf"^require {re.escape(helm.module)} {re.escape(pins.HELM_VERSION)}$", go_mod, re.M)
    # Helm's Makefile stamps the client-go minor it builds with as the Kubernetes version lint and template assume.
    assert re.search(rf"^\s+k8s.io/client-go v0\.{pins.HELM_KUBERNETES_MINOR}\.\d+ // indirect$", go_mod, re.M)
    assert f"helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor={pins.HELM_KUBERNETES_MINOR}" in helm.ldflags_string
    assert f"helm.sh/helm/v3/internal/version.version={pins.HELM_VERSION}" in helm.ldflags_string
    assert not helm.default  # verify does not need it


@pytest.mark.parametrize(
    ("pep440", "semver"),
    [
        ("0.2.0", "0.2.0"),
        ("0.0.0", "0.0.0"),
        ("0.2.1.dev3+g1a2b3c4", "0.2.1-dev.3+g1a2b3c4"),
        ("0.2.1.dev3+g1a2b3c4.d20261202", "0.2.1-dev.3+g1a2b3c4.d20261202"),
        ("1.0rc1", "1.0.0-rc.1"),
        ("2", "2.0.0"),
        ("1.0.0.post2", "1.0.0+post.2"),
        ("1!2.0.0", None),
        ("1.2.3.4", None),
    ],
)
def test_the_library_version_in_semver(pep440: str, semver: str | None) -> None:
    assert helm_chart.semver_of(pep440) == semver
    if semver is not None:
        assert helm_chart.chart_version_problem(semver) is None


def test_chart_version_problems() -> None:
    assert helm_chart.chart_version_problem("0.1.0") is None
    assert helm_chart.chart_version_problem("1.0.0-alpha.1") is None
    assert "not a SemVer 2 version" in str(helm_chart.chart_version_problem("01.0.0"))
    assert helm_chart.chart_version_problem(None) is None  # the installed library's version
