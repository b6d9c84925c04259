"""Bounded load generators: concurrent chat completions through the official ``openai`` client (imported when
used).

- :func:`chat_load` fills vLLM's queue for the scaling query (a fixed concurrency, whole responses);
- :class:`ProfileLoad` sends a :class:`~.load_profile.LoadProfile` as streamed completions and records each
  request's start, time to first token and end (:class:`RequestRecord`), for the timeline (:mod:`.timeline`).

Both send to loopback only, with a per-request timeout and no retries: every error is a real one.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from .errors import HarnessError
from .load_profile import MAX_REQUESTS, LoadProfile

if TYPE_CHECKING:
    import openai

StatusClass = Literal["2xx", "429", "error"]
"""How a request ended: a complete streamed answer; the gateway's rate limit; anything else (5xx, another status, a
connection error or timeout, a stream that broke off)."""
DISPATCH_TICK_S = 0.02
"""Longest the dispatcher waits before it looks at the profile again (a ramp's next level, a trace's next arrival)."""


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
) -> LoadReport:
    """Keep ``concurrency`` chat completions in flight (official OpenAI client) for ``min_duration_s``.

    Bounded: at most ``max_requests`` requests in all, each with ``timeout_s`` and no retries. ``ignore_eos``
    (a vLLM extension) makes every request generate ``max_tokens`` tokens, so the queue length is steady.
    """
    import openai

    # One connection per request ("Connection: close"): vLLM's server closes a keep-alive connection that
    # stays idle for 5 s, and on two cores saturated by CPU inference a client thread can take that long to
    # send its next request, which then fails with a connection error (a race of connection reuse, not a
    # vLLM failure). Fresh connections keep every error a real one, with no retries to hide them.
    def new_client() -> openai.OpenAI:
        return openai.OpenAI(
            base_url=f"{base_url}/v1",
            api_key="local",
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


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    """One request of a :class:`ProfileLoad`; times in seconds since the load driver's clock zero (the run's start)."""

    number: int
    """0-based, in the order sent."""
    start_s: float
    ttft_s: float | None
    """Time to first token: from the start to the first chunk with content; None if none came."""
    end_s: float
    status: StatusClass
    code: int | None
    """The HTTP status, or None for a connection error or timeout."""
    detail: str = ""
    """What went wrong, for a request that did not end ``2xx``. Default: empty."""


SANDBOX_NETWORK = ipaddress.ip_network("10.244.0.0/16")
"""The Pod network inside the control plane's sandbox (its own network namespace: :mod:`..controlplane.pods`)."""


def _loopback_url(base_url: str, *, sandboxed: bool = False) -> str:
    host = urlsplit(base_url).hostname or ""
    try:
        address = ipaddress.ip_address(host)
        allowed = address.is_loopback or (sandboxed and address in SANDBOX_NETWORK)
    except ValueError:
        allowed = host == "localhost"
    if not allowed:
        where = f" or the sandbox's Pod network {SANDBOX_NETWORK}" if sandboxed else ""
        raise HarnessError(f"load: {base_url!r} is not a loopback address{where}: give http://127.0.0.1:PORT")
    return base_url.rstrip("/")


def _prompt(number: int, tokens: int) -> str:
    """A prompt of ``tokens`` words (about one token each), distinct per request so no prefix cache answers it."""
    words = [f"r{number}", *("scale" for _ in range(tokens - 1))]
    return " ".join(words)


