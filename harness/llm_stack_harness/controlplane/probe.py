"""Send real requests through the default gateway: the manifests applied to the local control plane, the data path
of :mod:`.dataplane` started from what the controllers made, then the official ``openai`` client against Envoy.

``python -m llm_stack_harness.controlplane.probe DIR... [--vllm] [--json]`` runs each directory of manifests in
turn on one control plane (reset between) inside the sandbox and reports one line per check. The manifests must
carry the API-key Secret (e.g. ``apiKeys.existingSecret: false`` with a ``dummyKey``): its keys are the valid ones.

With ``--vllm`` each InferenceService is served by the real vLLM (CPU, the tiny model of the local runtime,
``scripts/e2e/install.sh``) behind its predictor Service's name (:mod:`.upstream`), and the real Phoenix listens
where the gateway's traces go (:mod:`.phoenix`). The checks (:mod:`.gateway_checks`) then include a completion,
what the model server receives (the client id, not the key), the per-client token budget, routing by the body's
``model`` to each predictor Service, the AI Gateway's 404 for a model no route names, and the gateway's spans in
Phoenix under the configured project.

As a library: :func:`run_probe` does what the command does and returns the reports;
:func:`.gateway_checks.run_checks` is the checks alone, against a gateway running in the sandbox.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_inference_stack.facts import ai_gateway
from llm_inference_stack.facts import phoenix as phoenix_facts

from ..base.errors import HarnessError
from .gateway_checks import Check, ProbeReport, api_keys, probe_gateway, run_checks, served_models, token_budget
from .kube import JsonDict

if TYPE_CHECKING:
    from .cluster import LocalControlPlane
    from .dataplane import GatewayDataPlane
    from .phoenix import SandboxPhoenix
    from .pods import PodNetwork
    from .upstream import ModelUpstreams

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_ERROR = 0, 1, 2, 3


# ----------------------------------------------------------------------------------------------------------------
# Inner: inside the sandbox


def run_inner(job_file: Path) -> int:
    from .cluster import Binaries, LocalControlPlane
    from .dataplane import GatewayDataPlane
    from .pods import PodNetwork
    from .sources import ControlPlaneSources

    job = json.loads(job_file.read_text())
    sources = ControlPlaneSources(
        files=tuple(Path(p) for p in job["sources"]["files"]), kserve_config_file=Path(job["sources"]["kserve_config"])
    )
    built = {name: Path(path) for name, path in job["binaries"].items()}
    work = Path(job["work_dir"])
    headers = sorted(
        {
            str(header)
            for entry in job["sets"]
            for o in entry["objects"]
            if o.get("kind") == "SecurityPolicy"
            and (header := ((o.get("spec") or {}).get("apiKeyAuth") or {}).get("forwardClientIDHeader"))
        }
    ) or ["x-client-id"]
    plane = LocalControlPlane(
        Binaries.from_build(built), sources, work_dir=work / "control-plane", log=_progress, client_id_headers=headers
    )
    reports: list[ProbeReport] = []
    network = PodNetwork()
    phoenix, models = _sandbox_services(job, work=work, network=network)
    substitutions = _substitutions(vllm=models is not None, phoenix=phoenix is not None)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    error = None
    try:
        with contextlib.closing(plane), contextlib.ExitStack() as stack:
            if models is not None:
                stack.callback(models.close)
            if phoenix is not None:
                stack.callback(phoenix.close)
                phoenix.start()  # Phoenix and vLLM start beside the control plane; waited for at the first set
            if models is not None and job["sets"]:
                models.start(job["sets"][0]["objects"])
            # The gateway's controllers only: KServe and KEDA play no part in the data path.
            plane.start(controllers=("ai-gateway", "envoy-gateway"))
            for index, entry in enumerate(job["sets"]):
                objects: list[JsonDict] = entry["objects"]
                report = ProbeReport(details={"substitutions": substitutions})
                reports.append(report)
                _progress(f"{entry['name']}: applying {len(objects)} objects")
                admitted = _apply_set(plane, objects, report)
                data_plane = GatewayDataPlane(
                    plane.client,
                    plane.pki,
                    built,
                    work_dir=work / f"data-plane-{index}",
                    network=network,
                    log=_progress,
                )
                _probe_set(
                    report, objects, admitted, data_plane, models=models, phoenix=phoenix, serving=job.get("serving")
                )
                if index + 1 < len(job["sets"]):
                    _reset_set(plane, objects, admitted)
    except KeyboardInterrupt:
        error = "interrupted"
    except Exception as failure:
        error = f"{type(failure).__name__}: {failure}"
    if error is not None:
        reports.append(ProbeReport(error=error, details={"substitutions": substitutions}))
    for report in reports:
        report.details |= {"controlPlane": plane.describe()}
    Path(job["report_file"]).write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def _sandbox_services(
    job: Mapping[str, Any], *, work: Path, network: PodNetwork
) -> tuple[SandboxPhoenix | None, ModelUpstreams | None]:
    """The real Phoenix and the vLLM upstreams the job asks for (``--vllm``), not yet started."""
    from .phoenix import SandboxPhoenix
    from .upstream import ModelUpstreams

    vllm = job.get("vllm")
    phoenix = (
        SandboxPhoenix(
            Path(vllm["phoenix"]), work_dir=work / "phoenix", network=network,
            http_port=_phoenix_port(job["sets"][0]["objects"]), log=_progress,
        )
        if vllm and vllm.get("phoenix")
        else None
    )  # fmt: skip
    models = (
        ModelUpstreams(
            Path(vllm["python"]), Path(vllm["model_dir"]), vllm["version"],
            work_dir=work / "models", network=network, log=_progress,
            phoenix_grpc_port=phoenix.grpc_port if phoenix else None,
        )
        if vllm
        else None
    )  # fmt: skip
    return phoenix, models


def _substitutions(*, vllm: bool, phoenix: bool) -> list[str]:
    """Every way this run differs from a cluster, and why, for each report (each part registers its own)."""
    from ..base import vllm as _vllm  # noqa: F401  (registers the vLLM parts)
    from ..base.substitutions import lines
    from . import (  # noqa: F401  (each registers its part)
        cluster,
        dataplane,
        pods,
        upstream,
    )
    from . import phoenix as _phoenix  # noqa: F401

    parts = ["control plane", "pods", "data path", *(("model servers", "vLLM") if vllm else ())]
    parts += ["Phoenix", *(("vLLM tracing",) if vllm else ())] if phoenix else []
    return lines(*parts)


def _apply_set(plane: LocalControlPlane, objects: Sequence[JsonDict], report: ProbeReport) -> list[JsonDict]:
    """Apply one set of manifests; what the API server refuses is the report's error. Returns what it admitted."""
    from .report import Report
    from .verify import apply_all

    applied_report = Report()
    admitted = apply_all(plane.client, objects, applied_report)
    refused = [f"{f.kind} {f.name}: {f.detail}" for f in applied_report.findings if not f.ok]
    if refused:
        report.error = "the API server refused: " + "; ".join(refused)
    return admitted


