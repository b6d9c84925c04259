"""What the default gateway must do, asked through the official ``openai`` client: the named checks of
:mod:`.probe`, each a :class:`Check` (name, ok, detail).

:func:`run_checks` runs them all against a gateway's listener; it needs the manifests (for the keys, models and
budgets), and, to see what the model servers received and what Phoenix stored, the :class:`.service_proxy.ModelUpstream`
of each InferenceService and the :class:`.phoenix.SandboxPhoenix` (both inside the sandbox). Check names are stable:
tests and callers select checks by name.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from llm_inference_stack.facts import ai_gateway, kserve
from llm_inference_stack.facts import phoenix as phoenix_facts

if TYPE_CHECKING:
    from .phoenix import SandboxPhoenix
    from .service_proxy import ModelUpstream

UNKNOWN_MODEL = "model-not-in-the-gateway"
"""A model no route names: the AI Gateway answers it itself."""
ROUTE_NOT_FOUND = "No matching route found"
"""Start of the body of the 404 the AI Gateway (v1.0.0, ``generateHTTPRouteFilters``) adds to every HTTPRoute it
creates as the last rule's direct response."""
GATEWAY_SPAN = "ChatCompletion"
"""Name of the OpenInference span the AI Gateway's external processor records for a chat completion
(``internal/tracing/openinference/openai``); vLLM's own span is ``llm_request``."""
TRACE_WAIT_S = 90.0
"""How long to wait for the external processor's batch exporter (5 s schedule) to reach Phoenix."""


@dataclasses.dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclasses.dataclass
class ProbeReport:
    checks: list[Check] = dataclasses.field(default_factory=list)
    error: str | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "error": self.error,
            "checks": [dataclasses.asdict(c) for c in self.checks],
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeReport:
        """The report :meth:`as_dict` wrote."""
        checks = [Check(c["name"], c["ok"], c["detail"]) for c in data.get("checks") or []]
        return cls(checks, data.get("error"), dict(data.get("details") or {}))


# ----------------------------------------------------------------------------------------------------------------
# What the manifests say


