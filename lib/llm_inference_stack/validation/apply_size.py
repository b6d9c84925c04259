"""Objects too large for ``kubectl apply``: it records each one in an annotation of bounded size.

A warning, not a problem: server-side apply (``kubectl apply --server-side``, Flux) and ``kubectl create`` record
no such annotation and take the object as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..kube_limits import LAST_APPLIED_KEY, LAST_APPLIED_LIMIT, last_applied_size
from .manifests import describe


def apply_size_warnings(objects: Iterable[Mapping[str, Any]]) -> list[str]:
    """A warning for each object whose ``last-applied-configuration`` would exceed ``LAST_APPLIED_LIMIT``."""
    out = []
    for obj in objects:
        size = last_applied_size(obj)
        if size > LAST_APPLIED_LIMIT:
            out.append(
                f"{describe(obj)} is {size} bytes as kubectl apply records it ({LAST_APPLIED_KEY}), more than the "
                f"{LAST_APPLIED_LIMIT} bytes the API server allows in annotations: kubectl apply fails on it. Apply "
                "with kubectl apply --server-side, or make it smaller (fewer models per gateway.mode standalone "
                "Envoy, shorter commonAnnotations: they count twice)"
            )
    return out
