"""What the stack's objects offer the objects around them: pods to select, Services and Gateways to route to,
Secrets to read. Read from the stack's own objects, for the checks of references into them (``into_stack``).

Label selectors are matched as the API server matches them (``matchLabels`` and ``matchExpressions``; an empty
selector selects everything) against the labels the stack selects its pods by: the labels it knows them to carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...facts import envoy_gateway, gateway_api, kserve
from ..manifests import Manifests, Obj, dig, listed, name_of, namespace_of
from .kserve import inference_services, predictor_name
from .network import model_port

NAMESPACE_LABEL = "kubernetes.io/metadata.name"
"""The label the API server gives every Namespace: its name."""


def selects(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Whether a LabelSelector (``matchLabels``, ``matchExpressions``) selects an object labelled ``labels``; an
    empty selector selects every object, a missing (or malformed) one none."""
    if not isinstance(selector, Mapping):
        return False
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping) or any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    for expression in listed(selector.get("matchExpressions")):
        if not isinstance(expression, Mapping):
            return False
        key, operator = expression.get("key"), expression.get("operator")
        values = listed(expression.get("values"))
        present = isinstance(key, str) and key in labels
        if operator == "In":
            ok = present and labels.get(str(key)) in values
        elif operator == "NotIn":
            ok = not present or labels.get(str(key)) not in values
        elif operator == "Exists":
            ok = present
        elif operator == "DoesNotExist":
            ok = not present
        else:
            ok = False
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class StackPods:
    """Pods the stack's objects make: a model's predictor pods or the gateway's Envoy pods."""

    what: str
    """``model 'llama-3-70b'`` or ``gateway 'llm-stack-ai-gateway'``, for messages."""
    namespaces: tuple[str | None, ...]
    """Where they run (the AI gateway's Envoy pods: where the output says, else the Gateway's namespace or Envoy
    Gateway's)."""
    labels: Mapping[str, str]
    """The labels the stack selects them by."""
    ports: tuple[int, ...]
    """The ports they take traffic on: vLLM's ``--port``, or the gateway's listener ports in the container."""
    budget: str | None = None
    """The stack's PodDisruptionBudget of these pods (``PodDisruptionBudget ns/name``, or the EnvoyProxy's
    ``envoyPDB``), if any."""

    def runs_in(self, namespace: str | None) -> bool:
        return namespace in self.namespaces


def _budget_of(stack: Manifests, namespace: str | None, labels: Mapping[str, str]) -> str | None:
    for pdb in stack.of_kind("PodDisruptionBudget"):
        if namespace_of(pdb) == namespace and selects(dig(pdb, "spec", "selector"), labels):
            return f"PodDisruptionBudget {namespace}/{name_of(pdb)}"
    return None


def model_pods(stack: Manifests) -> list[StackPods]:
    """The predictor pods of each InferenceService."""
    out = []
    for isvc in inference_services(stack):
        labels = kserve.predictor_pod_labels(name_of(isvc))
        namespace = namespace_of(isvc)
        out.append(
            StackPods(
                f"model {name_of(isvc)!r}",
                (namespace,),
                labels,
                (model_port(isvc),),
                _budget_of(stack, namespace, labels),
            )
        )
    return out


def _envoy_pod_namespaces(stack: Manifests, gateway: Obj) -> tuple[str | None, ...]:
    for policy in stack.of_kind("NetworkPolicy"):
        selector = dig(policy, "spec", "podSelector", "matchLabels")
        if isinstance(selector, Mapping) and selector.get(envoy_gateway.OWNING_GATEWAY_LABEL) == name_of(gateway):
            return (namespace_of(policy),)
    return (namespace_of(gateway), envoy_gateway.NAMESPACE)


def _envoy_proxy(stack: Manifests, gateway: Obj) -> Obj | None:
    ref = dig(gateway, "spec", "infrastructure", "parametersRef")
    if not isinstance(ref, Mapping) or ref.get("kind") != "EnvoyProxy":
        return None
    return stack.get("EnvoyProxy", namespace_of(gateway), str(ref.get("name")))


