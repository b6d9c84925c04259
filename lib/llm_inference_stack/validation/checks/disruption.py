"""Checks that a PodDisruptionBudget lets a node drain go on: one that never allows a pod down blocks every drain
(and every cluster upgrade) until someone deletes it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...facts import kserve
from ..manifests import Manifests, Obj, dig, namespace_of
from .registry import Problem, check


def _blocks(budget: Any, replicas: int | None) -> str | None:
    """Why ``budget`` (a PDB spec: ``minAvailable`` or ``maxUnavailable``) allows no disruption of ``replicas``
    pods (None: unknown), or None when it allows one."""
    if not isinstance(budget, Mapping):
        return None
    most_down, least_up = budget.get("maxUnavailable"), budget.get("minAvailable")
    if most_down in (0, "0%"):
        return f"maxUnavailable is {most_down}"
    if least_up == "100%":
        return "minAvailable is 100%"
    if isinstance(least_up, int) and not isinstance(least_up, bool) and replicas is not None and least_up >= replicas:
        return f"minAvailable is {least_up} with {replicas} replica(s)"
    return None


def _replicas_selected(manifests: Manifests, pdb: Obj) -> int | None:
    """The (fewest) replicas of what the PodDisruptionBudget ``pdb`` selects, when the output says."""
    wanted = dig(pdb, "spec", "selector", "matchLabels")
    if not isinstance(wanted, Mapping) or not wanted:
        return None
    namespace = namespace_of(pdb)
    for kind in ("Deployment", "StatefulSet"):
        for obj in manifests.of_kind(kind):
            labels = dig(obj, "spec", "template", "metadata", "labels")
            if namespace_of(obj) == namespace and isinstance(labels, Mapping) and wanted.items() <= labels.items():
                replicas = dig(obj, "spec", "replicas")
                return replicas if isinstance(replicas, int) else 1
    name = wanted.get(kserve.INFERENCE_SERVICE_LABEL)
    isvc = manifests.get("InferenceService", namespace, str(name)) if name is not None else None
    if isvc is not None:
        replicas = dig(isvc, "spec", "predictor", "minReplicas")
        return replicas if isinstance(replicas, int) else 1
    return None


@check("pdb-allows-drain")
def disruption_budgets_allow_a_drain(manifests: Manifests) -> Iterator[Problem]:
    """Every PodDisruptionBudget (and Envoy Gateway's, ``EnvoyProxy`` ``envoyPDB``) allows at least one pod down."""
    for pdb in manifests.of_kind("PodDisruptionBudget"):
        why = _blocks(pdb.get("spec"), _replicas_selected(manifests, pdb))
        if why:
            yield Problem(pdb, f"{why}: no pod may ever be evicted, so node drains block; use maxUnavailable: 1")
    for proxy in manifests.of_kind("EnvoyProxy"):
        kubernetes = dig(proxy, "spec", "provider", "kubernetes")
        replicas = dig(kubernetes, "envoyDeployment", "replicas")
        why = _blocks(dig(kubernetes, "envoyPDB"), replicas if isinstance(replicas, int) else 1)
        if why:
            yield Problem(
                proxy,
                f"spec.provider.kubernetes.envoyPDB: {why}: no Envoy pod may ever be evicted, so node drains "
                "block; use maxUnavailable: 1 (or more replicas)",
            )
