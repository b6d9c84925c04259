"""``llm-stack local-run``: the stack of a values file on this machine, through its configured gateway.

Synthesizes the values (changed only as :mod:`.session` says, each change printed), then runs:

- ``gateway.mode: standalone``: real vLLM for every model, Prometheus and Phoenix (:class:`.runtime.LocalStack`) and
  the synthesized Envoy in front (:class:`.standalone.StandaloneGatewayRun`);
- ``gateway.mode: ai-gateway``: the local control plane with the real Envoy Gateway and AI Gateway controllers and
  the data path they configure, in front of real vLLM (:mod:`.aigateway`).

It prints the endpoint and a key made for the session, then waits for Ctrl-C; with ``--no-wait`` it runs the checks
(one line each) and exits non-zero if one fails. The work directory is removed on exit unless ``--work-dir`` is
given.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from llm_inference_stack.errors import ManifestError, ValuesError
from llm_inference_stack.standalone_gateway import BOOTSTRAP_FILE

from ..base.errors import HarnessError, InstallsMissing
from ..base.installs import Installs, locate_installs
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

DEMO_VALUES = Path("examples/values-local.yaml")
UUID_SOCKET_NAME = 37
"""``/`` and a UUID: the names of the IPC sockets vLLM puts into the temporary directory."""
UNIX_PATH_MAX = 107
"""Longest path a Unix socket can be bound to (``sun_path`` holds 108 bytes with the terminating NUL)."""
EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
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
    return parser


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _objects(options: argparse.Namespace) -> tuple[list[JsonDict], list[Change], StackConfig | None]:
    """The manifests to run, the values changed for this machine, and the (localized) config when values were
    given."""
    if options.manifests is not None:
        return load_manifests(options.manifests), [], None
    from llm_inference_stack.config import load_values
    from llm_inference_stack.synth import manifests

    files = options.values or [DEMO_VALUES]
    for file in files:
        if not file.is_file():
            raise ValuesError("--values", str(file), "give an existing values file (run from the project root)")
    config, changes = localize_config(load_values(files, sets=options.sets), smoke_test=options.no_wait)
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
    manifest_dir = work_dir / "manifests"
    manifest_dir.mkdir(parents=True, exist_ok=True)
    (manifest_dir / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
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


def _keep_temporary_files_in(directory: Path) -> None:
    """Point ``TMPDIR`` of this process and every child (synthesis' Node.js, vLLM's IPC sockets, Phoenix, the control
    plane) into the work directory, so that removing it leaves nothing behind; unless the path is too long for the
    Unix sockets vLLM creates there (then the system's stays)."""
    if len(str(directory)) + UUID_SOCKET_NAME > UNIX_PATH_MAX:
        return
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(directory)
    tempfile.tempdir = None  # computed again from TMPDIR


def main(argv: Sequence[str] | None = None) -> int:
    """``llm-stack local-run``: see the module docstring."""
    options = _parser().parse_args(argv)
    try:
        installs = locate_installs()
    except InstallsMissing as error:
        _print(f"llm-stack local-run: {error}")
        return EXIT_INVALID
    work_dir = options.work_dir or Path(tempfile.mkdtemp(prefix="llm-stack-local-run."))
    work_dir.mkdir(parents=True, exist_ok=True)
    work_dir = work_dir.resolve()
    _keep_temporary_files_in(work_dir / "tmp")
    try:
        with _sigterm_interrupts():
            try:
                objects, changes, config = _objects(options)
                mode = gateway_mode(objects)
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
                for line in [
                    *map(str, changes),
                    *map(str, key_changes),
                    *_runtime_changes(mode, objects, installs, model_dir),
                ]:
                    _print(f"  - {line}")
                run = _run_standalone if mode == "standalone" else _run_ai_gateway
                return run(objects, installs, model_dir, keys, options, work_dir)
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
