"""Checks of the NetworkPolicies that restrict egress (the gateway's): the models, the listener and DNS stay
reachable. A policy with ``Egress`` in its ``policyTypes`` denies every destination it does not name, so a
model port that drifted from the policy's, or a missing DNS rule, silently cuts the gateway off its models."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...facts import envoy_gateway, kserve
from ..manifests import Manifests, Obj, dig, name_of, namespace_of
from .kserve import args_of, flag_values, inference_services, model_container
from .registry import Problem, check

NAMESPACE_LABEL = "kubernetes.io/metadata.name"


def _egress_policies(manifests: Manifests) -> list[Obj]:
    return [p for p in manifests.of_kind("NetworkPolicy") if "Egress" in (dig(p, "spec", "policyTypes") or [])]


def policy_rules(policy: Obj, direction: str) -> list[Mapping[str, Any]]:
    rules = dig(policy, "spec", direction)
    return [r for r in rules if isinstance(r, Mapping)] if isinstance(rules, list) else []


def _ports(rule: Mapping[str, Any], protocol: str = "TCP") -> set[object]:
    return {
        p.get("port")
        for p in rule.get("ports") or []
        if isinstance(p, Mapping) and p.get("protocol", "TCP") == protocol
    }


def _admits(rule: Mapping[str, Any], namespace: str | None, labels: Mapping[str, str]) -> bool:
    """Whether one of the rule's peers selects pods labelled ``labels`` in ``namespace`` (no peer: everything)."""
    peers = rule.get("to") or []
    if not peers:
        return True
    for peer in peers:
        if not isinstance(peer, Mapping) or "ipBlock" in peer:
            continue
        namespaces = dig(peer, "namespaceSelector", "matchLabels")
        pods = dig(peer, "podSelector", "matchLabels") or {}
        in_namespace = namespaces is not None and namespaces.get(NAMESPACE_LABEL) == namespace
        if in_namespace and all(labels.get(k) == v for k, v in pods.items()):
            return True
    return False


def endpoint_picker_selectors(manifests: Manifests) -> list[tuple[str | None, Mapping[str, Any]]]:
    """``(namespace, pod selector)`` of each Service an InferencePool's ``endpointPickerRef`` names: the endpoint
    pickers' pods."""
    out = []
    for pool in manifests.of_kind("InferencePool"):
        name = dig(pool, "spec", "endpointPickerRef", "name")
        service = manifests.get("Service", namespace_of(pool), str(name)) if isinstance(name, str) else None
        selector = dig(service, "spec", "selector") if service is not None else None
        if isinstance(selector, Mapping) and selector:
            out.append((namespace_of(pool), selector))
    return out


def selects_picker(policy: Obj, picker: tuple[str | None, Mapping[str, Any]]) -> bool:
    """Whether ``policy`` selects the pods of the endpoint picker ``picker`` (``endpoint_picker_selectors``)."""
    namespace, labels = picker
    selector = dig(policy, "spec", "podSelector", "matchLabels")
    if namespace_of(policy) != namespace or not isinstance(selector, Mapping) or not selector:
        return False
    return all(labels.get(k) == v for k, v in selector.items())


def model_port(isvc: Obj) -> int:
    """The port vLLM listens on (its ``--port``), which the predictor Service targets; KServe's default without."""
    values = flag_values(args_of(model_container(isvc)), "--port")
    try:
        return int(values[0]) if values else kserve.CONTAINER_PORT
    except ValueError:
        return kserve.CONTAINER_PORT


@check("egress-to-models")
def gateway_egress_reaches_every_model(manifests: Manifests) -> Iterator[Problem]:
    """A policy restricting egress of pods that route to the models (the gateway's) must admit each model's pods
    on the port vLLM listens on (the port the predictor Service sends to)."""
    models = inference_services(manifests)
    pickers = endpoint_picker_selectors(manifests)
    for policy in _egress_policies(manifests):
        if any(selects_picker(policy, picker) for picker in pickers):
            continue  # an endpoint picker reaches its own pool only (`epp-egress-to-pool`)
        for isvc in models:
            labels = kserve.predictor_pod_labels(name_of(isvc))
            port = model_port(isvc)
            rules = [r for r in policy_rules(policy, "egress") if _admits(r, namespace_of(isvc), labels)]
            if not any(port in _ports(r) for r in rules):
                yield Problem(
                    policy,
                    f"egress to model {name_of(isvc)!r} is not admitted on port {port} (its vLLM --port, the target "
                    f"port of its predictor Service): the gateway could not reach it. Add an egress rule to namespace "
                    f"{namespace_of(isvc)!r}, pods {labels}, TCP port {port}",
                )


