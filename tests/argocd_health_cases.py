"""Manifest sets whose objects the real controllers leave healthy, progressing or degraded, and the verdicts expected.

Each set is ``dist/`` with planted defects (or, for the InferencePool, ``dist/`` with pools added): what the real
Envoy Gateway and Envoy AI Gateway controllers then write into ``status`` is what the shipped Argo CD health checks
(:mod:`llm_inference_stack.gitops.argocd`) must judge. ``scripts/record_argocd_health_fixtures.py`` runs
``llm-stack verify --collect`` on every set and records the objects into ``tests/fixtures/argocd-health/``;
``tests/controlplane/test_argocd_health_collected.py`` runs ``dist/`` and one set again and judges the fresh objects.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "argocd-health"
Obj = dict[str, Any]
NAMESPACE = "kserve-inference"


def dist_objects() -> list[Obj]:
    return [o for o in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if o]


def find(objects: list[Obj], kind: str) -> Obj:
    return next(o for o in objects if o["kind"] == kind)


def _policies_envoy_gateway_rejects(objects: list[Obj]) -> None:
    """SecurityPolicy, ClientTrafficPolicy, BackendTrafficPolicy and Backend each with a setting Envoy Gateway refuses;
    one more SecurityPolicy on a Gateway that does not exist."""
    security = find(objects, "SecurityPolicy")
    security["spec"]["apiKeyAuth"]["credentialRefs"][0]["namespace"] = "other-team"  # no ReferenceGrant there
    find(objects, "ClientTrafficPolicy")["spec"]["targetRefs"][0]["sectionName"] = "no-such-listener"
    find(objects, "BackendTrafficPolicy")["spec"]["targetRefs"][0]["sectionName"] = "no-such-rule"
    find(objects, "Backend")["spec"]["endpoints"][0]["fqdn"]["hostname"] = "llama-3-70b-predictor"  # one label
    elsewhere = copy.deepcopy(find(objects, "SecurityPolicy"))
    elsewhere["metadata"]["name"] += "-elsewhere"
    elsewhere["spec"]["apiKeyAuth"]["credentialRefs"][0].pop("namespace")
    elsewhere["spec"]["targetRefs"][0]["name"] = "no-such-gateway"
    objects.append(elsewhere)


def _routes_ai_gateway_rejects(objects: list[Obj]) -> None:
    """The AIGatewayRoute with a rule to an AIServiceBackend that does not exist; two BackendSecurityPolicies on the
    AIServiceBackend (the AI Gateway allows one)."""
    route = find(objects, "AIGatewayRoute")
    route["spec"]["rules"].append(
        {
            "name": "no-such-backend",
            "matches": [{"headers": [{"name": "x-ai-eg-model", "type": "Exact", "value": "other-model"}]}],
            "backendRefs": [{"name": "no-such-backend"}],
        }
    )
    backend = find(objects, "AIServiceBackend")["metadata"]["name"]
    for suffix in ("a", "b"):
        objects.append(
            {
                "apiVersion": "aigateway.envoyproxy.io/v1beta1",
                "kind": "BackendSecurityPolicy",
                "metadata": {"name": f"{backend}-upstream-key-{suffix}", "namespace": NAMESPACE},
                "spec": {
                    "type": "APIKey",
                    "apiKey": {"secretRef": {"name": f"{backend}-upstream-key"}},
                    "targetRefs": [{"group": "aigateway.envoyproxy.io", "kind": "AIServiceBackend", "name": backend}],
                },
            }
        )


def _envoy_proxy_envoy_gateway_rejects(objects: list[Obj]) -> None:
    """The EnvoyProxy with a Deployment patch of a type Envoy Gateway does not know (the CRD takes any string)."""
    deployment = find(objects, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyDeployment"]
    deployment["patch"] = {"type": "JSONPatch", "value": {"spec": {}}}


def _inference_pool(name: str, picker: str) -> Obj:
    return {
        "apiVersion": "inference.networking.k8s.io/v1",
        "kind": "InferencePool",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "targetPorts": [{"number": 8000}],
            "endpointPickerRef": {"name": picker, "port": {"number": 9002}},
        },
    }


def _inference_pools(objects: list[Obj]) -> None:
    """Two InferencePools routed from the AIGatewayRoute: one whose endpoint picker Service exists, one whose does
    not."""
    route = find(objects, "AIGatewayRoute")
    for pool in ("pool-ready", "pool-without-picker"):
        route["spec"]["rules"].append(
            {
                "name": pool,
                "matches": [{"headers": [{"name": "x-ai-eg-model", "type": "Exact", "value": pool}]}],
                "backendRefs": [{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": pool}],
            }
        )
    objects.append(_inference_pool("pool-ready", "pool-ready-epp"))
    objects.append(_inference_pool("pool-without-picker", "no-such-epp"))
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "pool-ready-epp", "namespace": NAMESPACE},
            "spec": {"selector": {"app": "pool-ready-epp"}, "ports": [{"name": "grpc", "port": 9002}]},
        }
    )


CASES: dict[str, Callable[[list[Obj]], None] | None] = {
    "dist": None,
    "policies-envoy-gateway-rejects": _policies_envoy_gateway_rejects,
    "envoy-proxy-envoy-gateway-rejects": _envoy_proxy_envoy_gateway_rejects,
    "inference-pools": _inference_pools,
    "routes-ai-gateway-rejects": _routes_ai_gateway_rejects,
}
"""Manifest set name -> what is planted into ``dist/`` (None: ``dist/`` as it is)."""

EXPECTED: dict[tuple[str, str, str], str] = {
    ("policies-envoy-gateway-rejects", "SecurityPolicy", "llm-stack-ai-gateway-api-keys"): "Degraded",
    ("policies-envoy-gateway-rejects", "SecurityPolicy", "llm-stack-ai-gateway-api-keys-elsewhere"): "Progressing",
    ("policies-envoy-gateway-rejects", "ClientTrafficPolicy", "llm-stack-ai-gateway"): "Degraded",
    ("policies-envoy-gateway-rejects", "BackendTrafficPolicy", "llm-stack-ai-gateway-backend-traffic"): "Degraded",
    ("policies-envoy-gateway-rejects", "Backend", "llama-3-70b"): "Degraded",
    ("routes-ai-gateway-rejects", "AIGatewayRoute", "llm-stack-ai-gateway"): "Degraded",
    ("routes-ai-gateway-rejects", "AIServiceBackend", "llama-3-70b"): "Degraded",
    # The AI Gateway made no HTTPRoute for the refused route: the policy's target does not exist.
    ("routes-ai-gateway-rejects", "BackendTrafficPolicy", "llm-stack-ai-gateway-backend-traffic"): "Progressing",
    ("envoy-proxy-envoy-gateway-rejects", "EnvoyProxy", "llm-stack-ai-gateway"): "Degraded",
    ("inference-pools", "InferencePool", "pool-ready"): "Healthy",
    ("inference-pools", "InferencePool", "pool-without-picker"): "Degraded",
}
"""(set, kind, name) -> the verdict after the controllers settled, for the objects a defect is about. Every other
object of a shipped kind in ``dist`` must be Healthy once settled; every object right after the apply (no status
yet) Progressing."""


def planted(case: str) -> list[Obj]:
    objects = dist_objects()
    plant = CASES[case]
    if plant is not None:
        changed = copy.deepcopy(objects)
        plant(changed)
        assert changed != objects, case
        objects = changed
    return objects


def write_case(case: str, directory: Path) -> Path:
    """The set's manifests in ``directory/<case>/stack.yaml``; returns that directory."""
    target = directory / case
    target.mkdir(parents=True, exist_ok=True)
    (target / "stack.yaml").write_text(yaml.safe_dump_all(planted(case), sort_keys=False))
    return target
