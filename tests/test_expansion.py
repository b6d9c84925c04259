"""Strings that change meaning downstream: the kubelet's ``$(VAR)`` expansion must give back what the user wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import find
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubelet_expansion import expand as go_expand
from kubelet_expansion import mapping_func_for, run_container

from llm_inference_stack import manifests, stack_config_from_mapping
from llm_inference_stack.kube_expansion import escape, expand
from llm_inference_stack.validation.checks.kserve import args_of, model_container

PHOENIX_KEY = "phoenix-secret-value"
SECRETS = {("phoenix-auth", "api-key"): PHOENIX_KEY, ("hf", "token"): "hf-secret-value"}
SERVICE_ENV = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "LLAMA_3_70B_PREDICTOR_PORT": "tcp://10.0.0.2:80"}
# Heavy on the characters the expansion cares about, with names of variables that exist in the pod.
PIECES = ["$", "(", ")", "$(", "$$", "PHOENIX_API_KEY", "HF_TOKEN", "KUBERNETES_SERVICE_HOST", "a", "Z", "_", "-"]
TRICKY = st.lists(st.sampled_from([*PIECES, ".", "/", " ", "é", "猫", "🙂"]), min_size=1, max_size=8).map(
    lambda parts: "".join(parts).strip() or "x"
)
ENV_NAMES = st.sampled_from(["USER_VALUE", "HF_HOME", "OTHER_VAR", "HF_HUB_CACHE"])


def container_of(objects: list[dict[str, Any]]) -> dict[str, Any]:
    isvc = find(objects, "InferenceService")
    container = model_container(isvc)
    assert container is not None
    return dict(container)


def values(name: str, extra_args: list[str], env: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": {"name": name, "storageUri": "s3://models/m/", "runtime": {"extraArgs": extra_args, "env": env}},
        "observability": {"phoenix": {"authSecretName": "phoenix-auth"}},
    }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # A name starting with "-" reads as a flag: refusing those is the values checks' business, not this test's.
    name=TRICKY.filter(lambda s: '"' not in s and not s.startswith("-")),
    # Likewise an argument starting with "-" reads as a (possibly abbreviated) vLLM flag.
    extra_args=st.lists(TRICKY.filter(lambda s: not s.startswith("-")), max_size=3),
    env=st.dictionaries(ENV_NAMES, TRICKY, max_size=3),
)
@pytest.mark.slow  # a property test: 20 syntheses
def test_the_kubelet_gives_vllm_exactly_the_strings_the_user_wrote(
    name: str, extra_args: list[str], env: dict[str, str]
) -> None:
    objects = manifests(stack_config_from_mapping(values(name, extra_args, env)), validate=False)
    container = container_of(objects)
    command, args, process_env = run_container(container, secrets=SECRETS, service_env=SERVICE_ENV)
    assert command == ["vllm", "serve"]
    assert args[args.index("--served-model-name") + 1] == name
    assert args[len(args) - len(extra_args) :] == extra_args
    for key, value in env.items():
        assert process_env[key] == value
    # The one reference the stack writes on purpose still works.
    assert process_env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] == f"authorization=Bearer {PHOENIX_KEY}"
    assert PHOENIX_KEY not in " ".join(args)
    # The validation reads the args as vLLM receives them (without the pod's secrets and service variables).
    assert args_of(container)[args_of(container).index("--served-model-name") + 1] == name


def test_fails_when_a_model_name_would_expand_into_a_secret() -> None:
    """The issue's case: without escaping, the served name became the Phoenix key on the pod."""
    objects = manifests(stack_config_from_mapping(values("$(PHOENIX_API_KEY)", ["--tokenizer", "$(HF_TOKEN)"], {})))
    container = container_of(objects)
    _command, args, _env = run_container(container, secrets=SECRETS, service_env=SERVICE_ENV)
    assert args[args.index("--served-model-name") + 1] == "$(PHOENIX_API_KEY)"
    assert args[-1] == "$(HF_TOKEN)"
    assert "$$(PHOENIX_API_KEY)" in container["args"]
    route = find(objects, "AIGatewayRoute")
    headers = [h["value"] for rule in route["spec"]["rules"] for m in rule["matches"] for h in m["headers"]]
    assert headers == ["$(PHOENIX_API_KEY)"]  # route headers are not expanded: the same name clients send


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(["$", "(", ")", "A", "B", "é", "🙂", "x", " "]), max_size=20),
    defined=st.dictionaries(st.sampled_from(["A", "B", "AB", "", "é"]), st.text(max_size=3), max_size=3),
)
def test_the_library_expands_as_the_go_original(text: str, defined: dict[str, str]) -> None:
    mapping = mapping_func_for({k.encode(): v.encode() for k, v in defined.items()})
    assert expand(text, defined) == go_expand(text.encode(), mapping).decode()
    assert go_expand(escape(text).encode(), mapping).decode() == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$(A)", "1"),
        ("$$(A)", "$(A)"),
        ("$$$(A)", "$1"),
        ("$(UNDEFINED)", "$(UNDEFINED)"),
        ("$(A", "$(A"),
        ("a$", "a$"),
        ("$é", "$é"),
        ("$$", "$"),
        ("$(A)$(A)", "11"),
    ],
)
def test_expansion_examples_from_the_kubernetes_documentation(text: str, expected: str) -> None:
    assert expand(text, {"A": "1"}) == expected
    assert go_expand(text.encode(), mapping_func_for({b"A": b"1"})).decode() == expected


def test_env_from_a_secret_is_emitted_as_a_secret_key_ref_and_needs_no_warning() -> None:
    config = stack_config_from_mapping(values("m", [], {"HF_TOKEN": {"secretKeyRef": {"name": "hf", "key": "token"}}}))
    container = container_of(manifests(config))
    [item] = [e for e in container["env"] if e["name"] == "HF_TOKEN"]
    assert item == {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}
    assert run_container(container, secrets=SECRETS)[2]["HF_TOKEN"] == "hf-secret-value"


@pytest.mark.slow  # synth with extraArgs runs vLLM's argument parser when vLLM is installed
def test_local_run_starts_vllm_with_the_strings_the_user_wrote(tmp_path: Path) -> None:
    from llm_inference_stack import synthesize
    from llm_stack_harness.base import SynthesizedStack

    raw = values("cost$$(x)", ["--tokenizer", "$(HF_HOME)"], {"HF_HOME": "/c$(DO_NOT_TRACK)"})
    raw["observability"] = {"phoenix": None}  # no Secret-backed variable: local-run needs literal values
    config = stack_config_from_mapping(raw)
    synthesize(config, tmp_path / "out", on_note=lambda _note: None)
    stack = SynthesizedStack.from_dir(tmp_path / "out")
    assert stack.served_model_name == "cost$$(x)"
    assert stack.args[-2:] == ["--tokenizer", "$(HF_HOME)"]
    assert stack.env["HF_HOME"] == "/c$(DO_NOT_TRACK)"
