"""What ``llm-stack verify`` reports about the traffic to the model Pods, read from what the controllers created:

- ``port chain``: every way the gateway reaches a model ends on the port vLLM listens on. A Backend's endpoint (or
  a standalone Envoy's cluster address) names a Service and a port; that Service, as KServe created it, must have
  the port; its ``targetPort`` (a number, or a container port's name) must lead to the Pods its selector matches,
  and there to vLLM's ``--port``. An InferencePool's ``targetPorts`` go to the Pods directly (the endpoint picker
  picks one). Envoy Gateway accepts a Backend on any port, and kube-proxy forwards to whatever the targetPort
  says: a port that misses vLLM is found here, or by the first request.
- ``NetworkPolicy from``: the model Pods admit, on that port, the Envoy Pods that send the traffic (their labels as
  Envoy Gateway created them, or the standalone Deployment's), the endpoint picker's Pods (prefix-aware routing:
  it reads vLLM's metrics) and the Prometheus Pods (the StatefulSet the Prometheus Operator created) on the
  PodMonitor's port; and each sender's own egress policies let it out. NetworkPolicies are additive: a peer is
  admitted when any policy selecting the Pod admits it (:func:`admits`). No CNI enforces them here: this is their
  meaning, read as the NetworkPolicy API defines it.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import yaml

from llm_inference_stack.envoy_bootstrap import BOOTSTRAP_FILE, UPSTREAM_CLUSTER_PREFIX
from llm_inference_stack.facts import ai_gateway, envoy_gateway, inference_extension, kserve
from llm_inference_stack.network_policy import in_cluster_service

from ..base.substitutions import register
from .checks import Context, dig, meta, predictor_pods, selector_matches
from .kube import JsonDict

PART = "network policies"
SUBSTITUTIONS = register(PART, (
    ("NetworkPolicies are read, not enforced",
     "no CNI runs here: verify judges each model Pod's ingress and each sender's egress from every policy that "
     "selects it, as the NetworkPolicy API defines them"),
))  # fmt: skip

VLLM_DEFAULT_PORT = 8000
"""vLLM's ``--port`` when the arguments give none."""


@dataclasses.dataclass(frozen=True)
class Workload:
    """Pods that send or receive traffic: a Pod, or a Deployment's or StatefulSet's Pod template."""

    what: str  # "Pod llama-3-70b-predictor-5f7c", "Deployment envoy-...", for the findings
    namespace: str
    labels: Mapping[str, str]
    spec: Mapping[str, Any]  # the Pod spec


@dataclasses.dataclass
class Path:
    """One way traffic reaches a model: from ``origin`` (the object naming the destination), sent by ``senders``, to
    ``port`` on ``pods``."""

    origin: JsonDict
    senders: list[Workload]
    pods: list[Workload]
    port: int | None  # None: the chain broke (``problems`` says where)
    hops: list[str]
    problems: list[str]


def _pod_workloads(pods: Sequence[Mapping[str, Any]]) -> list[Workload]:
    return [
        Workload(f"Pod {meta(p)['name']}", str(meta(p).get("namespace")), meta(p).get("labels") or {}, p["spec"])
        for p in pods
    ]


def _template_workloads(objects: Sequence[Mapping[str, Any]]) -> list[Workload]:
    return [
        Workload(
            f"{o.get('kind')} {meta(o)['name']}",
            str(meta(o).get("namespace")),
            dig(o, "spec", "template", "metadata", "labels") or {},
            dig(o, "spec", "template", "spec") or {},
        )
        for o in objects
    ]


def _pods_selected(ctx: Context, namespace: str, selector: Mapping[str, Any]) -> list[Workload]:
    """The Pods ``selector`` matches in ``namespace`` (not being deleted), else the Deployments whose Pod template it
    matches (a Deployment scaled to 0 still says where its Pods would listen)."""
    pods = [
        p
        for p in ctx.list("v1", "Pod", namespace)
        if selector_matches(selector, meta(p).get("labels") or {}) and not meta(p).get("deletionTimestamp")
    ]
    if pods:
        return _pod_workloads(pods)
    return _template_workloads(
        [
            d
            for d in ctx.list("apps/v1", "Deployment", namespace)
            if selector_matches(selector, dig(d, "spec", "template", "metadata", "labels") or {})
        ]
    )


