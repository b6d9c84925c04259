"""What load ``llm-stack local-run --load PROFILE`` sends, and when: a bounded profile, checked before anything starts.

- ``step``: ``concurrency`` chat completions kept in flight for ``duration_s``, after an idle lead-in of
  ``lead_in_s`` (the timeline's baseline);
- ``ramp``: the number kept in flight rises linearly from 1 to ``concurrency`` over ``duration_s`` (after the same
  lead-in);
- a trace file (:func:`read_trace`): one request per line at its own arrival time, with its own prompt and output
  length, at most ``concurrency`` in flight (a request due while that many are in flight is sent when one ends).

Every profile is bounded (:data:`MAX_CONCURRENCY`, :data:`MAX_DURATION_S`, :data:`MAX_REQUESTS` and the trace's
limits); a malformed or unbounded one raises :class:`~..base.errors.LoadProfileError` naming the field, the value,
the fix and, for a trace, the line. A profile crosses into the control plane's sandbox as JSON: ``to_json`` and
:func:`profile_from_json`, which checks it again as when it was made.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from .errors import LoadProfileError

MAX_CONCURRENCY = 64
"""Most chat completions in flight at once: one client thread each, on a machine whose cores also run the model
servers and the gateway; more would measure the client, not the stack."""
MAX_DURATION_S = 900.0
"""Longest profile, lead-in included (15 min): long enough for scale-up and one scale-down, short enough that a
forgotten run ends."""
MAX_LEAD_IN_S = 300.0
"""Longest idle lead-in before a step or ramp (5 min)."""
MAX_REQUESTS = 20_000
"""Most requests one run sends (a trace may have at most this many lines): the driver stops issuing there even if
the profile's time is not over, and the summary says so. Four short streams on two CPU vLLM Pods send ~14 a second,
so a fault run's 890 s may send ~12 500."""
MAX_PROMPT_TOKENS = 32_768
"""Largest prompt a trace line may ask for."""
MAX_OUTPUT_TOKENS = 8192
"""Largest output a trace line may ask for."""
MAX_TRACE_BYTES = 1 << 20
"""Largest trace file read (1 MiB: about 20 000 short lines of the format, as many as :data:`MAX_REQUESTS`)."""
DEFAULT_PROMPT_TOKENS = 16
"""Prompt length (words, about one token each) of every request of a step or ramp."""
DEFAULT_OUTPUT_TOKENS = 32
"""Output length of every request of a step or ramp (with ``ignore_eos`` every request generates all of them)."""
TRACE_FIELDS = {
    "t": "arrival time: seconds since the trace's start, 0 or more, lines in order",
    "prompt_tokens": f"prompt length in tokens (the prompt is that many words), 1 to {MAX_PROMPT_TOKENS}",
    "output_tokens": f"tokens to generate, 1 to {MAX_OUTPUT_TOKENS}",
}
"""The keys of a trace line and what each holds: every line has all three and nothing else."""
NAMED_PROFILES = ("step", "ramp")


@dataclasses.dataclass(frozen=True)
class RequestShape:
    """The size of one request: what the prompt and the completion should hold."""

    prompt_tokens: int
    output_tokens: int


@dataclasses.dataclass(frozen=True)
class Arrival:
    """One line of a trace: a request due at ``t_s`` seconds after the load starts."""

    t_s: float
    shape: RequestShape

    def to_json(self) -> dict[str, Any]:
        """The arrival as a line of a trace file (:data:`TRACE_FIELDS`)."""
        return {"t": self.t_s, "prompt_tokens": self.shape.prompt_tokens, "output_tokens": self.shape.output_tokens}


