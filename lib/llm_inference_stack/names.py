"""Kubernetes object names derived from served model names."""

from __future__ import annotations

import hashlib
import re

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
"""Service names, and InferenceService names (KServe's webhook): a DNS-1123 label that starts with a letter."""

MAX_MODEL_OBJECT_NAME = 45
"""Longest InferenceService name: KServe appends ``-predictor`` and Services are DNS-1035 labels (63)."""


def object_name_for(served_name: str) -> str:
    """A stable DNS-1035 label for a served model name.

    ``Meta-Llama-3.1-8B-Instruct`` -> ``meta-llama-3-1-8b-instruct``. Names that must be shortened, or that
    lose characters in the mapping such that two models could collide, keep a short hash of the original,
    so the result depends on that one model only (adding a model never renames another).
    """
    base = re.sub(r"[^a-z0-9]+", "-", served_name.lower()).strip("-")
    if not base or not base[0].isalpha():
        base = f"m-{base}".rstrip("-")
    lossless = base == served_name
    if len(base) <= MAX_MODEL_OBJECT_NAME and (lossless or base == _simple_lower(served_name)):
        return base
    digest = hashlib.sha256(served_name.encode()).hexdigest()[:6]
    return f"{base[: MAX_MODEL_OBJECT_NAME - 7].rstrip('-')}-{digest}"


def _simple_lower(name: str) -> str:
    """The mapping is reversible enough when only case, dots, slashes and underscores changed once each."""
    return re.sub(r"[._/]", "-", name.lower())