def vllm_port(container: Mapping[str, Any]) -> int:
    """The port vLLM listens on: the container's ``--port`` argument (``--port N`` or ``--port=N``), else vLLM's
    default."""
    words = [str(w) for w in [*(container.get("command") or []), *(container.get("args") or [])]]
    if len(words) == 3 and words[:2] in (["/bin/sh", "-c"], ["sh", "-c"], ["bash", "-c"]):
        words = shlex.split(words[2])
    for index, word in enumerate(words):
        if word == "--port" and index + 1 < len(words):
            return int(words[index + 1])
        if word.startswith("--port="):
            return int(word.split("=", 1)[1])
    return VLLM_DEFAULT_PORT


def _container_port(spec: Mapping[str, Any], port: int | str) -> tuple[int | None, str]:
    """``port`` (a number, or a container port's name) on a Pod: the number traffic arrives at, and the container
    that declares it (empty: none declares it)."""
    for container in spec.get("containers") or []:
        for declared in container.get("ports") or []:
            if declared.get("name") == port or declared.get("containerPort") == port:
                return int(declared["containerPort"]), str(container.get("name"))
    return (port, "") if isinstance(port, int) else (None, "")


def _arrival(pods: Sequence[Workload], port: int | str, hops: list[str], problems: list[str]) -> int | None:
    """Follow ``port`` into each Pod to vLLM: the port the traffic arrives at, when it reaches vLLM on every Pod
    (else None, and ``problems`` says where it does not)."""
    if not pods:
        problems.append("no Pod and no Deployment matches the selector")
        return None
    arrived: set[int] = set()
    for pod in pods:
        number, declared_by = _container_port(pod.spec, port)
        if number is None:
            problems.append(f"{pod.what} declares no container port named {port!r}")
            continue
        vllm = next((c for c in pod.spec.get("containers") or [] if c.get("name") == kserve.CONTAINER_NAME), None)
        if vllm is None:
            problems.append(f"{pod.what} has no {kserve.CONTAINER_NAME} container")
            continue
        listens = vllm_port(vllm)
        if number != listens:
            via = f" (container port of {declared_by})" if declared_by else " (no container declares it)"
            problems.append(f"{pod.what}: traffic arrives at port {number}{via}, vLLM listens on --port {listens}")
            continue
        arrived.add(number)
    if problems or len(arrived) != 1:
        return None
    (number,) = arrived
    hops.append(f"{len(pods)} Pod(s) {kserve.CONTAINER_NAME}:{number} (vLLM --port {number})")
    return number


@dataclasses.dataclass
class _Chain:
    """A path being followed: its hops so far and what broke."""

    hops: list[str]
    problems: list[str] = dataclasses.field(default_factory=list)

    def into_pods(self, pods: Sequence[Workload], port: int | str) -> int | None:
        return _arrival(pods, port, self.hops, self.problems)

    def through_service(self, ctx: Context, host: str, port: int) -> tuple[list[Workload], int | None]:
        """The hop through a Service named by its cluster name: its port, its targetPort, the Pods it selects."""
        found = in_cluster_service(host)
        if found is None:
            self.problems.append(
                f"{host} is not a Service's cluster name (<service>.<namespace>[.svc[.cluster.local]])"
            )
            return [], None
        name, namespace = found
        service = ctx.get("v1", "Service", name, namespace)
        if service is None:
            self.problems.append(f"there is no Service {namespace}/{name}")
            return [], None
        service_ports = dig(service, "spec", "ports") or []
        entry = next((p for p in service_ports if p.get("port") == port), None)
        if entry is None:
            have = sorted(int(p["port"]) for p in service_ports)
            self.problems.append(f"port {port}: Service {name} has ports {have}")
            return [], None
        target = entry.get("targetPort", port)
        self.hops.append(f"Service {name}:{port} -> targetPort {target}")
        selector = dig(service, "spec", "selector")
        if not selector:
            self.problems.append(f"Service {name} has no selector (its endpoints are not Pods it chooses)")
            return [], None
        pods = _pods_selected(ctx, namespace, {"matchLabels": selector})
        return pods, self.into_pods(pods, target)

    def path(self, origin: JsonDict, senders: list[Workload], pods: list[Workload], port: int | None) -> Path:
        return Path(origin, senders, pods, port, self.hops, self.problems)


# ----------------------------------------------------------------------------------------------------------------
# The paths: who sends, through what, to which Pods


def _gateway_envoys(ctx: Context, route: Mapping[str, Any]) -> list[Workload]:
    """The Envoy Pods of the Gateways ``route`` attaches to, as Envoy Gateway created their Deployments."""
    namespace = str(meta(route).get("namespace"))
    gateways = {
        (str(ref.get("namespace", namespace)), str(ref["name"]))
        for ref in dig(route, "spec", "parentRefs") or []
        if ref.get("kind", "Gateway") == "Gateway"
    }
    deployments = []
    for deployment in ctx.list("apps/v1", "Deployment", None):
        labels = meta(deployment).get("labels") or {}
        owner = (
            labels.get(envoy_gateway.OWNING_GATEWAY_NAMESPACE_LABEL),
            labels.get(envoy_gateway.OWNING_GATEWAY_LABEL),
        )
        if owner in gateways:
            deployments.append(deployment)
    return _template_workloads(deployments)


