"""What ``llm-stack local-run`` changes in a user's stack to run it on one machine, and nothing else.

- **Values** (:func:`localize_config`): what one CPU and the tiny model cannot do as written: one GPU per replica
  (``--tensor-parallel-size 1``), a context no longer than the tiny model's, eager mode; Secret references of the
  cluster (a model's Secret-backed env, Phoenix's API key) are left out; for the smoke test (``--no-wait``) a budget
  the checks can use up in a few requests.
- **Objects** (:func:`with_session_keys`): the API-key Secret holds keys made for this session (in a cluster you
  create it, or External Secrets syncs it), and so does each tenant's (two keys each, under the tenant's client-id
  prefix: :func:`tenant_session_keys`); an ExternalSecret has no operator here and is left out.

Every change is returned as a :class:`Change` and printed.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
from collections.abc import Mapping, Sequence

from llm_inference_stack.config import (
    ModelConfig,
    RateLimitConfig,
    StackConfig,
    TenantBudgets,
    TenantConfig,
    TenantModelBudget,
)
from llm_inference_stack.settings.gateway import TOKEN_UNITS
from llm_inference_stack.settings.inherit import given_fields
from llm_inference_stack.standalone_gateway import KEYS_DIR

from ..base.manifests import JsonDict

TINY_MAX_MODEL_LEN = 256
"""Context of the tiny model in local runs (it has 512 positions; 256 keeps the KV cache small on CPU)."""
EAGER_FLAG = "--enforce-eager"
SMOKE_TOKENS_PER_MINUTE = 200
"""Largest per-client token budget the smoke test keeps: ~10 short completions of the tiny model use it up."""
SMOKE_REQUESTS_PER_MINUTE = 20
"""Largest per-client request budget (standalone gateway) the smoke test keeps."""
SESSION_CLIENT = "local-run"
OTHER_CLIENT = "local-run-other"
"""The session's clients: the first one's key is printed; the second shows that budgets are per client."""


@dataclasses.dataclass(frozen=True)
class Change:
    """One value of the user's stack changed for the local run, and why."""

    where: str
    written: str
    local: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.written} -> {self.local} ({self.why})"


def session_keys() -> dict[str, str]:
    """Client id -> a fresh random key, for the two clients of this session."""
    return {client: f"sk-local-{secrets.token_hex(16)}" for client in (SESSION_CLIENT, OTHER_CLIENT)}


def tenant_session_keys(config: StackConfig | None) -> dict[tuple[str, str], dict[str, str]]:
    """(namespace, Secret) -> client id -> a fresh key, for two clients of each tenant (ids under its prefix)."""
    if config is None:
        return {}
    return {
        (config.namespace, tenant.keys.secret_name): {
            f"{tenant.prefix}{client}": f"sk-local-{secrets.token_hex(16)}" for client in (SESSION_CLIENT, OTHER_CLIENT)
        }
        for tenant in config.tenants
    }


def _localize_model(model: ModelConfig, where: str, changes: list[Change]) -> ModelConfig:
    runtime = model.runtime
    updates: dict[str, object] = {}
    if runtime.gpu_count != 1:
        updates["gpu_count"] = 1
        changes.append(
            Change(f"{where}.runtime.gpuCount", str(runtime.gpu_count), "1", "one CPU process, no GPUs to split over")
        )
    if runtime.max_model_len is None or runtime.max_model_len > TINY_MAX_MODEL_LEN:
        updates["max_model_len"] = TINY_MAX_MODEL_LEN
        changes.append(
            Change(
                f"{where}.runtime.maxModelLen",
                str(runtime.max_model_len),
                str(TINY_MAX_MODEL_LEN),
                "the tiny local model's context",
            )
        )
    secret_env = sorted(k for k, v in runtime.env.items() if not isinstance(v, str))
    if secret_env:
        updates["env"] = {k: v for k, v in runtime.env.items() if isinstance(v, str)}
        changes.append(
            Change(
                f"{where}.runtime.env",
                ", ".join(f"{k} from a Secret" for k in secret_env),
                "left out",
                "the Secret is in your cluster; nothing here needs it (no download, a local Phoenix without a key)",
            )
        )
    if EAGER_FLAG not in runtime.extra_args:
        updates["extra_args"] = (*runtime.extra_args, EAGER_FLAG)
        changes.append(
            Change(
                f"{where}.runtime.extraArgs",
                str(list(runtime.extra_args)),
                f"+ {EAGER_FLAG}",
                "on CPU torch.compile would add about a minute to the start",
            )
        )
    if not updates:
        return model
    return dataclasses.replace(model, runtime=dataclasses.replace(runtime, **updates))  # type: ignore[arg-type]


