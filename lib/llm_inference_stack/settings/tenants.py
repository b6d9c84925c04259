"""Settings of tenants: teams that share the gateway, each with its own API keys, token budgets and models.

A tenant's clients are the keys of its own Secret; the gateway knows them by their client id, which starts with the
tenant's ``client_id_prefix`` (``<name>.`` unless set). The stack writes the prefix itself where it writes the
Secret (the ExternalSecret rewrites every key of the remote secret to ``<prefix><key>``, the test Secret's client is
``<prefix><dummyClientId>``); the keys of an existing Secret must carry it already.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import Fix, SettingsError
from ._checks import check_dns1035_label, require
from .gateway import ApiKeysConfig, RateLimitConfig
from .inherit import Settings, given_fields
from .model import INHERIT, Inherit
from .typed import Typed

CLIENT_ID_PREFIX = re.compile(r"^[A-Za-z0-9][-._A-Za-z0-9]{0,62}$")
"""What a client-id prefix may hold: the characters of a Secret key (``[-._a-zA-Z0-9]``, which Kubernetes allows in
Secret keys and therefore in client ids), starting with a letter or digit, at most 63 of them."""
PREFIX_SEPARATOR = "."
"""Ends the default prefix ``<name>.``: tenant names are DNS labels without dots, so no tenant's default prefix can
start another's."""


@dataclass(frozen=True, kw_only=True)
class TenantBudgets(Typed):
    """A tenant's token budgets. Each is a ``RateLimitConfig`` (tokens per second, minute, hour, day and/or month, in
    Envoy's fixed windows), charged from the total tokens each response reports; every budget that applies to a
    request is checked, and a request over any of them gets 429. A request is admitted while the budget is not yet
    spent and charged when its response ends, so concurrent requests can overshoot a budget by what they use."""

    per_client: RateLimitConfig | Inherit | None = INHERIT
    """Each of the tenant's keys its own budget, on each model. Null: none. Default: the stack's
    ``gateway.rateLimit`` as given (100000 tokens per minute unless changed), not a model's own ``rateLimit``."""
    shared: RateLimitConfig | None = None
    """One budget all the tenant's keys draw from together, on each model. Default: none."""
    per_client_across_models: RateLimitConfig | None = None
    """Each key's budget for everything it calls, all models together. Default: none."""
    shared_across_models: RateLimitConfig | None = None
    """One budget for all the tenant's keys on all models together. Default: none."""

    @property
    def across_models(self) -> bool:
        """Whether a budget counts across models."""
        return self.per_client_across_models is not None or self.shared_across_models is not None

    def given(self) -> list[tuple[str, RateLimitConfig]]:
        """The budgets that are set, as ``(field, budget)``; ``per_client`` only once resolved (not ``INHERIT``)."""
        out = []
        for name in ("per_client", "shared", "per_client_across_models", "shared_across_models"):
            value = getattr(self, name)
            if isinstance(value, RateLimitConfig):
                out.append((name, value))
        return out


@dataclass(frozen=True, kw_only=True)
class TenantModelBudget(Settings):
    """A tenant's per-model budgets on one model, instead of its ``budgets`` there: a field given here replaces the
    tenant's budget of that kind on this model (null: none on this model); a field not given keeps the tenant's.
    Budgets across models are not set per model."""

    model: str
    """Served model name (``models[].name``) the budgets apply to."""
    per_client: RateLimitConfig | None = None
    """Each key's budget on this model; null: none on this model. Default: the tenant's ``budgets.perClient``."""
    shared: RateLimitConfig | None = None
    """The tenant's keys together on this model; null: none on this model. Default: the tenant's
    ``budgets.shared``."""

    def over(self, budgets: TenantBudgets) -> tuple[RateLimitConfig | None, RateLimitConfig | None]:
        """``(per_client, shared)`` on this model: the fields given here, else the tenant's (resolved) ones."""
        given = given_fields(self)
        per_client = self.per_client if "per_client" in given else budgets.per_client
        shared = self.shared if "shared" in given else budgets.shared
        return (per_client if isinstance(per_client, RateLimitConfig) else None), shared