def _backend_paths(ctx: Context) -> Iterator[Path]:
    """Each AIGatewayRoute backend: an AIServiceBackend's Backend (its FQDN endpoints), or an InferencePool."""
    keyed = {
        kind: {(meta(o).get("namespace"), meta(o)["name"]): o for o in ctx.of_kind(kind)}
        for kind in (ai_gateway.AI_SERVICE_BACKEND, envoy_gateway.BACKEND, inference_extension.POOL_KIND)
    }
    for route in ctx.of_kind(ai_gateway.AI_GATEWAY_ROUTE):
        namespace = meta(route).get("namespace")
        senders = _gateway_envoys(ctx, route)
        refs = [ref for rule in dig(route, "spec", "rules") or [] for ref in rule.get("backendRefs") or []]
        for ref in refs:
            if ref.get("kind") == inference_extension.POOL_KIND:
                pool = keyed[inference_extension.POOL_KIND].get((namespace, ref.get("name")))
                if pool is not None:
                    yield _pool_path(ctx, pool, senders)
                continue
            service_backend = keyed[ai_gateway.AI_SERVICE_BACKEND].get((namespace, ref.get("name")))
            backend_ref = dig(service_backend, "spec", "backendRef") or {}
            backend = keyed[envoy_gateway.BACKEND].get(
                (backend_ref.get("namespace", namespace), backend_ref.get("name"))
            )
            if backend is None:
                continue  # the HTTPRoute check reports a reference that does not resolve
            for endpoint in dig(backend, "spec", "endpoints") or []:
                fqdn = endpoint.get("fqdn")
                if not fqdn:
                    continue  # an IP or Unix socket endpoint: no Service of ours behind it
                host, port = str(fqdn.get("hostname")), int(fqdn.get("port") or 0)
                chain = _Chain([f"Backend {meta(backend)['name']} {host}:{port}"])
                pods, arrives = chain.through_service(ctx, host, port)
                yield chain.path(backend, senders, pods, arrives)


def _pool_path(ctx: Context, pool: JsonDict, senders: list[Workload]) -> Path:
    """An InferencePool: Envoy sends to the Pod the endpoint picker picks, on the pool's target port; the endpoint
    picker's own Pods (behind its ``endpointPickerRef`` Service) read the Pods' metrics on that port too."""
    namespace = str(meta(pool).get("namespace"))
    ports = [int(p["number"]) for p in dig(pool, "spec", "targetPorts") or []]
    chain = _Chain([f"InferencePool {meta(pool)['name']} targetPorts {ports} (the endpoint picker picks the Pod)"])
    pods = _pods_selected(ctx, namespace, dig(pool, "spec", "selector") or {})
    arrives = None
    for port in ports or [0]:
        arrives = chain.into_pods(pods, port)
    picker = dig(pool, "spec", "endpointPickerRef", "name")
    service = ctx.get("v1", "Service", str(picker), namespace) if picker else None
    if service is not None and dig(service, "spec", "selector"):
        senders = [*senders, *_pods_selected(ctx, namespace, {"matchLabels": service["spec"]["selector"]})]
    return chain.path(pool, senders, pods, arrives)


def _standalone_paths(ctx: Context) -> Iterator[Path]:
    """The standalone gateway: its Envoy's bootstrap (the ConfigMap its Deployment mounts) names each model's
    Service and port in a cluster ``model-<name>``."""
    for config_map in ctx.of_kind("ConfigMap"):
        text = (config_map.get("data") or {}).get(BOOTSTRAP_FILE)
        if not text:
            continue
        name, namespace = meta(config_map)["name"], meta(config_map).get("namespace")
        mounting = [
            d
            for d in ctx.list("apps/v1", "Deployment", namespace)
            if any(dig(v, "configMap", "name") == name for v in dig(d, "spec", "template", "spec", "volumes") or [])
        ]
        senders = _template_workloads(mounting)
        for cluster in dig(yaml.safe_load(text), "static_resources", "clusters") or []:
            if not str(cluster.get("name", "")).startswith(UPSTREAM_CLUSTER_PREFIX):
                continue
            for group in dig(cluster, "load_assignment", "endpoints") or []:
                for lb_endpoint in group.get("lb_endpoints") or []:
                    address = dig(lb_endpoint, "endpoint", "address", "socket_address") or {}
                    host, port = str(address.get("address")), int(address.get("port_value") or 0)
                    chain = _Chain([f"ConfigMap {name} Envoy cluster {cluster['name']} {host}:{port}"])
                    pods, arrives = chain.through_service(ctx, host, port)
                    yield chain.path(config_map, senders, pods, arrives)


