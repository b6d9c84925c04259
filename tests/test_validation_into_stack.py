"""Objects the stack did not write, beside the stack's: unchecked but for their references into the stack's objects
(``validation/checks/into_stack.py``), each reference checked as the stack's own objects are."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import synthesized, with_changes

from llm_inference_stack.errors import ManifestError
from llm_inference_stack.stack_marker import is_stack_object
from llm_inference_stack.validation import REFERENCE_CHECKS, validate_objects
from llm_inference_stack.validation.checks.into_stack import run_reference_checks
from llm_inference_stack.validation.manifests import from_objects

NS = "kserve-inference"
MODEL = "llama-3-70b"
PREDICTOR = f"{MODEL}-predictor"
GATEWAY = "llm-stack-ai-gateway"


@pytest.fixture
def stack(default_values: dict[str, Any]) -> list[dict[str, Any]]:
    return synthesized(default_values)


def problems(stack: list[dict[str, Any]], *others: dict[str, Any]) -> list[str]:
    try:
        validate_objects(stack, others=[copy.deepcopy(o) for o in others])
    except ManifestError as error:
        return list(error.problems)
    return []


def obj(api_version: str, kind: str, name: str, namespace: str | None = NS, **fields: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **fields}


def route(backend: dict[str, Any], *, namespace: str = NS, parent: dict[str, Any] | None = None) -> dict[str, Any]:
    parent = parent or {"name": GATEWAY}
    return obj(
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        "chat",
        namespace,
        spec={"parentRefs": [parent], "rules": [{"backendRefs": [backend]}]},
    )


def policy(name: str, namespace: str = NS, **spec: Any) -> dict[str, Any]:
    return obj("networking.k8s.io/v1", "NetworkPolicy", name, namespace, spec=spec)


DEFAULT_DENY = policy("default-deny", podSelector={}, policyTypes=["Ingress", "Egress"])
"""A platform's namespace-wide default-deny: isolates every pod of the namespace both ways."""


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"gateway.mode": "standalone"},
        {"apiKeys": {"existingSecret": False, "dummyKey": "test-key-0123456789"}},
        {"apiKeys.externalSecret": {"storeName": "vault", "remoteKey": "llm/api-keys"}},
        {"autoscaling.prometheus.auth": {"mode": "bearer", "secretName": "prometheus-token"}},
        {"namespace": {"name": "team-llm", "create": True}},
    ],
    ids=["default", "standalone", "dummy-key", "external-secret", "secured-prometheus", "namespace-create"],
)
def test_every_object_the_stack_writes_carries_its_marker(
    default_values: dict[str, Any], changes: dict[str, Any]
) -> None:
    """What ``llm-stack validate --only-stack`` takes for the stack's: every object synth writes."""
    objects = synthesized(with_changes(default_values, changes))
    assert [f"{o['kind']} {o['metadata']['name']}" for o in objects if not is_stack_object(o)] == []


def test_objects_of_unknown_kinds_pass_untouched(stack: list[dict[str, Any]]) -> None:
    application = obj("argoproj.io/v1alpha1", "Application", "team", "argocd", spec={"anything": ["goes"]})
    certificate = obj("cert-manager.io/v1", "Certificate", "gw", spec={"secretName": "gw-tls", "bogus": 1})
    assert problems(stack, application, certificate) == []
    # The same objects as the stack's own have no schema.
    with pytest.raises(ManifestError, match=r"\[schema\] Application argocd/team: no schema"):
        validate_objects([*stack, application])


def test_every_reference_check_is_documented() -> None:
    from pathlib import Path

    checks = (Path(__file__).resolve().parents[1] / "docs" / "checks.md").read_text()
    section = checks.split("### References into the stack", 1)[1]
    assert {name for name in REFERENCE_CHECKS if f"`{name}`" not in section} == set()


def test_fails_when_a_route_sends_to_a_port_the_predictor_service_lacks(stack: list[dict[str, Any]]) -> None:
    assert problems(stack, route({"name": PREDICTOR, "port": 80})) == []
    found = problems(stack, route({"name": PREDICTOR, "port": 8000}))
    assert found == [
        f"[service-port] HTTPRoute {NS}/chat: spec.rules[0].backendRefs[0] sends to port 8000 of the predictor "
        f"Service KServe makes for InferenceService {MODEL!r}, which listens on 80 only: use port 80"
    ]


