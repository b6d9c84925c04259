"""The pieces every NetworkPolicy of the stack is built from: peers, ports, rules, and where DNS and Phoenix are.

The model servers admit only their gateway and Prometheus (``ModelServer.allow_ingress_only_from``); each gateway
restricts its own Envoy pods (``add_network_policy``): ingress to the listener and the metrics ports, egress to
the models, DNS, Phoenix and its control plane only. Both are made of these functions, so a peer or a port
means the same in every policy. Policies restrict pods only where the CNI enforces NetworkPolicy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .config import PhoenixConfig

NAMESPACE_LABEL = "kubernetes.io/metadata.name"
"""Label the API server puts on every Namespace: its name (selects a namespace by name)."""
DNS_NAMESPACE = "kube-system"
"""Namespace of the cluster DNS (CoreDNS, kube-dns)."""
DNS_PORT = 53
ANYWHERE = ("0.0.0.0/0", "::/0")
"""Every IPv4 and IPv6 address: the peers of a destination outside the cluster."""
Json = dict[str, Any]
"""A piece of an object's body, as the API server reads it (camelCase keys)."""
_IN_CLUSTER_HOST = re.compile(r"^(?P<service>[a-z0-9-]+)\.(?P<namespace>[a-z0-9-]+)(\.svc(\.cluster\.local)?)?$")


def ports(*numbers: int, protocol: str = "TCP") -> list[Json]:
    """``numbers`` over ``protocol``."""
    return [{"port": n, "protocol": protocol} for n in numbers]


def selector(labels: Mapping[str, str]) -> Json:
    """A label selector matching ``labels``."""
    return {"matchLabels": dict(labels)}


def namespace_peer(namespace: str) -> Json:
    """Every pod of ``namespace``."""
    return {"namespaceSelector": selector({NAMESPACE_LABEL: namespace})}


def pods_peer(namespace: str, labels: Mapping[str, str]) -> Json:
    """The pods labelled ``labels`` in ``namespace``."""
    return {"namespaceSelector": selector({NAMESPACE_LABEL: namespace}), "podSelector": selector(labels)}


def anywhere_peers() -> list[Json]:
    """Every address, in and outside the cluster."""
    return ip_block_peers(ANYWHERE)


def all_pods_peer() -> Json:
    """Every pod of the cluster (every namespace; no address outside the cluster)."""
    return {"namespaceSelector": {"matchExpressions": [{"key": NAMESPACE_LABEL, "operator": "Exists"}]}}


def ip_block_peers(cidrs: Iterable[str]) -> list[Json]:
    return [{"ipBlock": {"cidr": cidr}} for cidr in cidrs]


def ingress_rule(ports: list[Json], peers: list[Json] | None = None) -> Json:
    """Traffic to ``ports`` from ``peers`` (None: from anywhere)."""
    return {"ports": ports} if peers is None else {"from": peers, "ports": ports}


def egress_rule(peers: list[Json], ports: list[Json]) -> Json:
    """Traffic to ``peers`` on ``ports``."""
    return {"to": peers, "ports": ports}


def dns_egress() -> Json:
    """Name lookups: the cluster DNS over UDP and TCP."""
    return egress_rule([namespace_peer(DNS_NAMESPACE)], [*ports(DNS_PORT, protocol="UDP"), *ports(DNS_PORT)])


def in_cluster_service(host: str) -> tuple[str, str] | None:
    """(Service, namespace) of a Service's cluster name (``<service>.<namespace>[.svc[.cluster.local]]``), else
    None (a name outside the cluster, or a bare Service name)."""
    match = _IN_CLUSTER_HOST.fullmatch(host)
    return (match.group("service"), match.group("namespace")) if match else None


def phoenix_destination(phoenix: PhoenixConfig) -> tuple[str | None, int]:
    """Namespace and port of Phoenix's OTLP/HTTP endpoint (``endpoint``): the namespace of an in-cluster Service
    name (:func:`in_cluster_service`), else None (outside the cluster); the URL's port, else the scheme's.
    Phoenix's Service sends its port to the same container port (6006)."""
    url = urlsplit(phoenix.endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    service = in_cluster_service(url.hostname or "")
    return (service[1] if service else None), port


def phoenix_egress(phoenix: PhoenixConfig) -> Json:
    """Spans to Phoenix: its namespace, or any address when it is outside the cluster."""
    namespace, port = phoenix_destination(phoenix)
    peers = [namespace_peer(namespace)] if namespace is not None else anywhere_peers()
    return egress_rule(peers, ports(port))


def pods_egress(destinations: Iterable[tuple[str, Mapping[str, str], int]]) -> list[Json]:
    """One rule per ``(namespace, pod labels, port)``, in the order given, duplicates dropped."""
    seen: list[tuple[str, tuple[tuple[str, str], ...], int]] = []
    for namespace, labels, port in destinations:
        key = (namespace, tuple(sorted(labels.items())), port)
        if key not in seen:
            seen.append(key)
    return [egress_rule([pods_peer(namespace, dict(labels))], ports(port)) for namespace, labels, port in seen]


def network_policy_spec(pod_labels: Mapping[str, str], ingress: list[Json], egress: list[Json] | None = None) -> Json:
    """The spec of a NetworkPolicy of the pods labelled ``pod_labels``: ``ingress`` only, or both directions."""
    types = ["Ingress"] if egress is None else ["Ingress", "Egress"]
    spec: Json = {"podSelector": selector(pod_labels), "policyTypes": types, "ingress": ingress}
    if egress is not None:
        spec["egress"] = egress
    return spec
