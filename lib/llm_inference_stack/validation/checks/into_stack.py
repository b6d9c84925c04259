"""References into the stack's objects from objects the stack did not write (a platform's own, in the same app or
directory).

Those objects are not the stack's to check: no schema, no cross-object check, whatever their kind. Where one of them
references the stack's objects, the reference is checked as the stack's own would be. The references checked, each
under the name of its check (``REFERENCE_CHECKS``; the list is in docs/checks.md too):

* ``unique-objects``: an object with the group, kind, namespace and name of one of the stack's (one replaces the
  other when applied);
* ``service-port``: a Gateway API route's ``backendRefs`` or an Ingress backend naming a Service in front of the
  stack's pods (a model's predictor Service, the gateway's Service): the port is one that Service has;
* ``backend-fqdn``: an Envoy Gateway ``Backend`` whose fqdn endpoint is a model's predictor Service: port 80;
* ``references``: a route attached to the stack's Gateway (``parentRefs``): the listener named (``sectionName``,
  ``port``) exists and takes routes from the route's namespace;
* ``ingress-to-models``, ``egress-to-models``, ``egress-dns``, ``gateway-listener-ingress``: a NetworkPolicy selecting
  the stack's pods. What a pod may receive and send is the union of every policy selecting it, so the union (the
  stack's policies and the others) must still admit what the stack's own checks require: a namespace-wide
  default-deny passes beside the stack's policies, and must admit the model port itself without them;
* ``one-autoscaler``: a HorizontalPodAutoscaler or ScaledObject on a model's predictor Deployment, which the stack's
  ScaledObject scales;
* ``pdb-allows-drain``: a PodDisruptionBudget selecting pods that a budget of the stack selects (the eviction API
  refuses to evict a pod under two budgets);
* ``api-keys-secret``: an ExternalSecret writing a Secret the stack writes; ``secret-key``: a container's
  ``secretKeyRef`` to a Secret the stack writes names a key in it (when the output says which keys it holds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ...facts import gateway_api, kserve
from ..manifests import Manifests, Obj, dig, group_version, listed, name_of, namespace_of, shown
from .autoscaling import scale_target
from .gateway import fqdn_endpoints
from .kserve import inference_services, predictor_host
from .network import from_clients, policy_rules
from .registry import Problem
from .stack_parts import (
    NAMESPACE_LABEL,
    StackPods,
    gateway_pods,
    model_pods,
    secret_keys,
    selects,
    stack_gateways,
    stack_services,
)
from .workloads import containers, workloads

ReferenceCheck = Callable[[Manifests, Manifests], Iterable[Problem]]
"""``check(stack, others)``: problems of the objects in ``others`` (never of the stack's)."""

REFERENCE_CHECKS: dict[str, ReferenceCheck] = {}
"""Check name -> function; the name is shown in every message, as the stack's own checks show theirs."""

ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")
"""The Gateway API routes: ``parentRefs`` to Gateways, ``rules[].backendRefs`` to Services."""


def reference_check(name: str) -> Callable[[ReferenceCheck], ReferenceCheck]:
    def register(function: ReferenceCheck) -> ReferenceCheck:
        if name in REFERENCE_CHECKS:
            raise ValueError(f"reference check {name!r} is registered twice")
        REFERENCE_CHECKS[name] = function
        return function

    return register


def run_reference_checks(stack: Manifests, others: Manifests) -> list[str]:
    """``[<check>] <other object>: <problem and fix>`` for every checked reference of ``others`` into ``stack``."""
    if not len(others):
        return []
    out = []
    for name, function in REFERENCE_CHECKS.items():
        for problem in function(stack, others):
            where = others.where(problem.obj) if problem.obj is not None else "(output)"
            out.append(f"[{name}] {where}: {problem.message}")
    return out


def _identity(obj: Obj) -> tuple[str, str, str | None, str]:
    return (group_version(obj)[0], str(obj.get("kind")), namespace_of(obj), name_of(obj))


@reference_check("unique-objects")
def replaces_a_stack_object(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """An object with a stack object's identity replaces it (or is replaced) when both are applied."""
    mine = {_identity(obj): obj for obj in stack}
    for obj in others:
        theirs = mine.get(_identity(obj))
        if theirs is not None:
            yield Problem(
                obj,
                f"has the kind, namespace and name of the stack's {stack.where(theirs)}: applied together, one "
                "replaces the other; give it another name",
            )


def _routes(others: Manifests) -> Iterator[Obj]:
    for kind in ROUTE_KINDS:
        for route in others.of_kind(kind):
            if group_version(route)[0] == gateway_api.GROUP:
                yield route


def _service_refs(obj: Obj) -> Iterator[tuple[str, str | None, object, object]]:
    """``(field, namespace, Service name, port)`` of every Service an object sends to (routes, Ingresses)."""
    namespace = namespace_of(obj)
    group = group_version(obj)[0]
    if group == gateway_api.GROUP and obj.get("kind") in ROUTE_KINDS:
        for r_index, rule in enumerate(listed(dig(obj, "spec", "rules"))):
            refs = rule.get("backendRefs") if isinstance(rule, Mapping) else None
            for b_index, ref in enumerate(listed(refs)):
                if isinstance(ref, Mapping) and ref.get("group", "") == "" and ref.get("kind", "Service") == "Service":
                    yield (
                        f"spec.rules[{r_index}].backendRefs[{b_index}]",
                        str(ref.get("namespace") or namespace),
                        ref.get("name"),
                        ref.get("port"),
                    )
    elif group == "networking.k8s.io" and obj.get("kind") == "Ingress":
        backends = [("spec.defaultBackend.service", dig(obj, "spec", "defaultBackend", "service"))]
        for r_index, rule in enumerate(listed(dig(obj, "spec", "rules"))):
            for p_index, path in enumerate(listed(dig(rule, "http", "paths"))):
                backends.append(
                    (f"spec.rules[{r_index}].http.paths[{p_index}].backend.service", dig(path, "backend", "service"))
                )
        for field, service in backends:
            if isinstance(service, Mapping):
                port = dig(service, "port", "number")
                yield field, namespace, service.get("name"), port if port is not None else dig(service, "port", "name")


@reference_check("service-port")
def service_ports_exist(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """A route or Ingress sending to a Service in front of the stack's pods must use a port that Service has: any
    other port is refused by nobody and reaches nothing."""
    services = {(namespace, s.name): s for s in stack_services(stack) for namespace in s.namespaces}
    if not services:
        return
    for obj in [*_routes(others), *others.of_kind("Ingress")]:
        for field, namespace, name, port in _service_refs(obj):
            service = services.get((namespace, str(name)))
            if service is None:
                continue
            numbers = ", ".join(str(p) for p in sorted(service.ports)) or "(none)"
            if port is None:
                yield Problem(obj, f"{field} names {service.what} without a port: set port {numbers}")
            elif isinstance(port, int) and not isinstance(port, bool):
                if port not in service.ports:
                    yield Problem(
                        obj,
                        f"{field} sends to port {port} of {service.what}, which listens on {numbers} only: use "
                        f"port {numbers}",
                    )
            elif service.names_known and str(port) not in {n for n in service.ports.values() if n is not None}:
                names = ", ".join(repr(n) for n in service.ports.values() if n is not None) or "(none)"
                yield Problem(
                    obj,
                    f"{field} sends to port {shown(port)} of {service.what}, whose ports are named {names}: use one "
                    f"of them, or the number {numbers}",
                )


@reference_check("backend-fqdn")
def backends_use_the_predictor_port(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """An Envoy Gateway Backend pointing at a model's predictor Service must use the port KServe's Service has."""
    hosts = {predictor_host(isvc) for isvc in inference_services(stack)}
    for backend in others.of_kind("Backend"):
        for fqdn in fqdn_endpoints(backend):
            host, port = str(fqdn.get("hostname")), fqdn.get("port")
            if host in hosts and port != kserve.PREDICTOR_SERVICE_PORT:
                yield Problem(
                    backend,
                    f"endpoint {host} uses port {shown(port)}: KServe's predictor Service listens on "
                    f"{kserve.PREDICTOR_SERVICE_PORT} (mapped to the container's {kserve.CONTAINER_PORT}); use port "
                    f"{kserve.PREDICTOR_SERVICE_PORT}",
                )


def _admits_routes_from(listener: Mapping[str, Any], namespace: str | None, gateway_namespace: str | None) -> bool:
    """Whether a listener's ``allowedRoutes.namespaces`` takes routes of ``namespace`` (``Same`` by default; a
    ``Selector`` is taken to)."""
    source = dig(listener, "allowedRoutes", "namespaces", "from") or "Same"
    return source != "Same" or namespace == gateway_namespace


@reference_check("references")
def routes_attach_to_a_listener(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """A route attached to the stack's Gateway names one of its listeners, which takes routes from its namespace."""
    gateways = {(namespace_of(g), name_of(g)): g for g in stack_gateways(stack)}
    if not gateways:
        return
    for route in _routes(others):
        for index, parent in enumerate(listed(dig(route, "spec", "parentRefs"))):
            if not isinstance(parent, Mapping) or parent.get("kind", "Gateway") != "Gateway":
                continue
            if parent.get("group", gateway_api.GROUP) != gateway_api.GROUP:
                continue
            gateway = gateways.get((str(parent.get("namespace") or namespace_of(route)), str(parent.get("name"))))
            if gateway is None:
                continue
            listeners = [item for item in listed(dig(gateway, "spec", "listeners")) if isinstance(item, Mapping)]
            section, port = parent.get("sectionName"), parent.get("port")
            named = [
                item
                for item in listeners
                if (section is None or item.get("name") == section) and (port is None or item.get("port") == port)
            ]
            field = f"spec.parentRefs[{index}]"
            offered = ", ".join(f"{item.get('name')} (port {item.get('port')})" for item in listeners) or "(none)"
            if not named:
                wanted = ", ".join(
                    f"{key} {shown(value)}" for key, value in (("sectionName", section), ("port", port)) if value
                )
                yield Problem(
                    route,
                    f"{field} names the listener with {wanted} of the stack's Gateway {namespace_of(gateway)}/"
                    f"{name_of(gateway)}, which has none: its listeners are {offered}",
                )
            elif not any(_admits_routes_from(item, namespace_of(route), namespace_of(gateway)) for item in named):
                yield Problem(
                    route,
                    f"{field} attaches to the stack's Gateway {namespace_of(gateway)}/{name_of(gateway)} from "
                    f"namespace {namespace_of(route)}, but its listener takes routes of its own namespace only "
                    f"(allowedRoutes.namespaces.from: Same, the default): put the route in namespace "
                    f"{namespace_of(gateway)}",
                )


# --- NetworkPolicies selecting the stack's pods: the union of every policy selecting a pod decides ---------------


def _isolates(policy: Obj, direction: str) -> bool:
    """Whether ``policy`` isolates the pods it selects in ``direction`` (``Ingress``/``Egress``), as the API server
    defaults ``policyTypes``: Ingress always, Egress when ``egress`` is set."""
    types = dig(policy, "spec", "policyTypes")
    if not isinstance(types, list):
        types = ["Ingress"] + (["Egress"] if dig(policy, "spec", "egress") is not None else [])
    return direction in types


def _port_admitted(rule: Mapping[str, Any], port: int, protocol: str = "TCP") -> bool:
    """Whether a rule admits ``port``: no ``ports`` admits every port; a named port may be it (taken to admit)."""
    entries = rule.get("ports")
    if not entries:
        return True
    for entry in listed(entries):
        if not isinstance(entry, Mapping) or entry.get("protocol", "TCP") != protocol:
            continue
        value, end = entry.get("port"), entry.get("endPort")
        if value is None or isinstance(value, str) or value == port:
            return True
        if isinstance(value, int) and isinstance(end, int) and value <= port <= end:
            return True
    return False


def _peer_admits(peer: Any, policy_namespace: str | None, pods: StackPods, namespace: str | None) -> bool:
    """Whether an egress peer selects ``pods`` running in ``namespace`` (an address block is taken to)."""
    if not isinstance(peer, Mapping):
        return False
    if "ipBlock" in peer:
        return True
    namespaces = peer.get("namespaceSelector")
    in_namespace = (
        selects(namespaces, {NAMESPACE_LABEL: str(namespace)})
        if namespaces is not None
        else namespace == policy_namespace
    )
    return in_namespace and selects(peer.get("podSelector", {}), pods.labels)


class _Policies:
    """Every NetworkPolicy of the stack and the others, and which pods each one isolates."""

    def __init__(self, stack: Manifests, others: Manifests) -> None:
        self.all = [*stack.of_kind("NetworkPolicy"), *others.of_kind("NetworkPolicy")]
        self.others = {id(p) for p in others.of_kind("NetworkPolicy")}

    def isolating(self, pods: StackPods, namespace: str | None, direction: str) -> tuple[list[Obj], list[Obj]]:
        """(every policy isolating ``pods`` in ``namespace`` in ``direction``, those among them not the stack's)."""
        selecting = [
            p
            for p in self.all
            if namespace_of(p) == namespace
            and _isolates(p, direction)
            and selects(dig(p, "spec", "podSelector"), pods.labels)
        ]
        return selecting, [p for p in selecting if id(p) in self.others]


@reference_check("ingress-to-models")
def model_pods_stay_reachable(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """A model's pods take the gateway's and Prometheus' traffic on vLLM's port whatever else isolates them."""
    policies = _Policies(stack, others)
    if not policies.others:
        return
    for pods in model_pods(stack):
        for namespace in pods.namespaces:
            selecting, theirs = policies.isolating(pods, namespace, "Ingress")
            rules = [rule for policy in selecting for rule in policy_rules(policy, "ingress")]
            for port in pods.ports:
                if theirs and not any(_port_admitted(rule, port) for rule in rules):
                    for policy in theirs:
                        yield Problem(
                            policy,
                            f"selects the pods of {pods.what}, and no NetworkPolicy selecting them admits ingress on "
                            f"TCP port {port} (its vLLM --port): the gateway and Prometheus could not reach them. "
                            f"Admit TCP port {port} to these pods (the stack's own policy does, with "
                            "networkPolicy.enabled)",
                        )


@reference_check("egress-to-models")
def gateway_pods_reach_the_models(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """The gateway's pods reach every model's pods on vLLM's port whatever else restricts their egress."""
    policies = _Policies(stack, others)
    if not policies.others:
        return
    models = model_pods(stack)
    for pods in gateway_pods(stack):
        for namespace in pods.namespaces:
            selecting, theirs = policies.isolating(pods, namespace, "Egress")
            if not theirs:
                continue
            rules = [(namespace_of(p), rule) for p in selecting for rule in policy_rules(p, "egress")]
            for model in models:
                for model_namespace in model.namespaces:
                    for port in model.ports:
                        if any(
                            _port_admitted(rule, port)
                            and (
                                not rule.get("to")
                                or any(_peer_admits(peer, where, model, model_namespace) for peer in listed(rule["to"]))
                            )
                            for where, rule in rules
                        ):
                            continue
                        for policy in theirs:
                            yield Problem(
                                policy,
                                f"restricts the egress of the pods of {pods.what}, and no NetworkPolicy selecting "
                                f"them admits egress to {model.what} (namespace {model_namespace}, pods "
                                f"{dict(model.labels)}) on TCP port {port}: the gateway could not reach it. Add "
                                "such an egress rule",
                            )


@reference_check("egress-dns")
def gateway_pods_resolve_names(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """The gateway's pods resolve Service names (UDP 53) whatever else restricts their egress."""
    policies = _Policies(stack, others)
    if not policies.others:
        return
    for pods in gateway_pods(stack):
        for namespace in pods.namespaces:
            selecting, theirs = policies.isolating(pods, namespace, "Egress")
            if theirs and not any(
                _port_admitted(rule, 53, "UDP") for policy in selecting for rule in policy_rules(policy, "egress")
            ):
                for policy in theirs:
                    yield Problem(
                        policy,
                        f"restricts the egress of the pods of {pods.what}, and no NetworkPolicy selecting them admits "
                        "DNS (UDP port 53): add a rule to the cluster DNS (kube-system)",
                    )


@reference_check("gateway-listener-ingress")
def gateway_pods_take_clients(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """The gateway's pods take clients on their listener port whatever else isolates them."""
    policies = _Policies(stack, others)
    if not policies.others:
        return
    for pods in gateway_pods(stack):
        for namespace in pods.namespaces:
            selecting, theirs = policies.isolating(pods, namespace, "Ingress")
            rules = [rule for policy in selecting for rule in policy_rules(policy, "ingress") if from_clients(rule)]
            for port in pods.ports:
                if theirs and not any(_port_admitted(rule, port) for rule in rules):
                    for policy in theirs:
                        yield Problem(
                            policy,
                            f"selects the pods of {pods.what}, and no NetworkPolicy selecting them admits clients "
                            f"to container port {port}, where its Envoy listens: add an ingress rule for TCP port "
                            f"{port} without 'from' (or from the clients' address blocks)",
                        )


@reference_check("one-autoscaler")
def no_second_autoscaler(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """KEDA scales a model's predictor Deployment through an HPA of its own: a second autoscaler on it fights the
    first over the replica count."""
    scaled = {}
    for scaled_object in stack.of_kind("ScaledObject"):
        api_version, kind, name = scale_target(scaled_object)
        if (api_version, kind) == ("apps/v1", "Deployment"):
            scaled[(namespace_of(scaled_object), name)] = scaled_object
    if not scaled:
        return
    for obj in [*others.of_kind("HorizontalPodAutoscaler"), *others.of_kind("ScaledObject")]:
        if obj.get("kind") == "ScaledObject":
            _, kind, name = scale_target(obj)
        else:
            ref = dig(obj, "spec", "scaleTargetRef")
            kind, name = (str(ref.get("kind")), str(ref.get("name"))) if isinstance(ref, Mapping) else ("", "")
        theirs = scaled.get((namespace_of(obj), name)) if kind == "Deployment" else None
        if theirs is not None:
            yield Problem(
                obj,
                f"spec.scaleTargetRef is Deployment {name!r}, which the stack's {stack.where(theirs)} scales already "
                "(KEDA drives it through an HPA of its own): two autoscalers on one Deployment fight over its "
                "replicas; remove this one, or the stack's Autoscaler",
            )


@reference_check("pdb-allows-drain")
def one_budget_per_pod(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """The eviction API refuses to evict a pod that two PodDisruptionBudgets select, so a drain stops at it."""
    pods = [p for p in [*model_pods(stack), *gateway_pods(stack)] if p.budget is not None]
    for pdb in others.of_kind("PodDisruptionBudget"):
        for group in pods:
            if group.runs_in(namespace_of(pdb)) and selects(dig(pdb, "spec", "selector"), group.labels):
                yield Problem(
                    pdb,
                    f"selects the pods of {group.what}, which {group.budget} of the stack selects too: the eviction "
                    "API refuses to evict a pod under more than one budget, so node drains would block on them; "
                    "remove this budget (the stack's allows one pod down)",
                )


@reference_check("api-keys-secret")
def one_writer_per_secret(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """An ExternalSecret writing a Secret the stack writes: the two writers overwrite each other."""
    written = secret_keys(stack)
    for external in others.of_kind("ExternalSecret"):
        target = str(dig(external, "spec", "target", "name") or name_of(external))
        writer = written.get((namespace_of(external), target))
        if writer is not None:
            yield Problem(
                external,
                f"writes Secret {target!r}, which the stack's {writer[0]} writes already: they would overwrite each "
                "other; remove this one, or let it be the only writer (apiKeys.existingSecret: true declares the "
                "Secret as made outside the stack)",
            )


@reference_check("secret-key")
def secret_keys_exist(stack: Manifests, others: Manifests) -> Iterator[Problem]:
    """A container reading a key of a Secret the stack writes must name a key it holds (when the output says)."""
    written = secret_keys(stack)
    if not written:
        return
    for obj in workloads(others):
        for path, container in containers(obj):
            for index, env in enumerate(listed(container.get("env"))):
                ref = dig(env, "valueFrom", "secretKeyRef")
                if not isinstance(ref, Mapping) or ref.get("optional") is True:
                    continue
                writer = written.get((namespace_of(obj), str(ref.get("name"))))
                if writer is None or writer[1] is None or str(ref.get("key")) in writer[1]:
                    continue
                keys = ", ".join(repr(k) for k in sorted(writer[1])) or "(none)"
                yield Problem(
                    obj,
                    f"{path}.env[{index}] reads key {shown(ref.get('key'))} of the stack's {writer[0]}, which holds "
                    f"{keys}: the container would not start; use one of them",
                )