def traffic_paths(ctx: Context) -> list[Path]:
    """Every way the manifests' gateways reach a model, once each (the senders of routes sharing a backend
    merged)."""
    merged: dict[tuple[Any, ...], Path] = {}
    for path in [*_backend_paths(ctx), *_standalone_paths(ctx)]:
        key = (path.origin.get("kind"), meta(path.origin).get("namespace"), meta(path.origin).get("name"), *path.hops)
        if key in merged:
            known = merged[key].senders
            known += [s for s in path.senders if s not in known]
        else:
            merged[key] = path
    return list(merged.values())


def check_port_chain(ctx: Context, paths: Sequence[Path]) -> None:
    for path in paths:
        detail = " -> ".join(path.hops)
        if path.problems:
            detail += ": " + "; ".join(path.problems)
        ctx.report.add(path.origin, "port chain", not path.problems, detail)


# ----------------------------------------------------------------------------------------------------------------
# NetworkPolicy: who may reach whom


class _Policies:
    """The NetworkPolicies and Namespace labels of the API server, read once per check run."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._policies: dict[str, list[JsonDict]] = {}
        self._namespace_labels: dict[str, Mapping[str, str]] = {}

    def namespace_labels(self, namespace: str) -> Mapping[str, str]:
        if namespace not in self._namespace_labels:
            live = self.ctx.get("v1", "Namespace", namespace, None)
            self._namespace_labels[namespace] = dict(meta(live).get("labels") or {}) if live else {}
        return self._namespace_labels[namespace]

    def selecting(self, pod: Workload, direction: str) -> list[JsonDict]:
        """The policies that select ``pod`` for ``direction`` (``Ingress`` or ``Egress``), as the server holds them
        (``policyTypes`` defaulted)."""
        if pod.namespace not in self._policies:
            self._policies[pod.namespace] = self.ctx.list("networking.k8s.io/v1", "NetworkPolicy", pod.namespace)
        return [
            p
            for p in self._policies[pod.namespace]
            if selector_matches(dig(p, "spec", "podSelector") or {}, pod.labels)
            and direction in (dig(p, "spec", "policyTypes") or ["Ingress"])
        ]

    def peer_selects(self, peer: Mapping[str, Any], policy_namespace: str, pod: Workload) -> bool:
        """Whether a ``from``/``to`` peer of a policy in ``policy_namespace`` selects ``pod``. An ``ipBlock`` selects
        no Pod here (Pod addresses are not known before the Pods run; the API reserves ipBlock for addresses
        outside the cluster in practice)."""
        if "ipBlock" in peer:
            return False
        namespaces = peer.get("namespaceSelector")
        if namespaces is None:
            in_namespace = pod.namespace == policy_namespace
        else:
            in_namespace = selector_matches(namespaces, self.namespace_labels(pod.namespace))
        pods = peer.get("podSelector")
        return in_namespace and (pods is None or selector_matches(pods, pod.labels))

    def admits(self, source: Workload, destination: Workload, port: int) -> tuple[bool, str]:
        """Whether ``source`` may reach ``destination`` on ``port``: ``destination``'s ingress and ``source``'s
        egress, each allowed when no policy selects the Pod for it or when any one that does allows it (policies
        add up). The reason when not."""
        for direction, isolated, other, key in (
            ("Ingress", destination, source, "from"),
            ("Egress", source, destination, "to"),
        ):
            policies = self.selecting(isolated, direction)
            allowed = not policies or any(
                _port_allowed(rule, destination, port)
                and (
                    not rule.get(key)  # no peers: every source (or destination)
                    or any(self.peer_selects(peer, str(meta(p).get("namespace")), other) for peer in rule[key])
                )
                for p in policies
                for rule in dig(p, "spec", direction.lower()) or []
            )
            if not allowed:
                names = ", ".join(sorted(meta(p)["name"] for p in policies))
                return False, (
                    f"{direction.lower()} of {isolated.what} ({isolated.namespace}) is limited by NetworkPolicy "
                    f"{names}, and none admits {other.what} ({other.namespace}, labels {dict(other.labels)}) on "
                    f"port {port}"
                )
        return True, ""


def _port_allowed(rule: Mapping[str, Any], destination: Workload, port: int) -> bool:
    """Whether a rule's ``ports`` include ``port`` of ``destination`` (a named port resolved on its containers)."""
    listed = rule.get("ports")
    if not listed:
        return True
    for entry in listed:
        if entry.get("protocol", "TCP") != "TCP":
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            if _container_port(destination.spec, wanted)[0] == port:
                return True
        elif int(wanted) <= port <= int(entry.get("endPort") or wanted):
            return True
    return False


