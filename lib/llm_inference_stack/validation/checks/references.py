"""Every object another object names must be in the output (or be a declared prerequisite)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ...facts import ai_gateway
from ..manifests import Manifests, Obj, annotations_of, dig, namespace_of, shown
from .registry import Problem, check

GATEWAY_CONFIG_ANNOTATION = ai_gateway.GATEWAY_CONFIG_ANNOTATION
GATEWAY_POLICIES = ("SecurityPolicy", "ClientTrafficPolicy", "BackendTrafficPolicy")


def _missing(manifests: Manifests, source: Obj, field: str, kind: str, name: object, fix: str) -> Iterator[Problem]:
    if not isinstance(name, str) or manifests.get(kind, namespace_of(source), name) is None:
        yield Problem(source, f"{field} names {kind} {shown(name)}, which is not in the output: {fix}")


@check("references")
def referenced_objects_exist(manifests: Manifests) -> Iterator[Problem]:
    """Route -> Gateway, AIServiceBackend; AIServiceBackend -> Backend; policies -> Gateway or the HTTPRoute of an
    AIGatewayRoute; Gateway -> config; ScaledObject -> TriggerAuthentication."""
    yield from _route_references(manifests)
    yield from _service_backend_references(manifests)
    yield from _policy_references(manifests)
    yield from _gateway_references(manifests)
    yield from _scaled_object_references(manifests)


def _route_references(manifests: Manifests) -> Iterator[Problem]:
    """An AIGatewayRoute's parent Gateways and its rules' AIServiceBackends (InferencePools: ``route-pool``)."""
    for route in manifests.of_kind("AIGatewayRoute"):
        for index, parent in enumerate(dig(route, "spec", "parentRefs") or []):
            if isinstance(parent, Mapping) and parent.get("kind", "Gateway") == "Gateway":
                yield from _missing(
                    manifests,
                    route,
                    f"spec.parentRefs[{index}]",
                    "Gateway",
                    parent.get("name"),
                    "add the Gateway or fix the name",
                )
        for r_index, rule in enumerate(dig(route, "spec", "rules") or []):
            for b_index, ref in enumerate(rule.get("backendRefs") or [] if isinstance(rule, Mapping) else []):
                if isinstance(ref, Mapping) and ref.get("kind") == "InferencePool":
                    continue  # the `route-pool` check
                yield from _missing(
                    manifests,
                    route,
                    f"spec.rules[{r_index}].backendRefs[{b_index}]",
                    "AIServiceBackend",
                    ref.get("name") if isinstance(ref, Mapping) else None,
                    "add an AIServiceBackend of that name for the model, or fix the name",
                )


def _service_backend_references(manifests: Manifests) -> Iterator[Problem]:
    """An AIServiceBackend's Envoy Gateway Backend."""
    for service_backend in manifests.of_kind("AIServiceBackend"):
        ref = dig(service_backend, "spec", "backendRef")
        if isinstance(ref, Mapping) and ref.get("kind", "Backend") != "Backend":
            yield Problem(
                service_backend,
                f"spec.backendRef is a {ref.get('kind')}: Envoy AI Gateway needs an Envoy Gateway Backend "
                "(group gateway.envoyproxy.io, kind Backend) in front of the predictor Service",
            )
            continue
        yield from _missing(
            manifests,
            service_backend,
            "spec.backendRef",
            "Backend",
            ref.get("name") if isinstance(ref, Mapping) else None,
            "add a Backend whose fqdn endpoint is the predictor Service, or fix the name",
        )