@check("egress-dns")
def egress_policy_admits_dns(manifests: Manifests) -> Iterator[Problem]:
    """Without DNS (UDP 53) a pod whose egress is restricted resolves no Service name, the models' included."""
    for policy in _egress_policies(manifests):
        if not any(53 in _ports(r, "UDP") for r in policy_rules(policy, "egress")):
            yield Problem(policy, "egress admits no DNS (UDP port 53): add a rule to the cluster DNS (kube-system)")


def _listener_ports(manifests: Manifests, policy: Obj) -> list[int]:
    """Ports the selected gateway pods take clients on: a Gateway's listeners (as Envoy Gateway maps them into the
    container: its own copy of the rule, so a drift of the construct's shows here), or a Deployment's ``http``."""
    selector = dig(policy, "spec", "podSelector", "matchLabels") or {}
    gateway_name = selector.get(envoy_gateway.OWNING_GATEWAY_LABEL)
    if gateway_name is not None:
        found = [g for g in manifests.of_kind("Gateway") if name_of(g) == gateway_name]
        listeners = [listener for g in found for listener in dig(g, "spec", "listeners") or []]
        return [p + 10000 if p < 1024 else p for p in (int(listener.get("port", 0)) for listener in listeners)]
    out = []
    for deployment in manifests.of_kind("Deployment"):
        template_labels = dig(deployment, "spec", "template", "metadata", "labels") or {}
        if namespace_of(deployment) != namespace_of(policy) or not selector:
            continue
        if all(template_labels.get(k) == v for k, v in selector.items()):
            for container in dig(deployment, "spec", "template", "spec", "containers") or []:
                out += [p.get("containerPort") for p in container.get("ports") or [] if p.get("name") == "http"]
    return out


def from_clients(rule: Mapping[str, Any]) -> bool:
    """Whether the rule admits clients from outside the cluster: no ``from`` (everyone), or address blocks."""
    peers = rule.get("from") or []
    if not isinstance(peers, list):
        return False
    return not peers or any(isinstance(peer, Mapping) and "ipBlock" in peer for peer in peers)


@check("gateway-listener-ingress")
def gateway_policy_admits_its_listener(manifests: Manifests) -> Iterator[Problem]:
    """The gateway is the public entry point: its policy must admit clients to the port its Envoy listens on."""
    for policy in _egress_policies(manifests):
        open_ports = {p for r in policy_rules(policy, "ingress") if from_clients(r) for p in _ports(r)}
        for port in _listener_ports(manifests, policy):
            if port not in open_ports:
                yield Problem(
                    policy,
                    f"ingress to the gateway's listener (container port {port}) is not admitted from clients: add an "
                    f"ingress rule for TCP port {port} without 'from' (or from the clients' address blocks)",
                )


@check("ingress-to-models")
def model_policy_admits_the_model_port(manifests: Manifests) -> Iterator[Problem]:
    """A policy selecting a model's pods must admit traffic on the port vLLM listens on: the gateway (and
    Prometheus) reach the pods there, whatever port the predictor Service shows."""
    for isvc in inference_services(manifests):
        labels = kserve.predictor_pod_labels(name_of(isvc))
        port = model_port(isvc)
        for policy in manifests.of_kind("NetworkPolicy"):
            selector = dig(policy, "spec", "podSelector", "matchLabels") or {}
            if namespace_of(policy) != namespace_of(isvc) or not selector:
                continue
            if not all(labels.get(k) == v for k, v in selector.items()):
                continue
            if "Ingress" in (dig(policy, "spec", "policyTypes") or ["Ingress"]) and not any(
                port in _ports(rule) for rule in policy_rules(policy, "ingress")
            ):
                yield Problem(
                    policy,
                    f"ingress to model {name_of(isvc)!r} is not admitted on port {port} (its vLLM --port): the gateway "
                    f"and Prometheus could not reach it. Admit TCP port {port}",
                )
