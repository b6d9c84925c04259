"""Secure by default: no key material in the output, pinned images, requests and limits, PDB and NetworkPolicy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import find, run_cli, synth_objects, synthesized, with_changes

from llm_inference_stack.validation.checks.workloads import containers, image_is_pinned

DUMMY = "test-key-0123456789abcdef"
KEY_LIKE = re.compile(r"(sk-[A-Za-z0-9]{16,}|[A-Za-z0-9+/]{40,}={0,2}|ghp_[A-Za-z0-9]{20,}|-----BEGIN [A-Z ]*KEY-----)")


def synth_cli(values: dict[str, Any], tmp_path: Path) -> tuple[list[dict[str, Any]], str, str]:
    """``llm-stack synth`` (in this process) on ``values``: the objects, the files' text and stderr."""
    file = tmp_path / "values.yaml"
    file.write_text(yaml.safe_dump(values))
    out = tmp_path / "dist"
    completed = run_cli("synth", "--values", str(file), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    text = "".join(p.read_text() for p in sorted(out.glob("*.yaml")))
    return [d for d in yaml.safe_load_all(text) if d], text, completed.stderr


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in [str(k), *strings(v)]]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return [node] if isinstance(node, str) else []


EXTERNAL = {"apiKeys.externalSecret": {"storeName": "vault", "remoteKey": "llm/api-keys"}}


@pytest.mark.parametrize("changes", [{}, EXTERNAL], ids=["default", "external-secret"])
def test_fails_when_output_holds_key_material(
    default_values: dict[str, Any], changes: dict[str, Any], tmp_path: Path
) -> None:
    objects, text, stderr = synth_cli(with_changes(default_values, changes), tmp_path)
    assert [o for o in objects if o["kind"] == "Secret"] == []
    assert not [s for o in objects for s in strings(o) if KEY_LIKE.search(s)]
    assert "WARNING" not in stderr
    assert "apiKey" not in text.replace("apiKeyAuth", "")


def test_dummy_key_produces_a_secret_and_a_warning(default_values: dict[str, Any], tmp_path: Path) -> None:
    values = with_changes(default_values, {"apiKeys.existingSecret": False, "apiKeys.dummyKey": DUMMY})
    objects, _text, stderr = synth_cli(values, tmp_path)
    secret = find(objects, "Secret", "ai-gateway-api-keys")
    assert secret["stringData"] == {"test-client": DUMMY}
    assert "WARNING: apiKeys.dummyKey is set" in stderr and "Never use this outside a test cluster" in stderr


@pytest.mark.parametrize("mode", ["ai-gateway", "standalone"])
def test_every_container_has_requests_limits_and_a_pinned_image(default_values: dict[str, Any], mode: str) -> None:

    objects = synthesized(with_changes(default_values, {"gateway.mode": mode}))
    found = [(o, path, c) for o in objects for path, c in containers(o)]
    assert found
    for obj, path, container in found:
        where = f"{obj['kind']} {obj['metadata']['name']} {path}"
        assert image_is_pinned(container["image"]), where
        for part in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][part]), where
    envoy = find(objects, "EnvoyProxy") if mode == "ai-gateway" else None
    if envoy is not None:
        resources = envoy["spec"]["provider"]["kubernetes"]["envoyDeployment"]["container"]["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])


def test_model_pods_have_a_disruption_budget_and_admit_only_gateway_and_prometheus(
    default_values: dict[str, Any],
) -> None:

    objects = synthesized(default_values)
    selector = {"serving.kserve.io/inferenceservice": "llama-3-70b", "component": "predictor"}
    pdb = find(objects, "PodDisruptionBudget", "llama-3-70b")
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": selector}}
    policy = find(objects, "NetworkPolicy", "llama-3-70b")["spec"]
    assert policy["podSelector"] == {"matchLabels": selector} and policy["policyTypes"] == ["Ingress"]
    peers = [peer for rule in policy["ingress"] for peer in rule["from"]]
    assert peers == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kserve-inference"}},
            "podSelector": {"matchLabels": {"gateway.envoyproxy.io/owning-gateway-name": "llm-stack-ai-gateway"}},
        },
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
    ]
    assert all(rule["ports"] == [{"port": 8080, "protocol": "TCP"}] for rule in policy["ingress"])


