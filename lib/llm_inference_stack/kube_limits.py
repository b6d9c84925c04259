"""How large an object ``kubectl apply`` can take: it records the whole object in an annotation.

``kubectl apply`` (client side, its default) writes the object it applies, as compact JSON, into the annotation
``kubectl.kubernetes.io/last-applied-configuration``; the API server refuses an object whose annotations, keys and
values together, exceed ``LAST_APPLIED_LIMIT`` bytes. So every object the stack writes must stay well below it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

LAST_APPLIED_LIMIT = 262_144
"""Bytes the API server allows in an object's annotations (``TotalAnnotationSizeLimitB``, 256 KiB)."""
LAST_APPLIED_KEY = "kubectl.kubernetes.io/last-applied-configuration"
"""The annotation ``kubectl apply`` records the applied object in."""


def kubectl_json_size(value: Any) -> int:
    """Bytes of ``value`` as compact JSON written by Go's encoder, as kubectl writes it: UTF-8, and ``<``, ``>``
    and ``&`` escaped as ``\\u003c`` (six bytes each). Additive: a list's size is the sum of its items' plus
    brackets and commas."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8")) + 5 * (text.count("<") + text.count(">") + text.count("&"))


def last_applied_size(obj: Mapping[str, Any]) -> int:
    """Bytes of ``obj``'s annotations once ``kubectl apply`` has added ``last-applied-configuration`` to them: its
    own annotations (they are also inside the recorded object) plus the key and the object's JSON and newline."""
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    own = {k: v for k, v in annotations.items() if k != LAST_APPLIED_KEY} if isinstance(annotations, Mapping) else {}
    if isinstance(annotations, Mapping) and LAST_APPLIED_KEY in annotations:  # a live object: record it without
        obj = {**obj, "metadata": {**meta, "annotations": own}}  # type: ignore[dict-item]
    recorded = len(LAST_APPLIED_KEY) + kubectl_json_size(obj) + 1
    return recorded + sum(len(str(k).encode()) + len(str(v).encode()) for k, v in own.items())
