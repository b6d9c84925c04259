"""``llm-stack local-run``: the stack of a values file on this machine, through its configured gateway.

Synthesizes the values (changed only as :mod:`.session` says, each change printed), then runs:

- ``gateway.mode: standalone``: real vLLM for every model, Prometheus and Phoenix (:class:`.runtime.LocalStack`) and
  the synthesized Envoy in front (:class:`.standalone.StandaloneGatewayRun`);
- ``gateway.mode: ai-gateway``: the local control plane with the real Envoy Gateway and AI Gateway controllers and
  the data path they configure, in front of real vLLM (:mod:`.aigateway`).

It prints the endpoint and a key made for the session, then waits for Ctrl-C; with ``--no-wait`` it runs the checks
(one line each) and exits non-zero if one fails. The work directory is removed on exit unless ``--work-dir`` is
given.

``--load PROFILE`` (:mod:`.load_profile`) and its options are checked before anything starts (exit 2 on a bad one).
In ``ai-gateway`` mode (:data:`LOAD_MODES`) the probe's scaling job sends the profile inside the control plane's
sandbox, where KEDA and the HPA controller act on it, and logs each row of the timeline as it is polled
(:func:`.aigateway.run_load`); the timeline comes back and :func:`render_load` renders it here: the summary (or one
JSON object with ``--json``, progress then on standard error), the PNG. :func:`run_load` is the same for a
:class:`~.timeline.ClusterState` read in this process. The exit status is :func:`load_verdict`'s.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import yaml

from llm_inference_stack.errors import ManifestError, ValuesError
from llm_inference_stack.standalone_gateway import BOOTSTRAP_FILE

from ..base.errors import HarnessError, InstallsMissing, LoadProfileError
from ..base.installs import Installs, locate_installs
from ..base.load_profile import DEFAULT_OUTPUT_TOKENS, LoadProfile, load_profile
from ..base.manifests import JsonDict, SynthesizedStack, find_objects, load_manifests, name_of
from ..base.substitutions import lines as substitution_lines
from ..base.tiny_model import ensure_tiny_model
from ..base.vllm import LOCAL_SUBSTITUTIONS, localize_vllm_container
from . import standalone as _standalone  # noqa: F401  (registers the Envoy part)
from .session import (
    Change,
    api_key_secret_name,
    localize_config,
    session_keys,
    tenant_session_keys,
    with_session_keys,
)

if TYPE_CHECKING:
    from llm_inference_stack.config import StackConfig

    from ..base.timeline import ClusterState, Timeline

DEMO_VALUES = Path("examples/values-local.yaml")
UUID_SOCKET_NAME = 37
"""``/`` and a UUID: the names of the IPC sockets vLLM puts into the temporary directory."""
UNIX_PATH_MAX = 107
"""Longest path a Unix socket can be bound to (``sun_path`` holds 108 bytes with the terminating NUL)."""
EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
DEFAULT_CONCURRENCY = 4
"""``--concurrency`` when not given: requests in flight (a step's, a ramp's peak, a trace's cap)."""
DEFAULT_DURATION_S = 60.0
"""``--duration`` of a step or ramp when not given."""
DEFAULT_POLL_S = 5.0
"""``--poll`` when not given: the HPA reads its metric every 15 s; three polls per reading show each step."""
MIN_POLL_S, MAX_POLL_S = 0.5, 60.0
"""Bounds of ``--poll``: more often would poll the control plane harder than the HPA does; less often misses steps."""
DEFAULT_TAIL_S = 60.0
"""``--tail`` when not given: seconds of polls after the last answer, to see the scale-down start."""
MAX_TAIL_S = 600.0
"""Longest ``--tail`` (10 min: past the HPA's default 5-minute scale-down stabilization window)."""
LOAD_MODES: frozenset[str] = frozenset({"ai-gateway"})
"""The gateway modes whose run reads what the timeline needs (the HPA's desired replicas, the Deployment's replicas
and ready replicas, Prometheus' queue and the HPA's metric) and so runs ``--load``: ``ai-gateway``, with KEDA, its
metrics adapter, the Prometheus Operator's Prometheus and kube-controller-manager's HPA controller in the control
plane's sandbox (``standalone`` has no autoscaler)."""
RANDOM_TEXT_NOTE = (
    "the tiny local model has random weights: its replies are random text (expected, not a bug; the gateway, keys, "
    "limits and routing are what is real)"
)


def _print(message: str) -> None:
    print(message, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-stack local-run",
        description="Run the stack of a values file on this machine through its configured gateway (standalone "
        "Envoy, or the Envoy AI Gateway on a local control plane), with real vLLM (CPU, a tiny local model). "
        "Prints the endpoint and a key made for the session, then waits for Ctrl-C.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--values",
        "-f",
        action="append",
        type=Path,
        metavar="FILE",
        help=f"values file; repeat to merge several, as `llm-stack synth` (default: {DEMO_VALUES})",
    )
    source.add_argument("--manifests", type=Path, help="a directory of already synthesized YAML instead of values")
    parser.add_argument("--set", action="append", default=[], dest="sets", metavar="PATH=VALUE", help="as for synth")
    parser.add_argument("--work-dir", type=Path, help="keep logs and data here (default: a temporary directory)")
    parser.add_argument("--port", type=int, default=0, help="loopback port of the endpoint (default: free)")
    parser.add_argument(
        "--no-wait", action="store_true", help="run the checks through the gateway and exit (non-zero on a failure)"
    )
    load = parser.add_argument_group("load (see docs/local-run.md#load-and-its-timeline)")
    load.add_argument(
        "--load",
        metavar="{step,ramp,FILE}",
        help="send load and print the timeline of the scaling, then exit: step (--concurrency in flight for "
        "--duration), ramp (1 rising to --concurrency over --duration) or a trace file (JSON lines: "
        '{"t": s, "prompt_tokens": n, "output_tokens": n})',
    )
    load.add_argument("--concurrency", type=int, help=f"requests in flight (default: {DEFAULT_CONCURRENCY})")
    load.add_argument("--duration", type=float, help=f"seconds of a step or ramp (default: {DEFAULT_DURATION_S:g})")
    load.add_argument("--lead-in", type=float, help="idle seconds before a step or ramp (default: 0)")
    load.add_argument(
        "--output-tokens", type=int, help=f"tokens each request of a step or ramp generates (default: "
        f"{DEFAULT_OUTPUT_TOKENS}; longer answers make requests wait in vLLM's queue, what the autoscaler scales on)"
    )  # fmt: skip
    load.add_argument("--poll", type=float, help=f"seconds between polls (default: {DEFAULT_POLL_S:g})")
    load.add_argument("--tail", type=float, help=f"seconds of polls after the load (default: {DEFAULT_TAIL_S:g})")
    load.add_argument("--json", action="store_true", help="print one JSON object (timeline and summary) at the end")
    load.add_argument("--plot", type=Path, metavar="FILE.png", help="also write the timeline as a PNG")
    return parser


@dataclasses.dataclass(frozen=True)
class LoadRequest:
    """What ``--load`` and its options ask for, checked (:func:`_load_request`)."""

    profile: LoadProfile
    poll_s: float
    """Seconds between polls of the cluster."""
    tail_s: float
    """Seconds of polls after the load's last answer."""
    json: bool
    """One JSON object instead of the table and the summary."""
    plot: Path | None
    """Where to write the PNG, or None."""


def _load_request(options: argparse.Namespace) -> LoadRequest | None:
    """What ``--load`` asks for, with every load option checked (None without ``--load``); raises
    :class:`LoadProfileError` naming the option."""
    given = {"--concurrency": options.concurrency, "--duration": options.duration, "--lead-in": options.lead_in,
             "--output-tokens": options.output_tokens, "--poll": options.poll, "--tail": options.tail,
             "--json": options.json or None, "--plot": options.plot}  # fmt: skip
    if options.load is None:
        for option, value in given.items():
            if value is not None:
                raise LoadProfileError(option, value, "give it with --load (it sets up the load's run)")
        return None
    if options.no_wait:
        raise LoadProfileError("--no-wait", True, "give --load or --no-wait, not both (each runs and exits)")
    poll = DEFAULT_POLL_S if options.poll is None else options.poll
    if not MIN_POLL_S <= poll <= MAX_POLL_S:  # NaN fails both
        raise LoadProfileError("--poll", poll, f"give seconds between polls, {MIN_POLL_S:g} to {MAX_POLL_S:g}")
    tail = DEFAULT_TAIL_S if options.tail is None else options.tail
    if not 0 <= tail <= MAX_TAIL_S:
        raise LoadProfileError("--tail", tail, f"give seconds of polls after the load, 0 to {MAX_TAIL_S:g}")
    if options.plot is not None:
        if options.plot.suffix.lower() != ".png":
            raise LoadProfileError("--plot", str(options.plot), "give a .png file")
        if not options.plot.parent.is_dir():
            raise LoadProfileError("--plot", str(options.plot), "give a file in an existing directory")
        if importlib.util.find_spec("matplotlib") is None:
            raise LoadProfileError("--plot", str(options.plot), "install matplotlib (a dev dependency) or leave it out")
    profile = load_profile(
        options.load,
        concurrency=DEFAULT_CONCURRENCY if options.concurrency is None else options.concurrency,
        duration_s=options.duration,
        lead_in_s=options.lead_in,
        default_duration_s=DEFAULT_DURATION_S,
        output_tokens=options.output_tokens,
    )
    return LoadRequest(profile=profile, poll_s=poll, tail_s=tail, json=options.json, plot=options.plot)


def _requested_mode(options: argparse.Namespace) -> str:
    """The gateway mode the values (or manifests) configure, read without synthesizing."""
    if options.manifests is not None:
        return gateway_mode(load_manifests(options.manifests))
    from llm_inference_stack.config import load_values

    return load_values(_values_files(options), sets=options.sets).gateway.mode


def _check_load_mode(load: str, mode: str) -> None:
    if mode not in LOAD_MODES:
        supported = ", ".join(sorted(LOAD_MODES)) or "none in this version"
        raise LoadProfileError(
            "--load",
            load,
            f"gateway.mode {mode} does not run load yet: its run reads no HPA, Deployment or Prometheus for the "
            f"timeline (supported: {supported}); set gateway.mode to one of them, or leave --load out",
        )


def load_verdict(
    timeline: Timeline, *, failed: Sequence[str] = (), error: str | None = None
) -> tuple[list[str], list[str]]:
    """Why a load run failed (exit 1), and what else to know; one sentence each with its fix. A failure: a request
    that failed other than by the rate limit (a 5xx, another status, a connection error: ``failed`` names the first
    ones), an HPA that never took the Deployment above the replicas of the first poll, an error that ended the run.
    Notes: the ready replicas never reaching what the HPA asked for (a new replica slower to serve than the load
    lasted), the Deployment not back at the first replicas by the end of the tail. 429s are the budget at work."""
    failures, notes = [], []
    summary = timeline.summary
    if summary.counts.errors:
        first = f": {'; '.join(failed[:3])}" if failed else ""
        failures.append(
            f"{summary.counts.errors} of {summary.requests} requests failed (a 5xx, a status other than 429, or a "
            f"connection error){first}"
        )
    replicas = [row.cluster.replicas for row in timeline.rows if row.cluster.replicas is not None]
    if replicas and max(replicas) <= replicas[0]:
        failures.append(
            f"the HPA never scaled the Deployment above the {replicas[0]} replica{'s' * (replicas[0] != 1)} of the "
            f"first poll (it asked for at most {summary.peak_desired}): give more load (--concurrency, "
            "--output-tokens, --duration) or a lower autoscaling.threshold"
        )
    elif summary.time_to_capacity_s is None and summary.peak_desired is not None:
        notes.append(
            f"the ready replicas never reached the {summary.peak_desired} the HPA asked for during the run: the "
            "added replica was still starting (give a longer --duration to see it serve)"
        )
    if replicas and replicas[-1] > replicas[0]:
        notes.append(
            f"the Deployment had {replicas[-1]} replicas at the end, not yet back at {replicas[0]}: give a longer "
            "--tail (or a shorter autoscaling.scaleDownStabilizationSeconds)"
        )
    if error:
        failures.append(f"the run ended with an error: {error}")
    return failures, notes


def render_load(
    request: LoadRequest, timeline: Timeline, *, rows_shown: bool, failed: Sequence[str] = (),
    error: str | None = None, extra: Mapping[str, Any] | None = None, out: TextIO | None = None,
) -> int:  # fmt: skip
    """Render a load's timeline as asked and return the exit status (1 with a failure of :func:`load_verdict`, else
    0). With ``--json``: one JSON object on ``out`` (default: standard output), the timeline's own
    (:meth:`~.timeline.Timeline.to_json`) with ``failures``, ``notes`` and ``extra``; each failure also on standard
    error. Otherwise the table (unless ``rows_shown``: printed as the polls came), the summary, the notes and the
    failures. ``--plot`` writes the PNG here, outside any sandbox."""
    from ..base.timeline import summary_lines, table_header, table_row, write_plot

    failures, notes = load_verdict(timeline, failed=failed, error=error)
    if request.plot is not None:
        write_plot(timeline, request.plot)
    if request.json:
        document = timeline.to_json() | dict(extra or {}) | {"failures": failures, "notes": notes}
        print(json.dumps(document), file=out or sys.stdout, flush=True)
        for reason in failures:
            print(f"FAIL {reason}", file=sys.stderr, flush=True)
        return EXIT_FAILED if failures else EXIT_OK
    if not rows_shown:
        for line in [table_header(), *map(table_row, timeline.rows)]:
            _print(line)
    for line in summary_lines(timeline.summary):
        _print(line)
    if request.plot is not None:
        _print(f"plot: {request.plot}")
    for note in notes:
        _print(f"note: {note}")
    for reason in failures:
        _print(f"FAIL {reason}")
    return EXIT_FAILED if failures else EXIT_OK


def run_load(request: LoadRequest, *, url: str, model: str, key: str, cluster: ClusterState) -> int:
    """Send the request's profile through the gateway at ``url`` (loopback) as the client with ``key``, poll
    ``cluster`` (read in this process), print a table row per poll as it comes (not with ``--json``) and render the
    rest with :func:`render_load`, whose exit status it returns."""
    from ..base.load import ProfileLoad
    from ..base.timeline import run_timeline, table_header, table_row

    load = ProfileLoad(request.profile, base_url=url, model=model, api_key=key)
    if not request.json:
        _print(table_header())
    timeline: Timeline = run_timeline(
        load,
        cluster,
        poll_s=request.poll_s,
        tail_s=request.tail_s,
        on_row=(lambda _row: None) if request.json else (lambda row: _print(table_row(row))),
    )
    return render_load(request, timeline, rows_shown=True)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _values_files(options: argparse.Namespace) -> list[Path]:
    """The values files given (default: the demo's), each an existing file."""
    files: list[Path] = options.values or [DEMO_VALUES]
    for file in files:
        if not file.is_file():
            raise ValuesError("--values", str(file), "give an existing values file (run from the project root)")
    return files


def _objects(options: argparse.Namespace) -> tuple[list[JsonDict], list[Change], StackConfig | None]:
    """The manifests to run, the values changed for this machine, and the (localized) config when values were
    given."""
    if options.manifests is not None:
        return load_manifests(options.manifests), [], None
    from llm_inference_stack.config import load_values
    from llm_inference_stack.synth import manifests

    config, changes = localize_config(
        load_values(_values_files(options), sets=options.sets), smoke_test=options.no_wait
    )
    return manifests(config), changes, config


def gateway_mode(objects: Sequence[JsonDict]) -> str:
    """``ai-gateway`` or ``standalone``: which gateway the manifests configure."""
    if find_objects(objects, "AIGatewayRoute"):
        return "ai-gateway"
    if any(BOOTSTRAP_FILE in (m.get("data") or {}) for m in find_objects(objects, "ConfigMap")):
        return "standalone"
    raise HarnessError("the manifests configure no gateway (no AIGatewayRoute, no standalone Envoy ConfigMap)")


def _stacks(objects: Sequence[JsonDict]) -> list[SynthesizedStack]:
    return [SynthesizedStack.from_objects(objects, name_of(i)) for i in find_objects(objects, "InferenceService")]


def _vllm_changes(stacks: Sequence[SynthesizedStack], installs: Installs, model_dir: Path) -> list[str]:
    """The vLLM command substitutions for each model (a placeholder port: the real one is picked at start)."""
    lines = []
    for stack in stacks:
        command = localize_vllm_container(
            stack, vllm_python=installs.vllm_python, model_dir=model_dir, port=0, phoenix_grpc_port=None,
            phoenix_http_port=None,
        )  # fmt: skip
        for sub in command.substitutions:
            local = "a free loopback port" if sub.rule == "--port" else sub.local
            lines.append(
                f"vLLM {stack.served_model_name} {sub.where}: {sub.synthesized} -> {local} "
                f"({LOCAL_SUBSTITUTIONS[sub.rule]})"
            )
    return lines


def _runtime_changes(mode: str, objects: Sequence[JsonDict], installs: Installs, model_dir: Path) -> list[str]:
    """What the processes of ``mode`` change: vLLM's command, and the gateway's (Envoy's bootstrap, or the control
    plane and its data path)."""
    lines = _vllm_changes(_stacks(objects), installs, model_dir)
    if mode == "standalone":
        return lines + substitution_lines("Envoy")
    from .aigateway import control_plane_substitutions

    return lines + control_plane_substitutions()


def _print_checks(checks: Sequence[dict[str, Any]], error: str | None) -> None:
    _print(f"note: {RANDOM_TEXT_NOTE}")
    for check in checks:
        _print(f"{'ok  ' if check['ok'] else 'FAIL'} {check['name']}: {check['detail']}")
    if error:
        _print(f"ERROR {error}")


def _announce(url: str, models: Sequence[str], key: str, client: str) -> None:
    _print(f"endpoint: {url}/v1  (OpenAI API; model{'s' if len(models) > 1 else ''}: {', '.join(models)})")
    _print(f"API key:  {key}  (client id {client}; made for this session, valid until it stops)")
    _print(f"note: {RANDOM_TEXT_NOTE}")
    _print(
        f"try:  curl {url}/v1/chat/completions -H 'Authorization: Bearer {key}' -H 'content-type: application/json' "
        f"""-d '{{"model": "{models[0]}", "messages": [{{"role": "user", "content": "Hello"}}]}}'"""
    )


def _demo_completion(url: str, model: str, key: str) -> None:
    import openai

    with openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=120) as client:
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Say something."}], max_tokens=16
        )
    _print(f"one chat completion through the gateway -> {reply.choices[0].message.content!r}")


