"""What looks secret, and how a value is shown in a message without leaking it.

Every message that echoes a value (``ValuesError``, the schema checks) renders it with ``show``: a value under a
field whose name or path looks secret (``apiKeys.*``, ``env.HF_TOKEN``, ``password``, ...), or that looks like key
material itself (``sk-...``, ``hf_...``, a URL with a password), is replaced by ``HIDDEN``. The same word test
finds plain-text credentials in a model's environment and ``extraArgs`` (``credential_warnings``), and
``redact_object`` marks what ``llm-stack diff`` must not print of a manifest (a Secret's values, a secret-looking
variable, flag or field).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from .kube_limits import LAST_APPLIED_KEY

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
        "caSecretName",
        "caKey",
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

_NOT_SECRET_IN = {
    "secretKeyRef": {"name", "key"},
    "configMapKeyRef": {"name", "key"},
    "secretTargetRef": {"name", "key", "parameter"},
    "tolerations": {"key", "operator", "value", "effect"},
    "matchExpressions": {"key", "operator", "values"},
}
"""Fields that are not secret under a given parent: a Secret's name and key (in a pod's environment and in a KEDA
TriggerAuthentication), a toleration's or a selector expression's key and value."""

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
    """Whether a message must not show ``value`` found at ``path`` (``null``, ``true`` and ``false`` are never
    credentials: a missing key reads ``null``, not hidden)."""
    if value is None or isinstance(value, bool):
        return False
    return path_looks_secret(path) or value_looks_secret(value)


def show(value: Any, path: str | Sequence[str | int] = "", *, limit: int = 80) -> str:
    """``value`` as YAML spells it (``yaml_text``) shortened to ``limit`` characters, or ``HIDDEN`` when it may be
    a credential."""
    if hide(value, path):
        return HIDDEN
    text = yaml_text(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


def _double_quoted(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def yaml_text(value: Any) -> str:
    """``value`` as a YAML file spells it, in flow style, for messages: ``null``, ``true``, ``false``,
    ``2024-01-01``, ``.inf``, ``'text'`` (double-quoted with escapes when it holds a character that cannot be
    shown), ``[1, 'a']``, ``{'key': 1}``; never Python's ``None``, ``False`` or ``datetime.date(...)``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'" if value.isprintable() else _double_quoted(value)
    if isinstance(value, (bytes, bytearray)):
        return _double_quoted(value.decode("latin-1"))
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{yaml_text(k)}: {yaml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, Set)):
        return "[" + ", ".join(yaml_text(item) for item in value) + "]"
    return str(value)