@dataclass(frozen=True, kw_only=True)
class TenantConfig(Typed):
    """A team sharing the gateway: its keys, its budgets, the models it may use."""

    name: str
    """Name of the tenant, a DNS-1035 label of at most 40 characters (``team-a``); the default client-id prefix
    and the ``tenant`` label of its usage series."""
    api_keys: ApiKeysConfig | None = None
    """Where the tenant's keys come from, as ``apiKeys``: an existing Secret, an ExternalSecret from the tenant's own
    store and path, or a test key; a Secret of its own (in the stack's namespace, where the SecurityPolicy reads
    it). Default: none, which is refused: every tenant needs its keys."""
    budgets: TenantBudgets = field(default_factory=TenantBudgets)
    """Its token budgets; a budget it does not name keeps its default (``perClient``: ``gateway.rateLimit``; the
    others: none). Default: each key ``gateway.rateLimit`` on each model, see ``TenantBudgets``."""
    models: tuple[str, ...] | None = None
    """Served model names its keys may call; any other model answers 403 from the gateway. Default: null, every
    model."""
    model_budgets: tuple[TenantModelBudget, ...] = ()
    """Per-model budgets instead of ``budgets`` on some models. Default: none."""
    client_id_prefix: str | None = None
    """Start of every client id of this tenant (the keys of its Secret). Default: ``<name>.``."""
    budget_alert_share: float = 0.8
    """Share of a daily or monthly ``shared`` / ``sharedAcrossModels`` budget at which the alert
    ``LlmTenantBudgetUsed`` fires. Default: 0.8."""

    def __post_init__(self) -> None:
        check_dns1035_label("name", self.name, 40, "it names the tenant's client ids, rules and series")
        require(
            self.api_keys is not None,
            "api_keys",
            SettingsError.MISSING,
            lambda n: (
                f"give the tenant its keys: {n('api_keys')} with {n('api_keys.secret_name')} (an existing Secret), "
                f"{n('api_keys.external_secret')} (its own store and path), or {n('api_keys.dummy_key')} with "
                f"{n('api_keys.existing_secret')}: false (testing only)"
            ),
        )
        if self.client_id_prefix is not None:
            require(
                bool(CLIENT_ID_PREFIX.fullmatch(self.client_id_prefix)),
                "client_id_prefix",
                self.client_id_prefix,
                "use letters, digits, '-', '.' and '_' (what a Secret key may hold), starting with a letter or "
                "digit, at most 63 characters, e.g. team-a.",
            )
        require(
            0 < self.budget_alert_share <= 1,
            "budget_alert_share",
            self.budget_alert_share,
            "use a share above 0 and at most 1, e.g. 0.8",
        )
        if self.models is not None:
            require(len(self.models) >= 1, "models", [], "list at least one served model name, or null for all")
            _unique(self.models, "models")
        _unique([b.model for b in self.model_budgets], "model_budgets", ".model")
        if self.models is not None:
            for index, budget in enumerate(self.model_budgets):
                require(
                    budget.model in self.models,
                    f"model_budgets[{index}].model",
                    budget.model,
                    lambda n: f"the tenant may not use this model: add it to {n('models')} or remove the budget",
                )

    @property
    def prefix(self) -> str:
        """The start of every client id of this tenant."""
        return self.client_id_prefix if self.client_id_prefix is not None else self.name + PREFIX_SEPARATOR

    @property
    def keys(self) -> ApiKeysConfig:
        assert self.api_keys is not None  # checked in __post_init__
        return self.api_keys


def _unique(values: Sequence[str], name: str, suffix: str = "") -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            raise SettingsError(
                f"{name}[{index}]{suffix}", value, f"listed twice (also {name}[{seen[value]}]{suffix}): list it once"
            )
        seen[value] = index


def resolve_budgets(budgets: TenantBudgets, default: RateLimitConfig | None) -> TenantBudgets:
    """``budgets`` with ``per_client`` resolved: ``INHERIT`` becomes ``default`` (the gateway's ``rate_limit``)."""
    if budgets.per_client is not INHERIT:
        return budgets
    return TenantBudgets(
        per_client=default,
        shared=budgets.shared,
        per_client_across_models=budgets.per_client_across_models,
        shared_across_models=budgets.shared_across_models,
    )


# --------------------------------------------------------------------------------------------------------------
# The checks across tenants, the stack's models and its keys (StackConfig runs them)


def _prefix_fix(other: int, other_prefix: str) -> Fix:
    return lambda n: (
        f"tenants[{other}] has the prefix {other_prefix!r}, and a client id starting with both would be in two "
        f"tenants: give each tenant a {n('client_id_prefix')} that does not start another's (the default "
        "'<name>.' never does)"
    )


def _secret_fix(owner: str, what: str) -> Fix:
    return lambda n: (
        f"{owner} {what} this Secret too: two sources writing (or reading) one Secret would put one team's keys in "
        "another's, or overwrite them: give each tenant a Secret of its own, e.g. <tenant>-api-keys"
    )