def test_fails_when_a_route_to_a_stack_service_has_no_port(stack: list[dict[str, Any]]) -> None:
    (found,) = problems(stack, route({"name": GATEWAY}))
    assert found.startswith(f"[service-port] HTTPRoute {NS}/chat: spec.rules[0].backendRefs[0] names the Service")
    assert "without a port: set port 8080" in found


def test_a_route_to_a_service_of_its_own_is_not_checked(stack: list[dict[str, Any]]) -> None:
    assert problems(stack, route({"name": "my-own-service", "port": 1234})) == []
    # The same name in another namespace is another Service.
    assert problems(stack, route({"name": PREDICTOR, "port": 8000}, namespace="elsewhere", parent={"name": "x"})) == []


def test_fails_when_an_ingress_sends_to_a_port_of_the_standalone_gateway_service_it_lacks(
    default_values: dict[str, Any],
) -> None:
    stack = synthesized(with_changes(default_values, {"gateway.mode": "standalone"}))
    ingress = obj(
        "networking.k8s.io/v1",
        "Ingress",
        "public",
        spec={"defaultBackend": {"service": {"name": GATEWAY, "port": {"name": "https"}}}},
    )
    (found,) = problems(stack, ingress)
    assert found == (
        f"[service-port] Ingress {NS}/public: spec.defaultBackend.service sends to port 'https' of Service "
        f"{NS}/{GATEWAY}, whose ports are named 'http': use one of them, or the number 8080"
    )
    ingress["spec"]["defaultBackend"]["service"]["port"] = {"name": "http"}
    assert problems(stack, ingress) == []


def test_fails_when_a_route_attaches_to_a_listener_the_gateway_lacks(stack: list[dict[str, Any]]) -> None:
    backend = {"name": "mine", "port": 80}
    assert problems(stack, route(backend, parent={"name": GATEWAY, "sectionName": "http"})) == []
    (found,) = problems(stack, route(backend, parent={"name": GATEWAY, "sectionName": "https"}))
    assert found == (
        f"[references] HTTPRoute {NS}/chat: spec.parentRefs[0] names the listener with sectionName 'https' of the "
        f"stack's Gateway {NS}/{GATEWAY}, which has none: its listeners are http (port 8080)"
    )


def test_fails_when_a_route_of_another_namespace_attaches_to_the_gateway(stack: list[dict[str, Any]]) -> None:
    parent = {"name": GATEWAY, "namespace": NS}
    (found,) = problems(stack, route({"name": "mine", "port": 80}, namespace="team-b", parent=parent))
    assert "allowedRoutes.namespaces.from: Same, the default" in found
    assert found.startswith("[references] HTTPRoute team-b/chat: spec.parentRefs[0] attaches")


def test_fails_when_an_envoy_backend_points_at_the_predictor_on_another_port(stack: list[dict[str, Any]]) -> None:
    host = f"{PREDICTOR}.{NS}.svc.cluster.local"
    backend = obj(
        "gateway.envoyproxy.io/v1alpha1",
        "Backend",
        "mine",
        spec={"endpoints": [{"fqdn": {"hostname": host, "port": 8080}}]},
    )
    (found,) = problems(stack, backend)
    assert found.startswith(f"[backend-fqdn] Backend {NS}/mine: endpoint {host} uses port 8080")


def test_a_default_deny_beside_the_stacks_policies_passes(stack: list[dict[str, Any]]) -> None:
    """NetworkPolicies add up: the stack's policies still admit what its pods need."""
    assert problems(stack, DEFAULT_DENY) == []