def _probe_set(
    report: ProbeReport,
    objects: Sequence[JsonDict],
    admitted: Sequence[JsonDict],
    data_plane: GatewayDataPlane,
    *,
    models: ModelUpstreams | None,
    phoenix: SandboxPhoenix | None,
    serving: Mapping[str, Any] | None,
) -> None:
    """Start the data path of one applied set and run the checks (or hold it for serving); a failure is reported."""
    from .phoenix import gateway_otlp_endpoint

    gateways = [o for o in admitted if o["kind"] == "Gateway"]
    started = time.monotonic()
    try:
        upstreams = []
        if models is not None:
            upstreams = models.serve(objects)
            data_plane.upstreams = models.hosts()
            report.details["modelStartSeconds"] = round(time.monotonic() - started, 1)
        if phoenix is not None:
            phoenix.wait_ready()
            data_plane.upstreams |= phoenix.hosts_for(objects)
            report.details["phoenix"] = {"url": phoenix.url, "otlpEndpoint": gateway_otlp_endpoint(objects)}
        with data_plane:
            data_plane.start(gateways)
            report.details["dataPlaneStartSeconds"] = round(time.monotonic() - started, 1)
            for gateway in data_plane.gateways:
                base_url = f"http://{gateway.address}:{_listener_port(gateways, gateway.gateway)}"
                report.details["gateway"] = base_url
                if serving is None or serving.get("checks"):
                    probe_gateway(
                        base_url,
                        objects,
                        report,
                        upstreams,
                        phoenix,
                        reset=data_plane.reset_budgets if models is not None else None,
                        metrics_url=f"http://{gateway.address}:{ai_gateway.EXTPROC_METRICS_PORT}/metrics",
                    )
            data_plane.check_alive()
            if models is not None:
                models.check_alive()
            if serving is not None:
                from .hold import hold

                served = [u.served_model_name for u in upstreams]
                hold(serving, report.details["gateway"], phoenix, report, objects, served)
        report.details["seconds"] = round(time.monotonic() - started, 1)
    except Exception as failure:  # reported with the component's log tail
        report.error = f"{type(failure).__name__}: {failure}"


def _reset_set(plane: LocalControlPlane, objects: Sequence[JsonDict], admitted: Sequence[JsonDict]) -> None:
    """Remove one set's objects (and their namespaces) before the next set is applied."""
    from .verify import reset

    applied = [*admitted, *(o for o in objects if o["kind"] == "Secret")]
    namespaces = sorted({o["metadata"]["namespace"] for o in applied if o["metadata"].get("namespace")})
    reset(plane.client, applied, namespaces)


def _phoenix_port(objects: Sequence[Mapping[str, Any]]) -> int:
    """Phoenix listens on the port of the gateway's OTLP endpoint (Phoenix's own default when it names none)."""
    import urllib.parse

    from .phoenix import gateway_otlp_endpoint

    endpoint = gateway_otlp_endpoint(objects)
    port = urllib.parse.urlsplit(endpoint).port if endpoint else None
    return port or phoenix_facts.HTTP_PORT


