"""Usage per client and per tenant, from the AI Gateway's token metrics: recording rules, the alert on a tenant's
daily or monthly budget, and the dashboard's tenant row.

The AI Gateway's external processor labels ``gen_ai_client_token_usage`` with the client id when its controller maps
the client-id header to ``client.id`` (``controller.metricsRequestHeaderAttributes: "<clientIdHeader>:client.id"``;
Prometheus shows it as ``client_id``). A request's total tokens, which the budgets charge, are its ``input`` and
``output`` tokens (``cached_input`` and ``reasoning`` are parts of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import vllm_metrics as vm
from ..grafana import Panel, Row, Target
from ..tenants import TenantPlan, prefix_pattern
from .series import AIGW_CLIENT_LABEL, AIGW_TOKENS, promql_number, regex_alternatives

TOTAL_TOKENS = f'{AIGW_TOKENS}{{gen_ai_token_type=~"input|output"}}'
"""The tokens a budget charges, as the AI Gateway counts them."""
CLIENT_TOKENS_RATE = "client_id:gen_ai_tokens:rate5m"
TENANT_TOKENS_RATE = "tenant:gen_ai_tokens:rate5m"
TENANT_MODEL_TOKENS_RATE = "tenant_model_name:gen_ai_tokens:rate5m"
WINDOW_RANGE = {"Day": "1d", "Month": "30d"}
"""The alert's windows: a day, and a month taken as 30 days, rolling (Envoy's are calendar windows: a rolling window
holds at least what the current calendar window does, so the alert fires no later than the share is reached)."""
WINDOW_NAME = {"Day": "daily", "Month": "monthly"}


@dataclass(frozen=True)
class BudgetWatch:
    """One daily or monthly budget shared by a tenant's keys, to alert on."""

    unit: str
    tokens: int
    models: tuple[str, ...] | None
    """The served names it counts on, each alone (a per-model budget); None: all models together."""


@dataclass(frozen=True)
class MonitoredTenant:
    """What the rules and the dashboard need of one tenant."""

    name: str
    client_pattern: str
    """RE2 pattern of its client ids."""
    share: float
    """Share of a budget at which ``LlmTenantBudgetUsed`` fires."""
    watches: tuple[BudgetWatch, ...]

    @classmethod
    def of(cls, tenant: TenantPlan, *, served: Sequence[str], share: float = 0.8) -> MonitoredTenant:
        """``tenant`` (``GatewayTenant.plan()``) on a gateway serving ``served``; ``share`` of each daily or monthly
        shared budget alerts."""
        callable_models = [m for m in served if tenant.models is None or m in tenant.models]
        watches: list[BudgetWatch] = []
        across = tenant.budgets.shared_across_models
        for unit, tokens in across.limits() if across is not None else []:
            if unit in WINDOW_RANGE:
                watches.append(BudgetWatch(unit, tokens, None))
        per_model: dict[tuple[str, int], list[str]] = {}
        for model in callable_models:
            budget = tenant.model_budgets[model][1] if model in tenant.model_budgets else tenant.budgets.shared
            for unit, tokens in budget.limits() if budget is not None else []:
                if unit in WINDOW_RANGE:
                    per_model.setdefault((unit, tokens), []).append(model)
        watches += [BudgetWatch(unit, tokens, tuple(models)) for (unit, tokens), models in per_model.items()]
        return cls(tenant.name, prefix_pattern([tenant.prefix]), share, tuple(watches))


def _clients(tenant: MonitoredTenant) -> str:
    return f"{AIGW_CLIENT_LABEL}=~{vm.promql_string(tenant.client_pattern)}"


def _selected(tenant: MonitoredTenant) -> str:
    return f'{AIGW_TOKENS}{{{_clients(tenant)}, gen_ai_token_type=~"input|output"}}'


