"""Cross-object checks, one module per family; importing this package registers them all."""

from . import (
    api_keys,
    autoscaling,
    disruption,
    gateway,
    network,
    privileges,
    references,
    routing,
    serving,
    workloads,
)
from .registry import REGISTRY, Problem, check, run_checks

__all__ = [
    "REGISTRY",
    "Problem",
    "api_keys",
    "autoscaling",
    "check",
    "disruption",
    "gateway",
    "network",
    "privileges",
    "references",
    "routing",
    "run_checks",
    "serving",
    "workloads",
]