def _wait(check_alive: Callable[[], None]) -> None:
    _print("running; press Ctrl-C to stop everything")
    while True:
        check_alive()
        time.sleep(1.0)


def _run_standalone(
    objects: list[JsonDict], installs: Installs, model_dir: Path, keys: dict[str, str], options: argparse.Namespace,
    work_dir: Path,
) -> int:  # fmt: skip
    from ..controlplane.probe import ProbeReport
    from .checks import gateway_span_check, request_budget_checks
    from .runtime import LocalStack
    from .standalone import StandaloneGatewayRun, gateway_traces

    stacks = _stacks(objects)
    with LocalStack(
        stacks[0], installs, model_dir=model_dir, work_dir=work_dir / "models", others=stacks[1:],
        phoenix=gateway_traces(objects) or None,
    ) as local:  # fmt: skip
        _print(f"starting vLLM ({len(stacks)}), Prometheus{', Phoenix' if local.tracing else ''} ...")
        local.start(timeout_s=600)
        run = StandaloneGatewayRun(objects, local, keys, work_dir=work_dir / "gateway", listener_port=options.port)
        with run as gateway:
            gateway.start()
            models = [m.stack.served_model_name for m in local.models]
            _print(f"Prometheus: {local.prometheus_url}" + (f"  Phoenix: {local.phoenix_url}" if local.tracing else ""))
            if options.no_wait:
                report = ProbeReport()
                request_budget_checks(gateway.url, models, list(keys.items()), gateway.requests_per_minute, report)
                if local.phoenix_url and gateway.project:
                    gateway_span_check(local.phoenix_url, gateway.project, next(iter(keys)), report)
                gateway.check_alive()
                local.check_alive()
                _print_checks([{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks], None)
                return EXIT_OK if report.ok else EXIT_FAILED
            client, key = next(iter(keys.items()))
            _demo_completion(gateway.url, models[0], key)
            _announce(gateway.url, models, key, client)

            def alive() -> None:
                gateway.check_alive()
                local.check_alive()

            _wait(alive)
    return EXIT_OK


def _run_ai_gateway(
    objects: list[JsonDict], installs: Installs, model_dir: Path, keys: dict[str, str], options: argparse.Namespace,
    work_dir: Path,
) -> int:  # fmt: skip
    from .aigateway import run_checks, serve

    stacks = _stacks(objects)
    manifest_dir = _manifest_dir(objects, work_dir)
    _print("starting the control plane (kube-apiserver, Envoy Gateway, AI Gateway), its data path, vLLM, Phoenix ...")
    progress = lambda line: _print(f"  {line}")  # noqa: E731
    if options.no_wait:
        reports = run_checks(manifest_dir, work_dir, progress)
        for report in reports:
            _print_checks([dataclasses.asdict(c) for c in report.checks], report.error)
        return EXIT_OK if reports and all(r.ok for r in reports) else EXIT_FAILED
    models = [s.served_model_name for s in stacks]
    running = serve(manifest_dir, work_dir, progress, port=options.port)
    with running as served:
        if served.phoenix_url:
            _print(f"Phoenix: {served.phoenix_url}  project {served.phoenix_project}")
        client, key = next(iter(keys.items()))
        _demo_completion(served.endpoint, models[0], key)
        _announce(served.endpoint, models, key, client)

        def alive() -> None:
            if not running.alive():
                raise HarnessError(f"the default gateway stopped; logs in {work_dir}")

        _wait(alive)
    return EXIT_OK


def _manifest_dir(objects: Sequence[JsonDict], work_dir: Path) -> Path:
    """The manifests written for the control plane, one file in a directory of the work directory."""
    manifest_dir = work_dir / "manifests"
    manifest_dir.mkdir(parents=True, exist_ok=True)
    (manifest_dir / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return manifest_dir


def _load_target(objects: Sequence[JsonDict], load: str) -> str:
    """The ScaledObject and Deployment ``--load`` watches (the first scaled model's); raises
    :class:`LoadProfileError` when no model scales, before anything starts."""
    from ..controlplane.scaling import targets

    found = targets(objects)
    if not found:
        raise LoadProfileError(
            "--load", load, "the manifests scale no model (no ScaledObject with a Prometheus trigger): keep "
            "autoscaling on, as in examples/values-autoscaling-local.yaml",
        )  # fmt: skip
    return f"ScaledObject {found[0].namespace}/{found[0].scaled_object} -> Deployment {found[0].deployment}"


def _run_ai_gateway_load(
    objects: list[JsonDict], request: LoadRequest, target: str, work_dir: Path, out: TextIO
) -> int:
    """``--load`` on the default gateway, on ``target`` (:func:`_load_target`): the probe's scaling job in the
    control plane's sandbox (its rows logged as they are polled), the timeline rendered here (:func:`render_load`,
    the JSON object on ``out``)."""
    from .aigateway import run_load as run_in_sandbox

    _print(
        "starting the control plane (kube-apiserver, Envoy Gateway, AI Gateway, KServe, KEDA and its metrics adapter, "
        "the Prometheus Operator, Prometheus, the HPA controller), its data path, vLLM, Phoenix ..."
    )
    _print(
        f"then {request.profile.kind} load {json.dumps(request.profile.describe())} through the gateway on {target}; "
        f"a row every {request.poll_s:g} s, printed as it is polled (llm-stack probe: ...), until {request.tail_s:g} s "
        "after the last answer or the Deployment is back at its minimum"
    )
    result = run_in_sandbox(
        _manifest_dir(objects, work_dir), work_dir, lambda line: _print(f"  {line}"), profile=request.profile,
        poll_s=request.poll_s, tail_s=request.tail_s,
    )  # fmt: skip
    return render_load(
        request, result.timeline, rows_shown=True, failed=result.failed, error=result.error,
        extra={"pod_requests": result.pod_requests, "pod_ready_seconds": result.pod_ready_seconds,
               "first_pods": list(result.first_pods)},
        out=out,
    )  # fmt: skip


def _keep_temporary_files_in(directory: Path) -> None:
    """Point ``TMPDIR`` of this process and every child (synthesis' Node.js, vLLM's IPC sockets, Phoenix, the control
    plane) into the work directory, so that removing it leaves nothing behind; unless the path is too long for the
    Unix sockets vLLM creates there (then the system's stays)."""
    if len(str(directory)) + UUID_SOCKET_NAME > UNIX_PATH_MAX:
        return
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(directory)
    tempfile.tempdir = None  # computed again from TMPDIR


def _start(
    options: argparse.Namespace, installs: Installs, load: LoadRequest | None, work_dir: Path, out: TextIO
) -> int:
    """Synthesize (or read) the manifests, give them the session's keys, print every substitution, and run the
    gateway mode they configure: the load, the checks, or serve until Ctrl-C."""
    objects, changes, config = _objects(options)
    mode = gateway_mode(objects)
    target = _load_target(objects, options.load) if load is not None else None  # before anything starts
    keys = session_keys()
    secret = api_key_secret_name(objects, config)
    if secret is None:
        raise HarnessError("the manifests name no API-key Secret (no Secret, no SecurityPolicy)")
    objects, key_changes = with_session_keys(objects, secret, keys)
    for tenant_secret, tenant_keys in tenant_session_keys(config).items():
        objects, more = with_session_keys(objects, tenant_secret, tenant_keys)
        key_changes += more
    source = options.manifests or ", ".join(map(str, options.values or [DEMO_VALUES]))
    _print(f"llm-stack local-run: {source} (gateway.mode {mode}; logs in {work_dir})")
    model_dir = ensure_tiny_model(installs)
    _print("substituted for this machine (everything else runs as synthesized):")
    for line in [*map(str, changes), *map(str, key_changes), *_runtime_changes(mode, objects, installs, model_dir)]:
        _print(f"  - {line}")
    if load is not None and target is not None:  # in a mode of LOAD_MODES (checked before)
        return _run_ai_gateway_load(objects, load, target, work_dir, out)
    run = _run_standalone if mode == "standalone" else _run_ai_gateway
    return run(objects, installs, model_dir, keys, options, work_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """``llm-stack local-run``: see the module docstring."""
    options = _parser().parse_args(argv)
    try:
        load = _load_request(options)
        if load is not None:
            _check_load_mode(options.load, _requested_mode(options))
    except LoadProfileError as error:
        _print(f"llm-stack local-run: invalid load: {error}")
        return EXIT_INVALID
    except (ValuesError, ManifestError) as error:
        _print(f"llm-stack local-run: invalid values: {error}")
        return EXIT_INVALID
    except HarnessError as error:
        _print(f"llm-stack local-run: error: {error}")
        return EXIT_FAILED
    try:
        installs = locate_installs()
    except InstallsMissing as error:
        _print(f"llm-stack local-run: {error}")
        return EXIT_INVALID
    work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="llm-stack-local-run."))
    work_dir.mkdir(parents=True, exist_ok=True)
    work_dir = work_dir.resolve()
    _keep_temporary_files_in(work_dir / "tmp")
    out = sys.stdout
    # With --json, standard output carries the one JSON object: every progress line goes to standard error.
    progress = contextlib.redirect_stdout(sys.stderr) if load is not None and load.json else contextlib.nullcontext()
    try:
        with _sigterm_interrupts(), progress:
            try:
                return _start(options, installs, load, work_dir, out)
            except LoadProfileError as error:
                _print(f"llm-stack local-run: invalid load: {error}")
                return EXIT_INVALID
            except (ValuesError, ManifestError) as error:
                _print(f"llm-stack local-run: invalid values: {error}")
                return EXIT_INVALID
            except HarnessError as error:
                _print(f"llm-stack local-run: error: {error}")
                return EXIT_FAILED
            except KeyboardInterrupt:
                _print("stopping ...")
                _print("stopped everything this command started")
                return EXIT_OK
    finally:
        if options.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
