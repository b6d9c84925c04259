"""Values that a later consumer (the API server, a controller, kubectl, vLLM, the gateway) would take differently
from what the user meant: refused in the settings types with the Python field named, and in values files with
the values path named (the catalogue in ``data/bad-values`` covers the values-file side)."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
from helpers import ROOT

from llm_inference_stack import stack_config_from_mapping
from llm_inference_stack.config import (
    AutoscalingConfig,
    ModelConfig,
    NetworkPolicyConfig,
    ObservabilityConfig,
    PhoenixConfig,
    PrometheusConfig,
    StackConfig,
)
from llm_inference_stack.errors import SettingsError, ValuesError

MODEL = {"name": "llama", "storageUri": "s3://models/llama/"}


def model(**changes: Any) -> ModelConfig:
    return ModelConfig(**{"name": "llama", "storage_uri": "s3://models/llama/", **changes})


# --- namespace.create: only namespaces the stack owns -----------------------------------------


@pytest.mark.parametrize(
    "namespace", ["default", "kube-system", "kube-public", "kube-node-lease", "kserve", "keda", "envoy-gateway-system"]
)
def test_create_namespace_refuses_a_namespace_the_stack_does_not_own(namespace: str) -> None:
    with pytest.raises(SettingsError) as caught:
        StackConfig(models=(model(),), namespace=namespace, create_namespace=True)
    assert caught.value.field == "namespace"
    assert "create_namespace would emit Namespace" in str(caught.value)
    assert "set create_namespace: false" in str(caught.value)


def test_create_namespace_refuses_a_model_namespace_the_controllers_own() -> None:
    with pytest.raises(SettingsError) as caught:
        StackConfig(models=(model(), model(name="b", namespace="kube-system")), namespace="llm", create_namespace=True)
    assert caught.value.field == "models[1].namespace"


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"autoscaling": AutoscalingConfig(prometheus=PrometheusConfig(namespace="llm"))}, "Prometheus' namespace"),
        (
            {"observability": ObservabilityConfig(phoenix=PhoenixConfig(endpoint="http://phoenix.llm.svc:6006"))},
            "Phoenix's namespace",
        ),
        ({"network_policy": NetworkPolicyConfig(gateway_namespace="llm")}, None),
    ],
)
def test_create_namespace_refuses_the_namespaces_the_settings_give_to_others(
    settings: dict[str, Any], why: str | None
) -> None:
    models = (model(namespace="llm"),)
    if why is None:  # the gateway's namespace is the stack's own (GatewayNamespace mode): fine
        assert StackConfig(models=models, namespace="llm", create_namespace=True, **settings).namespaces == ["llm"]
        return
    with pytest.raises(SettingsError, match=re.escape(why)):
        StackConfig(models=models, namespace="llm", create_namespace=True, **settings)
    # Without create, the same namespaces are only used, never emitted.
    assert StackConfig(models=models, namespace="llm", **settings).namespace == "llm"


def test_create_namespace_refuses_the_envoy_pods_namespace_when_it_is_the_controllers() -> None:
    with pytest.raises(SettingsError, match="namespace of the Envoy pods"):
        StackConfig(
            models=(model(namespace="edge"),),
            namespace="llm",
            create_namespace=True,
            network_policy=NetworkPolicyConfig(gateway_namespace="edge"),
        )


def test_create_namespace_values_message_names_the_values_key() -> None:
    with pytest.raises(ValuesError) as caught:
        stack_config_from_mapping({"namespace": {"name": "kube-system", "create": True}, "model": MODEL})
    assert str(caught.value).startswith("namespace: 'kube-system' is not valid: namespace.create would emit")


def test_readme_prunes_only_by_the_stacks_labels_and_never_namespaces() -> None:
    text = (ROOT / "README.md").read_text()
    commands = [
        " ".join(shlex.split(block.replace("\\\n", " ")))
        for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)
        if "--prune" in block
    ]
    assert commands, "the README explains how to prune"
    for command in commands:
        words = shlex.split(command)
        assert "--all" not in words
        selector = words[words.index("-l") + 1]
        assert "app.kubernetes.io/managed-by=llm-inference-stack" in selector.split(",")
        allowed = [w.split("=", 1)[1] for w in words if w.startswith("--prune-allowlist=")]
        assert allowed
        assert not [kind for kind in allowed if kind.split("/")[-1] in ("Namespace", "Secret")]
