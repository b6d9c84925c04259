"""What a gateway in front of the models must do, asked through the official ``openai`` client: the smoke test of
``llm-stack local-run --no-wait`` for the standalone gateway (the default gateway's checks are
:func:`..controlplane.probe.probe_gateway`'s). Each check is one line of a :class:`..controlplane.probe.ProbeReport`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..base.telemetry import phoenix_spans
from ..controlplane.probe import ProbeReport

WRONG_KEY = "sk-not-a-key-of-this-gateway"
MAX_TOKENS = 8
SPAN_WAIT_S = 60.0
"""Longest wait for a span in Phoenix: exporters send in batches, every few seconds."""


def _status_of(call: Callable[[], Any]) -> tuple[int, str, Any]:
    """HTTP status of an ``openai`` call (200 when it returns), a short description and the result."""
    import openai

    try:
        result = call()
    except openai.APIStatusError as error:
        return error.status_code, f"{error.status_code} {str(error.message)[:160]}", None
    except openai.APIConnectionError as error:
        return 0, f"no response: {error}", None
    usage = result.usage.total_tokens if result.usage else "?"
    return 200, f"200 model {result.model!r}, {usage} tokens, {result.choices[0].message.content!r:.60}", result


def completion_caller(base_url: str, model: str) -> Callable[[str | None], Callable[[], Any]]:
    """``ask(key)``: a call that sends one short chat completion for ``model`` with that key (None: no header)."""
    import openai

    def ask(key: str | None) -> Callable[[], Any]:
        client = openai.OpenAI(base_url=f"{base_url}/v1", api_key=key or "unused", max_retries=0, timeout=120)
        headers: dict[str, Any] = {"Authorization": openai.omit} if key is None else {}
        return lambda: client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Hello"}],
            max_tokens=MAX_TOKENS,
            extra_headers=headers,
        )

    return ask


def request_budget_checks(
    base_url: str,
    models: Sequence[str],
    clients: Sequence[tuple[str, str]],
    requests_per_minute: Callable[[str], int | None],
    report: ProbeReport,
) -> None:
    """No key and a wrong key are refused, a valid key gets a completion from every model, and a client over its
    per-minute request budget gets 429 while another client still gets 200."""
    first = completion_caller(base_url, models[0])
    status, detail, _ = _status_of(first(None))
    report.add("no key -> 401", status == 401, detail)
    status, detail, _ = _status_of(first(WRONG_KEY))
    report.add("wrong key -> 401", status == 401, detail)
    (client_id, key), (other_id, other_key) = clients[0], clients[1]
    for model in models:
        status, detail, answer = _status_of(completion_caller(base_url, model)(key))
        answered = answer is not None and answer.model == model and answer.usage and answer.usage.total_tokens > 0
        report.add(f"valid key -> 200 ({model})", status == 200 and bool(answered), detail)
    budget = requests_per_minute(models[0])
    if budget is None:
        report.add("over budget -> 429", True, f"skipped: {models[0]} has no request limit")
        return
    # The bucket refills continuously (one request every 60/budget s) while the requests run: short completions are
    # sent several times faster than that, so at most a few times the budget reach the limit.
    sent, limited = 1, ""  # the completion above counted
    while sent < 3 * budget + 3:
        status, detail, _ = _status_of(first(key))
        if status != 200:
            limited = f"{detail} after {sent} requests (budget {budget}/min)"
            break
        sent += 1
    report.add("over budget -> 429", limited.startswith("429") and sent >= budget, limited or f"no 429 in {sent}")
    status, detail, _ = _status_of(first(other_key))
    report.add(f"other client -> 200 ({other_id} while {client_id} is limited)", status == 200, detail)


def gateway_span_check(phoenix_url: str, project: str, client_id: str, report: ProbeReport) -> None:
    """The gateway's span of a request of ``client_id`` arrives in Phoenix, in ``project``, naming the client."""
    deadline = time.monotonic() + SPAN_WAIT_S
    spans: list[dict[str, Any]] = []
    while True:
        spans = phoenix_spans(phoenix_url, project, limit=200)
        mine = [s for s in spans if f'"{client_id}"' in json.dumps(s.get("attributes", {}))]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    detail = (
        f"span {mine[0].get('name')!r} with client id {client_id!r} in project {project!r}"
        if mine
        else f"no span naming {client_id!r} in project {project!r} after {SPAN_WAIT_S:.0f} s ({len(spans)} spans)"
    )
    report.add("gateway span in Phoenix", bool(mine), detail)
