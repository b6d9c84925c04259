"""Checks of the gateway path: route model name -> AIServiceBackend prefix -> Backend -> predictor Service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ...facts import ai_gateway, kserve
from ..manifests import Manifests, Obj, dig, namespace_of
from .kserve import (
    PREDICTOR_SERVICE_PORT,
    VLLM_API_PREFIX,
    args_of,
    inference_services,
    isvc_for_host,
    model_container,
    predictor_host,
    served_names,
)
from .registry import Problem, check

MODEL_HEADER = ai_gateway.MODEL_HEADER


def fqdn_endpoints(backend: Obj) -> list[Mapping[str, object]]:
    endpoints = dig(backend, "spec", "endpoints")
    entries = endpoints if isinstance(endpoints, list) else []
    return [e["fqdn"] for e in entries if isinstance(e, Mapping) and isinstance(e.get("fqdn"), Mapping)]


def isvc_behind(manifests: Manifests, service_backend: Obj) -> Obj | None:
    """The InferenceService an AIServiceBackend reaches through its Backend, if any."""
    name = dig(service_backend, "spec", "backendRef", "name")
    backend = manifests.get("Backend", namespace_of(service_backend), str(name))
    if backend is None:
        return None
    for fqdn in fqdn_endpoints(backend):
        isvc = isvc_for_host(manifests, str(fqdn.get("hostname")))
        if isvc is not None:
            return isvc
    return None


@check("backend-fqdn")
def backend_points_at_a_predictor(manifests: Manifests) -> Iterator[Problem]:
    """Each Backend endpoint is ``<isvc>-predictor.<ns>.svc.cluster.local:80`` of an InferenceService here."""
    hosts = {predictor_host(i): i for i in inference_services(manifests)}
    for backend in manifests.of_kind("Backend"):
        endpoints = fqdn_endpoints(backend)
        if not endpoints:
            yield Problem(backend, "spec.endpoints has no fqdn endpoint: point it at the predictor Service")
        for fqdn in endpoints:
            host, port = str(fqdn.get("hostname")), fqdn.get("port")
            if host not in hosts:
                expected = " or ".join(f"{h}:{PREDICTOR_SERVICE_PORT}" for h in list(hosts)[:5]) or (
                    f"{kserve.predictor_host('<isvc>', '<ns>')}:{PREDICTOR_SERVICE_PORT}"
                )
                yield Problem(
                    backend,
                    f"endpoint {host}:{port} is not the predictor Service of an InferenceService in this output: "
                    f"KServe's Service is '<isvc>-predictor' in the InferenceService's namespace; use {expected}",
                )
            elif port != PREDICTOR_SERVICE_PORT:
                yield Problem(
                    backend,
                    f"endpoint {host} uses port {port}: KServe's predictor Service listens on {PREDICTOR_SERVICE_PORT} "
                    f"(mapped to the container's {kserve.CONTAINER_PORT}); use port {PREDICTOR_SERVICE_PORT}",
                )


@check("backend-prefix")
def schema_prefix_matches_vllm(manifests: Manifests) -> Iterator[Problem]:
    """A vLLM container serves the OpenAI API under ``/v1``; the AIServiceBackend must use that prefix."""
    for service_backend in manifests.of_kind("AIServiceBackend"):
        isvc = isvc_behind(manifests, service_backend)
        if isvc is None:
            continue
        container = model_container(isvc)
        command = [str(c) for c in (container or {}).get("command") or []]
        if "vllm" not in " ".join(command + args_of(container)[:1]) and command:
            continue
        prefix = dig(service_backend, "spec", "schema", "prefix")
        if prefix != VLLM_API_PREFIX:
            yield Problem(
                service_backend,
                f"spec.schema.prefix is {prefix!r} but the vLLM container serves the OpenAI API under "
                f"{VLLM_API_PREFIX!r} ('/openai/v1' is KServe's huggingface runtime): set prefix {VLLM_API_PREFIX}",
            )


@check("route-model-name")
def route_header_is_a_served_name(manifests: Manifests) -> Iterator[Problem]:
    """The ``x-ai-eg-model`` header a rule matches must be the name vLLM serves behind that rule."""
    all_served = [n for i in inference_services(manifests) for n in served_names(i)]
    for route in manifests.of_kind("AIGatewayRoute"):
        rules = dig(route, "spec", "rules")
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            values = [
                h.get("value")
                for m in (rule.get("matches") or [])
                for h in (m.get("headers") or [])
                if isinstance(h, Mapping) and h.get("name") == MODEL_HEADER
            ]
            served = all_served
            for ref in rule.get("backendRefs") or []:
                service_backend = manifests.get("AIServiceBackend", namespace_of(route), str(ref.get("name")))
                isvc = isvc_behind(manifests, service_backend) if service_backend is not None else None
                if isvc is not None:
                    served = served_names(isvc)
            for value in values:
                if value not in served:
                    yield Problem(
                        route,
                        f"spec.rules[{index}] matches {MODEL_HEADER}={value!r}, but the model behind it is served as "
                        f"{' or '.join(repr(s) for s in served) or '(nothing)'}: clients would get 404; "
                        "match the --served-model-name exactly",
                    )


AI_GATEWAY_METADATA_NAMESPACE = ai_gateway.METADATA_NAMESPACE
"""Dynamic-metadata namespace the AI Gateway's external processor writes each ``llmRequestCosts`` key under."""


@check("token-cost-key")
def token_cost_reads_a_key_the_route_writes(manifests: Manifests) -> Iterator[Problem]:
    """A rate-limit rule charged from the response's metadata must read a key the targeted AIGatewayRoute's
    ``llmRequestCosts`` writes: the external processor writes each ``metadataKey`` under ``io.envoy.ai_gateway``
    and Envoy Gateway reads ``%DYNAMIC_METADATA(namespace:key)%``. Any other key is never set, so no client is ever
    charged and the token budget is never enforced (the route and the policy are both accepted)."""
    for policy in manifests.of_kind("BackendTrafficPolicy"):
        targets = dig(policy, "spec", "targetRefs")
        routes = [
            manifests.get("AIGatewayRoute", namespace_of(policy), str(ref.get("name")))
            for ref in targets or []
            if isinstance(ref, Mapping) and ref.get("kind") == "HTTPRoute"
        ]
        written = {
            str(cost.get("metadataKey"))
            for route in routes
            if route is not None
            for cost in dig(route, "spec", "llmRequestCosts") or []
            if isinstance(cost, Mapping)
        }
        if not any(route is not None for route in routes):
            continue  # not the AI Gateway's route: the `references` check names a missing target
        rules = dig(policy, "spec", "rateLimit", "global", "rules")
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            response = dig(rule, "cost", "response") if isinstance(rule, Mapping) else None
            if not isinstance(response, Mapping) or response.get("from") != "Metadata":
                continue
            namespace = dig(response, "metadata", "namespace")
            key = dig(response, "metadata", "key")
            where = f"spec.rateLimit.global.rules[{index}].cost.response.metadata"
            if namespace != AI_GATEWAY_METADATA_NAMESPACE:
                yield Problem(
                    policy,
                    f"{where}.namespace is {namespace!r}: the AI Gateway writes token counts under "
                    f"{AI_GATEWAY_METADATA_NAMESPACE!r}; use that namespace",
                )
            elif key not in written:
                keys = ", ".join(repr(k) for k in sorted(written)) or "(none)"
                yield Problem(
                    policy,
                    f"{where}.key is {key!r}, but the route's llmRequestCosts write {keys}: no client would ever be "
                    "charged; use one of those keys (the total-token one for budgets in total tokens)",
                )
