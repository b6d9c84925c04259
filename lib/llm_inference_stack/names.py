"""Kubernetes names: apimachinery's rules as the stack checks them, and object names derived from served model
names. Standard library only."""

from __future__ import annotations

import hashlib
import re

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
"""Service names, and InferenceService names (KServe's webhook): a DNS-1123 label that starts with a letter."""

# apimachinery's validation (k8s.io/apimachinery/pkg/util/validation): qualified names, label values,
# DNS-1123 subdomains.
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

GPU_RESOURCE_FIX = (
    "use an extended resource name such as 'nvidia.com/gpu', 'amd.com/gpu' or 'gpu.intel.com/i915' "
    "(a DNS-1123 domain outside kubernetes.io, '/', a name)"
)
"""The fix of a GPU resource name that ``is_gpu_resource_name`` refuses."""


def is_qualified_name(value: str) -> bool:
    """apimachinery's IsQualifiedName: ``[prefix/]name``, name <= 63 characters, prefix a DNS-1123 subdomain."""
    prefix, slash, name = value.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_QUALIFIED_NAME_PART.fullmatch(name))


def is_label_value(value: str) -> bool:
    """apimachinery's IsValidLabelValue: empty, or <= 63 characters of ``[A-Za-z0-9_.-]`` starting and ending
    alphanumeric."""
    return value == "" or (len(value) <= 63 and bool(_QUALIFIED_NAME_PART.fullmatch(value)))


def is_gpu_resource_name(name: str) -> bool:
    """Whether ``name`` can be the GPU of a model container: an extended resource name as the API server checks
    it (apimachinery's IsExtendedResourceName: ``domain/name`` outside ``kubernetes.io``, ``requests.`` + name a
    qualified name), such as ``nvidia.com/gpu``, ``amd.com/gpu`` or ``gpu.intel.com/i915``.

    The settings accept exactly these names for ``gpu_resource_name``, and the output checks take the container's
    limit of such a name as its GPUs: one rule for both."""
    if "/" not in name or "kubernetes.io/" in name or name.startswith("requests."):
        return False
    return is_qualified_name(name) and is_qualified_name(f"requests.{name}")


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