def _vllm_job() -> dict[str, str]:
    """The local runtime's vLLM and tiny model, found (and the model built) outside the sandbox."""
    from ..base.installs import installed_vllm_version, locate_installs
    from ..base.tiny_model import ensure_tiny_model

    installs = locate_installs()
    return {
        "python": str(installs.vllm_python),
        "model_dir": str(ensure_tiny_model(installs)),
        "version": installed_vllm_version(installs),
        "phoenix": str(installs.phoenix),
    }


def _listener_port(gateways: Sequence[Mapping[str, Any]], name: str) -> int:
    gateway = next(g for g in gateways if g["metadata"]["name"] == name)
    return int(gateway["spec"]["listeners"][0]["port"])


def _progress(message: str) -> None:
    print(f"llm-stack probe: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------------------------
# Outer


class ProbeError(HarnessError):
    """The probe could not run (no report came back from the sandbox)."""


def prepare_job(
    directories: Sequence[Path],
    *,
    vllm: bool,
    work: Path,
    log: Callable[[str], None],
    serving: Mapping[str, Any] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Write the sandbox's job for these directories into ``work`` (binaries built or reused, the vLLM install and
    tiny model located); returns the command that runs it in a fresh sandbox and its environment."""
    from ..base.manifests import load_manifests
    from ..base.sandbox import ROOT_ENV, sandbox_argv
    from .build import ensure_binaries
    from .dataplane import ensure_installs
    from .sources import ControlPlaneSources

    sets = [(str(d), load_manifests(d)) for d in directories]
    sources = ControlPlaneSources.locate(None)
    built = ensure_binaries(log=log) | ensure_installs(log=log)
    job = {
        "sets": [{"name": name, "objects": objects} for name, objects in sets],
        "binaries": {name: str(path) for name, path in built.items()},
        "sources": {"files": [str(p) for p in sources.files], "kserve_config": str(sources.kserve_config_file)},
        "work_dir": str(work),
        "report_file": str(work / "report.json"),
        "vllm": _vllm_job() if vllm else None,
        "serving": dict(serving) if serving is not None else None,
    }
    job_file = work / "job.json"
    job_file.write_text(json.dumps(job))
    root = work / "sandbox-root"
    root.mkdir(exist_ok=True)
    env = dict(os.environ) | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), ROOT_ENV: str(root)}
    return sandbox_argv("llm_stack_harness.controlplane.probe", ["--inner", str(job_file)]), env


def run_probe(
    directories: Sequence[Path],
    *,
    vllm: bool = True,
    work_dir: Path | None = None,
    log: Callable[[str], None] | None = None,
) -> list[tuple[str, ProbeReport]]:
    """Run the probe over each directory of manifests (one control plane, reset between; one vLLM and one Phoenix
    shared by all) and return ``(directory, report)`` per directory, in order; a last ``("control plane", report)``
    carries an error that ended the run early. ``work_dir`` keeps the logs (a temporary directory otherwise,
    removed). Progress goes to ``log`` (stderr by default). Raises :class:`ProbeError` when no report came back."""
    work = Path(tempfile.mkdtemp(prefix="llm-stack-probe-")) if work_dir is None else work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        command, env = prepare_job(directories, vllm=vllm, work=work, log=log or _progress)
        report_file = work / "report.json"
        report_file.unlink(missing_ok=True)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            code = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=False).returncode
        finally:
            signal.signal(signal.SIGINT, previous)
        if not report_file.is_file():
            raise ProbeError(f"the sandbox stopped without a report (exit {code})")
        reports = [ProbeReport.from_dict(r) for r in json.loads(report_file.read_text())]
        names = [str(d) for d in directories] + ["control plane"] * (len(reports) - len(directories))
        return list(zip(names, reports, strict=False))
    finally:
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llm_stack_harness.controlplane.probe")
    parser.add_argument("directories", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--vllm", action="store_true", help="serve each InferenceService with the real vLLM (tiny model, CPU)"
    )
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        return run_inner(args.inner)
    if not args.directories:
        print("give one or more directories of manifests", file=sys.stderr)
        return EXIT_INVALID
    try:
        results = run_probe(args.directories, vllm=args.vllm, work_dir=args.work_dir)
    except ProbeError as error:
        print(f"llm-stack probe: {error}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        print(json.dumps([{"source": name} | report.as_dict() for name, report in results], indent=2))
    else:
        for name, report in results:
            print(f"== {name}")
            for check in report.checks:
                print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
            if report.error:
                print(f"ERROR {report.error}")
    complete = len(results) == len(args.directories)
    return EXIT_OK if complete and all(report.ok for _, report in results) else EXIT_FAILED


__all__ = [
    "Check", "ProbeError", "ProbeReport", "api_keys", "prepare_job", "probe_gateway", "run_checks", "run_probe",
    "served_models", "token_budget",
]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
