"""What the default gateway must do for tenants, asked through the official ``openai`` client: each team's keys
work, a team's key is refused a model it may not call (the gateway's 403, no model server reached), a team over its
budget gets 429 while another team still gets 200 (spent with streamed completions only: a stream that was not
charged would never reach 429), a team's shared budget is drawn by both of its keys, a budget across models stops a
key on a second model after it spent the budget on the first, and the external processor's token metrics per client
match what the clients received.

The tenants, their keys and budgets are read from the manifests (the rules and the authorization ``AiGateway``
writes, the Secrets' keys), not from values: a policy that does not say what the values meant fails here. Each
check that spends a budget starts with every counter at zero (:func:`run_tenant_checks`'s ``reset``, which empties
the rate-limit service's Redis) and, for windows of a second or a minute, at the start of a window.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from llm_inference_stack.facts import ai_gateway

if TYPE_CHECKING:
    from .gateway_checks import ProbeReport
    from .service_proxy import ModelUpstream

MODEL_HEADER = ai_gateway.MODEL_HEADER
MAX_TOKENS = 8
"""Completion tokens each request asks for (the tiny model's replies are random text)."""
LARGEST_SPEND = 2_000
"""Largest budget a check spends (the tiny model on CPU: ~15 tokens a request, a second or two each)."""
RBAC_DENIED = "RBAC: access denied"
"""Body of Envoy's RBAC filter's 403."""
METRICS_TOLERANCE = 0.01


@dataclasses.dataclass(frozen=True)
class BudgetRuleView:
    """One rule of a tenant's budgets, as the manifests say."""

    tokens: int
    unit: str
    per_client: bool
    across: bool
    model: str | None
    excluded: frozenset[str]

    def applies(self, model: str) -> bool:
        if self.across:
            return True
        return (self.model is None or self.model == model) and model not in self.excluded


@dataclasses.dataclass
class TenantView:
    """A tenant as the manifests make it: its prefix, keys, models and budget rules."""

    prefix: str
    keys: list[tuple[str, str]]
    allowed: list[str] | None
    rules: list[BudgetRuleView]

    @property
    def name(self) -> str:
        return self.prefix.rstrip(".-_")

    def budget(self, model: str, *, per_client: bool | None = None, across: bool | None = None) -> int | None:
        """The smallest budget of one key of this tenant on ``model`` (of the kind asked for), if any."""
        tokens = [
            r.tokens
            for r in self.rules
            if r.applies(model)
            and (per_client is None or r.per_client == per_client)
            and (across is None or r.across == across)
        ]
        return min(tokens) if tokens else None

    def units(self, model: str) -> set[str]:
        return {r.unit for r in self.rules if r.applies(model)}

    def may_call(self, model: str) -> bool:
        return self.allowed is None or model in self.allowed


def _unescape(pattern: str) -> str:
    return re.sub(r"\\(.)", r"\1", pattern)


def _alternatives(pattern: str) -> list[str]:
    """The names of an RE2 alternation ``(?:a|b)`` or a single escaped name, as ``tenants.names_pattern`` writes."""
    if pattern.startswith("(?:") and pattern.endswith(")"):
        pattern = pattern[3:-1]
    return [_unescape(p) for p in re.split(r"(?<!\\)\|", pattern)]


def _rule_views(objects: Sequence[Mapping[str, Any]], client_header: str) -> dict[str, list[BudgetRuleView]]:
    """Prefix -> its budget rules, from every BackendTrafficPolicy."""
    out: dict[str, list[BudgetRuleView]] = {}
    for policy in objects:
        if policy.get("kind") != "BackendTrafficPolicy":
            continue
        for rule in ((policy["spec"].get("rateLimit") or {}).get("global") or {}).get("rules") or []:
            headers = [h for s in rule.get("clientSelectors") or [] for h in s.get("headers") or []]
            member = next(
                (
                    h
                    for h in headers
                    if h["name"] == client_header
                    and h.get("type") == "RegularExpression"
                    and not h.get("invert")
                    and str(h.get("value", "")).endswith(".*")
                    and not str(h.get("value")).startswith("(?:")
                ),
                None,
            )
            if member is None:
                continue
            model = next(
                (h.get("value") for h in headers if h["name"] == MODEL_HEADER and h.get("type") == "Exact"), None
            )
            excluded = frozenset(
                name
                for h in headers
                if h["name"] == MODEL_HEADER and h.get("type") == "RegularExpression" and h.get("invert")
                for name in _alternatives(str(h["value"]))
            )
            view = BudgetRuleView(
                tokens=int(rule["limit"]["requests"]),
                unit=str(rule["limit"]["unit"]),
                per_client=any(h["name"] == client_header and h.get("type") == "Distinct" for h in headers),
                across=bool(rule.get("shared")),
                model=model,
                excluded=excluded,
            )
            out.setdefault(_unescape(str(member["value"])[:-2]), []).append(view)
    return out


_CEL_PREFIX = re.compile(r"\.startsWith\('((?:[^'\\]|\\.)*)'\)")
_CEL_MODELS = re.compile(r" in \[((?:'(?:[^'\\]|\\.)*'(?:, )?)*)\]\)$")


def _allowed_models(objects: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Prefix -> the models it may call, from the SecurityPolicies' Deny rules (as ``tenants.model_access_rule``
    writes them)."""
    out: dict[str, list[str]] = {}
    for policy in objects:
        if policy.get("kind") != "SecurityPolicy":
            continue
        for rule in (policy["spec"].get("authorization") or {}).get("rules") or []:
            cel = str(rule.get("cel") or "")
            prefix, models = _CEL_PREFIX.search(cel), _CEL_MODELS.search(cel)
            if rule.get("action") == "Deny" and prefix and models:
                names = re.findall(r"'((?:[^'\\]|\\.)*)'", models.group(1))
                out[_unescape(prefix.group(1))] = [_unescape(n) for n in names]
    return out


def tenant_views(objects: Sequence[Mapping[str, Any]], keys: Mapping[str, str], client_header: str) -> list[TenantView]:
    """The tenants the manifests configure, each with the keys (of ``keys``) that start with its prefix."""
    rules = _rule_views(objects, client_header)
    allowed = _allowed_models(objects)
    prefixes = sorted(set(rules) | set(allowed))
    return [
        TenantView(
            prefix=prefix,
            keys=sorted((c, k) for c, k in keys.items() if c.startswith(prefix)),
            allowed=allowed.get(prefix),
            rules=rules.get(prefix, []),
        )
        for prefix in prefixes
    ]


def client_header(objects: Sequence[Mapping[str, Any]]) -> str:
    for policy in objects:
        if policy.get("kind") == "SecurityPolicy":
            header = (policy["spec"].get("apiKeyAuth") or {}).get("forwardClientIDHeader")
            if header:
                return str(header)
    return "x-client-id"


# ----------------------------------------------------------------------------------------------------------------
# Asking the gateway, counting what each client received


class _Ledger:
    """Chat completions through the official client, and the total tokens each client was answered with."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.received: dict[str, int] = {}

    def ask(self, client: tuple[str, str], model: str, *, stream: bool) -> tuple[int, str, int]:
        """Status, a short description and the total tokens of one completion (streamed or not)."""
        import openai

        client_id, key = client
        api = openai.OpenAI(base_url=f"{self.base_url}/v1", api_key=key, max_retries=0, timeout=120)
        messages: list[Any] = [{"role": "user", "content": "Hello"}]
        try:
            if stream:
                tokens, text = _read_stream(api, model, messages)
                detail = f"200 streamed, usage {tokens} tokens, {text!r:.40}"
            else:
                answer = api.chat.completions.create(model=model, messages=messages, max_tokens=MAX_TOKENS)
                tokens = answer.usage.total_tokens if answer.usage else 0
                detail = f"200 model {answer.model!r}, {tokens} tokens"
        except openai.APIStatusError as error:
            body = ""
            try:
                body = error.response.text.strip()[:120]
            except Exception:  # a streamed error whose body was not read
                body = str(error.message)[:120]
            return error.status_code, f"{error.status_code} {body}", 0
        except openai.APIConnectionError as error:
            return 0, f"no response: {error}", 0
        self.received[client_id] = self.received.get(client_id, 0) + tokens
        return 200, detail, tokens

    def spend(
        self, client: tuple[str, str], model: str, *, until: int, limit: int, stream: bool = True
    ) -> tuple[int, int, str]:
        """Completions for ``client`` on ``model`` until a 429 or ``until`` tokens spent (at most ``limit``
        requests); returns ``(tokens spent, requests, the last status line)``."""
        spent, requests, last = 0, 0, ""
        while requests < limit and spent < until:
            requests += 1
            status, last, tokens = self.ask(client, model, stream=stream)
            if status != 200:
                return spent, requests, last
            spent += tokens
        return spent, requests, last


def _read_stream(api: Any, model: str, messages: list[Any]) -> tuple[int, str]:
    """Total tokens and text of one streamed completion, its body read to the end.

    The client's own ``Stream`` (openai-python 3.x, sync) closes the connection as soon as it reads ``data:
    [DONE]``, before the upstream's end of stream reaches Envoy; the AI Gateway v1.0's external processor writes the
    usage metadata the budgets are charged from only at that end (envoyproxy/ai-gateway#2563, fixed after v1.0), so
    such a stream is not charged at all (docs/tenants.md). These checks measure what the budgets do for a client
    that reads its response to the end, as the async client and curl do.
    """
    tokens, text = 0, ""
    with api.chat.completions.with_streaming_response.create(
        model=model, messages=messages, max_tokens=MAX_TOKENS, stream=True
    ) as response:
        for line in response.iter_lines():
            data = line.removeprefix("data:").strip()
            if not line.startswith("data:") or data == "[DONE]":
                continue
            chunk = json.loads(data)
            if chunk.get("usage"):
                tokens = int(chunk["usage"].get("total_tokens") or 0)
            for choice in chunk.get("choices") or []:
                text += (choice.get("delta") or {}).get("content") or ""
    return tokens, text


def _fresh_window(units: set[str]) -> None:
    """Wait for the start of a window when a budget's window is short enough to turn over during a check."""
    if "Second" in units:
        time.sleep(1.0 - time.time() % 1.0 + 0.05)
    if "Minute" in units:
        into = time.time() % 60
        if into > 3:
            time.sleep(60 - into + 0.2)


def _marks(upstreams: Sequence[ModelUpstream]) -> list[int]:
    return [len(u.seen) for u in upstreams]


def _reached(upstreams: Sequence[ModelUpstream], marks: Sequence[int]) -> dict[str, int]:
    return {
        u.inference_service: len(u.seen) - mark for u, mark in zip(upstreams, marks, strict=True) if len(u.seen) > mark
    }


# ----------------------------------------------------------------------------------------------------------------
# The checks


def run_tenant_checks(
    report: ProbeReport,
    base_url: str,
    objects: Sequence[Mapping[str, Any]],
    keys: Mapping[str, str],
    upstreams: Sequence[ModelUpstream],
    *,
    reset: Callable[[], None],
    metrics_url: str | None = None,
) -> None:
    """Every tenant check the manifests allow, adding to ``report``; ``reset`` sets every budget counter to zero."""
    header = client_header(objects)
    tenants = [t for t in tenant_views(objects, keys, header) if t.keys]
    if not tenants:
        return
    models = [u.served_model_name for u in upstreams]
    ledger = _Ledger(base_url)
    _check_keys(report, ledger, tenants, models, upstreams, header)
    _check_model_refused(report, ledger, tenants, models, upstreams)
    prefixes = [t.prefix for t in tenants]
    others = sorted((c, k) for c, k in keys.items() if not any(c.startswith(p) for p in prefixes))
    _check_over_budget(report, ledger, tenants, models, others, reset)
    _check_shared(report, ledger, tenants, models, reset)
    _check_across(report, ledger, tenants, models, reset)
    if metrics_url is not None:
        # Only tenants' clients: the gateway's own checks before these also asked as the clients of no tenant.
        _check_usage_metrics(report, ledger, metrics_url, prefixes)


def _check_keys(
    report: ProbeReport,
    ledger: _Ledger,
    tenants: Sequence[TenantView],
    models: Sequence[str],
    upstreams: Sequence[ModelUpstream],
    header: str,
) -> None:
    for tenant in tenants:
        model = next((m for m in models if tenant.may_call(m)), None)
        if model is None:
            continue
        client = tenant.keys[0]
        index = models.index(model)
        seen = len(upstreams[index].seen)
        status, detail, _tokens = ledger.ask(client, model, stream=False)
        received = [r for r in upstreams[index].seen[seen:] if r.path.endswith("/chat/completions")]
        forwarded = received[-1].header(header) if received else None
        report.add(
            f"{tenant.name}: key of {client[0]} gets a completion from {model!r}, the model server sees its id",
            status == 200 and forwarded == [client[0]],
            f"{detail}; {header} at the model server: {forwarded}",
        )


def _check_model_refused(
    report: ProbeReport,
    ledger: _Ledger,
    tenants: Sequence[TenantView],
    models: Sequence[str],
    upstreams: Sequence[ModelUpstream],
) -> None:
    for tenant in tenants:
        refused = [m for m in models if not tenant.may_call(m)]
        if not refused:
            continue
        model = refused[0]
        marks = _marks(upstreams)
        status, detail, _tokens = ledger.ask(tenant.keys[0], model, stream=False)
        reached = _reached(upstreams, marks)
        report.add(
            f"{tenant.name}: a model it may not call ({model!r}) -> 403 from the gateway, no model server reached",
            status == 403 and RBAC_DENIED in detail and not reached,
            f"{detail}; model servers reached: {reached or 'none'}",
        )


def _check_over_budget(
    report: ProbeReport,
    ledger: _Ledger,
    tenants: Sequence[TenantView],
    models: Sequence[str],
    others: Sequence[tuple[str, str]],
    reset: Callable[[], None],
) -> None:
    """The tenant with the smallest budget spends it with streamed completions (429), while every other tenant's
    key, and a client of no tenant, still gets 200 on the same model."""
    candidates = [
        (budget, tenant, model)
        for tenant in tenants
        for model in models
        if tenant.may_call(model) and (budget := tenant.budget(model)) is not None and budget <= LARGEST_SPEND
    ]
    if not candidates:
        return
    budget, tenant, model = min(candidates, key=lambda c: c[0])
    reset()
    _fresh_window(tenant.units(model))
    spent, requests, last = ledger.spend(tenant.keys[0], model, until=budget * 3, limit=budget // 4 + 10)
    limited = last.startswith("429") and spent >= budget
    report.add(
        f"{tenant.name} over its token budget ({budget}) -> 429, streamed completions charged",
        limited,
        f"{last or 'no 429'} after {spent} tokens in {requests} streamed completions of {tenant.keys[0][0]} "
        f"on {model!r}",
    )
    for other in tenants:
        if other is tenant or not other.may_call(model):
            continue
        status, detail, _tokens = ledger.ask(other.keys[0], model, stream=False)
        report.add(
            f"{other.name}'s key gets 200 meanwhile (while {tenant.name} gets 429)",
            limited and status == 200,
            f"{other.keys[0][0]}: {detail}",
        )
    if others:
        status, detail, _tokens = ledger.ask(others[0], model, stream=False)
        report.add(
            f"a client of no tenant gets 200 meanwhile (while {tenant.name} gets 429)",
            limited and status == 200,
            f"{others[0][0]}: {detail}",
        )


def _check_shared(
    report: ProbeReport,
    ledger: _Ledger,
    tenants: Sequence[TenantView],
    models: Sequence[str],
    reset: Callable[[], None],
) -> None:
    """A tenant's budget shared by its keys: its first key spends about half of it, its second key is refused before
    it spent the whole budget itself."""
    for tenant in tenants:
        if len(tenant.keys) < 2:
            continue
        for model in models:
            shared = tenant.budget(model, per_client=False)
            own = tenant.budget(model, per_client=True)
            if not tenant.may_call(model) or shared is None or shared > LARGEST_SPEND:
                continue
            if own is not None and own <= shared:
                continue  # each key's own budget runs out first: the shared one cannot be told apart
            reset()
            _fresh_window(tenant.units(model))
            first, _n, _last = ledger.spend(tenant.keys[0], model, until=shared // 2, limit=shared // 4 + 10)
            second, requests, last = ledger.spend(tenant.keys[1], model, until=shared * 2, limit=shared // 4 + 10)
            report.add(
                f"{tenant.name}'s shared budget ({shared}) is drawn by both its keys",
                last.startswith("429") and second < shared and first + second >= shared,
                f"{tenant.keys[0][0]} spent {first}, then {tenant.keys[1][0]} got {last or 'no 429'} after {second} "
                f"tokens of its own in {requests} completions on {model!r}",
            )
            return


def _check_across(
    report: ProbeReport,
    ledger: _Ledger,
    tenants: Sequence[TenantView],
    models: Sequence[str],
    reset: Callable[[], None],
) -> None:
    """A budget across models: a key that spent it on one model is refused on another."""
    for tenant in tenants:
        callable_models = [m for m in models if tenant.may_call(m)]
        if len(callable_models) < 2:
            continue
        first, second = callable_models[:2]
        across = tenant.budget(first, across=True)
        per_model = [tenant.budget(m, across=False) for m in (first, second)]
        if across is None or across > LARGEST_SPEND or any(b is not None and b <= across for b in per_model):
            continue
        reset()
        _fresh_window(tenant.units(first))
        spent, requests, last = ledger.spend(tenant.keys[0], first, until=across * 3, limit=across // 4 + 10)
        status, detail, _tokens = ledger.ask(tenant.keys[0], second, stream=False)
        report.add(
            f"{tenant.name}'s budget across models ({across}) stops a key on {second!r} after it spent it on {first!r}",
            last.startswith("429") and spent >= across and status == 429,
            f"{tenant.keys[0][0]} got {last or 'no 429'} after {spent} tokens in {requests} completions on {first!r}; "
            f"then on {second!r}: {detail}",
        )
        return


_TOKEN_SAMPLE = re.compile(r"^gen_ai_client_token_usage_sum\{(?P<labels>[^}]*)\} (?P<value>\S+)", re.MULTILINE)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def token_usage_by_client(metrics_text: str) -> dict[str, float]:
    """Input plus output tokens per ``client_id`` in the external processor's Prometheus exposition."""
    out: dict[str, float] = {}
    for sample in _TOKEN_SAMPLE.finditer(metrics_text):
        labels = dict(_LABEL.findall(sample.group("labels")))
        if labels.get("gen_ai_token_type") in ("input", "output") and "client_id" in labels:
            out[labels["client_id"]] = out.get(labels["client_id"], 0.0) + float(sample.group("value"))
    return out


def _check_usage_metrics(report: ProbeReport, ledger: _Ledger, metrics_url: str, prefixes: Sequence[str]) -> None:
    """The external processor's token metrics per client equal the tokens each tenant client received (1%); every
    request of a tenant's client went through ``ledger``."""
    try:
        with urllib.request.urlopen(metrics_url, timeout=10) as response:
            text = response.read().decode()
    except OSError as error:
        report.add("token usage per client in the external processor's metrics", False, f"{metrics_url}: {error}")
        return
    usage = token_usage_by_client(text)
    rows = []
    ok = any(any(c.startswith(p) for p in prefixes) for c in ledger.received)
    for client, received in sorted(ledger.received.items()):
        if not any(client.startswith(p) for p in prefixes):
            continue
        counted = usage.get(client, 0.0)
        close = abs(counted - received) <= METRICS_TOLERANCE * max(received, 1)
        ok = ok and close
        rows.append(f"{client}: received {received}, counted {counted:g}")
    report.add(
        "token usage per client in the external processor's metrics matches what the clients received (1%)",
        ok,
        "; ".join(rows) or "no tenant client received tokens",
    )
