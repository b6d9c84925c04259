"""The pieces every NetworkPolicy of the stack is built from: peers, ports, rules, and where DNS and Phoenix are.

The model servers admit only their gateway and Prometheus (``ModelServer.allow_ingress_only_from``); each gateway
restricts its own Envoy pods (``add_network_policy``): ingress to the listener and the metrics ports, egress to
the models, DNS, Phoenix and its control plane only. Both are made of these functions, so a peer or a port
means the same in every policy. Policies restrict pods only where the CNI enforces NetworkPolicy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from cdk8s_plus_27 import k8s

from .config import PhoenixConfig

NAMESPACE_LABEL = "kubernetes.io/metadata.name"
"""Label the API server puts on every Namespace: its name (selects a namespace by name)."""
DNS_NAMESPACE = "kube-system"
"""Namespace of the cluster DNS (CoreDNS, kube-dns)."""
DNS_PORT = 53
ANYWHERE = ("0.0.0.0/0", "::/0")
"""Every IPv4 and IPv6 address: the peers of a destination outside the cluster."""
_IN_CLUSTER_HOST = re.compile(r"^(?P<service>[a-z0-9-]+)\.(?P<namespace>[a-z0-9-]+)(\.svc(\.cluster\.local)?)?$")


@functools.cache
def _port_number(port: int) -> k8s.IntOrString:
    # Each from_number is a round trip to the jsii kernel; the value is immutable and shared.
    return k8s.IntOrString.from_number(port)


def ports(*numbers: int, protocol: str = "TCP") -> list[k8s.NetworkPolicyPort]:
    """``numbers`` over ``protocol``."""
    return [k8s.NetworkPolicyPort(port=_port_number(n), protocol=protocol) for n in numbers]


def namespace_peer(namespace: str) -> k8s.NetworkPolicyPeer:
    """Every pod of ``namespace``."""
    return k8s.NetworkPolicyPeer(namespace_selector=k8s.LabelSelector(match_labels={NAMESPACE_LABEL: namespace}))


def pods_peer(namespace: str, labels: Mapping[str, str]) -> k8s.NetworkPolicyPeer:
    """The pods labelled ``labels`` in ``namespace``."""
    return k8s.NetworkPolicyPeer(
        namespace_selector=k8s.LabelSelector(match_labels={NAMESPACE_LABEL: namespace}),
        pod_selector=k8s.LabelSelector(match_labels=dict(labels)),
    )


def anywhere_peers() -> list[k8s.NetworkPolicyPeer]:
    """Every address, in and outside the cluster."""
    return ip_block_peers(ANYWHERE)


def all_pods_peer() -> k8s.NetworkPolicyPeer:
    """Every pod of the cluster (every namespace; no address outside the cluster)."""
    every_namespace = k8s.LabelSelectorRequirement(key=NAMESPACE_LABEL, operator="Exists")
    return k8s.NetworkPolicyPeer(namespace_selector=k8s.LabelSelector(match_expressions=[every_namespace]))


def ip_block_peers(cidrs: Iterable[str]) -> list[k8s.NetworkPolicyPeer]:
    return [k8s.NetworkPolicyPeer(ip_block=k8s.IpBlock(cidr=cidr)) for cidr in cidrs]


def dns_egress() -> k8s.NetworkPolicyEgressRule:
    """Name lookups: the cluster DNS over UDP and TCP."""
    return k8s.NetworkPolicyEgressRule(
        to=[namespace_peer(DNS_NAMESPACE)], ports=[*ports(DNS_PORT, protocol="UDP"), *ports(DNS_PORT)]
    )


def phoenix_destination(phoenix: PhoenixConfig) -> tuple[str | None, int]:
    """Namespace and port of Phoenix's OTLP/HTTP endpoint (``endpoint``): the namespace of an in-cluster Service
    name (``<service>.<namespace>[.svc[.cluster.local]]``), else None (outside the cluster); the URL's port, else
    the scheme's. Phoenix's Service sends its port to the same container port (6006)."""
    url = urlsplit(phoenix.endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    match = _IN_CLUSTER_HOST.fullmatch(url.hostname or "")
    return (match.group("namespace") if match else None), port


def phoenix_egress(phoenix: PhoenixConfig) -> k8s.NetworkPolicyEgressRule:
    """Spans to Phoenix: its namespace, or any address when it is outside the cluster."""
    namespace, port = phoenix_destination(phoenix)
    peers = [namespace_peer(namespace)] if namespace is not None else anywhere_peers()
    return k8s.NetworkPolicyEgressRule(to=peers, ports=ports(port))


def pods_egress(destinations: Iterable[tuple[str, Mapping[str, str], int]]) -> list[k8s.NetworkPolicyEgressRule]:
    """One rule per ``(namespace, pod labels, port)``, in the order given, duplicates dropped."""
    seen: list[tuple[str, tuple[tuple[str, str], ...], int]] = []
    for namespace, labels, port in destinations:
        key = (namespace, tuple(sorted(labels.items())), port)
        if key not in seen:
            seen.append(key)
    return [
        k8s.NetworkPolicyEgressRule(to=[pods_peer(namespace, dict(labels))], ports=ports(port))
        for namespace, labels, port in seen
    ]
