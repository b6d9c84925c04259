"""KEDA: its API group and what it names (for the KEDA release in :data:`..pins.KEDA_VERSION`)."""

from __future__ import annotations

API_VERSION = "keda.sh/v1alpha1"
"""``apiVersion`` of ScaledObject and TriggerAuthentication."""
SCALED_OBJECT = "ScaledObject"
TRIGGER_AUTHENTICATION = "TriggerAuthentication"
"""Kinds of the objects the stack writes (a ScaledObject's trigger names its TriggerAuthentication by kind)."""
NAMESPACE = "keda"
"""Namespace of the operator (its Helm chart's default)."""
HPA_NAME_PREFIX = "keda-hpa-"


def hpa_name(scaled_object: str, configured: str | None = None) -> str:
    """Name of the HorizontalPodAutoscaler KEDA creates for a ScaledObject: ``advanced.horizontalPodAutoscalerConfig
    .name`` when set (``configured``), else ``keda-hpa-<ScaledObject>``."""
    return configured or f"{HPA_NAME_PREFIX}{scaled_object}"
