"""Kubernetes' own kinds the stack writes: ``(apiVersion, kind)`` of each, as the API server serves them.

For the Kubernetes release in :data:`..pins.KUBERNETES_VERSION`.
"""

from __future__ import annotations

NAMESPACE = ("v1", "Namespace")
CONFIG_MAP = ("v1", "ConfigMap")
SECRET = ("v1", "Secret")
SERVICE = ("v1", "Service")
SERVICE_ACCOUNT = ("v1", "ServiceAccount")
DEPLOYMENT = ("apps/v1", "Deployment")
POD_DISRUPTION_BUDGET = ("policy/v1", "PodDisruptionBudget")
NETWORK_POLICY = ("networking.k8s.io/v1", "NetworkPolicy")
ROLE = ("rbac.authorization.k8s.io/v1", "Role")
ROLE_BINDING = ("rbac.authorization.k8s.io/v1", "RoleBinding")
CLUSTER_ROLE = ("rbac.authorization.k8s.io/v1", "ClusterRole")
CLUSTER_ROLE_BINDING = ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")

ENDPOINT_PROPAGATION_SECONDS = 5
"""How long after a Pod's deletion the cluster may still open new connections to it: the EndpointSlice controller
marks its endpoint terminating at once, and kube-proxy, an endpoint picker and the gateways act on that a moment
later. A ``preStop`` sleep of a few seconds covers it (Kubernetes' docs on Pod termination)."""
SIGKILL_MARGIN_SECONDS = 5
"""Seconds of the termination grace period left after a container's own shutdown budget, before the kubelet's
SIGKILL."""
