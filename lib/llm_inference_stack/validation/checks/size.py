"""Checks that every object can be applied: ``kubectl apply`` records each one in an annotation of bounded size."""

from __future__ import annotations

from collections.abc import Iterator

from ...kube_limits import LAST_APPLIED_KEY, LAST_APPLIED_LIMIT, last_applied_size
from ..manifests import Manifests
from .registry import Problem, check


@check("apply-size")
def objects_fit_kubectl_apply(manifests: Manifests) -> Iterator[Problem]:
    """``kubectl apply`` writes the whole object into ``last-applied-configuration``; the API server refuses
    annotations larger than ``LAST_APPLIED_LIMIT`` bytes, so the object could be created but never applied."""
    for obj in manifests:
        size = last_applied_size(obj)
        if size > LAST_APPLIED_LIMIT:
            yield Problem(
                obj,
                f"is {size} bytes as kubectl apply records it ({LAST_APPLIED_KEY}), more than the "
                f"{LAST_APPLIED_LIMIT} bytes the API server allows in annotations: split it into smaller objects "
                "(or shorten commonAnnotations, which count twice)",
            )