def _smoke_budget(limit: RateLimitConfig | None, where: str, changes: list[Change]) -> RateLimitConfig | None:
    if limit is None or limit.tokens_per_minute is None or limit.tokens_per_minute <= SMOKE_TOKENS_PER_MINUTE:
        return limit
    changes.append(
        Change(
            f"{where}.tokensPerMinute",
            str(limit.tokens_per_minute),
            str(SMOKE_TOKENS_PER_MINUTE),
            "smoke test only: a budget a few completions use up",
        )
    )
    return dataclasses.replace(limit, tokens_per_minute=SMOKE_TOKENS_PER_MINUTE)


def localize_config(config: StackConfig, *, smoke_test: bool) -> tuple[StackConfig, list[Change]]:
    """``config`` changed only where one machine with the tiny model needs it; the changes, each with its reason."""
    changes: list[Change] = []
    single = len(config.models) == 1
    tokens = smoke_test and config.gateway.mode == "ai-gateway"  # the standalone gateway limits requests
    models = []
    for index, model in enumerate(config.models):
        where = "model" if single else f"models[{index}]"
        model = _localize_model(model, where, changes)
        if tokens and isinstance(model.rate_limit, RateLimitConfig):
            limit = _smoke_budget(model.rate_limit, f"{where}.rateLimit", changes)
            model = dataclasses.replace(model, rate_limit=limit)
        models.append(model)
    gateway = config.gateway
    if tokens:
        limit = _smoke_budget(gateway.rate_limit, "gateway.rateLimit", changes)
        gateway = dataclasses.replace(gateway, rate_limit=limit)
    if smoke_test:
        requests = gateway.standalone.requests_per_minute
        if gateway.mode == "standalone" and requests is not None and requests > SMOKE_REQUESTS_PER_MINUTE:
            changes.append(
                Change(
                    "gateway.standalone.requestsPerMinute",
                    str(requests),
                    str(SMOKE_REQUESTS_PER_MINUTE),
                    "smoke test only: a budget a few requests use up",
                )
            )
            standalone = dataclasses.replace(gateway.standalone, requests_per_minute=SMOKE_REQUESTS_PER_MINUTE)
            gateway = dataclasses.replace(gateway, standalone=standalone)
    tenants = _smoke_tenants(config, changes) if tokens and config.tenants else config.tenants
    observability = config.observability
    phoenix = observability.phoenix
    if phoenix is not None and phoenix.auth_secret_name is not None:
        changes.append(
            Change(
                "observability.phoenix.authSecretName",
                phoenix.auth_secret_name,
                "null",
                "the local Phoenix takes no API key, and its Secret is in your cluster",
            )
        )
        phoenix = dataclasses.replace(phoenix, auth_secret_name=None)
        observability = dataclasses.replace(observability, phoenix=phoenix)
    localized = dataclasses.replace(
        config, models=tuple(models), gateway=gateway, observability=observability, tenants=tenants
    )
    return localized, changes


def _scaled(budget: RateLimitConfig | None, factor: float) -> RateLimitConfig | None:
    if budget is None:
        return None
    values = {name: getattr(budget, name) for name, _unit in TOKEN_UNITS}
    return RateLimitConfig(**{n: None if v is None else max(1, math.ceil(v * factor)) for n, v in values.items()})


