"""What the CLI prints never holds a credential: ``diff`` hides secret values, ``validate`` warns about them and
reads every file ``kubectl apply -f`` would (``*.json`` too), refusing objects that give away a node or the
cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, run_cli, with_changes

from llm_inference_stack.errors import ManifestError, ManifestInputError
from llm_inference_stack.redaction import (
    REDACTED,
    Redacted,
    container_credential_warnings,
    inline_secret,
    redact_object,
    reveal,
    reveal_pair,
)
from llm_inference_stack.validation.manifests import load_directory

OLD_KEY = "old-key-0123456789abcdef"
NEW_KEY = "new-key-fedcba9876543210"
HF = "hf_abcdefghijklmnopqrstuvwxyz012345"
VLLM_NEVER = {"LLM_STACK_VLLM_CHECK": "never"}


def _dist_objects() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if d]


def _write(path: Path, values: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(values))
    return path


def test_redact_object_keeps_secret_keys_and_hides_their_values() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "k"}, "stringData": {"client": OLD_KEY}}
    redacted = redact_object(secret)
    assert redacted["stringData"] == {"client": Redacted(OLD_KEY)}
    assert reveal(redacted)["stringData"] == {"client": REDACTED}
    assert redacted["metadata"] == {"name": "k"}


def test_redact_object_hides_a_hand_edited_secret_and_its_last_applied_copy() -> None:
    recorded = json.dumps({"kind": "Secret", "data": {"client": "a2V5"}})
    secret = {
        "kind": "Secret",
        "metadata": {"name": "k", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": recorded}},
        "data": {"client": "a2V5"},
        "stringData": "not-a-mapping",
    }
    shown = reveal(redact_object(secret))
    assert shown["data"] == {"client": REDACTED} and shown["stringData"] == REDACTED
    assert shown["metadata"]["annotations"] == {"kubectl.kubernetes.io/last-applied-configuration": REDACTED}


def test_redact_object_hides_secret_variables_flags_fields_and_key_material_but_not_secret_names() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "spec": {
            "containers": [
                {
                    "args": ["--api-key", "plain", "--token=abc", "--port", "8080", f"--note={HF}"],
                    "env": [
                        {"name": "HF_TOKEN", "value": "plain-token"},
                        {"name": "HF_HOME", "value": "/cache"},
                        {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
                    ],
                }
            ],
            "volumes": [{"name": "keys", "secret": {"secretName": "api-keys"}}],
            "config": {"password": "hunter2", "url": "https://user:pw@example.com/"},
        },
    }
    shown = reveal(redact_object(pod))
    container = shown["spec"]["containers"][0]
    assert container["args"] == ["--api-key", REDACTED, f"--token={REDACTED}", "--port", "8080", REDACTED]
    assert container["env"][0] == {"name": "HF_TOKEN", "value": REDACTED}
    assert container["env"][1] == {"name": "HF_HOME", "value": "/cache"}
    assert container["env"][2] == pod["spec"]["containers"][0]["env"][2]  # type: ignore[index]
    assert shown["spec"]["volumes"] == pod["spec"]["volumes"]
    assert shown["spec"]["config"] == {"password": REDACTED, "url": REDACTED}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("vllm serve --api-key abc123 --port 8080", "--api-key"),
        ("HF_TOKEN=hf_x python -m app", "HF_TOKEN"),
        ('export OPENAI_API_KEY="xyz" && run', "OPENAI_API_KEY"),
        ("SECRET_DIR=$1; key=$(cat $SECRET_DIR/k)", None),  # expansions, not literals
        ("--api-key=$(cat /keys/k) serve", None),
        ("vllm serve --port 8080 --served-model-name a", None),
        ("--api-key", None),  # one argument: the list rule's
    ],
)
def test_inline_secret_finds_a_credential_given_inside_a_command_line(text: str, found: str | None) -> None:
    assert inline_secret(text) == found


def test_a_command_line_with_a_credential_is_hidden_in_a_diff_and_warned_about() -> None:
    container = {"command": ["sh", "-c", "vllm serve --api-key abc123"], "args": ["TOKEN=abc run"]}
    shown = reveal(redact_object({"kind": "Pod", "spec": {"containers": [container]}}))
    assert shown["spec"]["containers"][0] == {"command": ["sh", "-c", REDACTED], "args": [REDACTED]}
    warnings = container_credential_warnings(where="Pod p", path="spec.containers[0]", container=container)
    assert [w.split(" in plain text")[0] for w in warnings] == [
        "Pod p: spec.containers[0].command passes --api-key",
        "Pod p: spec.containers[0].args passes spec.containers[0].args[0]",
    ]


def test_validate_of_a_standalone_output_warns_about_nothing(default_values: dict[str, Any], tmp_path: Path) -> None:
    values = _write(tmp_path / "v.yaml", with_changes(default_values, {"gateway.mode": "standalone"}))
    assert run_cli("synth", "-f", str(values), "--out", str(tmp_path / "out"), env=VLLM_NEVER).returncode == 0
    result = run_cli("validate", str(tmp_path / "out"), env=VLLM_NEVER)
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr


def test_reveal_pair_says_a_hidden_value_changed_without_showing_it() -> None:
    old = redact_object({"apiVersion": "v1", "kind": "Secret", "data": {"a": "MQ==", "b": "Mg=="}})
    new = redact_object({"apiVersion": "v1", "kind": "Secret", "data": {"a": "MQ==", "b": "Mw==", "c": "NA=="}})
    before, after = reveal_pair(old, new)
    assert before["data"] == {"a": REDACTED, "b": REDACTED}
    assert after["data"] == {"a": REDACTED, "b": "(hidden, changed)", "c": REDACTED}


def test_diff_lists_secret_keys_but_never_their_old_or_new_values(
    default_values: dict[str, Any], tmp_path: Path
) -> None:
    test_key = {"apiKeys.existingSecret": False, "apiKeys.dummyClientId": "ci-client"}
    old = _write(tmp_path / "old.yaml", with_changes(default_values, {**test_key, "apiKeys.dummyKey": OLD_KEY}))
    new = _write(tmp_path / "new.yaml", with_changes(default_values, {**test_key, "apiKeys.dummyKey": NEW_KEY}))
    out = tmp_path / "dist"
    assert run_cli("synth", "-f", str(old), "--out", str(out), env=VLLM_NEVER).returncode == 0
    result = run_cli("diff", "-f", str(new), "--out", str(out), env=VLLM_NEVER)
    assert result.returncode == 1, result.stderr
    assert "--- " in result.stdout and "Secret kserve-inference/ai-gateway-api-keys" in result.stdout
    assert "-  ci-client: (hidden)\n+  ci-client: (hidden, changed)\n" in result.stdout
    for key in (OLD_KEY, NEW_KEY):
        assert key not in result.stdout + result.stderr


def test_diff_hides_a_plain_text_token_in_the_model_environment(default_values: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "dist"
    shutil.copytree(ROOT / "dist", out)
    values = with_changes(default_values, {"model.runtime.env": {"HF_TOKEN": HF}})
    result = run_cli("diff", "-f", str(_write(tmp_path / "v.yaml", values)), "--out", str(out), env=VLLM_NEVER)
    assert result.returncode == 1, result.stderr
    assert "+      - name: HF_TOKEN\n+        value: (hidden)\n" in result.stdout
    assert HF not in result.stdout + result.stderr


def test_validate_warns_about_plain_text_credentials_in_a_hand_edited_directory(tmp_path: Path) -> None:
    objects = _dist_objects()
    isvc = next(o for o in objects if o["kind"] == "InferenceService")
    container = isvc["spec"]["predictor"]["containers"][0]
    container.setdefault("env", []).append({"name": "HF_TOKEN", "value": HF})
    container["args"] += ["--api-key", "plain-text-key"]
    dashboard = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("dashboard"))
    dashboard["metadata"].setdefault("annotations", {})["grafana.example.com/token"] = f"Bearer {HF}"
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "keys", "namespace": "kserve-inference"},
            "stringData": {"client-a": OLD_KEY},
        }
    )
    (tmp_path / "out.yaml").write_text(yaml.safe_dump_all(objects))
    result = run_cli("validate", str(tmp_path), env=VLLM_NEVER)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert any("InferenceService kserve-inference/llama-3-70b" in w and "env HF_TOKEN" in w for w in warnings)
    assert any("containers[0].args passes --api-key in plain text" in w for w in warnings)
    assert any("Secret kserve-inference/keys" in w and "keys client-a" in w for w in warnings)
    assert any(
        "ConfigMap kserve-inference/llm-stack-llm-dashboard" in w
        and "metadata.annotations.grafana.example.com/token holds what looks like a credential" in w
        for w in warnings
    ), warnings
    assert sum("containers[0]" in w for w in warnings) == 2, "container values are warned about once"
    for secret in (HF, OLD_KEY, "plain-text-key"):
        assert secret not in result.stderr


def test_validate_of_the_default_output_warns_about_nothing() -> None:
    result = run_cli("validate", str(ROOT / "dist"), env=VLLM_NEVER)
    assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr


def test_validate_reads_json_files_as_kubectl_does(tmp_path: Path) -> None:
    objects = _dist_objects()
    half = len(objects) // 2
    (tmp_path / "a.yaml").write_text(yaml.safe_dump_all(objects[:half]))
    # A .json file holding several objects one after another, tab-indented, as kubectl reads it.
    (tmp_path / "b.json").write_text("\n".join(json.dumps(o, indent="\t") for o in objects[half:]))
    assert len(load_directory(tmp_path)) == len(objects)
    result = run_cli("validate", str(tmp_path), env=VLLM_NEVER)
    assert result.returncode == 0, result.stderr
    assert f"{len(objects)} objects valid" in result.stderr


def test_validate_refuses_a_dangerous_object_hidden_in_a_json_file(tmp_path: Path) -> None:
    shutil.copy(ROOT / "dist" / "llm-stack.k8s.yaml", tmp_path)
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "everyone-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}],
    }
    (tmp_path / "extra.json").write_text(json.dumps(binding))
    result = run_cli("validate", str(tmp_path), env=VLLM_NEVER)
    assert result.returncode == 2
    assert "[binds-cluster-admin] ClusterRoleBinding everyone-admin (extra.json#0)" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"kind": "ConfigMap", "kind": "Secret"}', "duplicate key 'kind'"),
        ('{"apiVersion": "v1", "kind": "ConfigMap", "data": {"n": NaN}}', "NaN is not JSON"),
        ('{"apiVersion": "v1", "kind": ', "not valid JSON"),
    ],
    ids=["duplicate-key", "nan", "truncated"],
)
def test_fails_when_a_json_manifest_is_not_what_kubectl_would_read(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(ManifestError) as caught:
        load_directory(tmp_path)
    assert any(message in p and "bad.json" in p for p in caught.value.problems), caught.value.problems


def test_fails_when_a_json_manifest_is_nested_too_deep(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text('{"a": ' * 100 + "1" + "}" * 100)
    with pytest.raises(ManifestInputError, match=r"deep\.json: nested deeper than 64 levels"):
        load_directory(tmp_path)
    (tmp_path / "deep.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ManifestInputError, match="nested deeper than 64 levels"):
        load_directory(tmp_path)
