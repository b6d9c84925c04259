"""The timeline of ``llm-stack local-run --load``: what the cluster did while a :class:`~.load.ProfileLoad` ran.

Every ``poll_s`` seconds, while the load runs and for ``tail_s`` after its last answer (to see the scale-down), the
run asks a :class:`ClusterState` what it sees (requests waiting, the autoscaler's metric, the HPA's desired replicas,
the Deployment's replicas and ready replicas) and merges it with the requests that ended since the last poll
(:class:`TimelineRow`). The :class:`Summary` says how long the stack took to reach the capacity the HPA asked for,
and what that cost in replica-seconds (the GPU bill).

A :class:`ClusterState` is the one thing a gateway mode has to provide to run load: this module reads no cluster
itself. Renderers: :func:`table_header` / :func:`table_row` / :func:`summary_lines` (text), :meth:`Timeline.to_json`
and :func:`write_plot` (PNG, matplotlib imported when called). :meth:`Timeline.from_json` reads the JSON back: a
timeline made in the control plane's sandbox is rendered outside it.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from .load import ProfileLoad, RequestRecord

Phase = Literal["lead-in", "load", "tail"]
"""Where a poll falls: before the profile's start, while requests are sent or answered, after the last answer."""


@dataclasses.dataclass(frozen=True)
class ClusterSample:
    """What the cluster shows at one moment; None where it is not known (no reading, or not applicable)."""

    waiting: float | None = None
    """Requests waiting in the model servers' queues (vLLM's ``vllm:num_requests_waiting``, summed). Default: None."""
    external_metric: float | None = None
    """The value of the metric the HPA scales on, as its ``status.currentMetrics`` reports it. Default: None."""
    desired: int | None = None
    """The HPA's ``status.desiredReplicas``. Default: None."""
    replicas: int | None = None
    """The model Deployment's ``status.replicas``: the replicas that hold (and bill) a GPU. Default: None."""
    ready: int | None = None
    """The model Deployment's ``status.readyReplicas``: the replicas that serve. Default: None."""


class ClusterState(Protocol):
    """The readings of a running stack for the timeline; provided by the gateway mode that runs the load."""

    def sample(self, t_s: float) -> ClusterSample:
        """What the cluster shows now, ``t_s`` seconds after the run's start (the time the row will carry)."""
        ...


class NoClusterState:
    """A :class:`ClusterState` that knows nothing: the timeline of the requests alone."""

    def sample(self, t_s: float) -> ClusterSample:
        return ClusterSample()


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (the smallest value with at least ``fraction`` of the values at or below it), or
    None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclasses.dataclass(frozen=True)
class RequestCounts:
    """How a set of requests ended, and their times to first token."""

    ok: int
    rate_limited: int
    errors: int
    ttft_p50_s: float | None
    ttft_p95_s: float | None

    @classmethod
    def of(cls, records: Sequence[RequestRecord]) -> RequestCounts:
        ttfts = [r.ttft_s for r in records if r.status == "2xx" and r.ttft_s is not None]
        return cls(
            ok=sum(r.status == "2xx" for r in records),
            rate_limited=sum(r.status == "429" for r in records),
            errors=sum(r.status == "error" for r in records),
            ttft_p50_s=percentile(ttfts, 0.50),
            ttft_p95_s=percentile(ttfts, 0.95),
        )


@dataclasses.dataclass(frozen=True)
class TimelineRow:
    """One poll: the cluster's readings, and the requests that ended since the poll before."""

    t_s: float
    """Seconds since the run's start."""
    phase: Phase
    in_flight: int
    """Requests the client had sent and not yet seen answered."""
    cluster: ClusterSample
    counts: RequestCounts

    def to_json(self) -> dict[str, Any]:
        """The row as the JSON output has it: flat, times rounded to milliseconds."""
        return {
            "t": round(self.t_s, 3),
            "phase": self.phase,
            "in_flight": self.in_flight,
            **dataclasses.asdict(self.cluster),
            "ok": self.counts.ok,
            "rate_limited": self.counts.rate_limited,
            "errors": self.counts.errors,
            "ttft_p50_s": _ms(self.counts.ttft_p50_s),
            "ttft_p95_s": _ms(self.counts.ttft_p95_s),
        }

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> TimelineRow:
        """The row :meth:`to_json` made (the readings of :class:`ClusterSample`; a subclass's others are left)."""
        cluster = ClusterSample(**{field.name: row.get(field.name) for field in dataclasses.fields(ClusterSample)})
        return cls(row["t"], row["phase"], row["in_flight"], cluster, _counts(row))


