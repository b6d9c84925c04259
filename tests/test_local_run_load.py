"""``llm-stack local-run --load`` on the default gateway, with no server: the profile crosses into the control
plane's sandbox as JSON and back unchanged, the probe's job takes it whole, the timeline comes back from the report
and renders as one JSON object in the documented shape, the exit status says whether a request failed or the loop
never scaled, and only ``ai-gateway`` runs load (the real run is the probe's scaling job: tests/controlplane)."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import default_values_copy, synthesized, with_changes

from llm_stack_harness.base.errors import HarnessError, LoadProfileError
from llm_stack_harness.base.load import RequestRecord
from llm_stack_harness.base.load_profile import (
    MAX_REQUESTS,
    Arrival,
    LoadProfile,
    RampProfile,
    RequestShape,
    StepProfile,
    TraceProfile,
    profile_from_json,
)
from llm_stack_harness.base.timeline import (
    ClusterSample,
    RequestCounts,
    Timeline,
    TimelineRow,
    summarize,
    table_header,
    table_row,
)
from llm_stack_harness.controlplane.gateway_checks import ProbeReport
from llm_stack_harness.controlplane.probe import scaling_profile
from llm_stack_harness.localrun import aigateway, cli

STEP = StepProfile(concurrency=8, duration_s=150, lead_in_s=10, output_tokens=192)
TRACE = TraceProfile(
    arrivals=(Arrival(0.0, RequestShape(12, 32)), Arrival(0.5, RequestShape(120, 8)), Arrival(0.5, RequestShape(1, 1))),
    concurrency=4,
    source="traces/burst.jsonl",
)


# The profile as JSON, there and back

ONE = {"prompt_tokens": 1, "output_tokens": 1}


@pytest.mark.parametrize("profile", [STEP, RampProfile(concurrency=3, duration_s=60), TRACE], ids=lambda p: p.kind)
def test_a_step_a_ramp_and_a_trace_cross_as_json_unchanged(profile: LoadProfile) -> None:
    document = json.loads(json.dumps(profile.to_json()))
    assert document["kind"] == profile.kind
    assert profile_from_json(document) == profile


def test_a_trace_crosses_with_its_every_line_in_the_trace_file_s_format() -> None:
    assert TRACE.to_json()["arrivals"][1] == {"t": 0.5, "prompt_tokens": 120, "output_tokens": 8}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"kind": "burst"}, "kind: 'burst' is not valid: give step, ramp or trace"),
        ({**STEP.to_json(), "rate": 3}, "rate: 3 is not valid: leave it out: a step has only concurrency, duration_s"),
        ({**STEP.to_json(), "concurrency": 0}, "--concurrency: 0 is not valid"),
        ({**TRACE.to_json(), "arrivals": []}, "the trace has no request"),
        ({**TRACE.to_json(), "arrivals": "lines"}, "arrivals: 'lines' is not valid: give the trace's lines"),
        (
            {**TRACE.to_json(), "arrivals": [{"t": 2, "prompt_tokens": 1, "output_tokens": 1}, {"t": 1, **ONE}]},
            "t: 1 is not valid: sort the lines by t: the line before is at 2 (from traces/burst.jsonl, line 2)",
        ),
        (
            {**TRACE.to_json(), "arrivals": [{"t": 0, **ONE}] * (MAX_REQUESTS + 1)},
            f"a trace has at most {MAX_REQUESTS} requests",
        ),
    ],
)
def test_a_profile_read_from_json_is_checked_as_when_it_was_made(document: dict[str, Any], message: str) -> None:
    with pytest.raises(LoadProfileError) as raised:
        profile_from_json(document)
    assert message in str(raised.value)


def test_the_probe_s_scaling_job_takes_the_whole_profile_or_a_step_s_numbers() -> None:
    ramp = RampProfile(concurrency=6, duration_s=90, output_tokens=64)
    assert scaling_profile({"profile": ramp.to_json(), "tailSeconds": 60}) == ramp
    assert scaling_profile({"profile": TRACE.to_json(), "tailSeconds": 60}) == TRACE
    legacy = {"concurrency": 8, "durationSeconds": 150, "outputTokens": 192, "tailSeconds": 150, "pollSeconds": 5}
    assert scaling_profile(legacy) == StepProfile(concurrency=8, duration_s=150, output_tokens=192)


# The timeline, built here as the probe's job would see it


def _row(t: float, phase: str, *, desired: int, replicas: int, ready: int, ok: int = 0) -> TimelineRow:
    counts = RequestCounts(ok, 0, 0, 0.2 if ok else None, 0.4 if ok else None)
    cluster = ClusterSample(waiting=6.0, external_metric=6.0, desired=desired, replicas=replicas, ready=ready)
    return TimelineRow(t, phase, 8 if phase == "load" else 0, cluster, counts)  # type: ignore[arg-type]


SCALED = (  # 1 -> 2 replicas under load (the second ready at 60 s), back to 1 in the tail
    _row(0, "load", desired=1, replicas=1, ready=1),
    _row(15, "load", desired=2, replicas=2, ready=1, ok=10),
    _row(60, "load", desired=2, replicas=2, ready=2, ok=30),
    _row(160, "tail", desired=1, replicas=2, ready=2, ok=8),
    _row(200, "tail", desired=1, replicas=1, ready=1),
)


def _record(number: int, status: str = "2xx") -> RequestRecord:
    code = {"2xx": 200, "429": 429}.get(status, 503)
    return RequestRecord(number, 40.0, 0.2, 41.0, status, code, "" if status == "2xx" else f"HTTP {code}")  # type: ignore[arg-type]


def _timeline(rows: tuple[TimelineRow, ...] = SCALED, records: list[RequestRecord] | None = None) -> Timeline:
    records = [_record(i) for i in range(48)] if records is None else records
    return Timeline(STEP.describe(), rows, summarize(rows, records, load_start_s=0, load_end_s=155))


def _request(*, json_output: bool = True, plot: Path | None = None) -> cli.LoadRequest:
    return cli.LoadRequest(profile=STEP, poll_s=5, tail_s=240, json=json_output, plot=plot)


def test_the_timeline_reads_back_from_its_json() -> None:
    timeline = _timeline()
    assert Timeline.from_json(json.loads(json.dumps(timeline.to_json()))) == timeline
    stopped = dataclasses.replace(timeline, summary=dataclasses.replace(timeline.summary, stopped_s=12.5))
    assert Timeline.from_json(json.loads(json.dumps(stopped.to_json()))) == stopped  # a load stopped early, too


def test_a_row_s_readings_beyond_the_timeline_s_are_left_when_read_back() -> None:
    document = _timeline().to_json()
    document["timeline"][0] |= {"pods": {"tiny-predictor-a": 3.0}, "hpa_current": 1, "hpa_average": 6.0}
    document["pod_requests"] = {"tiny-predictor-a": 3}
    assert Timeline.from_json(document).rows[0] == SCALED[0]


def test_json_is_one_object_in_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    assert cli.render_load(_request(), _timeline(), rows_shown=True, extra={"pod_requests": {"a": 30}}, out=out) == 0
    (line,) = out.getvalue().splitlines()
    document = json.loads(line)
    for row in document["timeline"]:
        assert {"t", "waiting", "desired", "replicas", "ready", "ok", "rate_limited", "errors"} <= row.keys()
    assert [row["replicas"] for row in document["timeline"]] == [1, 2, 2, 2, 1]
    assert document["timeline"][2] == {**document["timeline"][2], "t": 60, "desired": 2, "ready": 2, "ok": 30}
    summary = document["summary"]
    assert {"time_to_capacity_s", "replica_seconds", "requests", "errors"} <= summary.keys()
    assert (summary["time_to_capacity_s"], summary["requests"], summary["errors"]) == (60, 48, 0)
    assert summary["replica_seconds"] == 1 * 15 + 2 * 45 + 2 * 100 + 2 * 40
    assert document["profile"] == STEP.describe() and document["pod_requests"] == {"a": 30}
    assert (document["failures"], document["notes"]) == ([], [])
    assert capsys.readouterr() == ("", "")  # nothing else on either stream


FAILED = [_record(i) for i in range(40)] + [_record(40, "error"), _record(41, "error")]


@pytest.mark.parametrize(
    ("rows", "records", "error", "reason"),
    [
        (SCALED, FAILED, None, "2 of 42 requests failed (a 5xx, a status other than 429, or a connection error): "
                               "request 40 at 40 s: HTTP 503; request 41 at 40 s: HTTP 503"),
        (tuple(dataclasses.replace(r, cluster=dataclasses.replace(r.cluster, replicas=1, desired=1)) for r in SCALED),
         None, None, "the HPA never scaled the Deployment above the 1 replica of the first poll (it asked for at most "
                     "1): give more load (--concurrency, --output-tokens, --duration) or a lower "
                     "autoscaling.threshold"),
        (SCALED, None, "HarnessError: Envoy exited", "the run ended with an error: HarnessError: Envoy exited"),
    ],
    ids=["a 5xx", "never scaled", "an error"],
)  # fmt: skip
def test_a_failed_request_a_loop_that_never_scaled_or_an_error_exits_1_saying_why(
    rows: tuple[TimelineRow, ...], records: list[RequestRecord] | None, error: str | None, reason: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    timeline = _timeline(rows, records)
    failed = ["request 40 at 40 s: HTTP 503", "request 41 at 40 s: HTTP 503"] if records else []
    out = io.StringIO()
    assert cli.render_load(_request(), timeline, rows_shown=True, failed=failed, error=error, out=out) == 1
    assert json.loads(out.getvalue())["failures"] == [reason]
    assert capsys.readouterr().err.splitlines() == [f"FAIL {reason}"]
    assert cli.render_load(_request(json_output=False), timeline, rows_shown=True, failed=failed, error=error) == 1
    assert capsys.readouterr().out.splitlines()[-1] == f"FAIL {reason}"


def test_429s_are_the_budget_at_work_not_a_failure() -> None:
    records = [_record(i) for i in range(40)] + [_record(40, "429")]
    assert cli.load_verdict(_timeline(records=records)) == ([], [])


def test_not_back_at_the_first_replicas_by_the_end_is_a_note_not_a_failure() -> None:
    failures, notes = cli.load_verdict(_timeline(SCALED[:-1]))
    assert failures == []
    assert notes == ["the Deployment had 2 replicas at the end, not yet back at 1: give a longer --tail (or a shorter "
                     "autoscaling.scaleDownStabilizationSeconds)"]  # fmt: skip


def test_a_replica_added_but_never_ready_is_a_note_not_a_failure() -> None:
    rows = tuple(dataclasses.replace(r, cluster=dataclasses.replace(r.cluster, ready=1)) for r in SCALED)
    assert cli.load_verdict(_timeline(rows)) == ([], [
        "the ready replicas never reached the 2 the HPA asked for during the run: the added replica was still "
        "starting (give a longer --duration to see it serve)"
    ])  # fmt: skip


def test_the_text_prints_the_table_unless_its_rows_were_shown_as_they_came(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.render_load(_request(json_output=False), _timeline(), rows_shown=False) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[: len(SCALED) + 1] == [table_header(), *map(table_row, SCALED)]
    assert "time to capacity: 60.0 s (ready replicas reached the HPA's peak of 2)" in lines
    assert cli.render_load(_request(json_output=False), _timeline(), rows_shown=True) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown == lines[len(SCALED) + 1 :]


def test_the_plot_is_written_where_asked(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "timeline.png"
    assert cli.render_load(_request(plot=plot), _timeline(), rows_shown=True, out=io.StringIO()) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# The sandbox's report read back


def _report(timeline: Timeline, **details: Any) -> ProbeReport:
    failed = [dataclasses.asdict(_record(40, "error")), dataclasses.asdict(_record(41, "429"))]
    scaling = timeline.to_json() | {"pod_requests": {"tiny-predictor-a": 30, "tiny-predictor-b": 18}, "failed": failed}
    return ProbeReport(details={"scaling": scaling, **details})


def test_the_sandbox_s_job_gets_the_whole_load_request_and_its_timeline_comes_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: dict[str, Any] = {}

    def run_probe(directories: list[Path], **options: Any) -> list[tuple[str, ProbeReport]]:
        asked.update(options, directories=directories)
        return [(str(directories[0]), _report(_timeline()))]

    monkeypatch.setattr(aigateway, "run_probe", run_probe)
    result = aigateway.run_load(tmp_path / "m", tmp_path, print, profile=TRACE, poll_s=2.5, tail_s=300)
    # upstream's HPA sync period: no hpaSyncPeriodSeconds
    assert asked["scaling"] == {"profile": TRACE.to_json(), "pollSeconds": 2.5, "tailSeconds": 300}
    assert asked["vllm"] is True and asked["directories"] == [tmp_path / "m"]
    assert result.timeline == _timeline() and result.error is None
    assert result.failed == ("request 40 at 40 s: HTTP 503",)  # the 429 is not a failure
    assert result.pod_requests == {"tiny-predictor-a": 30, "tiny-predictor-b": 18}


def test_a_run_that_ends_before_its_timeline_is_an_error_naming_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reports = [("m", ProbeReport(error="HarnessError: no ready endpoint in tiny-predictor after 900 s"))]
    monkeypatch.setattr(aigateway, "run_probe", lambda *_a, **_k: reports)
    with pytest.raises(HarnessError, match="the load did not run: HarnessError: no ready endpoint in tiny-predictor"):
        aigateway.run_load(tmp_path, tmp_path, print, profile=STEP, poll_s=5, tail_s=60)


# The command


def test_only_the_default_gateway_runs_load() -> None:
    assert sorted(cli.LOAD_MODES) == ["ai-gateway"]
    cli._check_load_mode("step", "ai-gateway")
    with pytest.raises(LoadProfileError, match=r"gateway\.mode standalone does not run load yet"):
        cli._check_load_mode("step", "standalone")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--load", "step", "--output-tokens", "0"], "--output-tokens: 0 is not valid: give tokens each request"),
        (["--output-tokens", "64"], "--output-tokens: 64 is not valid: give it with --load"),
    ],
)
def test_bad_output_tokens_exit_2_naming_the_option(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(args) == cli.EXIT_INVALID
    assert message in capsys.readouterr().out


def test_a_step_s_output_tokens_are_the_option_s_and_a_trace_keeps_its_own(tmp_path: Path) -> None:
    options = cli._parser().parse_args(["--load", "ramp", "--output-tokens", "192"])
    request = cli._load_request(options)
    assert request is not None and request.profile == RampProfile(concurrency=4, duration_s=60, output_tokens=192)
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"t": 0, "prompt_tokens": 4, "output_tokens": 4}\n')
    options = cli._parser().parse_args(["--load", str(trace), "--output-tokens", "192"])
    with pytest.raises(LoadProfileError, match="--output-tokens: 192 is not valid: leave it out with a trace file"):
        cli._load_request(options)


def test_manifests_that_scale_no_model_are_refused_before_anything_starts() -> None:
    objects = synthesized(default_values_copy())
    assert cli._load_target(objects, "step") == (
        "ScaledObject kserve-inference/llama-3-70b -> Deployment llama-3-70b-predictor"
    )
    unscaled = [o for o in objects if o["kind"] != "ScaledObject"]
    with pytest.raises(LoadProfileError, match=r"--load: 'step' is not valid: the manifests scale no model"):
        cli._load_target(unscaled, "step")


def test_json_mode_prints_one_object_on_stdout_and_its_progress_on_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(with_changes(default_values_copy(), {"gateway.rateLimit": None})))
    asked: dict[str, Any] = {}

    def run_in_sandbox(manifests: Path, work_dir: Path, log: Any, **load: Any) -> aigateway.SandboxLoad:
        asked.update(load, manifests=sorted(p.name for p in manifests.iterdir()))
        log("a row")
        return aigateway.SandboxLoad(
            _timeline(), failed=(), pod_requests={"a": 48}, pod_ready_seconds={"a": 41.0}, first_pods=("a",), error=None
        )

    monkeypatch.setattr(cli, "locate_installs", lambda: None)
    monkeypatch.setattr(cli, "ensure_tiny_model", lambda _installs: tmp_path / "model")
    monkeypatch.setattr(cli, "_runtime_changes", lambda *_args: ["vLLM: as the local runtime runs it"])
    monkeypatch.setattr(cli, "_keep_temporary_files_in", lambda _directory: None)
    monkeypatch.setattr(aigateway, "run_load", run_in_sandbox)
    args = ["-f", str(values), "--load", "step", "--concurrency", "8", "--duration", "150", "--tail", "240", "--json"]
    assert cli.main([*args, "--work-dir", str(tmp_path / "work")]) == cli.EXIT_OK
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    document = json.loads(line)
    assert document["pod_requests"] == {"a": 48} and document["pod_ready_seconds"] == {"a": 41.0}
    assert document["first_pods"] == ["a"]
    assert "llm-stack local-run: " in err and "  - vLLM: as the local runtime runs it" in err and "  a row" in err
    assert asked == {"profile": StepProfile(concurrency=8, duration_s=150), "poll_s": 5, "tail_s": 240,
                     "manifests": ["stack.yaml"]}  # fmt: skip
