"""The chart of ``llm-stack synth --format helm`` as Helm itself reads it (marker ``controlplane``: Helm v3.22.0 is
built from its Go module, ``make controlplane-deps``).

What "byte for byte" means here: ``helm template`` prints each manifest as ``---\\n# Source: <chart>/<template>\\n``
followed by the manifest and a newline. With those two header lines taken off, each template's manifest is the
object's YAML document exactly as ``synth`` writes it into ``llm-stack.k8s.yaml`` (its final newline included), and
the documents put back in template order and joined by ``---`` lines are that file, byte for byte. Helm prints the
manifests in its own install order (by kind); the header says which template each came from.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiserver_session import run_steps
from helpers import default_values_copy, run_cli, with_changes

from llm_inference_stack.helm_chart import default_chart_version, unescape_template
from llm_inference_stack.pins import HELM_VERSION

pytestmark = pytest.mark.controlplane

needs_schema = pytest.mark.skipif(
    importlib.util.find_spec("llm_inference_stack.settings.json_schema") is None,
    reason="llm_inference_stack.settings.json_schema (values_schema(), the chart's values.schema.json) is absent",
)

MANIFEST = "llm-stack.k8s.yaml"
NAMESPACE = "kserve-inference"
SOURCE = re.compile(r"(?m)^---\n# Source: (.+)\n")

BRACES = [
    "{{ $labels.model_name }}",
    "{{{ triple }}}",
    "}}{{",
    "{{- trim -}}",
    "{{/* comment */}}",
    '{{"{{"}}',
    '{{ .Release.Name }} {{ include "x" . }}',
    "`{{`}}`",
    "{{{{{",
    "<no value",
    "{{ <no value }}",
]
"""Texts Go templates would read as actions (or, unescaped, fail to parse), and neighbours of Helm's own rules."""


@pytest.fixture(scope="session")
def helm() -> str:
    from llm_stack_harness.controlplane.build import ensure_binaries

    return str(ensure_binaries(["helm"])["helm"])


@pytest.fixture
def helm_env(tmp_path: Path) -> dict[str, str]:
    """Helm's cache, configuration and data under the test's directory (none of the user's repositories or plugins)."""
    return {f"HELM_{kind}_HOME": str(tmp_path / f"helm-{kind.lower()}") for kind in ("CACHE", "CONFIG", "DATA")}


def run_helm(helm: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm, *args], env=os.environ | env, capture_output=True, text=True, timeout=300, check=False)