class LoadProfile(Protocol):
    """What the load driver asks a profile: how many requests to send now, and how large."""

    @property
    def kind(self) -> str:
        """``step``, ``ramp`` or ``trace``."""
        ...

    @property
    def concurrency(self) -> int:
        """Most requests in flight at once: the driver's number of client threads."""
        ...

    @property
    def start_s(self) -> float:
        """When the load starts (seconds after the run's start): the lead-in's end, a trace's first arrival."""
        ...

    @property
    def end_s(self) -> float:
        """When the last request is due; the ones in flight then run to their end."""
        ...

    def exhausted(self, t_s: float, *, issued: int) -> bool:
        """Whether no request is due at ``t_s`` or later, with ``issued`` sent so far."""
        ...

    def due(self, t_s: float, *, issued: int, in_flight: int) -> int:
        """How many more requests to send at ``t_s`` seconds, with ``issued`` sent so far and ``in_flight`` of them
        not yet answered."""
        ...

    def shape(self, number: int) -> RequestShape:
        """The size of request ``number`` (0-based, in the order sent)."""
        ...

    def describe(self) -> dict[str, Any]:
        """The profile as the JSON output reports it."""
        ...

    def to_json(self) -> dict[str, Any]:
        """Everything that makes the profile, for :func:`profile_from_json` (a trace's every arrival)."""
        ...


def _check_concurrency(concurrency: int, field: str = "--concurrency") -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise LoadProfileError(field, concurrency, f"give a whole number of requests in flight, 1 to {MAX_CONCURRENCY}")


def _check_span(duration_s: float, lead_in_s: float) -> None:
    if not math.isfinite(duration_s) or duration_s <= 0:
        raise LoadProfileError(
            "--duration", duration_s, f"give seconds of load, more than 0, at most {MAX_DURATION_S:g}"
        )
    if not math.isfinite(lead_in_s) or not 0 <= lead_in_s <= MAX_LEAD_IN_S:
        raise LoadProfileError("--lead-in", lead_in_s, f"give idle seconds before the load, 0 to {MAX_LEAD_IN_S:g}")
    if lead_in_s + duration_s > MAX_DURATION_S:
        with_lead_in = f"with the lead-in ({lead_in_s:g} s), " if lead_in_s else ""
        raise LoadProfileError(
            "--duration", duration_s, f"{with_lead_in}a profile lasts at most {MAX_DURATION_S:g} s: give less"
        )


@dataclasses.dataclass(frozen=True)
class StepProfile:
    """``concurrency`` requests in flight from ``lead_in_s`` for ``duration_s`` seconds (closed loop: each answer
    sends the next request)."""

    concurrency: int
    duration_s: float
    lead_in_s: float = 0.0
    """Idle seconds before the load. Default: 0."""
    output_tokens: int = DEFAULT_OUTPUT_TOKENS
    """Tokens each request generates (``ignore_eos``). Default: :data:`DEFAULT_OUTPUT_TOKENS`."""
    kind = "step"

    def __post_init__(self) -> None:
        _check_concurrency(self.concurrency)
        _check_span(self.duration_s, self.lead_in_s)
        if not 1 <= self.output_tokens <= MAX_OUTPUT_TOKENS:
            raise LoadProfileError(
                "output_tokens", self.output_tokens, f"give tokens to generate, 1 to {MAX_OUTPUT_TOKENS}"
            )

    @property
    def start_s(self) -> float:
        return self.lead_in_s

    @property
    def end_s(self) -> float:
        return self.lead_in_s + self.duration_s

    def exhausted(self, t_s: float, *, issued: int) -> bool:
        return t_s >= self.end_s

    def target(self, t_s: float) -> int:
        """Requests to keep in flight at ``t_s``."""
        return self.concurrency if self.start_s <= t_s < self.end_s else 0

    def due(self, t_s: float, *, issued: int, in_flight: int) -> int:
        return max(0, self.target(t_s) - in_flight)

    def shape(self, number: int) -> RequestShape:
        return RequestShape(DEFAULT_PROMPT_TOKENS, self.output_tokens)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "concurrency": self.concurrency, "duration_s": self.duration_s,
                "lead_in_s": self.lead_in_s, "output_tokens": self.output_tokens}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return self.describe()  # its fields are all there is to a step or a ramp


@dataclasses.dataclass(frozen=True)
class RampProfile(StepProfile):
    """From ``lead_in_s`` the requests kept in flight rise linearly from 1 to ``concurrency`` over ``duration_s``
    (each level held for an equal share of it)."""

    kind = "ramp"

    def target(self, t_s: float) -> int:
        if not self.start_s <= t_s < self.end_s:
            return 0
        share = (t_s - self.start_s) / self.duration_s
        return min(self.concurrency, 1 + math.floor(share * self.concurrency))


