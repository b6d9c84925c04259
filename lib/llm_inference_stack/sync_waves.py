"""Argo CD sync waves from the apply order: every object's wave is the index of its phase (``apply_order``).

``LlmInferenceStack`` calls ``add_sync_waves`` on itself when ``gitops.argocd.syncWaves`` is true; a platform
repository that composes the constructs itself calls it on its chart (or its app), after it added every object,
and gets the same annotations.
"""

from __future__ import annotations

import cdk8s
from constructs import Construct

from . import apply_order
from .contracts import typed_call
from .facts import argocd, grafana


@typed_call
def add_sync_waves(scope: Construct) -> int:
    """Annotate every Kubernetes object under ``scope`` with ``argocd.argoproj.io/sync-wave: "<n>"``, ``n`` the
    index of its phase in ``apply_order`` (0 for Namespaces ... 7 for monitoring; 8 for a kind the apply order does
    not know). An object that already carries the annotation keeps it (a wave set on purpose). Objects added to
    ``scope`` afterwards get none: call it last, before ``app.synth()``. Returns how many objects it annotated.
    """
    count = 0
    label, _ = grafana.DASHBOARD_LABEL
    for node in scope.node.find_all():
        if not isinstance(node, cdk8s.ApiObject):
            continue
        metadata = node.metadata
        annotations = metadata.to_json().get("annotations") or {}
        if argocd.SYNC_WAVE_ANNOTATION in annotations:
            continue
        api_version, kind = node.api_version, node.kind
        labels = {label: metadata.get_label(label)} if kind == "ConfigMap" else {}
        phase = apply_order.phase_of_labelled(api_version, kind, labels)
        metadata.add_annotation(argocd.SYNC_WAVE_ANNOTATION, phase.sync_wave)
        count += 1
    return count
