"""Validation of the output: schemas (CRDs and core kinds), scope, the construct hook and synth's hook, speed."""

from __future__ import annotations

import copy
import dataclasses
import time
from pathlib import Path
from typing import Any

import cdk8s
import kubernetes_validate
import pytest
import yaml
from helpers import ROOT, find, synthesized, with_changes

from llm_inference_stack import ManifestError, ModelConfig, load_values, manifests, synthesize
from llm_inference_stack.synth import build_app
from llm_inference_stack.validation import (
    KUBERNETES_VERSION,
    REGISTRY,
    StackValidationError,
    validate_directory,
    validate_object,
    validate_objects,
)
from llm_inference_stack.validation.schema import KindSchema, _resolve_core, _Walker

DIST = ROOT / "dist"


def problems_of(objects: list[dict[str, Any]]) -> list[str]:
    try:
        validate_objects(objects)
    except ManifestError as error:
        return error.problems
    return []


@pytest.mark.slow  # a 100-model fleet / runs vLLM's argument parser
def test_the_committed_dist_passes() -> None:
    assert validate_directory(DIST) == len(
        [d for d in yaml.safe_load_all((DIST / "llm-stack.k8s.yaml").read_text()) if d]
    )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"apiKeys.existingSecret": False, "apiKeys.dummyKey": "test-key-0123456789abcdef"},
        {"apiKeys.externalSecret": {"storeName": "vault", "remoteKey": "llm/api-keys"}},
        {"observability.phoenix": None, "gateway.rateLimit": None, "networkPolicy.enabled": False},
        {"gateway.mode": "standalone"},
        {"model.runtime.gpuCount": 1, "autoscaling.prometheus.auth": {"mode": "bearer", "secretName": "prom-token"}},
        {"gateway.gatewayClassName": "shared-envoy"},
    ],
    ids=["default", "dummy-key", "external-secret", "minimal", "standalone", "one-gpu-prom-auth", "shared-class"],
)
def test_every_supported_variant_passes(default_values: dict[str, Any], changes: dict[str, Any]) -> None:
    objects = manifests(load_values_from(with_changes(default_values, changes)), validate=False)
    assert problems_of(objects) == []


def load_values_from(values: dict[str, Any]) -> Any:
    from llm_inference_stack import stack_config_from_mapping

    return stack_config_from_mapping(values)


def test_fails_when_a_field_is_unknown_with_did_you_mean(default_values: dict[str, Any]) -> None:
    objects = synthesized(default_values)
    find(objects, "InferenceService")["spec"]["predictor"]["containers"][0]["imagePullPolicyy"] = "Always"
    [problem] = problems_of(objects)
    assert problem.startswith("[schema] InferenceService kserve-inference/llama-3-70b: ")
    assert "spec.predictor.containers[0].imagePullPolicyy: unknown field" in problem
    assert "did you mean 'imagePullPolicy'?" in problem


def test_preserve_unknown_fields_and_maps_admit_any_key(default_values: dict[str, Any]) -> None:
    objects = synthesized(default_values)
    # ScaledObject trigger metadata is a map of strings; labels are a map on ObjectMeta.
    find(objects, "ScaledObject")["spec"]["triggers"][0]["metadata"]["unsafeSsl"] = "false"
    find(objects, "Gateway")["metadata"]["labels"]["team"] = "ml"
    assert problems_of(objects) == []


def test_int_or_string_accepts_both_and_rejects_others() -> None:
    schema = {
        "type": "object",
        "properties": {
            "port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]}
        },
    }
    walker_problems: list[str] = []
    walker = _Walker(True, _resolve_core, walker_problems)
    walker.check({"port": 8080}, schema, ())
    walker.check({"port": "http"}, schema, ())
    assert walker_problems == []
    walker.check({"port": 1.5}, schema, ())
    walker.check({"port": True}, schema, ())
    assert len(walker_problems) == 2 and all("integer or a string" in p for p in walker_problems)


def test_structural_objects_are_closed_unless_preserving_unknown_fields() -> None:
    closed = {"type": "object", "properties": {"a": {"type": "string"}}}
    preserving = {**closed, "x-kubernetes-preserve-unknown-fields": True}
    embedded = {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {"spec": {"type": "object"}}}
    problems: list[str] = []
    _Walker(True, _resolve_core, problems).check({"a": "x", "b": 1}, closed, ())
    assert problems == ["b: unknown field 'b'; allowed: a"]
    problems.clear()
    _Walker(True, _resolve_core, problems).check({"a": "x", "b": {"c": 1}}, preserving, ())
    _Walker(True, _resolve_core, problems).check(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}, embedded, ()
    )
    assert problems == []
    _Walker(True, _resolve_core, problems).check({"metadata": {"nam": "x"}}, embedded, ())
    assert problems == ["metadata.nam: unknown field 'nam'; did you mean 'name'?"]