def _counts(document: Mapping[str, Any]) -> RequestCounts:
    """The :class:`RequestCounts` of a row's or the summary's JSON (the same keys in both)."""
    return RequestCounts(
        ok=document["ok"],
        rate_limited=document["rate_limited"],
        errors=document["errors"],
        ttft_p50_s=document["ttft_p50_s"],
        ttft_p95_s=document["ttft_p95_s"],
    )


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclasses.dataclass(frozen=True)
class Summary:
    """The run in numbers."""

    load_start_s: float
    """When the profile's load started (seconds since the run's start)."""
    load_end_s: float
    """When its last request was answered (or the profile's end, for a load that sent nothing)."""
    peak_desired: int | None
    """The most replicas the HPA asked for during the run; None without an HPA reading."""
    time_to_capacity_s: float | None
    """From the load's start to the first poll (at or after it) where the ready replicas reached ``peak_desired``;
    None when they never did, or nothing was known."""
    replica_seconds: float | None
    """The Deployment's replicas integrated over the run (each reading held until the next poll): the GPU cost.
    None without a replicas reading."""
    requests: int
    counts: RequestCounts
    capped: bool
    """Whether the request cap stopped the load before the profile's end."""
    stopped_s: float | None = None
    """When the run's ``enough`` condition ended the load before the profile's end (nothing sent after), or None."""

    def to_json(self) -> dict[str, Any]:
        return {
            "time_to_capacity_s": _ms(self.time_to_capacity_s),
            "peak_desired": self.peak_desired,
            "replica_seconds": _ms(self.replica_seconds),
            "requests": self.requests,
            "ok": self.counts.ok,
            "errors": self.counts.errors,
            "rate_limited": self.counts.rate_limited,
            "ttft_p50_s": _ms(self.counts.ttft_p50_s),
            "ttft_p95_s": _ms(self.counts.ttft_p95_s),
            "load_start_s": _ms(self.load_start_s),
            "load_end_s": _ms(self.load_end_s),
            "request_cap_reached": self.capped,
            "load_stopped_s": _ms(self.stopped_s),
        }

    @classmethod
    def from_json(cls, summary: Mapping[str, Any]) -> Summary:
        """The summary :meth:`to_json` made."""
        return cls(
            load_start_s=summary["load_start_s"],
            load_end_s=summary["load_end_s"],
            peak_desired=summary["peak_desired"],
            time_to_capacity_s=summary["time_to_capacity_s"],
            replica_seconds=summary["replica_seconds"],
            requests=summary["requests"],
            counts=_counts(summary),
            capped=summary["request_cap_reached"],
            stopped_s=summary.get("load_stopped_s"),
        )


def summarize(
    rows: Sequence[TimelineRow], records: Sequence[RequestRecord], *, load_start_s: float, load_end_s: float,
    capped: bool = False, stopped_s: float | None = None,
) -> Summary:  # fmt: skip
    """The :class:`Summary` of a run's polls and requests (see its fields for each number's definition)."""
    desired = [r.cluster.desired for r in rows if r.cluster.desired is not None]
    peak = max(desired) if desired else None
    reached = None
    if peak is not None:
        reached = next(
            (r.t_s for r in rows
             if r.t_s >= load_start_s and r.cluster.ready is not None and r.cluster.ready >= peak),
            None,
        )  # fmt: skip
    held = [
        (row.cluster.replicas, after.t_s - row.t_s)
        for row, after in itertools.pairwise(rows)
        if row.cluster.replicas is not None
    ]
    known = any(r.cluster.replicas is not None for r in rows)
    return Summary(
        load_start_s=load_start_s,
        load_end_s=load_end_s,
        peak_desired=peak,
        time_to_capacity_s=None if reached is None else reached - load_start_s,
        replica_seconds=sum(replicas * span for replicas, span in held) if known else None,
        requests=len(records),
        counts=RequestCounts.of(records),
        capped=capped,
        stopped_s=stopped_s,
    )