@dataclasses.dataclass(frozen=True)
class TraceProfile:
    """Requests at the arrival times of a trace file, at most ``concurrency`` in flight."""

    arrivals: tuple[Arrival, ...]
    concurrency: int
    source: str
    """The trace file, as given."""
    kind = "trace"

    def __post_init__(self) -> None:
        _check_concurrency(self.concurrency)
        if not self.arrivals:
            raise LoadProfileError("--load", self.source, "the trace has no request: give at least one line")

    @property
    def start_s(self) -> float:
        return self.arrivals[0].t_s

    @property
    def end_s(self) -> float:
        return self.arrivals[-1].t_s

    def exhausted(self, t_s: float, *, issued: int) -> bool:
        return issued >= len(self.arrivals)  # one due while the cap was in flight is still sent

    def due(self, t_s: float, *, issued: int, in_flight: int) -> int:
        arrived = issued
        while arrived < len(self.arrivals) and self.arrivals[arrived].t_s <= t_s:
            arrived += 1
        return max(0, min(arrived - issued, self.concurrency - in_flight))

    def shape(self, number: int) -> RequestShape:
        return self.arrivals[number].shape

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "requests": len(self.arrivals),
                "concurrency": self.concurrency, "duration_s": self.end_s}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "concurrency": self.concurrency,
                "arrivals": [arrival.to_json() for arrival in self.arrivals]}  # fmt: skip


