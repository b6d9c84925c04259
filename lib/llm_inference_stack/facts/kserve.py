"""KServe (Standard deployment mode): what it derives from an InferenceService, and the names it reads.

For the KServe release in :data:`..pins.KSERVE_VERSION`.
"""

from __future__ import annotations

import posixpath

API_VERSION = "serving.kserve.io/v1beta1"
"""``apiVersion`` of the InferenceService."""
KIND = "InferenceService"
NAMESPACE = "kserve"
"""Namespace of the controller (its Helm chart's default)."""

CONTAINER_NAME = "kserve-container"
"""Name KServe gives (and looks for in) the predictor's model container."""
STORAGE_INITIALIZER = "storage-initializer"
"""Name of the init container KServe adds to download ``storageUris`` into the mount path."""
MODEL_MOUNT_PATH = "/mnt/models"
"""Default ``storageUris[].mountPath``: where the storage initializer puts the weights (or a PVC is mounted)."""

PREDICTOR_SERVICE_PORT = 80
"""Port of the predictor Service KServe creates."""
CONTAINER_PORT = 8080
"""Port the predictor Service forwards to: the model container's HTTP port."""

PREDICTOR_SUFFIX = "-predictor"
"""KServe appends this to the InferenceService name for the predictor's Deployment and Service."""
INFERENCE_SERVICE_LABEL = "serving.kserve.io/inferenceservice"
"""Label on the predictor pods: the InferenceService's name."""
COMPONENT_LABEL = "component"
"""Label on the predictor pods: the component (``predictor``)."""
PREDICTOR_COMPONENT = "predictor"

DEPLOYMENT_MODE_ANNOTATION = "serving.kserve.io/deploymentMode"
STANDARD_MODE = "Standard"
"""Deployment mode with a plain Deployment and Service (no Knative), which an external autoscaler can scale."""
AUTOSCALER_CLASS_ANNOTATION = "serving.kserve.io/autoscalerClass"
EXTERNAL_AUTOSCALER = "external"
"""Autoscaler class that leaves scaling to another controller (KEDA): KServe creates no HPA."""
VISIBILITY_LABEL = "networking.kserve.io/visibility"
CLUSTER_LOCAL = "cluster-local"
"""Without this visibility KServe (Standard mode) creates an Ingress per InferenceService that bypasses the gateway."""
PROMETHEUS_SCRAPING_ANNOTATION = "serving.kserve.io/enable-prometheus-scraping"
PROMETHEUS_ANNOTATION_PREFIX = "prometheus.kserve.io/"


def predictor_name(isvc: str, component: str | None = None) -> str:
    """Name of the Deployment and Service KServe creates for an InferenceService's predictor: ``<isvc>-predictor``,
    or ``<isvc>-<component>-predictor`` when ``spec.predictor.name`` is set."""
    return f"{isvc}-{component}{PREDICTOR_SUFFIX}" if component else f"{isvc}{PREDICTOR_SUFFIX}"


def predictor_host(isvc: str, namespace: str | None, component: str | None = None) -> str:
    """Cluster DNS name of the predictor Service (port :data:`PREDICTOR_SERVICE_PORT`)."""
    return f"{predictor_name(isvc, component)}.{namespace}.svc.cluster.local"


def predictor_pod_labels(isvc: str) -> dict[str, str]:
    """Labels KServe puts on the predictor pods of InferenceService ``isvc`` (a selector for them)."""
    return {INFERENCE_SERVICE_LABEL: isvc, COMPONENT_LABEL: PREDICTOR_COMPONENT}


def weights_path(uri: str, mount_path: str = MODEL_MOUNT_PATH) -> str:
    """Where the weights of storage URI ``uri`` are in the container: KServe mounts a ``pvc://claim/sub/path``
    claim's root at ``mount_path``; other schemes are downloaded into it."""
    base = posixpath.normpath(mount_path)
    if uri.startswith("pvc://"):
        _, _, sub_path = uri[len("pvc://") :].partition("/")
        if sub_path.strip("/"):
            return posixpath.normpath(f"{base}/{sub_path.strip('/')}")
    return base
