"""The label on every object the stack writes: what tells them apart in a directory of manifests.

In a cdk8s app the stack's objects are known exactly, by the construct tree (``ChartValidation.own``); the label
carries that knowledge into the YAML, where ``llm-stack validate DIR --only-stack`` reads it. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
"""The Kubernetes recommended label for the tool that manages an object."""
MANAGED_BY = "llm-inference-stack"
"""Its value on every object the stack writes."""


def is_stack_object(obj: Mapping[str, Any]) -> bool:
    """Whether a parsed object carries the stack's marker (``app.kubernetes.io/managed-by: llm-inference-stack``)."""
    meta = obj.get("metadata")
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    return isinstance(labels, Mapping) and labels.get(MANAGED_BY_LABEL) == MANAGED_BY