def _prometheus_pods(ctx: Context) -> list[Workload]:
    """The Prometheus Pods: the StatefulSets the Prometheus Operator created (owned by a ``Prometheus``)."""
    return _template_workloads(
        [
            s
            for s in ctx.list("apps/v1", "StatefulSet", None)
            if any(ref.get("kind") == "Prometheus" for ref in meta(s).get("ownerReferences") or [])
        ]
    )


def _prometheus_for(ctx: Context, deployment: Mapping[str, Any], servers: Sequence[Workload]) -> list[Workload]:
    """The Prometheus that scrapes a model: the one its ScaledObject's Prometheus trigger queries (the namespace its
    ``serverAddress`` names; verify's own Prometheus when it runs there, else that namespace's Pods with labels
    unknown), or every Prometheus here when no ScaledObject targets the model."""
    namespace, name = meta(deployment).get("namespace"), meta(deployment).get("name")
    wanted = set()
    for scaled in ctx.of_kind("ScaledObject"):
        if meta(scaled).get("namespace") != namespace or dig(scaled, "spec", "scaleTargetRef", "name") != name:
            continue
        for trigger in dig(scaled, "spec", "triggers") or []:
            address = str(dig(trigger, "metadata", "serverAddress") or "")
            found = (
                in_cluster_service(urlsplit(address).hostname or "") if trigger.get("type") == "prometheus" else None
            )
            if found is not None:
                wanted.add(found[1])
    if not wanted:
        return list(servers)
    chosen = [s for s in servers if s.namespace in wanted]
    unknown = sorted(wanted - {s.namespace for s in chosen})
    return chosen + [Workload(f"the Prometheus Pods of {n}", n, {}, {}) for n in unknown]


def _scrape_port(ctx: Context, pod: Workload) -> int | None:
    """The port a PodMonitor selecting ``pod`` scrapes (its endpoint's port name, resolved on the Pod)."""
    for monitor in ctx.of_kind("PodMonitor"):
        if not selector_matches(dig(monitor, "spec", "selector") or {}, pod.labels):
            continue
        for endpoint in dig(monitor, "spec", "podMetricsEndpoints") or []:
            port = endpoint.get("port") or endpoint.get("portNumber")
            if port is not None:
                return _container_port(pod.spec, port)[0]
    return None


def check_network_policies(ctx: Context, paths: Sequence[Path]) -> None:
    """Each model's Pods admit what sends them traffic (``paths``) and the Prometheus that scrapes them."""
    policies = _Policies(ctx)
    prometheus = _prometheus_pods(ctx)
    for isvc in ctx.of_kind("InferenceService"):
        found = predictor_pods(ctx, isvc)
        if found is None:
            continue  # the KServe Deployment check says why
        deployment, pods = found
        models = _pod_workloads(pods) or _template_workloads([deployment])
        expected: list[tuple[Workload, Workload, int]] = []
        for path in paths:
            if path.port is not None:  # else the port chain check says why
                reached = [m for m in models if m in path.pods]
                expected += [(sender, model, path.port) for sender in path.senders for model in reached]
        scrapers = _prometheus_for(ctx, deployment, prometheus)
        for model in models:
            port = _scrape_port(ctx, model)
            if port is not None:
                expected += [(server, model, port) for server in scrapers]
        if not expected:
            continue  # nothing here sends it traffic
        problems = list(
            dict.fromkeys(text for s, m, port in expected for ok, text in [policies.admits(s, m, port)] if not ok)
        )
        senders = ", ".join(sorted({f"{s.what} ({s.namespace})" for s, _, _ in expected}))
        scraped = "" if scrapers else "; no Prometheus runs here, so its access is not judged"
        ctx.report.add(
            isvc,
            "NetworkPolicy from",
            not problems,
            "; ".join(problems) or f"{senders} may reach its Pods (read, not enforced: no CNI here){scraped}",
        )


def check_traffic(ctx: Context) -> None:
    """The port chain of every path to a model, then the NetworkPolicies on those paths."""
    paths = traffic_paths(ctx)
    check_port_chain(ctx, paths)
    check_network_policies(ctx, paths)


__all__ = ["Path", "Workload", "check_traffic", "traffic_paths", "vllm_port"]