def synth(values: dict[str, Any], out: Path, *args: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    values_file = out.parent / f"{out.name}-values.yaml"
    values_file.write_text(yaml.safe_dump(values, sort_keys=False))
    result = run_cli("synth", "-f", str(values_file), "--out", str(out), *args, env={"LLM_STACK_VLLM_CHECK": "never"})
    assert result.returncode == 0, result.stderr


def chart_and_manifests(values: dict[str, Any], root: Path) -> tuple[Path, bytes]:
    synth(values, root / "dist")
    synth(values, root / "chart", "--format", "helm")
    return root / "chart", (root / "dist" / MANIFEST).read_bytes()


def template_sources(output: str) -> dict[str, str]:
    """``helm template``'s output as source -> manifest (the header lines taken off); each source once."""
    parts = SOURCE.split(output)
    assert parts[0] == "", output[:200]
    sources, manifests = parts[1::2], parts[2::2]
    assert len(set(sources)) == len(sources), "a template rendered to more than one manifest"
    return dict(zip(sources, manifests, strict=True))


def braces_values() -> dict[str, Any]:
    values = default_values_copy()
    values = with_changes(values, {"gateway.mode": "standalone"})  # the Envoy bootstrap, a large ConfigMap, too
    values["commonAnnotations"] = {f"example.com/text-{i}": text for i, text in enumerate(BRACES)}
    values["model"]["runtime"]["env"] = {f"TEXT_{i}": text for i, text in enumerate(BRACES)}
    return values


# ---------------------------------------------------------------------------------------------------------------


def test_helm_is_the_pinned_release(helm: str, helm_env: dict[str, str]) -> None:
    result = run_helm(helm, helm_env, "version", "--template", "{{.Version}} {{.GitTreeState}}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{HELM_VERSION} clean"


@needs_schema
@pytest.mark.parametrize("scenario", ["default", "braces"])
def test_helm_lint_and_template_render_what_synth_writes(
    scenario: str, tmp_path: Path, helm: str, helm_env: dict[str, str]
) -> None:
    values = default_values_copy() if scenario == "default" else braces_values()
    chart, manifests = chart_and_manifests(values, tmp_path)
    lint = run_helm(helm, helm_env, "lint", "--strict", str(chart))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in lint.stdout
    rendered = run_helm(helm, helm_env, "template", "llm", str(chart))
    assert rendered.returncode == 0, rendered.stderr
    by_source = template_sources(rendered.stdout)
    templates = sorted(p.relative_to(chart).as_posix() for p in (chart / "templates").iterdir())
    assert sorted(by_source) == [f"{values.get('release', 'llm-stack')}/{t}" for t in templates]
    in_template_order = [by_source[source] for source in sorted(by_source)]
    assert "---\n".join(in_template_order).encode() == manifests
    # Values change nothing, but Helm checks them against the values' schema: what the stack refuses, Helm refuses.
    for bad in (["--set-string", "model.runtime.gpuCount=four"], ["--set", "model.bogus=1"]):
        refused = run_helm(helm, helm_env, "template", "llm", str(chart), *bad)
        assert refused.returncode != 0 and "values don't meet the specifications of the schema" in refused.stderr
    packaged = run_helm(helm, helm_env, "package", str(chart), "--destination", str(tmp_path / "packaged"))
    assert packaged.returncode == 0, packaged.stderr
    (archive,) = (tmp_path / "packaged").iterdir()
    with tarfile.open(archive) as tar:
        members = sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile())
    assert members == sorted([".helmignore", "Chart.yaml", "values.yaml", "values.schema.json", *templates])
    if scenario == "braces":  # the texts reached the objects, and the templates escape them
        for obj in yaml.safe_load_all(manifests):
            annotations = obj["metadata"]["annotations"]
            assert [annotations[f"example.com/text-{i}"] for i in range(len(BRACES))] == BRACES
        assert all('{{"{{"}}' in p.read_text() for p in (chart / "templates").iterdir())


@needs_schema
def test_unescaped_templates_would_not_render(tmp_path: Path, helm: str, helm_env: dict[str, str]) -> None:
    """Without the escaping, Helm reads the alerts' ``{{ $labels.x }}`` and the dashboard's legends as its own
    actions and fails."""
    chart, _manifests = chart_and_manifests(default_values_copy(), tmp_path)
    raw = tmp_path / "raw-chart"
    shutil.copytree(chart, raw)
    for template in (raw / "templates").iterdir():
        template.write_text(unescape_template(template.read_text()))
    rendered = run_helm(helm, helm_env, "template", "llm", str(raw))
    assert rendered.returncode != 0
    assert "parse error at (llm-stack/templates/" in rendered.stderr, rendered.stderr


def _inference_service(result: dict[str, Any]) -> dict[str, Any]:
    obj = result["object"]
    assert obj is not None, "the InferenceService is not on the API server"
    return dict(obj)


@needs_schema
def test_install_dry_run_upgrade_and_rollback_on_the_api_server(
    tmp_path: Path, helm: str, helm_env: dict[str, str]
) -> None:
    values = default_values_copy()
    first, _ = chart_and_manifests(values, tmp_path / "first")
    second = tmp_path / "second"
    synth(with_changes(values, {"model.runtime.gpuCount": 4}), second / "chart", "--format", "helm", "--chart-version",
          "0.2.0")  # fmt: skip
    unknown = tmp_path / "unknown-kind"
    shutil.copytree(first, unknown)
    isvc = next((unknown / "templates").glob("*-inferenceservice-*"))
    isvc.write_text(isvc.read_text().replace("serving.kserve.io/v1beta1", "serving.kserve.io/v9"))
    release = ["llm", "--namespace", NAMESPACE]
    get_isvc = {"get": ["serving.kserve.io/v1beta1", "InferenceService", NAMESPACE, "llama-3-70b"]}
    steps = [
        {"run": [helm, "install", *release, str(unknown), "--dry-run=server"]},
        {"run": [helm, "install", *release, str(first), "--dry-run=server"]},
        get_isvc,
        {"run": [helm, "install", *release, str(first)]},
        get_isvc,
        {"run": [helm, "upgrade", *release, str(second / "chart")]},
        get_isvc,
        {"run": [helm, "rollback", *release, "1"]},
        get_isvc,
        {"run": [helm, "history", *release, "--output", "json"]},
    ]
    results = run_steps(steps, namespaces=[NAMESPACE], work=tmp_path / "session", env=helm_env)
    refused, dry_run, not_yet, install, installed, upgrade, upgraded, rollback, rolled_back, history = results
    # The dry run asks the API server: a kind it does not serve is refused, the chart's kinds all are.
    assert refused["code"] != 0 and "serving.kserve.io/v9" in refused["stderr"], refused
    assert dry_run["code"] == 0, dry_run["stderr"]
    assert "STATUS: pending-install" in dry_run["stdout"] and "kind: InferenceService" in dry_run["stdout"]
    assert not_yet["object"] is None  # a dry run creates nothing
    for step in (install, upgrade, rollback):
        assert step["code"] == 0, step["stderr"]

    def gpus(result: dict[str, Any]) -> Any:
        predictor = _inference_service(result)["spec"]["predictor"]
        return predictor["containers"][0]["resources"]["limits"]["nvidia.com/gpu"]

    assert [gpus(installed), gpus(upgraded), gpus(rolled_back)] == ["2", "4", "2"]
    assert _inference_service(installed)["metadata"]["annotations"]["meta.helm.sh/release-name"] == "llm"
    revisions = json.loads(history["stdout"])
    version = default_chart_version()
    assert [(r["revision"], r["chart"], r["status"]) for r in revisions] == [
        (1, f"llm-stack-{version}", "superseded"),
        (2, "llm-stack-0.2.0", "superseded"),
        (3, f"llm-stack-{version}", "deployed"),
    ]
    assert revisions[2]["description"] == "Rollback to 1"