def yaml_kind(value: Any) -> str:
    """What a YAML reader calls the kind of ``value``: ``a mapping``, ``a list``, ``a string``, ``null``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


_INLINE_ASSIGNMENT = re.compile(
    r"(?:^|\s)(--[A-Za-z0-9][A-Za-z0-9_-]*)(?:=|\s+)(?![-\"']?\$)(?!-)\S"
    r"|(?:^|[\s;&|(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(?![\"']?\$)\S"
)
"""A flag or a variable given a literal value inside a command line (``sh -c "vllm serve --api-key abc"``,
``HF_TOKEN=abc python ...``); a value that expands a variable (``$1``, ``$(cat ...)``) is no literal."""


def inline_secret(text: str) -> str | None:
    """The secret-looking flag or variable given a literal value inside the command line ``text`` (a string with
    spaces, as ``sh -c`` takes), or None."""
    if not any(c.isspace() for c in text):
        return None
    for match in _INLINE_ASSIGNMENT.finditer(text):
        name = match.group(1) or match.group(2)
        if name_looks_secret(name):
            return name
    return None


def plain_text_flags(args: Iterable[str]) -> list[str]:
    """What in ``args`` passes a credential in plain text: each secret-looking flag given a value (``--api-key``,
    ``--api-key=...``, also inside a command line such as ``sh -c`` takes), or ``[<index>]`` for an argument that
    looks like key material itself."""
    out = []
    items = list(args)
    for index, arg in enumerate(items):
        flag = arg.split("=", 1)[0] if arg.startswith("--") else ""
        given = flag and ("=" in arg or (index + 1 < len(items) and not items[index + 1].startswith("--")))
        if (flag and given and name_looks_secret(flag)) or value_looks_secret(arg):
            out.append(flag or f"[{index}]")
        elif not flag and (inline := inline_secret(arg)) is not None:
            out.append(inline if inline.startswith("--") else f"[{index}]")
    return out


def plain_text_variables(env: Mapping[str, object], literal: type = str) -> list[str]:
    """The variables of ``env`` whose literal value (of type ``literal``) may be a credential: a secret-looking
    name (``HF_TOKEN``) or key material (``sk-...``). References to Secrets are not literals."""
    return [
        name
        for name, value in env.items()
        if isinstance(value, literal) and (name_looks_secret(name) or value_looks_secret(value))
    ]


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
    """Warnings for credentials given in plain text in a model's values: a secret-looking flag (``--api-key``) or
    key material in ``args`` (``runtime.extraArgs``), and literal values of secret-looking variables (``HF_TOKEN``)
    in ``env`` (``runtime.env``; values of type ``literal``; references to Secrets are fine). vLLM's own API key
    (``--api-key``, ``VLLM_API_KEY`` in any form) gets a warning of its own: behind the gateway it fails every
    request."""
    items = list(args)
    api_key_flags = [a.split("=", 1)[0] for a in items if a.startswith("--") and _is_api_key_flag(a.split("=", 1)[0])]
    out = [
        f"{where}: runtime.extraArgs passes {flag} in plain text, and {_GATEWAY_STRIPS_AUTHORIZATION}"
        for flag in api_key_flags
    ]
    for flag in plain_text_flags(items):
        if flag in api_key_flags:
            continue
        what = flag if flag.startswith("--") else f"extraArgs{flag}"
        out.append(
            f"{where}: runtime.extraArgs passes {what} in plain text: it lands in the InferenceService, readable "
            "by anyone who can read the pod spec. Keep it in a Secret and pass it through runtime.env with "
            "{secretKeyRef: {name: <secret>, key: <key>}} (e.g. HF_TOKEN instead of --hf-token)"
        )
    if VLLM_API_KEY_ENV in env:
        out.append(f"{where}: runtime.env.{VLLM_API_KEY_ENV} is set: {_GATEWAY_STRIPS_AUTHORIZATION}")
    for name in plain_text_variables(env, literal):
        if name == VLLM_API_KEY_ENV:
            continue
        out.append(
            f"{where}: runtime.env.{name} is set in plain text: it lands in the InferenceService, readable by "
            f"anyone who can read the pod spec. Use {name}: {{secretKeyRef: {{name: <secret>, key: <key>}}}}"
        )
    return out


def container_credential_warnings(*, where: str, path: str, container: Mapping[str, Any]) -> list[str]:
    """The same warnings for a container of a manifest (``llm-stack validate`` of a hand-edited directory):
    ``args`` and ``command`` with a credential in plain text, and ``env`` entries with a literal ``value``."""
    out = []
    for field in ("command", "args"):
        items = container.get(field)
        strings = [str(item) for item in items] if isinstance(items, list) else []
        for flag in plain_text_flags(strings):
            what = flag if flag.startswith("--") else f"{path}.{field}{flag}"
            out.append(
                f"{where}: {path}.{field} passes {what} in plain text: anyone who can read the pod spec reads it. "
                "Keep it in a Secret and pass it as an environment variable with valueFrom.secretKeyRef"
            )
    env = container.get("env")
    literals = {
        str(item.get("name")): item.get("value")
        for item in (env if isinstance(env, list) else [])
        if isinstance(item, Mapping) and "value" in item
    }
    for name in plain_text_variables(literals):
        out.append(
            f"{where}: {path}.env {name} is set in plain text: anyone who can read the pod spec reads it. Use "
            "valueFrom: {secretKeyRef: {name: <secret>, key: <key>}} instead of value"
        )
    return out


REDACTED = "(hidden)"
"""What ``llm-stack diff`` prints instead of a manifest value that may be a credential (the key is shown)."""


@dataclass(frozen=True)
class Redacted:
    """A manifest value that must not be printed, kept so that two outputs can still be compared."""

    value: Any
    prefix: str = ""
    """What of the value may be shown: ``--api-key=`` of ``--api-key=sk-...``. Default: nothing."""

    def shown(self, note: str = "") -> str:
        return f"{self.prefix}{REDACTED[:-1]}{note})"


def _field_looks_secret(path: Sequence[str | int]) -> bool:
    """Whether the scalar at ``path`` of a manifest is named like a credential by its own field name
    (``password: ...``); the names of Secrets and keys (``secretName``, ``secretKeyRef.key``) are not."""
    segments = [s for s in path if isinstance(s, str)]
    if not segments or segments[-1] in NOT_SECRET_FIELDS:
        return False
    if len(segments) > 1 and segments[-1] in _NOT_SECRET_IN.get(segments[-2], ()):
        return False
    return name_looks_secret(segments[-1])


def redact_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the Kubernetes object ``obj`` with every value that may be a credential wrapped in ``Redacted``:
    the values of a Secret's ``data`` and ``stringData`` (its keys stay), the literal value of a secret-looking
    environment variable (``{name: HF_TOKEN, value: ...}``), the value of a secret-looking flag in a list of
    arguments (``--api-key=...``, ``--api-key ...``), any string field named like a credential, and any string that
    looks like key material (``hide``, ``value_looks_secret``)."""
    copy: dict[str, Any] = _redact(obj, ())
    if obj.get("kind") == "Secret":  # whatever its apiVersion says: a hand-edited one may have none
        for part in ("data", "stringData"):
            values = obj.get(part)
            if isinstance(values, Mapping):
                copy[part] = {key: Redacted(value) for key, value in values.items()}
            elif values is not None:
                copy[part] = Redacted(values)
        meta = copy.get("metadata")
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        if isinstance(annotations, dict) and LAST_APPLIED_KEY in annotations:  # holds the whole Secret, data included
            annotations[LAST_APPLIED_KEY] = Redacted(annotations[LAST_APPLIED_KEY])
    return copy