def check_tenants(
    tenants: Sequence[TenantConfig],
    *,
    served: Sequence[str],
    default_keys: ApiKeysConfig,
    mode: str,
    default_limit: RateLimitConfig | None,
    models_per_route: int,
) -> None:
    """What only the whole stack can judge (``SettingsError`` naming ``tenants[i]...``): unique names, prefixes that
    do not overlap, one Secret per key source, served models only, and what the gateway mode can enforce."""
    names: dict[str, int] = {}
    for index, tenant in enumerate(tenants):
        where = f"tenants[{index}]"
        if tenant.name in names:
            raise SettingsError(f"{where}.name", tenant.name, f"tenants[{names[tenant.name]}] has this name already")
        names[tenant.name] = index
        for other, earlier in enumerate(tenants[:index]):
            a, b = tenant.prefix, earlier.prefix
            if a.startswith(b) or b.startswith(a):
                raise SettingsError(f"{where}.client_id_prefix", a, _prefix_fix(other, b))
        if mode == "standalone":
            _check_standalone(tenant, where, default_limit)
        for m_index, model in enumerate(tenant.models or ()):
            if model not in served:
                raise SettingsError(f"{where}.models[{m_index}]", model, _not_served(served))
        for b_index, budget in enumerate(tenant.model_budgets):
            if budget.model not in served:
                raise SettingsError(f"{where}.model_budgets[{b_index}].model", budget.model, _not_served(served))
        if tenant.budgets.across_models and len(served) > models_per_route:
            raise SettingsError(
                f"{where}.budgets",
                "(a budget across models)",
                f"budgets across models count in one Envoy Gateway policy, which holds the models of one "
                f"AIGatewayRoute: the stack puts {models_per_route} models in one route and serves {len(served)}: use "
                "per-model budgets, or serve at most that many models behind this gateway",
            )
    _check_client_ids(tenants, default_keys)
    _check_secrets(tenants, default_keys)


def _not_served(served: Sequence[str]) -> str:
    listed = ", ".join(repr(s) for s in served[:10]) + (", ..." if len(served) > 10 else "")
    return f"the stack does not serve this model: use a served model name (models[].name): {listed}"


def _check_standalone(tenant: TenantConfig, where: str, default_limit: RateLimitConfig | None) -> None:
    """The standalone Envoy enforces no tenant: refuse the tenant, naming a token budget it would have first."""
    budgets = resolve_budgets(tenant.budgets, default_limit)
    for name, _budget in budgets.given():
        inherited = name == "per_client" and tenant.budgets.per_client is INHERIT
        raise SettingsError(
            f"{where}.budgets.{name}",
            "(the gateway's token budget)" if inherited else "(a token budget)",
            lambda n: (
                f"{n('gateway.mode')} 'standalone' cannot enforce token budgets: plain Envoy's local rate limiter "
                "charges one per request (not the tokens of the response) and counts per Envoy replica, so neither "
                "a token budget nor one shared by several keys holds there; use gateway.mode 'ai-gateway' (Envoy "
                "Gateway's global rate limit)"
            ),
        )
    raise SettingsError(
        where,
        tenant.name,
        lambda n: (
            f"tenants need {n('gateway.mode')} 'ai-gateway': the standalone Envoy reads one key Secret and has no "
            "model access per tenant"
        ),
    )


def _check_client_ids(tenants: Sequence[TenantConfig], default_keys: ApiKeysConfig) -> None:
    """A client id the stack writes itself (a test key's) must be in one tenant at most: the gateway's own test
    client may not start with a tenant's prefix."""
    if default_keys.source == "dummy":
        for index, tenant in enumerate(tenants):
            if default_keys.dummy_client_id.startswith(tenant.prefix):
                raise SettingsError(
                    "api_keys.dummy_client_id",
                    default_keys.dummy_client_id,
                    f"this client of no tenant starts with the prefix of tenants[{index}] ({tenant.prefix!r}): the "
                    "gateway would count it as that tenant's; use a client id without it",
                )


def _check_secrets(tenants: Sequence[TenantConfig], default_keys: ApiKeysConfig) -> None:
    owners: dict[str, str] = {default_keys.secret_name: "apiKeys (the keys of clients of no tenant)"}
    for index, tenant in enumerate(tenants):
        secret = tenant.keys.secret_name
        if secret in owners:
            verb = "writes" if tenant.keys.source != "existing" else "reads"
            raise SettingsError(f"tenants[{index}].api_keys.secret_name", secret, _secret_fix(owners[secret], verb))
        owners[secret] = f"tenants[{index}]"


__all__ = [
    "CLIENT_ID_PREFIX",
    "TenantBudgets",
    "TenantConfig",
    "TenantModelBudget",
    "check_tenants",
    "resolve_budgets",
]
