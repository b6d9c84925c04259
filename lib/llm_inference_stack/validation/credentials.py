"""Plain-text credentials in a directory of manifests: what ``llm-stack validate`` warns about in a hand-edited
output, with the same scanner that makes ``synth`` warn about a values file (``redaction``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..redaction import container_credential_warnings, value_looks_secret
from .checks.workloads import containers, workloads
from .manifests import Manifests


def credential_warnings(manifests: Manifests) -> list[str]:
    """A warning for each container that passes a credential in plain text (``args``, ``env[].value``), for each
    Secret whose values are in the directory itself, and for key material (``sk-...``, a URL with a password)
    anywhere else in an object (a ConfigMap, an annotation)."""
    out = []
    for obj in workloads(manifests):
        for path, container in containers(obj):
            out += container_credential_warnings(where=manifests.where(obj), path=path, container=container)
    for secret in manifests.of_kind("Secret"):
        keys = sorted(
            str(key)
            for part in ("data", "stringData")
            if isinstance(values := secret.get(part), Mapping)
            for key in values
        )
        if keys:
            out.append(
                f"{manifests.where(secret)} holds its values in the directory (keys {', '.join(keys)}; base64 is an "
                "encoding, not encryption): whoever reads the directory, its repository or a CI log of it reads "
                "them. Create the Secret out of band or with an ExternalSecret (apiKeys.externalSecret)"
            )
    for obj in manifests:
        if obj.get("kind") == "Secret":
            continue
        for path in sorted(_key_material(obj, "")):
            out.append(
                f"{manifests.where(obj)}: {path} holds what looks like a credential in plain text: whoever reads the "
                "directory reads it. Keep it in a Secret and reference it"
            )
    return out


def _key_material(node: Any, path: str) -> Iterator[str]:
    """Field paths under ``node`` whose string looks like key material; containers are left out (their arguments
    and environment are ``container_credential_warnings``'s)."""
    stack = [(node, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, Mapping):
            stack.extend((child, f"{where}.{key}" if where else str(key)) for key, child in value.items())
        elif isinstance(value, list):
            if not where.endswith(("containers", "initContainers")):
                stack.extend((child, f"{where}[{index}]") for index, child in enumerate(value))
        elif isinstance(value, str) and value_looks_secret(value):
            yield where
