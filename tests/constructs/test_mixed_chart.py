"""A platform's own objects beside the stack's, in one chart or one app: the stack checks and marks its own objects
(every ApiObject under one of its constructs), lists them for decoration (``LlmInferenceStack.api_objects``), and of
the others checks only their references into the stack's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest
from construct_helpers import find, server

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    LlmInferenceStack,
    StackValidationError,
    load_values,
)
from llm_inference_stack.validation import ChartValidation

ROOT = Path(__file__).resolve().parents[2]
MARKER = ("app.kubernetes.io/managed-by", "llm-inference-stack")
WAVE = "argocd.argoproj.io/sync-wave"


def platform_object(scope: Any, id: str, api_version: str, kind: str, name: str, namespace: str, spec: Any) -> Any:
    obj = cdk8s.ApiObject(
        scope, id, api_version=api_version, kind=kind, metadata=cdk8s.ApiObjectMetadata(name=name, namespace=namespace)
    )
    obj.add_json_patch(cdk8s.JsonPatch.add("/spec", spec))
    return obj


def application(scope: Any, id: str = "ArgoApplication", name: str = "llm") -> Any:
    return platform_object(
        scope, id, "argoproj.io/v1alpha1", "Application", name, "argocd", {"project": "default", "any": {"thing": 1}}
    )


def certificate(scope: Any) -> Any:
    spec = {"secretName": "gw-tls", "dnsNames": ["llm.example.com"], "issuerRef": {"name": "le"}}
    return platform_object(scope, "Certificate", "cert-manager.io/v1", "Certificate", "gw", "team-b", spec)


def stack(app: cdk8s.App | None = None) -> LlmInferenceStack:
    return LlmInferenceStack(app or cdk8s.Testing.app(), "llm-stack", config=load_values(ROOT / "values.yaml"))


def marked(obj: dict[str, Any]) -> bool:
    return bool(obj["metadata"].get("labels", {}).get(MARKER[0]) == MARKER[1])


def test_api_objects_lists_every_object_the_stack_wrote_in_output_order() -> None:
    llm = stack()
    application(llm)
    written = list(cdk8s.Testing.synth(llm))
    listed = llm.api_objects
    assert [o.to_json() for o in listed] == [o for o in written if o["kind"] != "Application"]
    assert len(listed) == 18 and not any(o.kind == "Application" for o in listed)


def test_decorating_through_api_objects_reaches_every_stack_object_and_no_other() -> None:
    llm = stack()
    app_object = application(llm)
    for obj in llm.api_objects:
        obj.metadata.add_annotation(WAVE, "1")
    written = list(cdk8s.Testing.synth(llm))
    assert {o["kind"]: o["metadata"].get("annotations", {}).get(WAVE) for o in written if marked(o)} == {
        o["kind"]: "1" for o in written if o["kind"] != "Application"
    }
    assert WAVE not in find(written, "Application")["metadata"].get("annotations", {})
    # The user's own object gets what the user gives it.
    app_object.metadata.add_annotation(WAVE, "0")
    assert find(list(cdk8s.Testing.synth(llm)), "Application")["metadata"]["annotations"][WAVE] == "0"


def test_app_synth_passes_with_the_platforms_objects_of_unknown_kinds_in_the_chart(tmp_path: Path) -> None:
    """The README's composition in a platform's chart, with its Argo CD Application and cert-manager Certificate."""
    app = cdk8s.App(outdir=str(tmp_path))
    chart = cdk8s.Chart(app, "platform", namespace="team-b")
    gateway = AiGateway(chart, "gateway", name="team-b-gw", api_keys=ApiKeys(chart, "keys"))
    gateway.add_model(server(chart, "qwen"))
    application(chart)
    certificate(chart)
    app.synth()
    written = [o for f in tmp_path.glob("*.yaml") for o in cdk8s.Yaml.load(str(f)) if o]
    assert {o["kind"] for o in written if not marked(o)} == {"Application", "Certificate"}
    assert find(written, "Certificate")["spec"]["secretName"] == "gw-tls"
    assert len([o for o in written if marked(o)]) == len(written) - 2
    listed = ChartValidation.of(chart).stack_objects()
    assert [o.to_json() for o in listed] == [o for o in cdk8s.Testing.synth(chart) if marked(o)]


def test_ownership_is_the_construct_tree_not_a_label() -> None:
    chart = cdk8s.Testing.chart()
    AiGateway(chart, "gateway", name="gw", api_keys=ApiKeys(chart, "keys")).add_model(server(chart))
    copied = application(chart)
    copied.metadata.add_label(*MARKER)  # a copied label makes no object the stack's
    cdk8s.Testing.synth(chart)
    # An object made under one of the stack's constructs is the stack's, whoever made it: checked as the stack's.
    application(server(chart, "other"), "Extra", "extra")
    with pytest.raises(StackValidationError, match=r"\[schema\] Application argocd/extra: no schema"):
        cdk8s.Testing.synth(chart)


def test_fails_when_a_route_in_another_chart_sends_to_a_wrong_port_of_a_model(tmp_path: Path) -> None:
    app = cdk8s.App(outdir=str(tmp_path))
    llm = stack(app)
    routes = cdk8s.Chart(app, "platform")
    spec = {
        "parentRefs": [{"name": "edge"}],
        "rules": [{"backendRefs": [{"name": "llama-3-70b-predictor", "port": 8000}]}],
    }
    platform_object(routes, "ChatRoute", "gateway.networking.k8s.io/v1", "HTTPRoute", "chat", "kserve-inference", spec)
    with pytest.raises(StackValidationError) as raised:
        app.synth()
    assert raised.value.problems == [
        "[service-port] HTTPRoute kserve-inference/chat (platform/ChatRoute): spec.rules[0].backendRefs[0] sends to "
        "port 8000 of the predictor Service KServe makes for InferenceService 'llama-3-70b', which listens on 80 "
        "only: use port 80"
    ]
    assert str(raised.value).startswith(f"{llm.node.path}: 1 problem(s)")
    assert not list(tmp_path.iterdir())


def test_fails_when_a_platform_object_replaces_a_stack_object_but_not_for_two_of_its_own() -> None:
    llm = stack()
    application(llm, "One")
    application(llm, "Two")  # the same Application twice: the platform's own business
    cdk8s.Testing.synth(llm)
    platform_object(llm, "Clash", "v1", "ConfigMap", "llm-stack-llm-dashboard", "kserve-inference", {})
    with pytest.raises(StackValidationError) as raised:
        cdk8s.Testing.synth(llm)
    [problem] = raised.value.problems
    assert problem.startswith(
        "[written-twice] objects written by two constructs of the app (applied together, one replaces the other): "
        "ConfigMap kserve-inference/llm-stack-llm-dashboard by 'llm-stack/Dashboard/Resource' and 'llm-stack/Clash'"
    )
