"""``llm-stack values``: the merged values as a values file that loads back into the same configuration, with every
key spelt as the values file spells it, where each given value came from, and no credential."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import run_cli

from llm_inference_stack import load_values
from llm_inference_stack.effective_values import effective_values
from llm_inference_stack.redaction import HIDDEN
from llm_inference_stack.settings.reference import sections

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "values.yaml"
GOOD_FILES = [
    VALUES,
    ROOT / "examples" / "values-local.yaml",
    ROOT / "tests" / "data" / "fleet-20.yaml",
    *sorted((ROOT / "tests" / "e2e").glob("values-*.yaml")),
]
SETS = {
    "one GPU": ["model.runtime.gpuCount=1"],
    "external secret keys": [
        "apiKeys.externalSecret={storeName: vault, remoteKey: llm/api-keys, storeKind: ClusterSecretStore}"
    ],
    "rate limits off": ["gateway.rateLimit=null"],
    "limits per second and minute": ["gateway.rateLimit={tokensPerSecond: 2000, tokensPerMinute: 60000}"],
    "tracing off": ["observability.phoenix=null"],
    "secured prometheus": ["autoscaling.prometheus.auth={mode: bearer, secretName: prometheus-token}"],
    "standalone": ["gateway.mode=standalone"],
    "created namespace, sync waves": ["namespace.create=true", "gitops.argocd.syncWaves=true"],
    "labels with dots": ["commonLabels.team\\.example\\.com/owner=ml", "commonAnnotations.note=ok"],
    "model overrides": [
        "model.autoscaling={maxReplicas: 8}",
        "model.rateLimit={tokensPerSecond: 10}",
        "model.runtime.env.LOG_LEVEL=debug",
        "model.runtime.env.HF_TOKEN={secretKeyRef: {name: hf, key: token}}",
        "model.runtime.extraArgs=[--enable-prefix-caching, --max-num-seqs, '64']",
    ],
}
"""The snapshot scenarios and more, as --set flags over values.yaml."""
SECRET = "test-key-0123456789abcdef"


def _printed(tmp_path: Path, files: list[Path], sets: list[str] = ()) -> Path:  # type: ignore[assignment]
    path = tmp_path / "printed.yaml"
    path.write_text(effective_values(files, sets=sets).text)
    return path


@pytest.mark.parametrize("path", GOOD_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_printed_values_of_each_good_file_load_back_into_the_same_configuration(path: Path, tmp_path: Path) -> None:
    printed = _printed(tmp_path, [path])
    assert load_values(printed) == load_values(path)
    assert effective_values(path).hidden == ()


@pytest.mark.parametrize("name", list(SETS))
def test_the_printed_values_of_each_scenario_load_back_into_the_same_configuration(name: str, tmp_path: Path) -> None:
    printed = _printed(tmp_path, [VALUES], SETS[name])
    assert load_values(printed) == load_values(VALUES, sets=SETS[name])
    # Printing the printed file again gives the same values (only the comments name another source).
    again = effective_values(printed).text
    assert _without_comments(again) == _without_comments(printed.read_text())


def _without_comments(text: str) -> list[str]:
    return [line.split("  # ")[0] for line in text.splitlines() if not line.lstrip().startswith("#")]


def test_synth_of_the_printed_values_writes_the_same_manifests(tmp_path: Path) -> None:
    result = run_cli("values", "-f", str(VALUES), "--set", "model.runtime.gpuCount=4")
    assert result.returncode == 0, result.stderr
    printed = tmp_path / "printed.yaml"
    printed.write_text(result.stdout)
    for name, args in {
        "a": ["-f", str(printed)],
        "b": ["-f", str(VALUES), "--set", "model.runtime.gpuCount=4"],
    }.items():
        synth = run_cli("synth", *args, "--out", str(tmp_path / name))
        assert synth.returncode == 0, synth.stderr
    assert (tmp_path / "a" / "llm-stack.k8s.yaml").read_bytes() == (tmp_path / "b" / "llm-stack.k8s.yaml").read_bytes()


def _leaf_paths(node: Any, path: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        return [p for key, value in node.items() for p in _leaf_paths(value, f"{path}.{key}" if path else key)]
    if isinstance(node, list) and node and all(isinstance(item, dict) for item in node):
        return [p for index, item in enumerate(node) for p in _leaf_paths(item, f"{path}[{index}]")]
    return [path]


def _reference_keys() -> set[str]:
    return {row.key for section in sections() for row in section.rows}


def test_every_printed_key_is_a_documented_key_and_every_documented_key_is_printed() -> None:
    printed = yaml.safe_load(effective_values(VALUES).text)
    # Free-form maps (labels, env) hold the user's keys: their own key is the documented one.
    paths = {re.sub(r"\[\d+\]", "[n]", p) for p in _leaf_paths(printed)}
    documented = _reference_keys()
    assert paths - documented == set()
    leaves = {k for k in documented if not any(other.startswith((f"{k}.", f"{k}[")) for other in documented)}
    missing = leaves - paths - {"model` or `models", "model.rateLimit"}
    # Inside a block that is null (prometheus.auth, apiKeys.externalSecret) or a list that is empty (tenants) there
    # is nothing to fill in.
    assert {k for k in missing if not any(k.startswith((f"{p}.", f"{p}[")) for p in paths)} == set(), (
        "every default is filled"
    )
    assert "autoscaling.prometheus.auth" in paths and "autoscaling.prometheus.tls" in paths


def test_a_model_that_inherits_the_gateways_rate_limit_says_so_instead_of_a_key() -> None:
    text = effective_values(VALUES).text
    assert "  # rateLimit: not set, so the model takes gateway.rateLimit\n" in text
    assert "  rateLimit:" not in text.split("\ngateway:")[0]


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if line.strip() == text)


def test_comments_name_the_file_and_line_or_the_set_flag_of_each_given_value(tmp_path: Path) -> None:
    overlay = tmp_path / "prod.yaml"
    overlay.write_text("model:\n  runtime:\n    maxModelLen: 16384\n")
    text = effective_values([VALUES, overlay], sets=["model.runtime.gpuCount=4"]).text
    lines = text.splitlines()
    assert "    gpuCount: 4  # --set model.runtime.gpuCount" in lines
    assert f"    maxModelLen: 16384  # {overlay}, line 3" in lines
    image = _line_of(VALUES, "image: vllm/vllm-openai:v0.32.0")
    assert f"    image: vllm/vllm-openai:v0.32.0  # {VALUES}, line {image}" in lines
    assert "    gpuResourceName: nvidia.com/gpu" in lines, "a default has no comment"
    assert f"# The values llm-stack synth reads from: -f {VALUES} -f {overlay} --set model.runtime.gpuCount" in lines


def test_a_models_inherited_autoscaling_names_the_stacks_key(tmp_path: Path) -> None:
    text = effective_values(VALUES, sets=["model.autoscaling={maxReplicas: 8}"]).text
    model = text.split("\nmodel:\n")[1].split("\nautoscaling:\n")[0]
    min_line = _line_of(VALUES, "minReplicas: 1")
    assert f"    minReplicas: 1  # autoscaling.minReplicas, {VALUES}, line {min_line}" in model.splitlines()
    assert "    maxReplicas: 8  # --set model.autoscaling" in model.splitlines()
    assert "    scaleUpStabilizationSeconds: 0\n" in model, "the stack's default: no comment"


def test_a_namespace_given_in_its_short_form_is_printed_in_the_long_one() -> None:
    lines = effective_values(VALUES).text.splitlines()
    at = lines.index("namespace:")
    line = _line_of(VALUES, "namespace: kserve-inference")
    assert lines[at + 1 : at + 3] == [f"  name: kserve-inference  # {VALUES}, line {line}", "  create: false"]


@pytest.mark.parametrize(
    ("sets", "hidden", "secret"),
    [
        (["apiKeys.existingSecret=false", f"apiKeys.dummyKey={SECRET}"], "apiKeys.dummyKey", SECRET),
        (["model.runtime.env.HF_TOKEN=hf_abcdefghijklmnop"], "model.runtime.env.HF_TOKEN", "hf_abcdefghijklmnop"),
        (["model.runtime.extraArgs=[--api-key, s3cr3t-value]"], "model.runtime.extraArgs", "s3cr3t-value"),
        (["model.runtime.env.NOTE=sk-abcdefghijklmnop"], "model.runtime.env.NOTE", "sk-abcdefghijklmnop"),
    ],
)
def test_a_secret_is_never_printed_and_the_file_says_which_key_to_give_again(
    sets: list[str], hidden: str, secret: str, tmp_path: Path
) -> None:
    result = run_cli("values", "-f", str(VALUES), *[f"--set={s}" for s in sets])
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout and secret not in result.stderr
    assert f"# {hidden.rsplit('.', 1)[1]}: {HIDDEN}, from --set {hidden}" in result.stdout
    assert f"give it again with -f or --set {hidden}=..." in result.stdout
    assert f"not printed because they may be credentials (commented out below: {hidden})" in result.stdout
    assert f"llm-stack: {hidden}: hidden" in result.stderr
    printed = tmp_path / "printed.yaml"
    printed.write_text(result.stdout)
    # Given again, the hidden value makes the same configuration.
    given_again = next(s for s in sets if s.startswith(hidden))
    assert load_values(printed, sets=[given_again]) == load_values(VALUES, sets=sets)


def test_the_printed_values_without_a_required_hidden_key_fail_naming_it(tmp_path: Path) -> None:
    printed = _printed(tmp_path, [VALUES], ["apiKeys.existingSecret=false", f"apiKeys.dummyKey={SECRET}"])
    result = run_cli("synth", "-f", str(printed), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "apiKeys.dummyKey" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_env_whose_every_entry_is_hidden_stays_a_mapping(tmp_path: Path) -> None:
    printed = _printed(tmp_path, [VALUES], ["model.runtime.env.HF_TOKEN=abc"])
    assert yaml.safe_load(printed.read_text())["model"]["runtime"]["env"] == {}
    assert load_values(printed) == load_values(VALUES)


def test_values_fails_with_exit_2_on_bad_values_and_prints_nothing() -> None:
    result = run_cli("values", "-f", str(VALUES), "--set", "model.runtime.gpuCount=0")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "model.runtime.gpuCount" in result.stderr and "from --set model.runtime.gpuCount" in result.stderr


def test_values_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(VALUES.read_bytes()))
    monkeypatch.setattr(sys, "stdin", stdin)
    result = run_cli("values", "-f", "-")
    assert result.returncode == 0, result.stderr
    assert "  gpuCount: 2  # stdin, line" in result.stdout