def _policy_references(manifests: Manifests) -> Iterator[Problem]:
    """A gateway policy's target: a Gateway, or the HTTPRoute the controller makes of an AIGatewayRoute."""
    for kind in GATEWAY_POLICIES:
        for policy in manifests.of_kind(kind):
            for index, target in enumerate(dig(policy, "spec", "targetRefs") or []):
                if isinstance(target, Mapping) and target.get("kind") == "Gateway":
                    yield from _missing(
                        manifests,
                        policy,
                        f"spec.targetRefs[{index}]",
                        "Gateway",
                        target.get("name"),
                        "fix the Gateway name",
                    )
                elif isinstance(target, Mapping) and target.get("kind") == "HTTPRoute":
                    # The AI Gateway controller creates the HTTPRoute under its AIGatewayRoute's name.
                    yield from _missing(
                        manifests,
                        policy,
                        f"spec.targetRefs[{index}] (HTTPRoute)",
                        "AIGatewayRoute",
                        target.get("name"),
                        "target the HTTPRoute of an AIGatewayRoute in the output (it has the AIGatewayRoute's name)",
                    )


def _gateway_references(manifests: Manifests) -> Iterator[Problem]:
    """A Gateway's GatewayConfig annotation and its EnvoyProxy parameters."""
    for gateway in manifests.of_kind("Gateway"):
        config = annotations_of(gateway).get(GATEWAY_CONFIG_ANNOTATION)
        if config is not None:
            yield from _missing(
                manifests,
                gateway,
                f"annotation {GATEWAY_CONFIG_ANNOTATION}",
                "GatewayConfig",
                config,
                "add the GatewayConfig (tracing) or remove the annotation",
            )
        params = dig(gateway, "spec", "infrastructure", "parametersRef")
        if isinstance(params, Mapping) and params.get("kind") == "EnvoyProxy":
            yield from _missing(
                manifests,
                gateway,
                "spec.infrastructure.parametersRef",
                "EnvoyProxy",
                params.get("name"),
                "add the EnvoyProxy (Envoy Deployment and Service settings) or fix the name",
            )


def _scaled_object_references(manifests: Manifests) -> Iterator[Problem]:
    """A ScaledObject trigger's TriggerAuthentication."""
    for scaled in manifests.of_kind("ScaledObject"):
        for index, trigger in enumerate(dig(scaled, "spec", "triggers") or []):
            ref = trigger.get("authenticationRef") if isinstance(trigger, Mapping) else None
            if isinstance(ref, Mapping) and ref.get("kind", "TriggerAuthentication") == "TriggerAuthentication":
                yield from _missing(
                    manifests,
                    scaled,
                    f"spec.triggers[{index}].authenticationRef",
                    "TriggerAuthentication",
                    ref.get("name"),
                    "add the TriggerAuthentication or fix the name",
                )


def _secret_source(manifests: Manifests, namespace: str | None, name: str) -> bool:
    if manifests.get("Secret", namespace, name) is not None:
        return True
    for external in manifests.of_kind("ExternalSecret"):
        if namespace_of(external) != namespace:
            continue
        target = dig(external, "spec", "target", "name") or dig(external, "metadata", "name")
        if target == name:
            return True
    return False


@check("api-keys-secret")
def api_key_secret_exists(manifests: Manifests) -> Iterator[Problem]:
    """The SecurityPolicy's Secret is in the output, written by an ExternalSecret, or declared existing by the
    constructs (``Manifests.external_secrets``; unknown for a directory, where nothing is checked)."""
    declared = manifests.external_secrets
    if declared is None:
        return
    for policy in manifests.of_kind("SecurityPolicy"):
        for index, ref in enumerate(dig(policy, "spec", "apiKeyAuth", "credentialRefs") or []):
            if not isinstance(ref, Mapping) or ref.get("kind", "Secret") != "Secret":
                continue
            name = str(ref.get("name"))
            namespace = ref.get("namespace") or namespace_of(policy)
            if namespace != namespace_of(policy):
                continue  # another namespace needs a ReferenceGrant; out of this output's reach
            if (namespace, name) in declared or _secret_source(manifests, namespace, name):
                continue
            yield Problem(
                policy,
                f"spec.apiKeyAuth.credentialRefs[{index}] names Secret {name!r}, which is neither in the output, nor "
                "written by an ExternalSecret, nor declared existing: pass the ApiKeys construct whose Secret it is "
                "(existing_secret=True declares it), or configure its external_secret",
            )
