"""The order in which the stack's objects are applied: each kind's phase, the one place that says it.

A phase is a step of an apply: what a later phase's objects refer to is in an earlier phase (or in the same one,
where the controllers resolve the reference whenever it appears). ``synth --layout file-per-object`` names its
files by phase, so ``kubectl apply -f DIR`` (files in lexical order) applies them in this order; with
``gitops.argocd.syncWaves`` every object carries its phase's index as its Argo CD sync wave.

- 0 ``namespaces``: Namespaces, their ResourceQuotas and LimitRanges (and CustomResourceDefinitions, should an
  output hold one);
- 1 ``config``: ServiceAccounts, RBAC, ConfigMaps, Secrets, PersistentVolumeClaims, External Secrets'
  ExternalSecrets and SecretStores;
- 2 ``network-policies``: NetworkPolicies, before the pods they guard exist, so that no pod is ever reachable
  beyond them;
- 3 ``backends``: what the gateway routes to (Envoy Gateway's Backend, the AI Gateway's AIServiceBackend and
  BackendSecurityPolicy);
- 4 ``model-servers``: KServe's InferenceServices (and ServingRuntimes);
- 5 ``gateways``: the gateway, its routes and policies (GatewayClass, Gateway, EnvoyProxy, HTTPRoute,
  AIGatewayRoute, GatewayConfig, SecurityPolicy, ClientTrafficPolicy, BackendTrafficPolicy, ...; the standalone
  gateway's Deployment and Service);
- 6 ``scalers``: KEDA's ScaledObjects and TriggerAuthentications, HorizontalPodAutoscalers, PodDisruptionBudgets;
- 7 ``monitoring``: PodMonitors, ServiceMonitors, PrometheusRules and Grafana dashboards (a ConfigMap carrying the
  sidecar's ``grafana_dashboard`` label is a dashboard, not configuration).

A kind this module does not know (another controller's custom resource a library user adds) goes into the phase
``other``, after every known one: it may refer to anything the stack makes, and nothing of the stack refers to it.
``known`` tells it apart; a test requires every kind the stack synthesizes to be known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .facts import grafana


@dataclass(frozen=True)
class Phase:
    """One step of the apply order."""

    index: int
    """Its position, from 0: the number in the file names of ``--layout file-per-object`` and the sync wave."""
    name: str
    """Its name in file names (``model-servers``)."""

    @property
    def sync_wave(self) -> str:
        """The value of Argo CD's ``argocd.argoproj.io/sync-wave`` for this phase's objects (``"4"``)."""
        return str(self.index)


NAMESPACES = Phase(0, "namespaces")
CONFIG = Phase(1, "config")
NETWORK_POLICIES = Phase(2, "network-policies")
BACKENDS = Phase(3, "backends")
MODEL_SERVERS = Phase(4, "model-servers")
GATEWAYS = Phase(5, "gateways")
SCALERS = Phase(6, "scalers")
MONITORING = Phase(7, "monitoring")
OTHER = Phase(8, "other")
"""The phase of every kind not in ``KIND_PHASES``: after all the known ones."""

PHASES: tuple[Phase, ...] = (
    NAMESPACES,
    CONFIG,
    NETWORK_POLICIES,
    BACKENDS,
    MODEL_SERVERS,
    GATEWAYS,
    SCALERS,
    MONITORING,
    OTHER,
)
"""Every phase, in apply order (``PHASES[i].index == i``)."""

_ENVOY_GATEWAY = "gateway.envoyproxy.io"
_AI_GATEWAY = "aigateway.envoyproxy.io"
_GATEWAY_API = "gateway.networking.k8s.io"
_EXTERNAL_SECRETS = "external-secrets.io"
_RBAC = "rbac.authorization.k8s.io"

KIND_PHASES: Mapping[tuple[str, str], Phase] = {
    ("", "Namespace"): NAMESPACES,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): NAMESPACES,
    ("", "ResourceQuota"): NAMESPACES,
    ("", "LimitRange"): NAMESPACES,
    ("", "ServiceAccount"): CONFIG,
    (_RBAC, "Role"): CONFIG,
    (_RBAC, "RoleBinding"): CONFIG,
    (_RBAC, "ClusterRole"): CONFIG,
    (_RBAC, "ClusterRoleBinding"): CONFIG,
    ("", "ConfigMap"): CONFIG,
    ("", "Secret"): CONFIG,
    ("", "PersistentVolumeClaim"): CONFIG,
    ("scheduling.k8s.io", "PriorityClass"): CONFIG,
    (_EXTERNAL_SECRETS, "SecretStore"): CONFIG,
    (_EXTERNAL_SECRETS, "ClusterSecretStore"): CONFIG,
    (_EXTERNAL_SECRETS, "ExternalSecret"): CONFIG,
    (_EXTERNAL_SECRETS, "ClusterExternalSecret"): CONFIG,
    ("networking.k8s.io", "NetworkPolicy"): NETWORK_POLICIES,
    (_ENVOY_GATEWAY, "Backend"): BACKENDS,
    (_AI_GATEWAY, "AIServiceBackend"): BACKENDS,
    (_AI_GATEWAY, "BackendSecurityPolicy"): BACKENDS,
    ("inference.networking.k8s.io", "InferencePool"): BACKENDS,
    ("serving.kserve.io", "ServingRuntime"): MODEL_SERVERS,
    ("serving.kserve.io", "ClusterServingRuntime"): MODEL_SERVERS,
    ("serving.kserve.io", "InferenceService"): MODEL_SERVERS,
    (_GATEWAY_API, "GatewayClass"): GATEWAYS,
    (_GATEWAY_API, "Gateway"): GATEWAYS,
    (_GATEWAY_API, "HTTPRoute"): GATEWAYS,
    (_GATEWAY_API, "GRPCRoute"): GATEWAYS,
    (_GATEWAY_API, "ReferenceGrant"): GATEWAYS,
    (_GATEWAY_API, "BackendTLSPolicy"): GATEWAYS,
    (_ENVOY_GATEWAY, "EnvoyProxy"): GATEWAYS,
    (_ENVOY_GATEWAY, "SecurityPolicy"): GATEWAYS,
    (_ENVOY_GATEWAY, "ClientTrafficPolicy"): GATEWAYS,
    (_ENVOY_GATEWAY, "BackendTrafficPolicy"): GATEWAYS,
    (_ENVOY_GATEWAY, "EnvoyExtensionPolicy"): GATEWAYS,
    (_ENVOY_GATEWAY, "EnvoyPatchPolicy"): GATEWAYS,
    (_ENVOY_GATEWAY, "HTTPRouteFilter"): GATEWAYS,
    (_AI_GATEWAY, "AIGatewayRoute"): GATEWAYS,
    (_AI_GATEWAY, "GatewayConfig"): GATEWAYS,
    # The stack's Deployments and Services: the standalone gateway's, and the endpoint pickers of prefix-aware
    # models (applied with the gateways, which reach them).
    ("apps", "Deployment"): GATEWAYS,
    ("", "Service"): GATEWAYS,
    ("keda.sh", "ScaledObject"): SCALERS,
    ("keda.sh", "TriggerAuthentication"): SCALERS,
    ("keda.sh", "ClusterTriggerAuthentication"): SCALERS,
    ("autoscaling", "HorizontalPodAutoscaler"): SCALERS,
    ("policy", "PodDisruptionBudget"): SCALERS,
    ("monitoring.coreos.com", "PodMonitor"): MONITORING,
    ("monitoring.coreos.com", "ServiceMonitor"): MONITORING,
    ("monitoring.coreos.com", "PrometheusRule"): MONITORING,
}
"""``(API group, kind)`` -> its phase; the core group is ``""``. Versions do not matter: a kind keeps its place."""


def group_of(api_version: str) -> str:
    """``apps`` of ``apps/v1``; ``""`` of ``v1`` (the core group)."""
    return api_version.rpartition("/")[0]


def known(api_version: str, kind: str) -> bool:
    """Whether ``KIND_PHASES`` places this kind (else it is in ``OTHER``)."""
    return (group_of(api_version), kind) in KIND_PHASES


def phase_of_kind(api_version: str, kind: str) -> Phase:
    """The phase of every object of this kind (``OTHER`` for a kind not in ``KIND_PHASES``)."""
    return KIND_PHASES.get((group_of(api_version), kind), OTHER)


def is_dashboard(api_version: str, kind: str, labels: Mapping[str, Any]) -> bool:
    """Whether an object is a Grafana dashboard: a ConfigMap with the sidecar's label."""
    key, value = grafana.DASHBOARD_LABEL
    return (group_of(api_version), kind) == ("", "ConfigMap") and labels.get(key) == value


def phase_of(obj: Mapping[str, Any]) -> Phase:
    """The phase of the Kubernetes object ``obj`` (a manifest as a mapping): its kind's, but ``MONITORING`` for a
    Grafana dashboard."""
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    meta = obj.get("metadata")
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    return phase_of_labelled(api_version, kind, labels if isinstance(labels, Mapping) else {})


def phase_of_labelled(api_version: str, kind: str, labels: Mapping[str, Any]) -> Phase:
    """``phase_of`` from an object's API version, kind and labels (for objects not yet written as mappings)."""
    if is_dashboard(api_version, kind, labels):
        return MONITORING
    return phase_of_kind(api_version, kind)


M = TypeVar("M", bound=Mapping[str, Any])


def in_apply_order(objects: Iterable[M]) -> list[M]:
    """``objects`` sorted by phase; within a phase they keep their order (the synthesized order, which the
    constructs keep meaningful: a GatewayClass before its Gateway, a TriggerAuthentication beside its ScaledObject)."""
    return sorted(objects, key=lambda o: phase_of(o).index)
