"""What looks secret, and how a value is shown in a message without leaking it.

Every message that echoes a value (``ValuesError``, the schema checks) renders it with ``show``: a value under a
field whose name or path looks secret (``apiKeys.*``, ``env.HF_TOKEN``, ``password``, ...), or that looks like key
material itself (``sk-...``, ``hf_...``, a URL with a password), is replaced by ``HIDDEN``. The same word test
finds plain-text credentials in a model's environment and ``extraArgs`` (``credential_warnings``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

HIDDEN = "(hidden: looks secret)"
"""What a message shows instead of a value that may be a credential."""

SECRET_WORDS = frozenset(
    {
        "key",
        "keys",
        "apikey",
        "apikeys",
        "token",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "secrets",
        "credential",
        "credentials",
        "auth",
        "bearer",
        "private",
        "cookie",
        "session",
        "signature",
    }
)
"""Words (of a field, variable or flag name) that mark its value as possibly secret. ``tokens`` (counts, as in
``tokensPerMinute``) and ``keyfile`` (a path) are other words."""

NOT_SECRET_FIELDS = frozenset(
    {
        "secretName",
        "authSecretName",
        "existingSecret",
        "storeName",
        "storeKind",
        "remoteKey",
        "refreshInterval",
        "dummyClientId",
        "mode",
    }
)
"""Values-file fields that name where a secret lives (or how it is used), never the secret itself."""

_NOT_SECRET_IN = {"secretKeyRef": {"name", "key"}, "tolerations": {"key", "operator", "value", "effect"}}
"""Fields that are not secret under a given parent: a Secret's name and key, a toleration's key and value."""

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SEGMENT = re.compile(r"[^.\[\]]+")
_KEY_MATERIAL = re.compile(
    r"(?:^|[\s=:\"'])(?:sk-[A-Za-z0-9_-]{8,}|sk_[A-Za-z0-9]{8,}|hf_[A-Za-z0-9]{8,}|gh[pousr]_[A-Za-z0-9]{8,}"
    r"|github_pat_[A-Za-z0-9_]{8,}|glpat-[A-Za-z0-9_-]{8,}|xox[abprs]-[A-Za-z0-9-]{8,}|A[KS]IA[A-Z0-9]{12,})"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----|://[^/@\s:]+:[^/@\s]+@"
)


def words(name: str) -> list[str]:
    """``HF_TOKEN`` -> ``["hf", "token"]``; ``apiKeys`` -> ``["api", "keys"]``; ``--api-key`` -> ``["api", "key"]``."""
    return [w.lower() for w in _WORD.findall(name)]


def name_looks_secret(name: str) -> bool:
    """Whether a field, variable or flag called ``name`` likely holds a credential (``HF_TOKEN``, ``--api-key``)."""
    return any(w in SECRET_WORDS for w in words(name))


def path_looks_secret(path: str | Sequence[str | int]) -> bool:
    """Whether a value at ``path`` (``apiKeys.dummyKey``, ``model.runtime.env.HF_TOKEN``) may be a credential."""
    segments = [str(s) for s in path if not isinstance(s, int)] if not isinstance(path, str) else _SEGMENT.findall(path)
    segments = [s for s in segments if not s.isdigit()]
    if not segments:
        return False
    last = segments[-1]
    if last in NOT_SECRET_FIELDS:
        return False
    if len(segments) > 1 and last in _NOT_SECRET_IN.get(segments[-2], ()):
        return False
    return any(name_looks_secret(s) for s in segments)


def value_looks_secret(value: Any) -> bool:
    """Whether ``value`` (or any string in it) looks like key material: ``sk-...``, ``hf_...``, a URL password."""
    if isinstance(value, str):
        return bool(_KEY_MATERIAL.search(value))
    if isinstance(value, Mapping):
        return any(value_looks_secret(k) or value_looks_secret(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(value_looks_secret(v) for v in value)
    return False


def hide(value: Any, path: str | Sequence[str | int] = "") -> bool:
    """Whether a message must not show ``value`` found at ``path``."""
    return path_looks_secret(path) or value_looks_secret(value)


def show(value: Any, path: str | Sequence[str | int] = "", *, limit: int = 80) -> str:
    """``repr(value)`` shortened to ``limit`` characters, or ``HIDDEN`` when it may be a credential."""
    if hide(value, path):
        return HIDDEN
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


VLLM_API_KEY_ENV = "VLLM_API_KEY"
"""vLLM's variable for the key it would require on every request (the same as ``--api-key``)."""

_GATEWAY_STRIPS_AUTHORIZATION = (
    "vLLM would require that key on every request, but the gateway checks each client's API key and strips the "
    "Authorization header before forwarding, so every request through it would get 401 Unauthorized. Remove it: "
    "the gateway's API keys guard the model, and its NetworkPolicy admits only the gateway and Prometheus"
)


def _is_api_key_flag(flag: str) -> bool:
    """Whether vLLM's parser reads ``flag`` as ``--api-key`` (abbreviations and underscores included)."""
    # Imported here: the settings import this module (through errors) at import time.
    from .settings._vllm_flags import resolve

    return words(flag) == ["api", "key"] or resolve(flag).dest == "api_key"


def credential_warnings(
    *, where: str, args: Iterable[str], env: Mapping[str, object], literal: type = str
) -> list[str]:
    """Warnings for credentials given in plain text: a secret-looking flag (``--api-key``) or key material in
    ``args``, and literal values of secret-looking variables (``HF_TOKEN``) in ``env`` (values of type
    ``literal``; references to Secrets are fine). vLLM's own API key (``--api-key``, ``VLLM_API_KEY`` in any form)
    gets a warning of its own: behind the gateway it fails every request."""
    out = []
    items = list(args)
    for index, arg in enumerate(items):
        flag = arg.split("=", 1)[0] if arg.startswith("--") else ""
        given = flag and ("=" in arg or (index + 1 < len(items) and not items[index + 1].startswith("--")))
        if flag and _is_api_key_flag(flag):
            out.append(f"{where}: runtime.extraArgs passes {flag} in plain text, and {_GATEWAY_STRIPS_AUTHORIZATION}")
        elif (flag and given and name_looks_secret(flag)) or value_looks_secret(arg):
            what = flag or f"extraArgs[{index}]"
            out.append(
                f"{where}: runtime.extraArgs passes {what} in plain text: it lands in the InferenceService, readable "
                "by anyone who can read the pod spec. Keep it in a Secret and pass it through runtime.env with "
                "{secretKeyRef: {name: <secret>, key: <key>}} (e.g. HF_TOKEN instead of --hf-token)"
            )
    for name, value in env.items():
        if name == VLLM_API_KEY_ENV:
            out.append(f"{where}: runtime.env.{name} is set: {_GATEWAY_STRIPS_AUTHORIZATION}")
        elif isinstance(value, literal) and (name_looks_secret(name) or value_looks_secret(value)):
            out.append(
                f"{where}: runtime.env.{name} is set in plain text: it lands in the InferenceService, readable by "
                f"anyone who can read the pod spec. Use {name}: {{secretKeyRef: {{name: <secret>, key: <key>}}}}"
            )
    return out