class ProfileLoad:
    """Sends ``profile`` to the OpenAI-compatible ``base_url`` (``/v1`` is appended) as streamed chat completions,
    from a background thread; :meth:`records` reads what finished so far, at any time.

    Bounded: at most :data:`~.load_profile.MAX_REQUESTS` requests (``max_requests``), ``profile.concurrency`` in
    flight, each with ``timeout_s`` and no retries; nothing is sent once the profile is exhausted. One connection per
    request (``Connection: close``), for the reason :func:`chat_load` gives.
    """

    def __init__(
        self,
        profile: LoadProfile,
        *,
        base_url: str,
        model: str,
        api_key: str,
        timeout_s: float = 120.0,
        max_requests: int = MAX_REQUESTS,
        clock: Callable[[], float] = time.monotonic,
        sandboxed: bool = False,
    ) -> None:
        self.profile = profile
        self.base_url = _loopback_url(base_url, sandboxed=sandboxed)
        self.model = model
        self._api_key = api_key
        self.timeout_s = timeout_s
        self.max_requests = min(max_requests, MAX_REQUESTS)
        self._clock = clock
        self._zero = clock()
        """The clock's reading at the run's start (:meth:`start`): every time of a record is relative to it."""
        self._lock = threading.Lock()
        self._queued = threading.Condition(self._lock)
        """Notified when requests are queued for the workers (or the end is)."""
        self._answered = threading.Condition(self._lock)
        """Notified when a request ends: the dispatcher may send the next."""
        self._queue: list[int] = []
        self._issued = 0
        self._in_flight = 0
        self._records: list[RequestRecord] = []
        self._finished = threading.Event()
        self._stopped: float | None = None
        """When :meth:`stop` was called (seconds since the start), if it was."""
        self._dispatcher = threading.Thread(target=self._dispatch, name="load-dispatch", daemon=True)

    @property
    def zero(self) -> float:
        """The clock's reading at the run's start (:meth:`start`): a record's times plus this are the clock's."""
        return self._zero

    def now(self) -> float:
        """Seconds since the run's start, on the driver's clock."""
        return self._clock() - self._zero

    def start(self) -> None:
        """Start sending: the profile's times, and the records', count from now."""
        self._zero = self._clock()
        self._dispatcher.start()

    def stop(self) -> None:
        """Send nothing more (the requests in flight finish): the profile ends here, as if exhausted. Requests due
        but not yet taken by a worker are dropped, not sent late."""
        with self._lock:
            if self._stopped is None:
                self._stopped = self.now()
                pending = [n for n in self._queue if n >= 0]
                self._queue = [n for n in self._queue if n < 0]
                self._issued -= len(pending)
                self._in_flight -= len(pending)
            self._answered.notify_all()

    @property
    def stopped_s(self) -> float | None:
        """When :meth:`stop` ended the profile early (seconds since the start), or None."""
        return self._stopped

    @property
    def finished(self) -> bool:
        """Whether every request was sent and answered (or timed out)."""
        return self._finished.is_set()

    @property
    def capped(self) -> bool:
        """Whether ``max_requests`` stopped the load before the profile's end."""
        return self._issued >= self.max_requests

    @property
    def in_flight(self) -> int:
        """Requests sent (or due) and not yet answered."""
        with self._lock:
            return self._in_flight

    def records(self) -> list[RequestRecord]:
        """The requests answered so far, in the order they ended."""
        with self._lock:
            return list(self._records)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait until :attr:`finished`; whether it is."""
        return self._finished.wait(timeout_s)

    def _dispatch(self) -> None:
        workers = [
            threading.Thread(target=self._work, name=f"load-{i}", daemon=True) for i in range(self.profile.concurrency)
        ]
        for worker in workers:
            worker.start()
        with self._lock:
            while True:
                t_s = self.now()
                if (
                    self._stopped is not None
                    or self.profile.exhausted(t_s, issued=self._issued)
                    or self._issued >= self.max_requests
                ):
                    break
                due = self.profile.due(t_s, issued=self._issued, in_flight=self._in_flight)
                sending = min(due, self.max_requests - self._issued)
                self._queue.extend(range(self._issued, self._issued + sending))
                self._issued += sending
                self._in_flight += sending
                self._queued.notify(sending)
                self._answered.wait(DISPATCH_TICK_S)
            self._queue.append(-1)  # the end: every worker stops at it (it stays in the queue)
            self._queued.notify_all()
        for worker in workers:  # each request in flight ends within timeout_s
            worker.join(timeout=self.timeout_s + 10)
        self._finished.set()

    def _next(self) -> tuple[int, float]:
        """The next request's number and its start (taken under the lock, so none starts after :meth:`stop`), or
        -1 at the end."""
        with self._lock:
            while not self._queue:
                self._queued.wait()
            if self._queue[0] < 0:
                return -1, self.now()
            return self._queue.pop(0), self.now()

    def _work(self) -> None:
        import openai

        with openai.OpenAI(
            base_url=f"{self.base_url}/v1",
            api_key=self._api_key,
            timeout=self.timeout_s,
            max_retries=0,
            default_headers={"Connection": "close"},
        ) as client:
            while (taken := self._next())[0] >= 0:
                record = self._send(client, *taken)
                with self._lock:
                    self._records.append(record)
                    self._in_flight -= 1
                    self._answered.notify()

    def _send(self, client: openai.OpenAI, number: int, start: float) -> RequestRecord:
        import openai

        shape = self.profile.shape(number)
        ttft: float | None = None
        try:
            stream = client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": _prompt(number, shape.prompt_tokens)}],
                max_tokens=shape.output_tokens,
                temperature=0.0,
                stream=True,
                extra_body={"ignore_eos": True},
            )
            with stream:
                for chunk in stream:
                    if ttft is None and any(choice.delta.content for choice in chunk.choices):
                        ttft = self.now() - start
            return RequestRecord(number, start, ttft, self.now(), "2xx", 200)
        except openai.APIStatusError as error:
            status: StatusClass = "429" if error.status_code == 429 else "error"
            return RequestRecord(
                number, start, ttft, self.now(), status, error.status_code, f"HTTP {error.status_code}"
            )
        except Exception as error:  # a connection error, a timeout, a stream broken off: this request failed
            return RequestRecord(number, start, ttft, self.now(), "error", None, f"{type(error).__name__}: {error}")