@dataclasses.dataclass(frozen=True)
class Timeline:
    """A run's profile, polls and summary."""

    profile: dict[str, Any]
    rows: tuple[TimelineRow, ...]
    summary: Summary

    def to_json(self) -> dict[str, Any]:
        """The one JSON object ``--json`` prints: ``timeline`` (the rows), ``summary`` and ``profile``."""
        return {
            "timeline": [row.to_json() for row in self.rows],
            "summary": self.summary.to_json(),
            "profile": self.profile,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Timeline:
        """The timeline :meth:`to_json` made (other keys beside its three are left)."""
        return cls(
            dict(document["profile"]),
            tuple(TimelineRow.from_json(row) for row in document["timeline"]),
            Summary.from_json(document["summary"]),
        )


def run_timeline(
    load: ProfileLoad,
    cluster: ClusterState,
    *,
    poll_s: float,
    tail_s: float,
    on_row: Callable[[TimelineRow], None] = lambda _row: None,
    sleep: Callable[[float], None] = time.sleep,
    settled: Callable[[TimelineRow], bool] = lambda _row: False,
    enough: Callable[[TimelineRow], bool] = lambda _row: False,
) -> Timeline:
    """Start ``load``, poll ``cluster`` every ``poll_s`` seconds (first at once) until ``tail_s`` seconds after the
    load's last answer, and return the timeline; ``on_row`` sees each row as it is made. The load stops early
    (:meth:`~.load.ProfileLoad.stop`: nothing more is sent) at the first row of the load for which ``enough`` is true
    (e.g. every Pod added served requests), so a profile's length is a bound, not a fixed cost. The tail ends early
    at the first row after a whole poll of tail for which ``settled`` is true (e.g. the Deployment back at its
    minimum)."""
    profile = load.profile
    load.start()
    rows: list[TimelineRow] = []
    seen = 0
    tail_end: float | None = None
    poll = 0
    while True:
        finished = load.finished  # before the records: a finished load's last row holds every answer
        in_flight = load.in_flight
        t_s = load.now()
        records = load.records()
        phase: Phase = "lead-in" if t_s < profile.start_s and not records else "tail" if finished else "load"
        row = TimelineRow(t_s, phase, in_flight, cluster.sample(t_s), RequestCounts.of(records[seen:]))
        seen = len(records)
        rows.append(row)
        on_row(row)
        if phase == "load" and load.stopped_s is None and enough(row):
            load.stop()
        if finished:
            if tail_end is None:
                tail_end = max((r.end_s for r in records), default=t_s) + tail_s
            if t_s >= tail_end or (t_s >= tail_end - tail_s + poll_s and settled(row)):
                break
        poll += 1
        sleep(max(0.0, poll * poll_s - load.now()))
    records = load.records()
    end = max((r.end_s for r in records), default=profile.end_s)
    summary = summarize(
        rows, records, load_start_s=profile.start_s, load_end_s=end, capped=load.capped, stopped_s=load.stopped_s
    )
    return Timeline(profile.describe(), tuple(rows), summary)


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


TABLE_COLUMNS: tuple[tuple[str, int, Callable[[TimelineRow], str]], ...] = (
    ("t_s", 7, lambda r: f"{r.t_s:.1f}"),
    ("phase", 7, lambda r: r.phase),
    ("in_flight", 9, lambda r: str(r.in_flight)),
    ("waiting", 7, lambda r: _number(r.cluster.waiting)),
    ("metric", 7, lambda r: _number(r.cluster.external_metric, 1)),
    ("desired", 7, lambda r: _number(r.cluster.desired)),
    ("replicas", 8, lambda r: _number(r.cluster.replicas)),
    ("ready", 5, lambda r: _number(r.cluster.ready)),
    ("ok", 4, lambda r: str(r.counts.ok)),
    ("429", 4, lambda r: str(r.counts.rate_limited)),
    ("errors", 6, lambda r: str(r.counts.errors)),
    ("ttft_p50", 8, lambda r: _number(r.counts.ttft_p50_s, 3)),
    ("ttft_p95", 8, lambda r: _number(r.counts.ttft_p95_s, 3)),
)
"""The table's columns, in order: name, width, text of a row's value (``-`` where unknown). The request columns
count the requests that ended since the poll before."""


def table_header() -> str:
    """The table's header line."""
    return " ".join(f"{name:>{width}}" for name, width, _value in TABLE_COLUMNS)


def table_row(row: TimelineRow) -> str:
    """One poll as a table line, under :func:`table_header`."""
    return " ".join(f"{value(row):>{width}}" for _name, width, value in TABLE_COLUMNS)


def summary_lines(summary: Summary) -> list[str]:
    """The summary as text, one fact a line."""
    counts = summary.counts
    if summary.peak_desired is None:
        capacity = "unknown (no reading of the HPA's desired replicas)"
    elif summary.time_to_capacity_s is None:
        capacity = f"never reached (ready replicas stayed below the {summary.peak_desired} the HPA wanted)"
    else:
        capacity = (
            f"{summary.time_to_capacity_s:.1f} s (ready replicas reached the HPA's peak of {summary.peak_desired})"
        )
    cost = "unknown (no reading of the Deployment's replicas)"
    if summary.replica_seconds is not None:
        cost = f"{summary.replica_seconds:.1f}"
    lines = [
        f"load: {summary.load_start_s:.1f} s to {summary.load_end_s:.1f} s after the start",
        f"time to capacity: {capacity}",
        f"replica-seconds: {cost}",
        f"requests: {summary.requests} ({counts.ok} ok, {counts.rate_limited} rate limited (429), "
        f"{counts.errors} errors)",
        f"time to first token: p50 {_number(counts.ttft_p50_s, 3)} s, p95 {_number(counts.ttft_p95_s, 3)} s",
    ]
    if summary.capped:
        lines.append("the request cap stopped the load before the profile's end")
    return lines


def write_plot(timeline: Timeline, path: Path) -> None:
    """The timeline as a PNG at ``path``: desired, replicas and ready replicas above, requests waiting (and in flight)
    below, the load shaded from its start to its last answer. Needs matplotlib (a dev dependency), imported here,
    drawn with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    times = [row.t_s for row in timeline.rows]

    def series(value: Callable[[TimelineRow], float | None]) -> list[float]:
        return [math.nan if (v := value(row)) is None else float(v) for row in timeline.rows]

    figure = Figure(figsize=(9, 6))
    FigureCanvasAgg(figure)
    replicas_axes, queue_axes = figure.subplots(2, 1, sharex=True)
    for label, value, style in (
        ("HPA desired", lambda r: r.cluster.desired, {"color": "tab:blue", "linestyle": "--", "linewidth": 2.5}),
        ("replicas", lambda r: r.cluster.replicas, {"color": "tab:orange", "linewidth": 1.5}),
        ("ready", lambda r: r.cluster.ready, {"color": "tab:green", "linewidth": 1.5, "linestyle": "-."}),
    ):
        replicas_axes.step(times, series(value), where="post", label=label, **style)
    replicas_axes.set_ylabel("replicas")
    replicas_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    queue_axes.plot(times, series(lambda r: r.cluster.waiting), label="waiting (model servers)")
    queue_axes.plot(times, series(lambda r: r.in_flight), label="in flight (client)", linestyle="--")
    queue_axes.set_ylabel("requests")
    queue_axes.set_xlabel("seconds since the start")
    summary = timeline.summary
    for axes in (replicas_axes, queue_axes):
        axes.axvspan(summary.load_start_s, summary.load_end_s, color="0.92", label="load (start to last answer)")
        axes.axvline(summary.load_start_s, color="0.4", linestyle=":")
        axes.axvline(summary.load_end_s, color="0.4", linestyle=":")
        axes.legend(loc="best", fontsize="small", framealpha=0.8)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
    figure.suptitle(f"llm-stack local-run --load {timeline.profile.get('kind', '')}")
    figure.savefig(path, format="png", dpi=80)
