"""Tenants of a gateway as Envoy Gateway enforces them: who a client is (its id's prefix), what it may call, and the
global rate-limit rules of its budgets. Plain data and arithmetic, no constructs (``AiGateway`` turns them into its
SecurityPolicy and BackendTrafficPolicies).

What Envoy Gateway v1.9.0 does with the rules (``internal/xds/translator/ratelimit.go``):

* a rule that is not ``shared`` is counted per Envoy route: its first descriptor entry is the route's name, and the
  AI Gateway makes one HTTPRoute rule (one Envoy route) per model, so such a rule is a budget **per model**;
* a ``shared`` rule is counted in its policy's own domain under the rule's name, across every route the policy
  targets: a budget **across models** (all models of the AIGatewayRoute the policy targets);
* a header selector of type ``Distinct`` adds the header's value to the descriptor: one budget per value (per
  client id); ``Exact`` and ``RegularExpression`` add a fixed entry when the header matches (or, ``invert``, when it
  does not): one budget for every matching request;
* every rule a request matches is checked (the rate-limit service answers over-limit if any is), so a tenant's
  client is held to each of its budgets at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .config import RateLimitConfig, TenantBudgets

HeaderMatchType = Literal["Exact", "RegularExpression", "Distinct"]


@dataclass(frozen=True)
class HeaderSelector:
    """One ``clientSelectors[].headers[]`` entry of a global rate-limit rule."""

    name: str
    type: HeaderMatchType
    value: str | None = None
    invert: bool = False


@dataclass(frozen=True)
class BudgetRule:
    """One global rate-limit rule: who it counts (``headers``), its window and tokens, and whether it is counted
    across the policy's routes (``shared``)."""

    headers: tuple[HeaderSelector, ...]
    unit: str
    tokens: int
    shared: bool = False


@dataclass(frozen=True)
class TenantPlan:
    """A tenant as the gateway enforces it."""

    name: str
    prefix: str
    """Start of each of its client ids."""
    budgets: TenantBudgets
    """Its budgets, ``per_client`` resolved."""
    models: tuple[str, ...] | None
    """Served names it may call; None: every model."""
    model_budgets: Mapping[str, tuple[RateLimitConfig | None, RateLimitConfig | None]]
    """Served name -> ``(per_client, shared)`` on that model, instead of ``budgets`` there."""


_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def re2_literal(text: str) -> str:
    """``text`` as an RE2 pattern matching exactly it."""
    return "".join(f"\\{c}" if c in _RE2_SPECIAL else c for c in text)


def prefix_pattern(prefixes: Sequence[str]) -> str:
    """An RE2 pattern (Envoy matches it against the whole header value) of every id starting with one of
    ``prefixes``."""
    alternatives = sorted(re2_literal(p) for p in prefixes)
    return (alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})") + ".*"


def names_pattern(names: Sequence[str]) -> str:
    """An RE2 pattern matching exactly one of ``names``."""
    alternatives = sorted(re2_literal(n) for n in names)
    return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"


def no_tenant_selector(tenants: Sequence[TenantPlan], client_header: str) -> HeaderSelector | None:
    """The selector of the clients of no tenant (ids starting with no tenant's prefix), for the gateway's own
    budgets; None without tenants."""
    if not tenants:
        return None
    return HeaderSelector(client_header, "RegularExpression", prefix_pattern([t.prefix for t in tenants]), True)


def _rules(headers: Sequence[HeaderSelector], budget: RateLimitConfig | None, *, shared: bool) -> list[BudgetRule]:
    if budget is None:
        return []
    return [BudgetRule(tuple(headers), unit, tokens, shared) for unit, tokens in budget.limits()]


def tenant_rules(
    tenant: TenantPlan, models: Sequence[str], *, client_header: str, model_header: str, across: bool
) -> list[BudgetRule]:
    """The rules of ``tenant``'s budgets in the policy of the route holding ``models`` (served names); with
    ``across``, its budgets across models too (the policy counting every model)."""
    member = HeaderSelector(client_header, "RegularExpression", prefix_pattern([tenant.prefix]))
    distinct = HeaderSelector(client_header, "Distinct")
    budgets = tenant.budgets
    overridden = sorted(m for m in tenant.model_budgets if m in models)
    # The tenant's per-model budgets hold on every model without one of its own (the rule counts per Envoy route).
    others = [HeaderSelector(model_header, "RegularExpression", names_pattern(overridden), True)] if overridden else []
    rules = _rules([member, distinct, *others], _resolved(budgets.per_client), shared=False)
    rules += _rules([member, *others], budgets.shared, shared=False)
    for model in overridden:
        per_client, shared = tenant.model_budgets[model]
        this = HeaderSelector(model_header, "Exact", model)
        rules += _rules([member, distinct, this], per_client, shared=False)
        rules += _rules([member, this], shared, shared=False)
    if across:
        rules += _rules([member, distinct], budgets.per_client_across_models, shared=True)
        rules += _rules([member], budgets.shared_across_models, shared=True)
    return rules


def _resolved(budget: object) -> RateLimitConfig | None:
    return budget if isinstance(budget, RateLimitConfig) else None


def has_budgets(tenant: TenantPlan) -> bool:
    """Whether any budget of ``tenant`` is set."""
    return bool(tenant.budgets.given()) or any(a or b for a, b in tenant.model_budgets.values())


def cel_string(text: str) -> str:
    """``text`` as a CEL string literal."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def model_access_rule(tenant: TenantPlan, *, client_header: str, model_header: str) -> str | None:
    """A CEL expression true for a request of ``tenant``'s clients to a model it may not call (or naming no
    model), for a Deny rule of the SecurityPolicy's authorization; None when it may call every model.

    Envoy Gateway v1.9 compiles it into the RBAC filter's CEL matcher; the AI Gateway's external processor, which
    sets ``model_header`` from the request body, runs before the RBAC filter (AI Gateway v1.0
    ``insertAIGatewayExtProcFilter`` places it ahead of ``envoy.filters.http.rbac``).
    """
    if tenant.models is None:
        return None
    headers = "request.headers"
    client = f"{headers}[{cel_string(client_header)}]"
    model = f"{headers}[{cel_string(model_header)}]"
    allowed = ", ".join(cel_string(m) for m in tenant.models)
    return (
        f"{cel_string(client_header)} in {headers} && {client}.startsWith({cel_string(tenant.prefix)}) && "
        f"!({cel_string(model_header)} in {headers} && {model} in [{allowed}])"
    )
