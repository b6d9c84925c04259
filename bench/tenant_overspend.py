#!/usr/bin/env python3
"""How far concurrent streams overshoot a tenant's token budget, on the default gateway's real data path.

A budget is checked when a request arrives (cost 0) and charged when its response ends (Envoy Gateway's global rate
limit with a response cost; the AI Gateway's total tokens): every stream admitted before the budget is spent still
runs to its end. So the tokens granted past the budget are bounded by the streams in flight, each at most one
request (its prompt and ``max_tokens``). This runs ``--streams`` concurrent streamed completions on one key of a
tenant until every one gets 429, and prints the budget, the tokens granted, the overshoot and that bound.

Needs ``make e2e-deps controlplane-deps`` (the local control plane, its data path and vLLM on CPU, as
``llm-stack local-run``). Usage: ``python bench/tenant_overspend.py [--streams 20] [--budget 400] [--max-tokens 16]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "tests" / "e2e" / "values-e2e.yaml"
TENANT_KEY = "sk-bench-tenant-0123456789abcdef"


def _manifests(budget: int, directory: Path) -> Path:
    from llm_inference_stack import stack_config_from_mapping
    from llm_inference_stack.synth import manifests

    values: dict[str, Any] = yaml.safe_load(VALUES.read_text())
    values["apiKeys"] = {"existingSecret": False, "dummyKey": "sk-bench-no-tenant-0123456789"}
    values["observability"] = {"phoenix": None}
    values["model"]["runtime"]["extraArgs"] = ["--enforce-eager"]  # no queue cap: every stream runs at once
    values["tenants"] = [
        {
            "name": "team-b",
            "apiKeys": {"secretName": "team-b-keys", "existingSecret": False, "dummyKey": TENANT_KEY},
            # An hourly window: it does not turn over during the run.
            "budgets": {"perClient": {"tokensPerHour": budget}},
        }
    ]
    directory.mkdir(parents=True, exist_ok=True)
    objects = manifests(stack_config_from_mapping(values))
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return directory


class _Streams:
    """``count`` workers, each sending streamed completions on one key until it gets 429."""

    def __init__(self, endpoint: str, key: str, model: str, max_tokens: int) -> None:
        self.endpoint, self.key, self.model, self.max_tokens = endpoint, key, model, max_tokens
        self.lock = threading.Lock()
        self.granted: list[tuple[int, int]] = []
        """(prompt, completion) tokens of each stream that was answered."""
        self.in_flight = 0
        self.peak = 0
        self.refused = 0
        self.errors: list[str] = []

    def _one(self) -> bool:
        import openai

        client = openai.OpenAI(base_url=f"{self.endpoint}/v1", api_key=self.key, max_retries=0, timeout=300)
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            usage = None
            stream = client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": "Tell me a story."}],
                max_tokens=self.max_tokens,
                stream=True,
            )
            for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
            with self.lock:
                self.granted.append((usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0))
            return True
        except openai.APIStatusError as error:
            with self.lock:
                if error.status_code == 429:
                    self.refused += 1
                else:
                    self.errors.append(f"{error.status_code} {error.message}"[:200])
            return False
        finally:
            with self.lock:
                self.in_flight -= 1

    def worker(self) -> None:
        for _ in range(1000):
            if not self._one():
                return

    def run(self, count: int) -> float:
        started = time.monotonic()
        threads = [threading.Thread(target=self.worker) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/tenant_overspend.py")
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--work-dir", type=Path)
    options = parser.parse_args(argv)
    from llm_stack_harness.controlplane.serve import start_gateway

    work = options.work_dir or Path(tempfile.mkdtemp(prefix="tenant-overspend-"))
    directory = _manifests(options.budget, work / "manifests")
    print(f"starting the default gateway's data path (logs in {work}) ...", file=sys.stderr, flush=True)
    with start_gateway(directory, work_dir=work / "data-path") as served:
        streams = _Streams(served.endpoint, TENANT_KEY, served.models[0], options.max_tokens)
        seconds = streams.run(options.streams)
    granted = sum(p + c for p, c in streams.granted)
    largest = max((p + c for p, c in streams.granted), default=0)
    prompt = max((p for p, _c in streams.granted), default=0)
    bound = options.streams * (prompt + options.max_tokens)
    result = {
        "streams": options.streams,
        "maxTokens": options.max_tokens,
        "budget": options.budget,
        "streamsAnswered": len(streams.granted),
        "streamsRefused429": streams.refused,
        "otherErrors": streams.errors[:5],
        "peakInFlight": streams.peak,
        "tokensGranted": granted,
        "overspend": max(0, granted - options.budget),
        "largestRequest": largest,
        "bound": bound,
        "boundHolds": granted - options.budget <= bound,
        "seconds": round(seconds, 1),
    }
    print(json.dumps(result, indent=2))
    print(
        f"{options.streams} concurrent streams on one key, budget {options.budget} tokens: granted {granted}, "
        f"{result['overspend']} past the budget (bound {options.streams} x (prompt {prompt} + max_tokens "
        f"{options.max_tokens}) = {bound}: {'holds' if result['boundHolds'] else 'EXCEEDED'})"
    )
    return 0 if result["boundHolds"] and not streams.errors and streams.refused == options.streams else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