def test_fails_when_a_default_deny_isolates_the_model_without_the_stacks_policies(
    default_values: dict[str, Any],
) -> None:
    stack = synthesized(with_changes(default_values, {"networkPolicy": {"enabled": False}}))
    found = problems(stack, DEFAULT_DENY)
    assert (
        f"[ingress-to-models] NetworkPolicy {NS}/default-deny: selects the pods of model {MODEL!r}, and no "
        "NetworkPolicy selecting them admits ingress on TCP port 8080 (its vLLM --port): the gateway and Prometheus "
        "could not reach them. Admit TCP port 8080 to these pods (the stack's own policy does, with "
        "networkPolicy.enabled)"
    ) in found
    assert any(p.startswith(f"[egress-to-models] NetworkPolicy {NS}/default-deny: restricts the egress") for p in found)
    assert any(p.startswith(f"[egress-dns] NetworkPolicy {NS}/default-deny") for p in found)
    assert any(p.startswith(f"[gateway-listener-ingress] NetworkPolicy {NS}/default-deny") for p in found)
    # Admitting what the pods need makes it pass.
    allow = policy(
        "allow-llm",
        podSelector={},
        ingress=[{"ports": [{"port": 8080}]}],
        egress=[{"ports": [{"port": 8080}]}, {"ports": [{"port": 53, "protocol": "UDP"}]}],
        policyTypes=["Ingress", "Egress"],
    )
    assert problems(stack, DEFAULT_DENY, allow) == []


def test_a_policy_selecting_other_pods_is_not_checked(default_values: dict[str, Any]) -> None:
    stack = synthesized(with_changes(default_values, {"networkPolicy": {"enabled": False}}))
    theirs = policy("web", podSelector={"matchLabels": {"app": "web"}}, policyTypes=["Ingress", "Egress"])
    assert problems(stack, theirs) == []
    other_namespace = copy.deepcopy(DEFAULT_DENY)
    other_namespace["metadata"]["namespace"] = "web"
    assert problems(stack, other_namespace) == []


def test_selectors_match_as_the_api_server_matches_them(default_values: dict[str, Any]) -> None:
    stack = synthesized(with_changes(default_values, {"networkPolicy": {"enabled": False}}))
    model_pods = {
        "matchExpressions": [{"key": "serving.kserve.io/inferenceservice", "operator": "In", "values": [MODEL]}]
    }
    not_models = {"matchExpressions": [{"key": "component", "operator": "In", "values": ["transformer"]}]}
    assert any(p.startswith("[ingress-to-models]") for p in problems(stack, policy("p", podSelector=model_pods)))
    assert problems(stack, policy("p", podSelector=not_models)) == []


def test_fails_when_another_autoscaler_scales_the_predictor(stack: list[dict[str, Any]]) -> None:
    hpa = obj(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        "mine",
        spec={"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": PREDICTOR}, "maxReplicas": 3},
    )
    (found,) = problems(stack, hpa)
    assert found.startswith(
        f"[one-autoscaler] HorizontalPodAutoscaler {NS}/mine: spec.scaleTargetRef is Deployment {PREDICTOR!r}, which "
        f"the stack's ScaledObject {NS}/{MODEL} scales already"
    )
    hpa["spec"]["scaleTargetRef"]["name"] = "web"
    assert problems(stack, hpa) == []


def test_fails_when_a_second_budget_selects_the_model_pods(stack: list[dict[str, Any]]) -> None:
    predictors = {"matchLabels": {"component": "predictor"}}
    pdb = obj("policy/v1", "PodDisruptionBudget", "mine", spec={"selector": predictors, "maxUnavailable": 1})
    (found,) = problems(stack, pdb)
    assert found.startswith(
        f"[pdb-allows-drain] PodDisruptionBudget {NS}/mine: selects the pods of model {MODEL!r}, which "
        f"PodDisruptionBudget {NS}/{MODEL} of the stack selects too"
    )


def test_fails_when_the_platform_writes_a_secret_the_stack_writes(default_values: dict[str, Any]) -> None:
    stack = synthesized(
        with_changes(default_values, {"apiKeys": {"existingSecret": False, "dummyKey": "test-key-0123456789"}})
    )
    external = obj(
        "external-secrets.io/v1",
        "ExternalSecret",
        "keys",
        spec={"target": {"name": "ai-gateway-api-keys"}, "dataFrom": [{"extract": {"key": "llm/keys"}}]},
    )
    (found,) = problems(stack, external)
    assert found.startswith(f"[api-keys-secret] ExternalSecret {NS}/keys: writes Secret 'ai-gateway-api-keys'")