def _whole(line: Mapping[str, Any], key: str, largest: int, where: str, number: int) -> int:
    value = line[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= largest:
        raise LoadProfileError(key, value, f"give {TRACE_FIELDS[key]}", file=where, line=number)
    return value


def _arrival(line: Mapping[str, Any], previous: Arrival | None, *, where: str, number: int) -> Arrival:
    """One line of a trace (:data:`TRACE_FIELDS`, nothing else), due no earlier than ``previous``; raises
    :class:`LoadProfileError` naming the key, the value, the fix and the line."""
    for key in line.keys() - TRACE_FIELDS.keys():
        raise LoadProfileError(key, line[key], f"leave it out: a line has only {', '.join(TRACE_FIELDS)}",
                               file=where, line=number)  # fmt: skip
    for key in TRACE_FIELDS.keys() - line.keys():
        raise LoadProfileError(key, LoadProfileError.MISSING, f"give {TRACE_FIELDS[key]}", file=where, line=number)
    t_s = line["t"]
    if isinstance(t_s, bool) or not isinstance(t_s, int | float) or not 0 <= t_s <= MAX_DURATION_S:
        raise LoadProfileError("t", t_s, f"give the {TRACE_FIELDS['t']}, at most {MAX_DURATION_S:g}",
                               file=where, line=number)  # fmt: skip
    if previous is not None and t_s < previous.t_s:
        raise LoadProfileError("t", t_s, f"sort the lines by t: the line before is at {previous.t_s:g}",
                               file=where, line=number)  # fmt: skip
    shape = RequestShape(
        _whole(line, "prompt_tokens", MAX_PROMPT_TOKENS, where, number),
        _whole(line, "output_tokens", MAX_OUTPUT_TOKENS, where, number),
    )
    return Arrival(float(t_s), shape)


def read_trace(path: Path) -> tuple[Arrival, ...]:
    """The requests of a trace file: JSON lines, one request per line, ``{"t": 0.5, "prompt_tokens": 120,
    "output_tokens": 32}`` (:data:`TRACE_FIELDS`); blank lines are skipped. Lines are in order of ``t``; the last
    ``t`` is at most :data:`MAX_DURATION_S`, the lines at most :data:`MAX_REQUESTS`.

    Raises :class:`LoadProfileError` naming the key, the value, the fix and the line."""
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise LoadProfileError(
            "--load", where, f"give step, ramp or a readable trace file ({error.strerror})"
        ) from None
    if not path.is_file() or size > MAX_TRACE_BYTES:
        raise LoadProfileError("--load", where, f"give a regular trace file of at most {MAX_TRACE_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LoadProfileError("--load", where, f"give a UTF-8 JSON-lines trace file ({error})") from None
    arrivals: list[Arrival] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as error:
            raise LoadProfileError(
                "line", raw[:60], f"give one JSON object per line ({error.msg})", file=where, line=number
            ) from None
        if not isinstance(line, dict):
            raise LoadProfileError("line", raw[:60], "give one JSON object per line", file=where, line=number)
        if len(arrivals) == MAX_REQUESTS:
            raise LoadProfileError("line", raw[:60], f"a trace has at most {MAX_REQUESTS} requests: split it",
                                   file=where, line=number)  # fmt: skip
        arrivals.append(_arrival(line, arrivals[-1] if arrivals else None, where=where, number=number))
    return tuple(arrivals)


def load_profile(
    load: str, *, concurrency: int, duration_s: float | None, lead_in_s: float | None, default_duration_s: float,
    output_tokens: int | None = None,
) -> LoadProfile:  # fmt: skip
    """The profile ``--load`` names: ``step``, ``ramp`` or a trace file's path, with ``--concurrency``,
    ``--duration``, ``--lead-in`` and ``--output-tokens`` (None: not given; default
    :data:`DEFAULT_OUTPUT_TOKENS`). A trace's lines say when and how large: ``--duration``, ``--lead-in`` and
    ``--output-tokens`` do not apply to it."""
    if load in NAMED_PROFILES:
        duration = default_duration_s if duration_s is None else duration_s
        tokens = DEFAULT_OUTPUT_TOKENS if output_tokens is None else output_tokens
        if isinstance(tokens, bool) or not isinstance(tokens, int) or not 1 <= tokens <= MAX_OUTPUT_TOKENS:
            raise LoadProfileError("--output-tokens", tokens, f"give tokens each request generates, 1 to "
                                   f"{MAX_OUTPUT_TOKENS}")  # fmt: skip
        kind = StepProfile if load == "step" else RampProfile
        return kind(concurrency=concurrency, duration_s=duration, lead_in_s=lead_in_s or 0.0, output_tokens=tokens)
    path = Path(load)
    if not path.exists():
        raise LoadProfileError("--load", load, f"give {' or '.join(NAMED_PROFILES)}, or an existing trace file")
    for option, value in (("--duration", duration_s), ("--lead-in", lead_in_s), ("--output-tokens", output_tokens)):
        if value is not None:
            raise LoadProfileError(option, value, "leave it out with a trace file: its lines say when and how large")
    return TraceProfile(arrivals=read_trace(path), concurrency=concurrency, source=load)


def profile_from_json(document: Mapping[str, Any]) -> LoadProfile:
    """The profile whose ``to_json`` made ``document``, checked again as when it was made (the bounds, a trace's
    every line); raises :class:`LoadProfileError` naming the field."""
    fields = {key: value for key, value in document.items() if key != "kind"}
    kind = document.get("kind")
    if kind in NAMED_PROFILES:
        profile_class = StepProfile if kind == "step" else RampProfile
        known = {field.name for field in dataclasses.fields(profile_class)}
        for key in fields.keys() - known:
            raise LoadProfileError(key, fields[key], f"leave it out: a {kind} has only {', '.join(sorted(known))}")
        return profile_class(**fields)
    if kind == "trace":
        source, lines = str(fields.get("source", "trace")), fields.get("arrivals")
        if not isinstance(lines, list) or not all(isinstance(line, Mapping) for line in lines):
            raise LoadProfileError("arrivals", lines, "give the trace's lines, one object each")
        if len(lines) > MAX_REQUESTS:
            raise LoadProfileError("arrivals", len(lines), f"a trace has at most {MAX_REQUESTS} requests: split it")
        arrivals: list[Arrival] = []
        for number, line in enumerate(lines, start=1):
            arrivals.append(_arrival(line, arrivals[-1] if arrivals else None, where=source, number=number))
        concurrency: Any = fields.get("concurrency", LoadProfileError.MISSING)  # checked by the profile
        return TraceProfile(arrivals=tuple(arrivals), concurrency=concurrency, source=source)
    raise LoadProfileError("kind", kind, f"give {', '.join(NAMED_PROFILES)} or trace")