def gateway_pods(stack: Manifests) -> list[StackPods]:
    """The Envoy pods of each Gateway (Envoy Gateway makes them), and of each Deployment (the standalone gateway)."""
    out = []
    for gateway in stack.of_kind("Gateway"):
        listeners = [
            listener for listener in listed(dig(gateway, "spec", "listeners")) if isinstance(listener, Mapping)
        ]
        ports = tuple(
            envoy_gateway.container_port(listener["port"])
            for listener in listeners
            if isinstance(listener.get("port"), int) and not isinstance(listener.get("port"), bool)
        )
        proxy = _envoy_proxy(stack, gateway)
        budget = (
            f"the envoyPDB of EnvoyProxy {namespace_of(proxy)}/{name_of(proxy)}"
            if proxy is not None and dig(proxy, "spec", "provider", "kubernetes", "envoyPDB")
            else None
        )
        envoy_labels = {envoy_gateway.OWNING_GATEWAY_LABEL: name_of(gateway)}
        out.append(
            StackPods(
                f"gateway {name_of(gateway)!r}", _envoy_pod_namespaces(stack, gateway), envoy_labels, ports, budget
            )
        )
    for deployment in stack.of_kind("Deployment"):
        template_labels = dig(deployment, "spec", "template", "metadata", "labels")
        labels: Mapping[str, Any] = template_labels if isinstance(template_labels, Mapping) else {}
        ports = tuple(
            int(port["containerPort"])
            for container in listed(dig(deployment, "spec", "template", "spec", "containers"))
            if isinstance(container, Mapping)
            for port in listed(container.get("ports"))
            if isinstance(port, Mapping) and port.get("name") == "http" and isinstance(port.get("containerPort"), int)
        )
        namespace = namespace_of(deployment)
        out.append(
            StackPods(
                f"gateway {name_of(deployment)!r}", (namespace,), labels, ports, _budget_of(stack, namespace, labels)
            )
        )
    return out


@dataclass(frozen=True)
class StackService:
    """A Service in front of the stack's pods: in the output, or one a controller makes from the output."""

    what: str
    """For messages: ``Service ns/name`` or how it comes about."""
    namespaces: tuple[str | None, ...]
    name: str
    ports: Mapping[int, str | None]
    """Port number -> port name (None: not known)."""
    names_known: bool = True
    """Whether ``ports`` holds the port names (a controller's Service: only the numbers are known)."""


def stack_services(stack: Manifests) -> list[StackService]:
    """The predictor Service of each InferenceService (KServe), the Service of each Gateway's Envoy (Envoy Gateway,
    named by its EnvoyProxy), and every Service of the output."""
    out = []
    for isvc in inference_services(stack):
        out.append(
            StackService(
                f"the predictor Service KServe makes for InferenceService {name_of(isvc)!r}",
                (namespace_of(isvc),),
                predictor_name(isvc),
                {kserve.PREDICTOR_SERVICE_PORT: None},
                names_known=False,
            )
        )
    for gateway in stack.of_kind("Gateway"):
        proxy = _envoy_proxy(stack, gateway)
        name = dig(proxy, "spec", "provider", "kubernetes", "envoyService", "name") if proxy is not None else None
        if not isinstance(name, str):
            continue
        listener_ports: dict[int, str | None] = {
            int(listener["port"]): None
            for listener in listed(dig(gateway, "spec", "listeners"))
            if isinstance(listener, Mapping) and isinstance(listener.get("port"), int)
        }
        out.append(
            StackService(
                f"the Service Envoy Gateway makes for Gateway {name_of(gateway)!r}",
                (namespace_of(gateway), envoy_gateway.NAMESPACE),
                name,
                listener_ports,
                names_known=False,
            )
        )
    for service in stack.of_kind("Service"):
        ports = {
            int(port["port"]): (str(port["name"]) if port.get("name") is not None else None)
            for port in listed(dig(service, "spec", "ports"))
            if isinstance(port, Mapping) and isinstance(port.get("port"), int)
        }
        out.append(
            StackService(
                f"Service {namespace_of(service)}/{name_of(service)}", (namespace_of(service),), name_of(service), ports
            )
        )
    return out


def stack_gateways(stack: Manifests) -> list[Obj]:
    """The stack's Gateways (Gateway API)."""
    return [g for g in stack.of_kind("Gateway") if str(g.get("apiVersion", "")).startswith(gateway_api.GROUP + "/")]


def secret_keys(stack: Manifests) -> dict[tuple[str | None, str], tuple[str, frozenset[str] | None]]:
    """``(namespace, name)`` of every Secret the stack writes -> (what writes it, its keys when the output says)."""
    out: dict[tuple[str | None, str], tuple[str, frozenset[str] | None]] = {}
    for secret in stack.of_kind("Secret"):
        held = frozenset(
            str(k) for part in ("data", "stringData") if isinstance(secret.get(part), Mapping) for k in secret[part]
        )
        out[(namespace_of(secret), name_of(secret))] = (f"Secret {namespace_of(secret)}/{name_of(secret)}", held)
    for external in stack.of_kind("ExternalSecret"):
        target = dig(external, "spec", "target", "name") or name_of(external)
        data = dig(external, "spec", "data")
        keys = (
            frozenset(str(d.get("secretKey")) for d in data if isinstance(d, Mapping))
            if isinstance(data, list) and not dig(external, "spec", "dataFrom")
            else None
        )
        out.setdefault(
            (namespace_of(external), str(target)),
            (f"ExternalSecret {namespace_of(external)}/{name_of(external)}", keys),
        )
    return out