def _redact(node: Any, path: tuple[str | int, ...]) -> Any:
    if isinstance(node, Mapping):
        name = node.get("name")
        secret_variable = isinstance(name, str) and name_looks_secret(name) and isinstance(node.get("value"), str)
        out = {}
        for key, value in node.items():
            if (secret_variable and key == "value") or (isinstance(value, str) and _field_looks_secret((*path, key))):
                out[key] = Redacted(value)
            else:
                out[key] = _redact(value, (*path, str(key)))
        return out
    if isinstance(node, list):
        secret = secret_arguments(node)
        return [
            Redacted(item, prefix=secret[index]) if index in secret else _redact(item, (*path, index))
            for index, item in enumerate(node)
        ]
    if isinstance(node, str) and (value_looks_secret(node) or inline_secret(node) is not None):
        return Redacted(node)
    return node


def secret_arguments(items: Sequence[Any]) -> dict[int, str]:
    """The items of a list of arguments that pass a credential, by index -> what of the item may be shown: the value
    after a secret-looking flag (``--api-key``, ``abc``: ``""``) and a secret-looking flag with its value
    (``--api-key=abc``: ``--api-key=``)."""
    out: dict[int, str] = {}
    for index, item in enumerate(items):
        if not isinstance(item, str):
            continue
        previous = items[index - 1] if index else None
        if (
            isinstance(previous, str)
            and previous.startswith("--")
            and "=" not in previous
            and not item.startswith("--")
            and name_looks_secret(previous)
        ):
            out[index] = ""
        elif item.startswith("--") and "=" in item and name_looks_secret(item.split("=")[0]):
            out[index] = f"{item.split('=', 1)[0]}="
    return out


def reveal_pair(old: Any, new: Any) -> tuple[Any, Any]:
    """Two redacted versions of one object (``redact_object``) as they may be printed side by side: every
    ``Redacted`` value becomes ``(hidden)``, and ``(hidden, changed)`` on the new side where the hidden value
    differs, so a diff shows that a credential changed without showing it."""
    if isinstance(old, Redacted) or isinstance(new, Redacted):
        changed = old != new
        return (
            old.shown() if isinstance(old, Redacted) else reveal(old),
            new.shown(", changed" if changed and isinstance(old, Redacted) else "")
            if isinstance(new, Redacted)
            else reveal(new),
        )
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        old_out, new_out = {}, {}
        for key, value in old.items():
            old_out[key] = reveal_pair(value, new[key])[0] if key in new else reveal(value)
        for key, value in new.items():
            new_out[key] = reveal_pair(old[key], value)[1] if key in old else reveal(value)
        return old_out, new_out
    if isinstance(old, list) and isinstance(new, list):
        pairs = [reveal_pair(a, b) for a, b in zip(old, new, strict=False)]
        return (
            [a for a, _ in pairs] + [reveal(x) for x in old[len(new) :]],
            [b for _, b in pairs] + [reveal(x) for x in new[len(old) :]],
        )
    return reveal(old), reveal(new)


def reveal(node: Any) -> Any:
    """A redacted object (``redact_object``) as it may be printed: every ``Redacted`` value is ``(hidden)``."""
    if isinstance(node, Redacted):
        return node.shown()
    if isinstance(node, Mapping):
        return {key: reveal(value) for key, value in node.items()}
    if isinstance(node, list):
        return [reveal(item) for item in node]
    return node