def test_fails_without_echoing_a_secret_under_a_misspelled_key(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        "model: {name: m, storageUri: 's3://b/m'}\n"
        "apiKeys: {existingSecret: false, dummykey: sk-live-0123456789abcdef}\n"
    )
    completed = run_cli("synth", "--values", str(values), "--out", str(tmp_path / "o"))
    assert completed.returncode == 2
    assert "apiKeys.dummykey: (hidden: looks secret) is not valid: unknown key" in completed.stderr
    assert "sk-live" not in completed.stderr and "0123456789" not in completed.stderr


@pytest.mark.parametrize(
    ("path", "value", "hidden"),
    [
        ("apiKeys.dummyKey", "short", True),
        ("model.runtime.env.HF_TOKEN", "x", True),
        ("model.runtime.env.MY_PASSWORD", "x", True),
        ("autoscaling.prometheus.auth.secretName", "prom-auth", False),
        ("gateway.rateLimit.tokensPerMinute", 0, False),
        ("model.runtime.tolerations[0].key", "nvidia.com/gpu", False),
        ("model.runtime.env.HF_TOKEN.secretKeyRef.name", "hf", False),
        ("model.runtime.extraArgs[3]", "--api-key=sk-abcdefghijkl", True),
        ("model.storageUri", "https://user:pass@host/model", True),
        ("model.name", "llama-3", False),
    ],
)
def test_messages_hide_values_that_look_secret(path: str, value: Any, hidden: bool) -> None:
    from llm_inference_stack import ValuesError
    from llm_inference_stack.redaction import HIDDEN

    message = str(ValuesError(path, value, "fix it"))
    assert (HIDDEN in message) is hidden
    assert (repr(value) in message) is not hidden


def test_schema_messages_hide_secret_data(default_values: dict[str, Any]) -> None:
    from llm_inference_stack.validation import validate_object

    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "n"},
        "stringData": {"client": ["sk-not-a-string-0123456789"]},
    }
    [problem] = validate_object(secret)
    assert "has the wrong type" in problem and "sk-not" not in problem


@pytest.mark.slow  # runs vLLM's argument parser
def test_plain_text_credentials_give_warnings_and_secret_refs_none(
    default_values: dict[str, Any], tmp_path: Path
) -> None:
    plain = with_changes(
        default_values,
        {
            "model.runtime.extraArgs": ["--api-key", "not-so-secret-value"],
            "model.runtime.env": {"HF_TOKEN": "hf_abcdefghijklmnop", "HF_HOME": "/cache"},
        },
    )
    for case in ("plain", "by-ref"):
        (tmp_path / case).mkdir()
    _objects, _text, stderr = synth_cli(plain, tmp_path / "plain")
    warnings = [line for line in stderr.splitlines() if line.startswith("llm-stack: WARNING: ")]
    assert len(warnings) == 2, stderr
    assert "runtime.extraArgs passes --api-key in plain text" in warnings[0]
    assert "runtime.env.HF_TOKEN is set in plain text" in warnings[1] and "secretKeyRef" in warnings[1]
    assert "HF_HOME" not in stderr and "hf_abcdefghijklmnop" not in stderr
    by_ref = with_changes(
        default_values, {"model.runtime.env": {"HF_TOKEN": {"secretKeyRef": {"name": "hf", "key": "token"}}}}
    )
    objects, _text, stderr = synth_cli(by_ref, tmp_path / "by-ref")
    assert "WARNING" not in stderr
    env = find(objects, "InferenceService")["spec"]["predictor"]["containers"][0]["env"]
    assert {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}} in env


def test_constructs_never_print(default_values: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    values = with_changes(default_values, {"apiKeys.existingSecret": False, "apiKeys.dummyKey": DUMMY})
    synth_objects(values)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_vllm_argument_errors_quoting_key_material_are_hidden(
    default_values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm_inference_stack.redaction import HIDDEN
    from llm_inference_stack.validation import vllm_args
    from llm_inference_stack.validation.manifests import from_objects

    def rejecting(_python: object, payload: list[dict[str, Any]]) -> dict[str, Any]:
        error = "unrecognized arguments: --api-keyy sk-abcdefghijklmnop"
        return {"version": "0.32.0", "results": [{"id": case["id"], "error": error} for case in payload]}

    monkeypatch.setattr(vllm_args, "vllm_python", lambda _version: Path("/usr/bin/python3"))
    monkeypatch.setattr(vllm_args, "_probe", rejecting)
    result = vllm_args.check_vllm_args(from_objects(synth_objects(default_values)))
    assert result.status == "failed"
    [problem] = result.problems
    assert HIDDEN in problem and "sk-abc" not in problem
