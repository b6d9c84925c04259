"""Checks of the API keys and of what the token budgets count by: the Secrets a SecurityPolicy reads, who writes
them, and the headers a budget keys on."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping

from ...facts import ai_gateway
from ..manifests import Manifests, Obj, dig, name_of, namespace_of
from .registry import Problem, check


def _entries(secret: Obj) -> dict[str, str] | None:
    """Client id -> key of a Secret in the output (``stringData`` over ``data``); None when a value cannot be read."""
    out: dict[str, str] = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            out[str(key)] = base64.b64decode(str(value), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    out |= {str(k): str(v) for k, v in (secret.get("stringData") or {}).items()}
    return out


def _credential_secrets(manifests: Manifests, policy: Obj) -> list[tuple[int, str, Obj | None]]:
    """``(index, name, Secret or None)`` of each Secret ``credentialRefs`` names in the policy's namespace."""
    out = []
    for index, ref in enumerate(dig(policy, "spec", "apiKeyAuth", "credentialRefs") or []):
        if not isinstance(ref, Mapping) or ref.get("kind", "Secret") != "Secret":
            continue
        namespace = ref.get("namespace") or namespace_of(policy)
        if namespace != namespace_of(policy):
            continue
        name = str(ref.get("name"))
        out.append((index, name, manifests.get("Secret", namespace, name)))
    return out


@check("api-keys-unique")
def api_keys_are_unique(manifests: Manifests) -> Iterator[Problem]:
    """Among the Secrets one SecurityPolicy reads (those in the output): Envoy Gateway v1.9 (``buildAPIKeyAuth``)
    refuses the whole policy when one key value stands for two clients, and silently keeps only the first Secret's
    entry when one client id is in two Secrets."""
    for policy in manifests.of_kind("SecurityPolicy"):
        clients: dict[str, str] = {}
        keys: dict[str, str] = {}
        for index, name, secret in _credential_secrets(manifests, policy):
            if secret is None:
                continue
            entries = _entries(secret) or {}
            where = f"spec.apiKeyAuth.credentialRefs[{index}] (Secret {name!r})"
            for client in sorted(entries):
                if client in clients and clients[client] != name:
                    yield Problem(
                        policy,
                        f"{where} has client id {client!r}, which Secret {clients[client]!r} has too: Envoy Gateway "
                        "keeps the first Secret's key and ignores this one; give each client id one Secret (a "
                        "tenant's ids start with its prefix)",
                    )
                clients.setdefault(client, name)
                key = entries[client]
                if key in keys and keys[key] != client:
                    yield Problem(
                        policy,
                        f"{where}: client {client!r} has the same API key as client {keys[key]!r}: Envoy Gateway "
                        "refuses the whole policy for a duplicated key (every request gets 401 or 500); give each "
                        "client a key of its own",
                    )
                keys.setdefault(key, client)


def _written_secrets(manifests: Manifests) -> dict[tuple[str | None, str], list[Obj]]:
    """(namespace, Secret name) -> the objects of the output that write it (the Secret, ExternalSecrets)."""
    out: dict[tuple[str | None, str], list[Obj]] = {}
    for secret in manifests.of_kind("Secret"):
        out.setdefault((namespace_of(secret), name_of(secret)), []).append(secret)
    for external in manifests.of_kind("ExternalSecret"):
        target = dig(external, "spec", "target", "name") or name_of(external)
        out.setdefault((namespace_of(external), str(target)), []).append(external)
    return out


@check("secret-one-writer")
def each_secret_has_one_writer(manifests: Manifests) -> Iterator[Problem]:
    """A Secret the output writes has one writer: a Secret and an ExternalSecret, or two ExternalSecrets, writing
    one Secret overwrite each other (External Secrets Operator's ``creationPolicy: Owner`` also refuses a Secret
    another object owns), so one team's keys would replace another's."""
    for (_namespace, name), writers in sorted(_written_secrets(manifests).items(), key=lambda i: str(i[0])):
        if len(writers) < 2:
            continue
        others = ", ".join(manifests.where(w) for w in writers[1:])
        yield Problem(
            writers[0],
            f"Secret {name!r} is also written by {others}: give each key source (each tenant) a Secret of its own",
        )


def _gateway_set_headers(manifests: Manifests) -> set[str]:
    """Headers the gateway itself sets before the rate limit: each SecurityPolicy's ``forwardClientIDHeader`` (Envoy's
    api_key_auth filter writes the authenticated client id, over any value the client sent) and the AI Gateway's
    model header (its external processor writes it from the request body)."""
    headers = {ai_gateway.MODEL_HEADER}
    for policy in manifests.of_kind("SecurityPolicy"):
        header = dig(policy, "spec", "apiKeyAuth", "forwardClientIDHeader")
        if isinstance(header, str):
            headers.add(header.lower())
    return headers


@check("budget-key-header")
def budgets_key_on_headers_the_gateway_sets(manifests: Manifests) -> Iterator[Problem]:
    """A budget per header value (a ``Distinct`` selector) counts by a header the gateway sets itself (the client id
    the API-key check forwards, or the model): on a header the client sends, each new value is a fresh budget, so a
    client that changes it per request is never limited."""
    trusted = _gateway_set_headers(manifests)
    for policy in manifests.of_kind("BackendTrafficPolicy"):
        rules = dig(policy, "spec", "rateLimit", "global", "rules")
        for r_index, rule in enumerate(rules if isinstance(rules, list) else []):
            selectors = rule.get("clientSelectors") if isinstance(rule, Mapping) else None
            for s_index, selector in enumerate(selectors if isinstance(selectors, list) else []):
                headers = selector.get("headers") if isinstance(selector, Mapping) else None
                for h_index, header in enumerate(headers if isinstance(headers, list) else []):
                    if not isinstance(header, Mapping) or header.get("type") != "Distinct":
                        continue
                    name = str(header.get("name", "")).lower()
                    if name not in trusted:
                        yield Problem(
                            policy,
                            f"spec.rateLimit.global.rules[{r_index}].clientSelectors[{s_index}].headers[{h_index}] "
                            f"counts a budget per value of {name!r}, which the client sends itself: a new value per "
                            f"request is a new budget; count by the forwarded client id ({', '.join(sorted(trusted))})",
                        )