def api_keys(objects: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Client id -> key of the Secrets in the manifests (the stack writes only the API-key Secret, with a dummy
    key). Read from the Secrets, not through the SecurityPolicy: a policy naming the wrong Secret must fail."""
    keys: dict[str, str] = {}
    for secret in objects:
        if secret.get("kind") == "Secret":
            keys |= dict(secret.get("stringData") or {})
            keys |= {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    return keys


def served_models(objects: Sequence[Mapping[str, Any]]) -> list[str]:
    """The model names the AIGatewayRoutes match (``x-ai-eg-model``), in order."""
    return [
        header["value"]
        for route in objects
        if route.get("kind") == "AIGatewayRoute"
        for rule in route["spec"]["rules"]
        for match in rule.get("matches") or []
        for header in match.get("headers") or []
        if header["name"] == ai_gateway.MODEL_HEADER
    ]


def routed_model(objects: Sequence[Mapping[str, Any]], deployment: str) -> str:
    """The model name the AIGatewayRoutes send to the InferenceService whose predictor is ``deployment`` (the rule
    whose backend has its name), else the first name they match."""
    for route in (o for o in objects if o.get("kind") == "AIGatewayRoute"):
        for rule in route["spec"]["rules"]:
            names = {kserve.predictor_name(str(r.get("name"))) for r in rule.get("backendRefs") or []}
            headers = [h for m in rule.get("matches") or [] for h in m.get("headers") or []]
            if deployment in names and headers:
                return str(headers[0]["value"])
    return served_models(objects)[0]


def token_budget(objects: Sequence[Mapping[str, Any]], model: str) -> int | None:
    """Tokens one client may use per minute on ``model`` (the BackendTrafficPolicy's rule for it), if limited."""
    for policy in objects:
        if policy.get("kind") != "BackendTrafficPolicy":
            continue
        for rule in ((policy["spec"].get("rateLimit") or {}).get("global") or {}).get("rules") or []:
            headers = [h for selector in rule.get("clientSelectors") or [] for h in selector.get("headers") or []]
            matches = any(h["name"] == ai_gateway.MODEL_HEADER and h.get("value") == model for h in headers)
            if matches and rule["limit"]["unit"] == "Minute":
                return int(rule["limit"]["requests"])
    return None


# ----------------------------------------------------------------------------------------------------------------
# Asking the gateway


class _Asker:
    """Chat completions through the official client, one client per key."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, key: str | None, model: str) -> Callable[[], Any]:
        import openai

        client = openai.OpenAI(base_url=f"{self.base_url}/v1", api_key=key or "unused", max_retries=0, timeout=60)
        headers: Mapping[str, Any] = {"Authorization": openai.omit} if key is None else {}
        messages: list[Any] = [{"role": "user", "content": "Hello"}]
        return lambda: client.chat.completions.create(
            model=model, messages=messages, max_tokens=8, extra_headers=headers
        )

    def status(self, key: str | None, model: str) -> tuple[int, str]:
        """HTTP status of a completion (200 when it returns) and a short description."""
        import openai

        try:
            result = self.call(key, model)()
        except openai.APIStatusError as error:
            return error.status_code, _error_text(error)
        except openai.APIConnectionError as error:
            return 0, f"no response: {error}"
        return 200, f"200 {str(result)[:160]}"


def _error_text(error: Any) -> str:
    """Status and body of an ``openai.APIStatusError``: the body as sent when it is not the OpenAI JSON error (Envoy's
    and the AI Gateway's own answers are plain text), the client's message otherwise."""
    message = str(error.message)
    if message.startswith("Error code:"):
        with contextlib.suppress(Exception):  # a streamed response whose body was not read
            message = error.response.text.strip() or message
    return f"{error.status_code} {message[:200]}"


def _marks(upstreams: Sequence[ModelUpstream]) -> list[int]:
    return [len(u.seen) for u in upstreams]


def _completions_since(upstreams: Sequence[ModelUpstream], marks: Sequence[int]) -> list[list[str | None]]:
    """The body ``model`` of each chat completion each upstream received since ``marks``."""
    return [
        [r.model for r in u.seen[mark:] if r.path.endswith("/chat/completions")]
        for u, mark in zip(upstreams, marks, strict=True)
    ]


# ----------------------------------------------------------------------------------------------------------------
# The checks


def check_keys(report: ProbeReport, ask: _Asker, model: str) -> None:
    status, detail = ask.status(None, model)
    report.add("no key -> 401", status == 401, detail)
    status, detail = ask.status("sk-not-a-key-of-this-gateway", model)
    report.add("wrong key -> 401", status == 401, detail)


def check_completion(
    report: ProbeReport, ask: _Asker, client: tuple[str, str], model: str, upstream: ModelUpstream
) -> int | None:
    """A completion for ``client`` and what the model server received; returns the tokens it used (None when the
    completion failed)."""
    import openai

    client_id, key = client
    name = f"key of {client_id} gets a chat completion from vLLM"
    seen_before = len(upstream.seen)
    try:
        completion = ask.call(key, model)()
    except openai.APIStatusError as error:
        report.add(name, False, _error_text(error))
        return None
    except openai.APIConnectionError as error:
        report.add(name, False, f"no response: {error}")
        return None
    usage = completion.usage
    answered = (
        completion.model == model
        and isinstance(completion.choices[0].message.content, str)
        and usage is not None
        and usage.total_tokens > 0
    )
    report.add(
        name,
        answered,
        f"200 model {completion.model!r}, {usage.total_tokens if usage else '?'} tokens, "
        f"{completion.choices[0].message.content!r:.80}",
    )
    received = [r for r in upstream.seen[seen_before:] if r.path.endswith("/chat/completions")]
    name = "vLLM receives the client id, not the API key"
    if not received:
        report.add(name, False, "the model server received no request")
    else:
        request = received[-1]
        leaked = [header for header, value in request.headers if key in value]
        forwarded = request.header("x-client-id")
        report.add(
            name,
            forwarded == [client_id] and not leaked,
            f"x-client-id {forwarded}; headers carrying the key: {leaked or 'none'}; "
            f"authorization header: {'present' if request.header('authorization') else 'absent'}",
        )
    return usage.total_tokens if usage else 0


def check_budget(
    report: ProbeReport, ask: _Asker, clients: Sequence[tuple[str, str]], model: str, budget: int, spent: int
) -> None:
    """The first client spends its budget on ``model`` (429), the second still gets 200."""
    import openai

    client_id, key = clients[0]
    # Charged by total tokens when each response ends: keep asking until the budget is spent (the window is
    # Envoy's rate-limit minute, so a few extra requests cover a window that turns over mid-way).
    limited, attempts = "", 0
    while attempts < 3 + budget // 8:
        attempts += 1
        try:
            answer = ask.call(key, model)()
        except openai.APIStatusError as error:
            if error.status_code == 429:
                limited = f"429 after {spent} tokens in {attempts} completions (budget {budget}/min)"
                break
            limited = _error_text(error)
            break
        spent += answer.usage.total_tokens if answer.usage else 0
    report.add(
        f"{client_id} over its token budget -> 429",
        limited.startswith("429") and spent >= budget,
        limited or f"no 429 after {spent} tokens in {attempts} completions (budget {budget}/min)",
    )
    other_id, other_key = clients[1]
    status, detail = ask.status(other_key, model)
    report.add(f"{other_id} within its own budget -> 200 meanwhile", status == 200, detail)


def check_routing(report: ProbeReport, ask: _Asker, key: str, upstreams: Sequence[ModelUpstream]) -> None:
    """Each served model reaches its own predictor Service and no other; a model no route names gets the AI
    Gateway's 404 and reaches none."""
    for index, upstream in enumerate(upstreams):
        model = upstream.served_model_name
        marks = _marks(upstreams)
        status, detail = ask.status(key, model)
        received = _completions_since(upstreams, marks)
        others = {u.inference_service: r for u, r in zip(upstreams, received, strict=True) if u is not upstream and r}
        report.add(
            f"model {model!r} reaches {kserve.predictor_name(upstream.inference_service)} only",
            status == 200 and received[index] == [model] and not others,
            f"{detail[:60]}; {kserve.predictor_name(upstream.inference_service)} received {received[index]}, "
            f"other predictors {others or 'nothing'}",
        )
    marks = _marks(upstreams)
    status, detail = ask.status(key, UNKNOWN_MODEL)
    reached = {
        u.inference_service: r for u, r in zip(upstreams, _completions_since(upstreams, marks), strict=True) if r
    }
    report.add(
        "unknown model -> 404 from the gateway, no model server reached",
        status == 404 and ROUTE_NOT_FOUND in detail and not reached,
        f"{detail}; model servers reached: {reached or 'none'}",
    )


def _started_after(span: Mapping[str, Any], since: float) -> bool:
    try:
        started = datetime.datetime.fromisoformat(str(span.get("start_time")))
    except ValueError:
        return False
    if started.tzinfo is None:
        started = started.replace(tzinfo=datetime.UTC)
    return started.timestamp() >= since


def _requested_model(span: Mapping[str, Any]) -> str | None:
    """The model the client asked for, from the span's ``llm.invocation_parameters`` (``llm.model_name`` is the
    model the response names)."""
    try:
        parameters = json.loads((span.get("attributes") or {}).get("llm.invocation_parameters") or "{}")
    except ValueError:
        return None
    model = parameters.get("model") if isinstance(parameters, dict) else None
    return model if isinstance(model, str) else None


def check_traces(
    report: ProbeReport, phoenix: SandboxPhoenix, project: str, models: Sequence[str], since: float
) -> None:
    """The external processor's spans for each of ``models``, started after ``since`` (epoch seconds), reach Phoenix
    under ``project``, and the model server's spans belong to those traces (waits for the batch exporters)."""
    deadline = time.monotonic() + TRACE_WAIT_S
    while True:
        spans = [s for s in phoenix.spans(project) if _started_after(s, since)]
        gateway = [s for s in spans if s.get("name") == GATEWAY_SPAN]
        span_models = {_requested_model(s) for s in gateway}
        gateway_traces = {_trace_id(s) for s in gateway}
        model_spans = [s for s in spans if s.get("name") != GATEWAY_SPAN]
        joined = [s for s in model_spans if _trace_id(s) in gateway_traces]
        # Each exporter sends on its own schedule: wait until every model server span has its gateway span.
        complete = set(models) <= span_models and joined and len(joined) == len(model_spans)
        if complete or time.monotonic() > deadline:
            break
        time.sleep(2.0)
    names = sorted({str(s.get("name")) for s in spans})
    if gateway:
        report.details["gatewaySpan"] = gateway[0]
    report.add(
        f"gateway spans reach Phoenix project {project!r}",
        set(models) <= span_models,
        f"{len(gateway)} {GATEWAY_SPAN} spans (requested models {sorted(map(str, span_models))}) "
        f"among {len(spans)} spans named {names}"
        if spans
        else f"no spans in project {project!r} after {TRACE_WAIT_S:.0f} s",
    )
    # The external processor passes the trace context on to the model server: vLLM's own spans are its children.
    report.add(
        "vLLM's spans join the gateway's traces",
        bool(joined) and len(joined) == len(model_spans),
        f"{len(joined)} of {len(model_spans)} model server spans in a trace of the gateway's {len(gateway)}",
    )


def _trace_id(span: Mapping[str, Any]) -> object:
    return (span.get("context") or {}).get("trace_id")


def run_checks(
    base_url: str,
    objects: Sequence[Mapping[str, Any]],
    upstreams: Sequence[ModelUpstream] = (),
    phoenix: SandboxPhoenix | None = None,
    *,
    reset: Callable[[], None] | None = None,
    metrics_url: str | None = None,
) -> ProbeReport:
    """Every check against the gateway listening at ``base_url``, in an order where none spends another's budget.
    Without ``upstreams`` no model runs behind the gateway: only the API-key checks run. With ``reset`` (it sets every
    budget counter to zero) the tenant checks of :mod:`.tenant_checks` run too, the last against the external
    processor's metrics at ``metrics_url``. Default: neither."""
    report = ProbeReport()
    probe_gateway(base_url, objects, report, upstreams, phoenix, reset=reset, metrics_url=metrics_url)
    return report


def probe_gateway(
    base_url: str,
    objects: Sequence[Mapping[str, Any]],
    report: ProbeReport,
    upstreams: Sequence[ModelUpstream] = (),
    phoenix: SandboxPhoenix | None = None,
    *,
    reset: Callable[[], None] | None = None,
    metrics_url: str | None = None,
) -> None:
    """:func:`run_checks`, adding to ``report``."""
    from .phoenix import gateway_otlp_endpoint, trace_project
    from .tenant_checks import client_header, run_tenant_checks, tenant_views

    since = time.time() - 1.0
    ask = _Asker(base_url)
    every_key = api_keys(objects)
    # The checks below are the clients' of no tenant; a tenant's keys have theirs (run_tenant_checks).
    prefixes = [t.prefix for t in tenant_views(objects, every_key, client_header(objects))]
    keys = {c: k for c, k in every_key.items() if not any(c.startswith(p) for p in prefixes)}
    # With a model server, ask for the model it serves (what a client sends), not what the route matches.
    models = [u.served_model_name for u in upstreams] or served_models(objects)
    if not keys or not models:
        report.error = "the manifests carry no API-key Secret (set apiKeys.dummyKey) or no AIGatewayRoute"
        return
    model = models[0]
    check_keys(report, ask, model)
    clients = sorted(keys.items())
    if not upstreams:
        status, detail = ask.status(clients[0][1], model)
        report.add(f"key of {clients[0][0]} passes the API-key check", status not in (0, 401, 403), detail)
        return
    spent = check_completion(report, ask, clients[0], model, upstreams[0])
    if spent is None:
        return
    budget = token_budget(objects, model)
    if budget is not None and len(clients) >= 2:
        check_budget(report, ask, clients, model, budget, spent)
    # The last client has spent the least: it asks for every model.
    check_routing(report, ask, clients[-1][1], upstreams)
    if reset is not None and prefixes:
        run_tenant_checks(report, base_url, objects, every_key, upstreams, reset=reset, metrics_url=metrics_url)
    project = trace_project(objects)
    if phoenix is None or project is None:
        return
    if not phoenix.hosts_for(objects):
        # In a cluster too, an address (the Pod's own loopback, say) or another port is not the Phoenix Service.
        report.add(
            f"gateway spans reach Phoenix project {project!r}",
            False,
            f"the gateway's OTLP endpoint {gateway_otlp_endpoint(objects)!r} is not the Phoenix chart's Service "
            f"(http://{phoenix_facts.SERVICE_NAME}.<namespace>.svc.cluster.local:{phoenix.http_port}): from the "
            "Envoy Pod it reaches no Phoenix",
        )
        return
    check_traces(report, phoenix, project, models, since)