def _smoke_tenants(config: StackConfig, changes: list[Change]) -> tuple[TenantConfig, ...]:
    """Every tenant budget scaled by one factor so that the smallest is at most ``SMOKE_TOKENS_PER_MINUTE`` tokens:
    the checks can spend it in a few requests, and the teams' budgets keep their order (the smaller stays smaller)."""
    resolved = [config.budgets_of(t) for t in config.tenants]
    smallest = [
        tokens
        for budgets, tenant in zip(resolved, config.tenants, strict=True)
        for budget in [b for _n, b in budgets.given()]
        + [m.per_client for m in tenant.model_budgets]
        + [m.shared for m in tenant.model_budgets]
        if budget is not None
        for _unit, tokens in budget.limits()
    ]
    if not smallest or min(smallest) <= SMOKE_TOKENS_PER_MINUTE:
        return config.tenants
    factor = SMOKE_TOKENS_PER_MINUTE / min(smallest)
    changes.append(
        Change(
            "tenants[].budgets, tenants[].modelBudgets",
            f"smallest {min(smallest)} tokens",
            f"every budget times {factor:.4g} (smallest {SMOKE_TOKENS_PER_MINUTE})",
            "smoke test only: a budget a few completions use up, the teams' budgets in the same order",
        )
    )
    out = []
    for budgets, tenant in zip(resolved, config.tenants, strict=True):
        scaled = TenantBudgets(**{name: _scaled(getattr(budgets, name), factor) for name in _BUDGET_FIELDS})
        # Only the fields each per-model budget was given: one not given keeps the tenant's.
        model_budgets = tuple(
            TenantModelBudget(
                model=m.model, **{f: _scaled(getattr(m, f), factor) for f in given_fields(m) if f != "model"}
            )
            for m in tenant.model_budgets
        )
        out.append(dataclasses.replace(tenant, budgets=scaled, model_budgets=model_budgets))
    return tuple(out)


_BUDGET_FIELDS = ("per_client", "shared", "per_client_across_models", "shared_across_models")


def api_key_secret_name(objects: Sequence[JsonDict], config: StackConfig | None) -> tuple[str, str] | None:
    """(namespace, name) of the API-key Secret: ``apiKeys.secretName`` in the stack's namespace; for manifests
    without values, the Secret the manifests carry, else the one the SecurityPolicy reads (default gateway) or the
    standalone gateway's Pods mount as their keys."""
    if config is not None:
        return config.namespace, config.api_keys.secret_name
    for obj in objects:
        if obj.get("kind") == "Secret":
            return obj["metadata"].get("namespace", "default"), obj["metadata"]["name"]
    for policy in objects:
        if policy.get("kind") == "SecurityPolicy":
            refs = ((policy.get("spec") or {}).get("apiKeyAuth") or {}).get("credentialRefs") or []
            if refs:
                return policy["metadata"].get("namespace", "default"), str(refs[0]["name"])
    for deployment in objects:
        if deployment.get("kind") != "Deployment":
            continue
        pod = deployment["spec"]["template"]["spec"]
        containers = [*pod.get("containers", []), *pod.get("initContainers", [])]
        mounted = {m["name"] for c in containers for m in c.get("volumeMounts", []) if m.get("mountPath") == KEYS_DIR}
        for volume in pod.get("volumes", []):
            if volume["name"] in mounted and "secret" in volume:
                return deployment["metadata"].get("namespace", "default"), str(volume["secret"]["secretName"])
    return None


def with_session_keys(
    objects: Sequence[JsonDict], secret: tuple[str, str], keys: Mapping[str, str]
) -> tuple[list[JsonDict], list[Change]]:
    """``objects`` with the API-key Secret ``secret`` (namespace, name) holding ``keys`` instead of what the values
    say, and without ExternalSecrets (no operator runs here)."""
    namespace, name = secret
    changes = [
        Change(
            f"Secret {namespace}/{name}",
            "the keys of your cluster",
            f"{len(keys)} keys made for this session ({', '.join(keys)})",
            "no key of the values file or the cluster is used",
        )
    ]
    kept: list[JsonDict] = []
    for obj in objects:
        metadata = obj.get("metadata") or {}
        if obj.get("kind") == "Secret" and (metadata.get("namespace"), metadata.get("name")) == (namespace, name):
            continue
        if obj.get("kind") == "ExternalSecret":
            changes.append(
                Change(
                    f"ExternalSecret {metadata.get('namespace')}/{metadata.get('name')}",
                    "applied",
                    "left out",
                    "no External Secrets Operator here; the session's Secret stands in for what it would sync",
                )
            )
            continue
        kept.append(obj)
    session_secret: JsonDict = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque",
        "stringData": dict(keys),
    }
    return [session_secret, *kept], changes