def test_fails_when_a_container_reads_a_key_the_stacks_secret_lacks(default_values: dict[str, Any]) -> None:
    stack = synthesized(
        with_changes(default_values, {"apiKeys": {"existingSecret": False, "dummyKey": "test-key-0123456789"}})
    )
    client_id = next(iter(next(o for o in stack if o["kind"] == "Secret")["stringData"]))

    def job(key: str) -> dict[str, Any]:
        env = [{"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "ai-gateway-api-keys", "key": key}}}]
        pod = {"containers": [{"name": "probe", "image": "curl:8", "env": env}], "restartPolicy": "Never"}
        return obj("batch/v1", "Job", "probe", spec={"template": {"spec": pod}})

    assert problems(stack, job(client_id)) == []
    (found,) = problems(stack, job("team-z"))
    assert found == (
        f"[secret-key] Job {NS}/probe: spec.template.spec.containers[0].env[0] reads key 'team-z' of the stack's "
        f"Secret {NS}/ai-gateway-api-keys, which holds {client_id!r}: the container would not start; use one of them"
    )


def test_fails_when_another_object_replaces_a_stack_object(stack: list[dict[str, Any]]) -> None:
    theirs = obj("v1", "ConfigMap", "llm-stack-llm-dashboard", data={"x": "y"})
    (found,) = problems(stack, theirs)
    assert found.startswith(
        f"[unique-objects] ConfigMap {NS}/llm-stack-llm-dashboard: has the kind, namespace and name of the stack's "
        f"ConfigMap {NS}/llm-stack-llm-dashboard"
    )


def test_an_empty_budget_selector_selects_the_gateways_pods_too(stack: list[dict[str, Any]]) -> None:
    pdb = obj("policy/v1", "PodDisruptionBudget", "mine", spec={"selector": {}, "maxUnavailable": 1})
    found = problems(stack, pdb)
    assert [p.split(", which ")[1].split(" of the stack")[0] for p in found] == [
        f"PodDisruptionBudget {NS}/{MODEL}",
        f"the envoyPDB of EnvoyProxy {NS}/{GATEWAY}",
    ]


MALFORMED: list[Any] = [None, "x", 7, True, [], {}, [None, "x", {"a": 1}], {"a": None}]
"""Values of the wrong type for any field: the others' objects are not schema-checked, so the reference checks read
whatever they find."""


@pytest.mark.parametrize(
    "kind",
    [
        "HTTPRoute",
        "Ingress",
        "Backend",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
        "ScaledObject",
        "PodDisruptionBudget",
        "ExternalSecret",
        "Job",
    ],
)
def test_malformed_objects_of_others_give_problems_or_none_never_a_crash(
    default_values: dict[str, Any], kind: str
) -> None:
    stack = synthesized(
        with_changes(default_values, {"apiKeys": {"existingSecret": False, "dummyKey": "test-key-0123456789"}})
    )
    mine = from_objects(stack)
    groups = {
        "HTTPRoute": "gateway.networking.k8s.io/v1",
        "Ingress": "networking.k8s.io/v1",
        "Backend": "gateway.envoyproxy.io/v1alpha1",
        "NetworkPolicy": "networking.k8s.io/v1",
        "HorizontalPodAutoscaler": "autoscaling/v2",
        "ScaledObject": "keda.sh/v1alpha1",
        "PodDisruptionBudget": "policy/v1",
        "ExternalSecret": "external-secrets.io/v1",
        "Job": "batch/v1",
    }
    fields = [
        "rules",
        "parentRefs",
        "backendRefs",
        "defaultBackend",
        "endpoints",
        "podSelector",
        "ingress",
        "egress",
        "policyTypes",
        "scaleTargetRef",
        "selector",
        "target",
        "template",
    ]
    for field in fields:
        for value in MALFORMED:
            for nested in (value, [{field: value}], {"spec": value, field: value}):
                other = obj(groups[kind], kind, "odd", spec={field: nested})
                assert isinstance(run_reference_checks(mine, from_objects([other])), list)
