"""Plain-text credentials in a directory of manifests: what ``llm-stack validate`` warns about in a hand-edited
output, with the same scanner that makes ``synth`` warn about a values file (``redaction``)."""

from __future__ import annotations

from collections.abc import Mapping

from ..redaction import container_credential_warnings
from .checks.workloads import containers, workloads
from .manifests import Manifests


def credential_warnings(manifests: Manifests) -> list[str]:
    """A warning for each container that passes a credential in plain text (``args``, ``env[].value``) and for
    each Secret whose values are in the directory itself."""
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
    return out