def tenant_rules(tenants: Sequence[MonitoredTenant], *, interval: str) -> dict[str, Any]:
    """The rule group of usage per client and per tenant (tokens per second over 5 minutes), evaluated every
    ``interval``."""
    rules: list[dict[str, Any]] = [
        {"record": CLIENT_TOKENS_RATE, "expr": f"sum by ({AIGW_CLIENT_LABEL}) (rate({TOTAL_TOKENS}[5m]))"}
    ]
    for tenant in tenants:
        labels = {"tenant": tenant.name}
        rules.append({"record": TENANT_TOKENS_RATE, "expr": f"sum(rate({_selected(tenant)}[5m]))", "labels": labels})
        if any(w.models is not None for w in tenant.watches):
            rules.append(
                {
                    "record": TENANT_MODEL_TOKENS_RATE,
                    "expr": "label_replace(sum by (gen_ai_original_model) "
                    f'(rate({_selected(tenant)}[5m])), "model_name", "$1", "gen_ai_original_model", "(.*)")',
                    "labels": labels,
                }
            )
    return {"name": "llm-stack.tenants", "interval": interval, "rules": rules}


def _seconds(interval: str) -> int:
    """A rule group's ``interval`` (``15s``, ``1m``) in seconds."""
    number, unit = int(interval[:-1]), interval[-1]
    return number * {"s": 1, "m": 60, "h": 3600}[unit]


def tenant_alerts(tenants: Sequence[MonitoredTenant], *, interval: str) -> list[dict[str, Any]]:
    """``LlmTenantBudgetUsed`` for each daily or monthly budget a tenant's keys share. The tokens used in a window are
    the recorded rate summed over it times the recording rules' ``interval`` (a window without samples counts 0)."""
    alerts = []
    step = _seconds(interval)
    for tenant in tenants:
        for watch in tenant.watches:
            window, name = WINDOW_RANGE[watch.unit], WINDOW_NAME[watch.unit]
            used = promql_number(round(tenant.share * watch.tokens, 3))
            if watch.models is None:
                series = f'{TENANT_TOKENS_RATE}{{tenant="{tenant.name}"}}'
                where = "on all models together"
            else:
                series = (
                    f'{TENANT_MODEL_TOKENS_RATE}{{tenant="{tenant.name}", '
                    f"model_name=~{regex_alternatives(list(watch.models))}}}"
                )
                where = "on {{ $labels.model_name }}"
            alerts.append(
                {
                    "alert": "LlmTenantBudgetUsed",
                    "expr": f"sum_over_time({series}[{window}]) * {step} > {used}",
                    "for": "5m",
                    "labels": {"severity": "warning", "tenant": tenant.name, "window": watch.unit.lower()},
                    "annotations": {
                        "summary": f"{tenant.name} has used {promql_number(round(tenant.share * 100, 2))}% of its "
                        f"{name} budget {where} ({watch.tokens} tokens)",
                        "description": f"The keys of tenant {tenant.name} used more than {used} tokens in the last "
                        f"{window} {where}, of the {watch.tokens} their shared "
                        f"{name} budget allows; at the budget the gateway answers their requests with 429 until "
                        "the window turns over (Envoy's calendar window; this alert counts a rolling one). Raise "
                        f"the budget (tenants[].budgets), or find the client that uses it ({CLIENT_TOKENS_RATE}).",
                    },
                }
            )
    return alerts


def tenant_row(tenants: Sequence[MonitoredTenant], client_id_header: str) -> Row:
    """Tokens per tenant, and per client of each tenant."""
    needs = (
        f'Needs the AI Gateway installed with controller.metricsRequestHeaderAttributes "{client_id_header}:client.id".'
    )
    panels = [Panel("Tokens per second by tenant", (Target(f"sum by (tenant) ({TENANT_TOKENS_RATE})", "{{tenant}}"),))]
    for tenant in tenants:
        panels.append(
            Panel(
                f"{tenant.name}: tokens per second by client",
                (
                    Target(
                        f"{CLIENT_TOKENS_RATE}{{{_clients(tenant)}}}",
                        "{{" + AIGW_CLIENT_LABEL + "}}",
                    ),
                ),
                description=needs,
            )
        )
    return Row("Tenants (Envoy AI Gateway)", tuple(panels))
