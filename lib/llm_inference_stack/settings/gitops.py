"""Settings for delivering the output through a GitOps controller (Argo CD)."""

from __future__ import annotations

from dataclasses import dataclass

from .typed import Typed


@dataclass(frozen=True, kw_only=True)
class ArgoCdConfig(Typed):
    """What the output tells Argo CD."""

    sync_waves: bool = False
    """Annotate every object with ``argocd.argoproj.io/sync-wave: "<n>"``, ``n`` the index of its apply phase
    (``apply_order``: 0 namespaces, 1 configuration and Secrets, 2 NetworkPolicies, 3 gateway backends, 4
    InferenceServices, 5 the gateway, its routes and policies, 6 scalers and PodDisruptionBudgets, 7 monitoring),
    so that an Argo CD sync applies the phases in that order and waits for each to be healthy before the next.
    Default: false (no annotation; Argo CD orders by kind only)."""


@dataclass(frozen=True, kw_only=True)
class GitOpsConfig(Typed):
    """Delivery through a GitOps controller."""

    argocd: ArgoCdConfig = ArgoCdConfig()
    """Argo CD. Default: see ``ArgoCdConfig``."""
