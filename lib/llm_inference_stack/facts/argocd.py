"""Argo CD: the annotation it orders a sync by, which kinds its built-in health assessment covers, and where it
reads a custom health check.

For Argo CD :data:`..pins.ARGO_CD_VERSION`. A kind has built-in health when ``gitops-engine/pkg/health``'s
``GetHealthCheckFunc`` (Go) handles it, or ``resource_customizations/<group>/<Kind>/health.lua`` exists. A kind with
neither has no health at all: Argo CD leaves it out of the application's health, and in a sync wave counts it as
done as soon as it is applied (``gitops-engine/pkg/sync/sync_context.go``: "some objects (e.g. secret) do not have
health, and they automatically success"). A custom check in ``argocd-cm`` takes precedence over both
(``util/lua/lua.go``: ``GetHealthScript`` reads the ConfigMap's overrides first).
"""

from __future__ import annotations

SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave"
"""The annotation whose value (an integer as a string, ``"0"`` when absent) orders an Argo CD sync: Argo CD applies
the objects of one wave, waits until they are healthy, then applies the next, lowest first."""

GroupKind = tuple[str, str]
"""(API group, kind); the core group is ``""``."""

GO_HEALTH: frozenset[GroupKind] = frozenset(
    {
        ("", "Pod"),
        ("", "Service"),
        ("", "PersistentVolumeClaim"),
        ("apps", "Deployment"),
        ("apps", "StatefulSet"),
        ("apps", "ReplicaSet"),
        ("apps", "DaemonSet"),
        ("batch", "Job"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("extensions", "Ingress"),
        ("networking.k8s.io", "Ingress"),
        ("apiregistration.k8s.io", "APIService"),
        ("argoproj.io", "Workflow"),
    }
)
"""Kinds ``GetHealthCheckFunc`` assesses in Go (``gitops-engine/pkg/health/health.go``), all of them."""

LUA_HEALTH: frozenset[GroupKind] = frozenset(
    {
        ("policy", "PodDisruptionBudget"),
        ("batch", "CronJob"),
        ("serving.kserve.io", "InferenceService"),
        ("keda.sh", "ScaledObject"),
        ("keda.sh", "ScaledJob"),
        ("monitoring.coreos.com", "Prometheus"),
        ("external-secrets.io", "ExternalSecret"),
        ("external-secrets.io", "ClusterExternalSecret"),
        ("external-secrets.io", "SecretStore"),
        ("external-secrets.io", "ClusterSecretStore"),
        ("external-secrets.io", "PushSecret"),
        ("gateway.networking.k8s.io", "GatewayClass"),
        ("gateway.networking.k8s.io", "Gateway"),
        ("gateway.networking.k8s.io", "HTTPRoute"),
        ("gateway.networking.k8s.io", "GRPCRoute"),
        ("gateway.networking.k8s.io", "BackendTLSPolicy"),
    }
)
"""Kinds with a built-in ``resource_customizations/<group>/<Kind>/health.lua``, of the API groups the stack's
objects (and the objects its controllers create) belong to; ``resource_customizations`` has no directory for
``gateway.envoyproxy.io``, ``aigateway.envoyproxy.io`` or ``inference.networking.k8s.io``."""

CONFIG_MAP = "argocd-cm"
"""The ConfigMap Argo CD reads resource customizations from."""
NAMESPACE = "argocd"
"""Namespace of Argo CD's install manifests (and of its Helm chart's usual release)."""
HEALTH_KEY_PREFIX = "resource.customizations.health."
"""``argocd-cm`` key of a custom health check: the prefix, then ``<group>_<Kind>`` (``<Kind>`` alone for the core
group; ``util/settings/settings.go``: ``convertToOverrideKey``)."""


def built_in_health(group: str, kind: str) -> str | None:
    """Where Argo CD assesses the kind's health itself ("Go" or "Lua"), or None when it does not."""
    if (group, kind) in GO_HEALTH:
        return "Go"
    if (group, kind) in LUA_HEALTH:
        return "Lua"
    return None


def health_key(group: str, kind: str) -> str:
    """The ``argocd-cm`` key of a custom health check for ``group``/``kind``."""
    return f"{HEALTH_KEY_PREFIX}{group}_{kind}" if group else f"{HEALTH_KEY_PREFIX}{kind}"
