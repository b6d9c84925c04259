"""``llm-stack local-run --load``: the profiles and their bounds, the load driver against a streaming server on
loopback, the timeline's arithmetic on a scripted cluster, the renderers and the CLI's refusals (no stack is run)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

from llm_stack_harness.base.errors import HarnessError, LoadProfileError
from llm_stack_harness.base.load import ProfileLoad, RequestRecord
from llm_stack_harness.base.load_profile import (
    MAX_CONCURRENCY,
    MAX_DURATION_S,
    MAX_REQUESTS,
    MAX_TRACE_BYTES,
    RampProfile,
    StepProfile,
    TraceProfile,
    load_profile,
    read_trace,
)
from llm_stack_harness.base.timeline import (
    TABLE_COLUMNS,
    ClusterSample,
    NoClusterState,
    RequestCounts,
    Timeline,
    TimelineRow,
    percentile,
    run_timeline,
    summarize,
    summary_lines,
    table_header,
    table_row,
    write_plot,
)
from llm_stack_harness.localrun import cli

KEY = "sk-test-load"


def _trace(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "trace.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _line(t: float, prompt: int = 8, output: int = 4) -> str:
    return json.dumps({"t": t, "prompt_tokens": prompt, "output_tokens": output})


# Profiles and their bounds


def test_a_step_keeps_its_concurrency_in_flight_after_the_lead_in_only() -> None:
    step = StepProfile(concurrency=5, duration_s=10, lead_in_s=3)
    assert (step.start_s, step.end_s) == (3, 13)
    assert [step.target(t) for t in (0, 2.9, 3, 12.9, 13)] == [0, 0, 5, 5, 0]
    assert step.due(4, issued=7, in_flight=3) == 2
    assert step.due(1, issued=0, in_flight=0) == 0


def test_a_ramp_rises_from_one_to_its_concurrency_in_equal_steps() -> None:
    ramp = RampProfile(concurrency=4, duration_s=8)
    assert [ramp.target(t) for t in (0, 1.9, 2, 4, 6, 7.99, 8)] == [1, 1, 2, 3, 4, 4, 0]
    assert ramp.describe() == {"kind": "ramp", "concurrency": 4, "duration_s": 8, "lead_in_s": 0.0, "output_tokens": 32}


def test_a_trace_sends_each_line_at_its_time_at_most_concurrency_in_flight(tmp_path: Path) -> None:
    path = _trace(tmp_path, _line(0), "", _line(0.5, 100, 7), _line(0.5), _line(2))
    profile = load_profile(str(path), concurrency=2, duration_s=None, lead_in_s=None, default_duration_s=60)
    assert isinstance(profile, TraceProfile) and len(profile.arrivals) == 4
    assert (profile.start_s, profile.end_s) == (0, 2)
    assert profile.shape(1).prompt_tokens == 100 and profile.shape(1).output_tokens == 7
    assert profile.due(0.6, issued=0, in_flight=0) == 2  # three arrived, two may be in flight
    assert profile.due(0.6, issued=1, in_flight=1) == 1
    assert profile.due(0.6, issued=3, in_flight=0) == 0  # the fourth is not due before 2 s


@pytest.mark.parametrize(
    ("line", "field", "fix"),
    [
        ('{"t": 1, "prompt_tokens": 8}', "output_tokens", "missing: give tokens to generate"),
        ('{"t": -1, "prompt_tokens": 8, "output_tokens": 4}', "t", "0 or more"),
        ('{"t": "soon", "prompt_tokens": 8, "output_tokens": 4}', "t", "seconds since the trace's start"),
        (f'{{"t": {MAX_DURATION_S + 1}, "prompt_tokens": 8, "output_tokens": 4}}', "t", "at most 900"),
        ('{"t": 1, "prompt_tokens": 0, "output_tokens": 4}', "prompt_tokens", "1 to 32768"),
        ('{"t": 1, "prompt_tokens": 8, "output_tokens": 4.5}', "output_tokens", "1 to 8192"),
        ('{"t": 1, "prompt_tokens": true, "output_tokens": 4}', "prompt_tokens", "prompt length"),
        ('{"t": 1, "prompt_tokens": 8, "output_tokens": 4, "model": "x"}', "model", "leave it out"),
        ('{"t": 1, "prompt_tokens": 8', "line", "one JSON object per line"),
        ("[1, 8, 4]", "line", "one JSON object per line"),
        ('{"t": 0.5, "prompt_tokens": 8, "output_tokens": 4}', "t", "sort the lines by t"),
    ],
)
def test_a_bad_trace_line_names_the_field_the_line_and_the_fix(tmp_path: Path, line: str, field: str, fix: str) -> None:
    path = _trace(tmp_path, _line(0), _line(1), line)
    with pytest.raises(LoadProfileError) as caught:
        read_trace(path)
    assert caught.value.path == field and caught.value.line == 3 and caught.value.file == str(path)
    assert fix in str(caught.value) and f"{path}, line 3" in str(caught.value)


def test_a_trace_longer_than_the_request_cap_is_refused_at_the_first_line_over(tmp_path: Path) -> None:
    path = _trace(tmp_path, *(_line(0) for _ in range(MAX_REQUESTS + 1)))
    with pytest.raises(LoadProfileError, match=f"at most {MAX_REQUESTS} requests") as caught:
        read_trace(path)
    assert caught.value.line == MAX_REQUESTS + 1


def test_an_empty_a_huge_or_a_missing_trace_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LoadProfileError, match="no request"):
        load_profile(str(_trace(tmp_path, "")), concurrency=1, duration_s=None, lead_in_s=None, default_duration_s=1)
    huge = tmp_path / "huge.jsonl"
    huge.write_text(" " * (MAX_TRACE_BYTES + 1))
    with pytest.raises(LoadProfileError, match=f"at most {MAX_TRACE_BYTES} bytes"):
        read_trace(huge)
    with pytest.raises(LoadProfileError, match=r"--load: 'stpe' is not valid: give step or ramp, or an existing"):
        load_profile("stpe", concurrency=1, duration_s=None, lead_in_s=None, default_duration_s=1)


def test_duration_and_lead_in_do_not_apply_to_a_trace(tmp_path: Path) -> None:
    path = _trace(tmp_path, _line(0))
    with pytest.raises(LoadProfileError, match="--duration: 30 is not valid: leave it out with a trace file"):
        load_profile(str(path), concurrency=1, duration_s=30, lead_in_s=None, default_duration_s=60)
    with pytest.raises(LoadProfileError, match="--lead-in"):
        load_profile(str(path), concurrency=1, duration_s=None, lead_in_s=5, default_duration_s=60)


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"concurrency": 0, "duration_s": 10}, "--concurrency"),
        ({"concurrency": MAX_CONCURRENCY + 1, "duration_s": 10}, "--concurrency"),
        ({"concurrency": 2, "duration_s": 0}, "--duration"),
        ({"concurrency": 2, "duration_s": float("inf")}, "--duration"),
        ({"concurrency": 2, "duration_s": MAX_DURATION_S + 1}, "--duration"),
        ({"concurrency": 2, "duration_s": 10, "lead_in_s": -1}, "--lead-in"),
        ({"concurrency": 2, "duration_s": MAX_DURATION_S - 10, "lead_in_s": 20}, "--duration"),
    ],
)
def test_a_step_or_ramp_out_of_bounds_names_the_option(props: dict[str, Any], field: str) -> None:
    for kind in (StepProfile, RampProfile):
        with pytest.raises(LoadProfileError) as caught:
            kind(**props)
        assert caught.value.path == field and caught.value.line is None


def test_the_largest_bounded_step_is_accepted() -> None:
    step = StepProfile(concurrency=MAX_CONCURRENCY, duration_s=MAX_DURATION_S - 100, lead_in_s=100)
    assert step.end_s == MAX_DURATION_S


# The driver, against a streaming server on loopback


class _Server:
    """An OpenAI-compatible chat completions endpoint on 127.0.0.1 that streams SSE chunks after ``first_chunk_s``
    (``chunk_gap_s`` apart), answers 401 without the key, and 429 or 500 for the request numbers it is told (the
    driver's number, the prompt's first word ``r<number>``)."""

    def __init__(self, *, first_chunk_s: float = 0.05, chunks: int = 3, chunk_gap_s: float = 0.05) -> None:
        self.first_chunk_s = first_chunk_s
        self.chunks = chunks
        self.chunk_gap_s = chunk_gap_s
        self.answers: dict[int, int] = {}
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                number = int(body["messages"][0]["content"].split()[0].removeprefix("r"))
                with server.lock:
                    server.received.append(body)
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    self._answer(number, body)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _answer(self, number: int, body: dict[str, Any]) -> None:
                status = 401 if self.headers.get("Authorization") != f"Bearer {KEY}" else server.answers.get(number)
                if status is not None:
                    payload = json.dumps({"error": {"message": f"status {status}"}}).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                time.sleep(server.first_chunk_s)
                for index in range(server.chunks):
                    chunk = {
                        "id": f"c{number}", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                        "choices": [{"index": 0, "delta": {"content": f"w{index} "}, "finish_reason": None}],
                    }  # fmt: skip
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(server.chunk_gap_s)
                self.wfile.write(b"data: [DONE]\n\n")

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    running.thread.start()
    yield running
    running.http.shutdown()
    running.http.server_close()


def _drive(load: ProfileLoad) -> list[RequestRecord]:
    load.start()
    assert load.wait(30)
    return load.records()


def test_the_driver_sends_a_trace_streamed_and_measures_time_to_first_token(server: _Server, tmp_path: Path) -> None:
    server.answers = {1: 429, 2: 500}
    trace = _trace(tmp_path, _line(0, 5, 3), _line(0.1, 5, 3), _line(0.2, 5, 3), _line(0.3, 5, 3), _line(0.4, 5, 3))
    profile = load_profile(str(trace), concurrency=2, duration_s=None, lead_in_s=None, default_duration_s=1)
    records = _drive(ProfileLoad(profile, base_url=server.url, model="tiny", api_key=KEY, timeout_s=10))
    assert len(records) == len(server.received) == 5
    assert [r.status for r in sorted(records, key=lambda r: r.number)] == ["2xx", "429", "error", "2xx", "2xx"]
    assert {r.code for r in records if r.status != "2xx"} == {429, 500}
    ok = [r for r in records if r.status == "2xx"]
    # the first chunk, not the end: three chunks 50 ms apart follow it (150 ms; a loaded machine may read late)
    assert all(r.ttft_s is not None and server.first_chunk_s <= r.ttft_s < r.end_s - r.start_s - 0.05 for r in ok)
    assert all(r.ttft_s is None for r in records if r.status != "2xx")
    assert server.received[0]["stream"] is True and server.received[0]["max_tokens"] == 3
    assert len(server.received[0]["messages"][0]["content"].split()) == 5  # prompt_tokens words
    starts = sorted(r.start_s for r in records)
    assert starts[-1] >= 0.4  # sent at its arrival time, not at once


def test_the_driver_keeps_a_step_s_concurrency_and_stops_at_its_end(server: _Server) -> None:
    server.first_chunk_s = 0.1
    load = ProfileLoad(StepProfile(concurrency=3, duration_s=0.6), base_url=server.url, model="m", api_key=KEY)
    records = _drive(load)
    assert server.most_in_flight == 3
    assert len(records) == len(server.received) > 3  # about 0.15 s each, three at a time, for 0.6 s
    first, later = sorted(records, key=lambda r: r.start_s)[:3], sorted(records, key=lambda r: r.start_s)[3:]
    assert min(r.start_s for r in later) >= min(r.end_s for r in first)  # each answer sends the next
    assert max(r.start_s for r in records) <= 0.6 + 0.3  # none sent after the end (a thread may start late)
    assert all(r.status == "2xx" for r in records) and not load.capped


def test_the_driver_stops_at_its_request_cap_and_says_so(server: _Server) -> None:
    load = ProfileLoad(
        StepProfile(concurrency=2, duration_s=120), base_url=server.url, model="m", api_key=KEY, max_requests=4
    )
    started = time.monotonic()
    assert len(_drive(load)) == len(server.received) == 4 and load.capped
    assert time.monotonic() - started < 60  # it did not wait for the profile's 120 s (a bound, not a speed)


def test_a_wrong_key_and_a_closed_port_are_errors_not_retried(server: _Server) -> None:
    records = _drive(ProfileLoad(RampProfile(concurrency=1, duration_s=0.2), base_url=server.url, model="m",
                                 api_key="sk-wrong"))  # fmt: skip
    assert records and {(r.status, r.code) for r in records} == {("error", 401)}
    assert len(server.received) == len(records)
    server.http.server_close()
    closed = _drive(ProfileLoad(StepProfile(concurrency=1, duration_s=0.1), base_url=server.url, model="m",
                                api_key=KEY, timeout_s=2))  # fmt: skip
    assert closed and all(r.status == "error" and r.code is None for r in closed)


def test_the_driver_sends_to_loopback_only() -> None:
    with pytest.raises(HarnessError, match="not a loopback address"):
        ProfileLoad(StepProfile(concurrency=1, duration_s=1), base_url="http://10.0.0.1:80", model="m", api_key=KEY)


def test_the_timeline_polls_during_and_after_the_load_and_counts_every_request(server: _Server) -> None:
    load = ProfileLoad(StepProfile(concurrency=2, duration_s=0.5, lead_in_s=0.2), base_url=server.url, model="m",
                       api_key=KEY)  # fmt: skip
    seen: list[TimelineRow] = []
    timeline = run_timeline(load, NoClusterState(), poll_s=0.1, tail_s=0.3, on_row=seen.append)
    assert list(timeline.rows) == seen
    assert timeline.rows[0].phase == "lead-in" and timeline.rows[-1].phase == "tail"
    assert timeline.rows[-1].t_s - timeline.summary.load_end_s >= 0.3
    assert sum(r.counts.ok for r in timeline.rows) == timeline.summary.requests == len(server.received) > 0
    assert timeline.summary.time_to_capacity_s is None and timeline.summary.replica_seconds is None
    times = [r.t_s for r in timeline.rows]
    assert times == sorted(times)
    assert (times[-1] - times[0]) / (len(times) - 1) > 0.08  # every 0.1 s, never sooner on average
    assert [r.phase for r in timeline.rows].count("load") >= 2  # polled while the load ran, not only around it


def test_the_timeline_stops_the_load_at_the_first_poll_that_has_enough(server: _Server) -> None:
    """A 120 s step ends at the first poll from 0.3 s on: nothing is sent after it, the requests in flight finish,
    the summary says when."""
    server.first_chunk_s = 0.05
    load = ProfileLoad(StepProfile(concurrency=2, duration_s=120), base_url=server.url, model="m", api_key=KEY)
    started = time.monotonic()
    timeline = run_timeline(load, NoClusterState(), poll_s=0.1, tail_s=0.1, enough=lambda row: row.t_s >= 0.3)
    assert time.monotonic() - started < 60  # not the profile's 120 s (a bound, not a speed)
    stopped = timeline.summary.stopped_s
    polled = [r.t_s for r in timeline.rows if r.phase == "load"]
    first = next(t for t in polled if t >= 0.3)  # the first poll that had enough
    assert stopped is not None and first <= stopped < 60
    records = load.records()
    assert records and all(r.status == "2xx" for r in records) and len(records) == len(server.received)
    assert max(r.start_s for r in records) <= stopped  # none taken after the stop (those due are dropped)
    assert timeline.to_json()["summary"]["load_stopped_s"] == round(stopped, 3)
    # Without the condition the same profile's summary says it ran to its end.
    full = run_timeline(
        ProfileLoad(StepProfile(concurrency=1, duration_s=0.2), base_url=server.url, model="m", api_key=KEY),
        NoClusterState(), poll_s=0.1, tail_s=0.1,
    )  # fmt: skip
    assert full.summary.stopped_s is None


# The timeline's arithmetic, on a scripted cluster


def _row(t: float, *, desired: int | None, replicas: int | None, ready: int | None) -> TimelineRow:
    sample = ClusterSample(waiting=3, external_metric=1.5, desired=desired, replicas=replicas, ready=ready)
    return TimelineRow(t, "load", 2, sample, RequestCounts.of([]))


def _record(number: int, status: str, ttft: float | None) -> RequestRecord:
    return RequestRecord(number, 0.0, ttft, 1.0, status, {"2xx": 200, "429": 429}.get(status), "")  # type: ignore[arg-type]


SCRIPT = [  # a scale-up from 1 to 3 replicas (ready lagging), then a scale-down
    _row(0, desired=1, replicas=1, ready=1),
    _row(10, desired=1, replicas=1, ready=1),  # the load starts at 10 s
    _row(20, desired=3, replicas=3, ready=1),
    _row(30, desired=3, replicas=3, ready=2),
    _row(40, desired=2, replicas=3, ready=3),  # capacity reached: 30 s after the load's start
    _row(50, desired=1, replicas=2, ready=2),  # scaling down
]


def test_time_to_capacity_is_from_the_load_start_to_ready_reaching_the_peak_desired() -> None:
    summary = summarize(SCRIPT, [], load_start_s=10, load_end_s=35)
    assert summary.peak_desired == 3 and summary.time_to_capacity_s == 30


def test_replica_seconds_hold_each_reading_until_the_next_poll() -> None:
    summary = summarize(SCRIPT, [], load_start_s=10, load_end_s=35)
    # each reading until the next poll (not the next reading back, not a trapezoid); the last poll ends the run
    assert summary.replica_seconds == 1 * 10 + 1 * 10 + 3 * 10 + 3 * 10 + 3 * 10


def test_capacity_never_reached_or_unknown_is_none_and_said_so() -> None:
    never = summarize(SCRIPT[:4], [], load_start_s=10, load_end_s=35)
    assert never.time_to_capacity_s is None and never.peak_desired == 3
    assert "never reached (ready replicas stayed below the 3 the HPA wanted)" in "\n".join(summary_lines(never))
    unknown = summarize([_row(0, desired=None, replicas=None, ready=2)], [], load_start_s=0, load_end_s=1)
    assert unknown.time_to_capacity_s is None and unknown.replica_seconds is None
    assert "unknown (no reading of the HPA's desired replicas)" in "\n".join(summary_lines(unknown))


def test_ready_replicas_before_the_load_do_not_count_as_reaching_capacity() -> None:
    rows = [_row(0, desired=2, replicas=2, ready=2), _row(5, desired=2, replicas=2, ready=2)]
    assert summarize(rows, [], load_start_s=3, load_end_s=4).time_to_capacity_s == 2


def test_counts_and_nearest_rank_percentiles_of_time_to_first_token() -> None:
    records = [_record(i, "2xx", 0.1 * (i + 1)) for i in range(20)]
    records += [_record(20, "429", None), _record(21, "error", 0.01)]
    counts = RequestCounts.of(records)
    assert (counts.ok, counts.rate_limited, counts.errors) == (20, 1, 1)
    assert counts.ttft_p50_s == pytest.approx(1.0) and counts.ttft_p95_s == pytest.approx(1.9)  # errors' TTFT left out
    assert percentile([], 0.5) is None and percentile([4.0], 0.95) == 4.0


# Renderers


def _timeline() -> Timeline:
    records = [_record(0, "2xx", 0.2), _record(1, "429", None)]
    return Timeline({"kind": "step"}, tuple(SCRIPT), summarize(SCRIPT, records, load_start_s=10, load_end_s=35))


def test_the_json_object_has_the_timeline_and_the_summary() -> None:
    document = json.loads(json.dumps(_timeline().to_json()))
    assert set(document) == {"timeline", "summary", "profile"}
    row_keys = {"t", "waiting", "desired", "replicas", "ready", "ok", "rate_limited", "errors", "external_metric",
                "ttft_p50_s", "ttft_p95_s", "phase", "in_flight"}  # fmt: skip
    assert all(set(row) == row_keys for row in document["timeline"])
    assert document["timeline"][2] == {**document["timeline"][2], "t": 20, "desired": 3, "ready": 1, "waiting": 3}
    assert document["summary"] == {
        "time_to_capacity_s": 30, "peak_desired": 3, "replica_seconds": 110, "requests": 2, "ok": 1, "errors": 0,
        "rate_limited": 1, "ttft_p50_s": 0.2, "ttft_p95_s": 0.2, "load_start_s": 10, "load_end_s": 35,
        "request_cap_reached": False, "load_stopped_s": None,
    }  # fmt: skip


def test_the_table_has_stable_columns_and_dashes_where_unknown() -> None:
    header = table_header()
    assert header.split() == [name for name, _width, _value in TABLE_COLUMNS]
    line = table_row(TimelineRow(1.25, "tail", 0, ClusterSample(replicas=2), RequestCounts.of([])))
    assert line.split() == ["1.2", "tail", "0", "-", "-", "-", "2", "-", "0", "0", "0", "-", "-"]
    assert len(line) == len(header)


def test_the_plot_is_a_png_file(tmp_path: Path) -> None:
    path = tmp_path / "timeline.png"
    write_plot(_timeline(), path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


# The CLI refuses bad load options (exit 2) before anything starts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--load", "stpe"], "--load: 'stpe' is not valid: give step or ramp, or an existing trace file"),
        (["--load", "step", "--concurrency", "0"], "--concurrency: 0 is not valid"),
        (["--load", "step", "--concurrency", str(MAX_CONCURRENCY + 1)], f"1 to {MAX_CONCURRENCY}"),
        (["--load", "ramp", "--duration", "-5"], "--duration: -5.0 is not valid"),
        (["--load", "step", "--duration", str(MAX_DURATION_S * 2)], "--duration"),
        (["--load", "step", "--poll", "0.1"], "--poll: 0.1 is not valid"),
        (["--load", "step", "--tail", "100000"], "--tail: 100000.0 is not valid"),
        (["--load", "step", "--plot", "timeline.svg"], "--plot: 'timeline.svg' is not valid: give a .png file"),
        (["--load", "step", "--plot", "/no/such/dir/t.png"], "an existing directory"),
        (["--load", "step", "--no-wait"], "--no-wait"),
        (["--json"], "--json: true is not valid: give it with --load"),
        (["--concurrency", "4"], "--concurrency: 4 is not valid: give it with --load"),
    ],
)
def test_bad_load_options_exit_2_naming_the_option(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(args) == cli.EXIT_INVALID
    assert message in capsys.readouterr().out


def test_a_bad_trace_line_exits_2_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _trace(tmp_path, _line(0), '{"t": 1, "prompt_tokens": 8, "output_tokens": 0}')
    assert cli.main(["--load", str(path)]) == cli.EXIT_INVALID
    assert f"output_tokens: 0 is not valid: give tokens to generate, 1 to 8192 (from {path}, line 2)" in (
        capsys.readouterr().out
    )


def test_load_in_a_mode_without_its_cluster_readings_exits_2_saying_what_is_supported() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "llm_inference_stack.cli", "local-run", "--values", "examples/values-local.yaml",
         "--set", "gateway.mode=standalone", "--load", "step", "--concurrency", "12", "--duration", "120", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "invalid load: --load: 'step' is not valid: gateway.mode standalone does not run load yet" in result.stdout
    assert "(supported: ai-gateway); set gateway.mode to one of them, or leave --load out" in result.stdout
    assert "starting" not in result.stdout  # nothing was started


class _ScaleUp:
    """A cluster whose HPA wants 2 replicas from 0.2 s; the second is ready from 0.5 s."""

    def sample(self, t_s: float) -> ClusterSample:
        desired = 2 if t_s >= 0.2 else 1
        return ClusterSample(waiting=1.0, external_metric=0.5, desired=desired, replicas=desired,
                             ready=2 if t_s >= 0.5 else 1)  # fmt: skip


def _load_options(*args: str) -> cli.LoadRequest:
    options = cli._parser().parse_args(["--load", "step", "--concurrency", "2", "--duration", "0.6", "--poll", "0.5",
                                        "--tail", "0.5", *args])  # fmt: skip
    request = cli._load_request(options)
    assert request is not None and request.poll_s == 0.5 and request.tail_s == 0.5
    return request


def test_run_load_prints_a_row_per_poll_and_the_summary(server: _Server, capsys: pytest.CaptureFixture[str]) -> None:
    request = _load_options()
    assert cli.run_load(request, url=server.url, model="m", key=KEY, cluster=_ScaleUp()) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == table_header()
    rows = [line for line in lines[1:] if line.split()[1] in {"load", "tail"}]
    assert len(rows) >= 3 and all(len(line) == len(lines[0]) for line in rows)
    (capacity,) = [line for line in lines if line.startswith("time to capacity: ")]
    assert re.fullmatch(r"time to capacity: 0\.[5-7] s \(ready replicas reached the HPA's peak of 2\)", capacity)
    assert f"requests: {len(server.received)} ({len(server.received)} ok, 0 rate limited (429), 0 errors)" in lines


def test_run_load_json_is_one_object_and_the_plot_a_png(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.answers = {0: 500}
    plot = tmp_path / "t.png"
    request = _load_options("--json", "--plot", str(plot))
    assert cli.run_load(request, url=server.url, model="m", key=KEY, cluster=_ScaleUp()) == cli.EXIT_FAILED
    (line,) = capsys.readouterr().out.splitlines()
    document = json.loads(line)
    assert document["summary"]["errors"] == 1 and document["summary"]["requests"] == len(server.received)
    assert document["summary"]["time_to_capacity_s"] == pytest.approx(0.5, abs=0.25)  # the poll at 0.5 s, not 0 or 1
    assert document["profile"]["kind"] == "step"
    assert sum(row["ok"] + row["errors"] for row in document["timeline"]) == len(server.received)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_step_can_ask_for_longer_answers_within_the_bound() -> None:
    step = StepProfile(concurrency=2, duration_s=10, output_tokens=192)
    assert step.shape(1).output_tokens == 192 and step.describe()["output_tokens"] == 192
    with pytest.raises(LoadProfileError, match=r"output_tokens: 0 is not valid: give tokens to generate, 1 to 8192"):
        StepProfile(concurrency=2, duration_s=10, output_tokens=0)
