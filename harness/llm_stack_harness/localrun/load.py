"""A bounded load generator: concurrent chat completions through the official ``openai`` client (imported when
used), to fill vLLM's queue for the scaling query."""

from __future__ import annotations

import dataclasses
import threading
import time


@dataclasses.dataclass(frozen=True)
class LoadReport:
    started: float
    """Epoch seconds when the first request was sent."""
    finished: float
    """Epoch seconds when the last response arrived."""
    completed: int
    errors: list[str]


def chat_load(
    base_url: str,
    model: str,
    *,
    concurrency: int,
    min_duration_s: float,
    max_requests: int,
    max_tokens: int = 32,
    timeout_s: float = 120.0,
    api_key: str = "local",
) -> LoadReport:
    """Keep ``concurrency`` chat completions in flight (official OpenAI client) for ``min_duration_s``.

    Bounded: at most ``max_requests`` requests in all, each with ``timeout_s`` and no retries. ``ignore_eos``
    (a vLLM extension) makes every request generate ``max_tokens`` tokens, so the queue length is steady.
    ``api_key`` goes in ``Authorization: Bearer`` (a gateway's key; vLLM itself takes any).
    """
    import openai

    # One connection per request ("Connection: close"): vLLM's server closes a keep-alive connection that
    # stays idle for 5 s, and on two cores saturated by CPU inference a client thread can take that long to
    # send its next request, which then fails with a connection error (a race of connection reuse, not a
    # vLLM failure). Fresh connections keep every error a real one, with no retries to hide them.
    def new_client() -> openai.OpenAI:
        return openai.OpenAI(
            base_url=f"{base_url}/v1",
            api_key=api_key,
            timeout=timeout_s,
            max_retries=0,
            default_headers={"Connection": "close"},
        )

    lock = threading.Lock()
    issued = 0
    completed = 0
    errors: list[str] = []
    started = time.time()
    deadline = time.monotonic() + min_duration_s

    def worker() -> None:
        nonlocal issued, completed
        with new_client() as client:
            while True:
                with lock:
                    if issued >= max_requests or time.monotonic() >= deadline:
                        return
                    issued += 1
                    number = issued
                try:
                    client.chat.completions.create(
                        model=model,
                        messages=[{"role": "user", "content": f"Request {number}: scale the replica queue."}],
                        max_tokens=max_tokens,
                        temperature=0.0,
                        extra_body={"ignore_eos": True},
                    )
                    with lock:
                        completed += 1
                except openai.OpenAIError as error:
                    with lock:
                        errors.append(f"request {number}: {type(error).__name__}: {error} ({error.__cause__!r})")

    threads = [threading.Thread(target=worker, name=f"load-{i}", daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:  # no new request after the deadline; each one in flight ends within timeout_s
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + timeout_s + 10)
    return LoadReport(started, time.time(), completed, errors)
