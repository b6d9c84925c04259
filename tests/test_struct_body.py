"""``_resource.struct_body``: the main objects' bodies converted in Python are what the generated ``manifest`` gives."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from helpers import ROOT, synth_objects, with_changes

from llm_inference_stack import _resource, model_server
from llm_inference_stack._resource import body, struct_body
from llm_inference_stack.imports.io.kserve import serving as ks
from llm_inference_stack.imports.sh import keda

FLEET_20 = ROOT / "tests" / "data" / "fleet-20.yaml"


def fleet_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(FLEET_20.read_text())
    return values


EVERYTHING: dict[str, Any] = {
    "env": {"HF_TOKEN": {"secretKeyRef": {"name": "hf", "key": "token"}}, "MODE": "$(fast)"},
    "nodeSelector": {"gpu": "a100"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "llm", "effect": "NoSchedule"}],
    "extraArgs": ["--enable-prefix-caching"],
    "maxModelLen": 4096,
}
"""Runtime settings the fleet file leaves at their defaults."""


def variant_values(variant: str) -> dict[str, Any]:
    values = fleet_values()
    if variant == "everything a model can set":
        values["models"][0]["runtime"] = {**values["models"][0].get("runtime", {}), **EVERYTHING}
        values["models"][0]["serviceAccountName"] = "weights-reader"
        values["models"][1]["storageUri"] = "pvc://models/llama"
    if variant == "standalone gateway":
        values = with_changes(values, {"gateway.mode": "standalone"})
    return values


VARIANTS = ("fleet of 20", "everything a model can set", "standalone gateway")


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_body_equals_the_generated_manifest(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every model NetworkPolicy body of a varied fleet, both ways."""
    compared: list[str] = []

    def checked(api_object_class: Any, **props: Any) -> dict[str, Any]:
        converted = struct_body(api_object_class, **props)
        assert converted == body(api_object_class.manifest(**props)), api_object_class.__name__
        compared.append(api_object_class.__name__)
        return converted

    monkeypatch.setattr(model_server, "struct_body", checked)
    synth_objects(variant_values(variant))
    assert sorted(set(compared)) == ["KubeNetworkPolicy"]
    assert len(compared) >= 20  # 20 models, each made at least once


def test_what_it_cannot_convert_goes_through_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    """An enum member (written by its TypeScript value, which Python does not know) is left to ``manifest``."""
    calls: list[str] = []
    manifest = keda.ClusterTriggerAuthentication.manifest

    def counted(**props: Any) -> Any:
        calls.append("manifest")
        return manifest(**props)

    monkeypatch.setattr(keda.ClusterTriggerAuthentication, "manifest", counted)
    spec = keda.ClusterTriggerAuthenticationSpec(
        pod_identity=keda.ClusterTriggerAuthenticationSpecPodIdentity(
            provider=keda.ClusterTriggerAuthenticationSpecPodIdentityProvider.AWS, role_arn="arn:aws:iam::1:role/x"
        )
    )
    converted = struct_body(keda.ClusterTriggerAuthentication, spec=spec)
    assert calls == ["manifest"]
    assert converted == {"spec": {"podIdentity": {"provider": "aws", "roleArn": "arn:aws:iam::1:role/x"}}}


def test_fields_are_named_by_their_schema_names() -> None:
    """``hostIP`` (not jsii's ``hostIp``): the name the generated ``toJson`` writes."""
    port = ks.InferenceServiceSpecPredictorContainersPorts(container_port=8080, host_ip="10.0.0.1")
    assert _resource._plain(port) == {"containerPort": 8080, "hostIP": "10.0.0.1"}