def test_nullable_admits_null_and_others_reject_it() -> None:
    problems: list[str] = []
    schema = {"type": "object", "properties": {"a": {"type": "string", "nullable": True}, "b": {"type": "string"}}}
    _Walker(True, _resolve_core, problems).check({"a": None, "b": None}, schema, ())
    assert problems == ["b: null is not allowed here: remove the field or give it a value"]
    assert isinstance(KindSchema({}, False, True, _resolve_core), KindSchema)


CORE_MUTATIONS = [
    ("PodDisruptionBudget", lambda o: o["spec"].update(maxUnavailable=True)),
    ("PodDisruptionBudget", lambda o: o["spec"].update(maxUnavailable="50%")),
    ("PodDisruptionBudget", lambda o: o["spec"].update(minAvailables=1)),
    ("NetworkPolicy", lambda o: o["spec"].update(policyTypes="Ingress")),
    ("NetworkPolicy", lambda o: o["spec"]["ingress"][0]["ports"][0].update(port="http")),
    ("NetworkPolicy", lambda o: o["spec"]["ingress"][0]["ports"][0].update(port=[80])),
    ("NetworkPolicy", lambda o: o["metadata"].update(labelz={})),
    ("Secret", lambda o: o.update(stringData={"a": 1})),
    ("Secret", lambda o: o.update(immutable=True)),
    ("Secret", lambda o: o.update(typo="x")),
]


@pytest.mark.parametrize(("kind", "mutate"), CORE_MUTATIONS)
def test_core_kinds_agree_with_kubernetes_validate_strict(
    default_values: dict[str, Any], kind: str, mutate: Any
) -> None:
    values = with_changes(
        default_values, {"apiKeys.existingSecret": False, "apiKeys.dummyKey": "test-key-0123456789ab"}
    )
    obj = copy.deepcopy(find(synthesized(values), kind, "llama-3-70b" if kind == "NetworkPolicy" else None))
    assert validate_object(obj) == []
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    mutate(obj)
    ours = validate_object(obj)
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        theirs_ok = True
    except kubernetes_validate.ValidationError:
        theirs_ok = False
    assert (ours == []) == theirs_ok, ours


def test_fails_when_a_kind_has_no_schema() -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "n"}}
    assert validate_object(obj) == [
        f"no schema for example.com/v1 Widget (neither a pinned CRD nor a Kubernetes {KUBERNETES_VERSION} kind)"
    ]


def test_every_check_family_is_registered() -> None:
    assert set(REGISTRY) >= {
        "scaledobject-target",
        "scaledobject-query",
        "isvc-deployment-mode",
        "isvc-autoscaler-class",
        "served-model-name",
        "tensor-parallel",
        "route-model-name",
        "token-cost-key",
        "references",
        "api-keys-secret",
        "backend-fqdn",
        "backend-prefix",
        "image-pinned",
        "container-resources",
        "unique-objects",
    }


def test_fails_at_app_synth_through_the_construct_validation() -> None:
    """``cdk8s synth`` users of the construct get the same checks: App.synth() runs the node validation."""
    app, chart = build_app(load_values(ROOT / "values.yaml"))
    model = chart.models[0]
    cdk8s.ApiObject.of(model.autoscaler.scaled_object).add_json_patch(
        cdk8s.JsonPatch.replace("/spec/scaleTargetRef/name", "llama-3-70b")
    )
    with pytest.raises(
        StackValidationError, match=r"\[scaledobject-target\] ScaledObject kserve-inference/llama-3-70b"
    ):
        app.synth_yaml()


def test_fails_when_synthesis_is_invalid_and_leaves_the_output_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import llm_inference_stack.autoscaler as autoscaler

    out = tmp_path / "dist"
    synthesize(load_values(ROOT / "values.yaml"), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(
        autoscaler, "waiting_requests_query", lambda name, ns: f'vllm:num_requests_waiting{{model="{name}"}}'
    )
    with pytest.raises(ManifestError) as caught:
        synthesize(load_values(ROOT / "values.yaml"), out)
    assert any(p.startswith("[scaledobject-query]") and "label 'model'" in p for p in caught.value.problems)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"], "the staging directory must be removed"


def fleet(n: int) -> Any:
    config = load_values(ROOT / "values.yaml")
    models = tuple(ModelConfig(name=f"org/model-{i}-Instruct", storage_uri=f"s3://models/model-{i}/") for i in range(n))
    return dataclasses.replace(config, models=models)


@pytest.mark.slow  # a 100-model fleet / runs vLLM's argument parser
def test_validation_of_a_100_model_fleet_is_fast(tmp_path: Path) -> None:
    synthesize(fleet(100), tmp_path / "out")
    validate_directory(tmp_path / "out")  # warm: schema files parsed once per process
    started = time.perf_counter()
    count = validate_directory(tmp_path / "out")
    elapsed = time.perf_counter() - started
    print(f"validated {count} objects of a 100-model fleet in {elapsed:.2f} s")
    assert count > 700
    assert elapsed < 5, "validation must stay a small part of synthesis"
