"""Send real requests through the default gateway: the manifests applied to the local control plane, the data path
of :mod:`.dataplane` started from what the controllers made, then the official ``openai`` client against Envoy.

``python -m llm_inference_stack.controlplane.probe DIR... [--json]`` runs each directory of manifests in turn on
one control plane (reset between) inside the sandbox and reports one line per check. The manifests must carry the
API-key Secret (e.g. ``apiKeys.existingSecret: false`` with a ``dummyKey``): its keys are the valid ones.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
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
from typing import Any

from .kube import JsonDict

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_ERROR = 0, 1, 2, 3


@dataclasses.dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclasses.dataclass
class ProbeReport:
    checks: list[Check] = dataclasses.field(default_factory=list)
    error: str | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "error": self.error,
            "checks": [dataclasses.asdict(c) for c in self.checks],
            "details": self.details,
        }


def api_keys(objects: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Client id -> key of the Secrets in the manifests (the stack writes only the API-key Secret, with a dummy
    key). Read from the Secrets, not through the SecurityPolicy: a policy naming the wrong Secret must fail."""
    keys: dict[str, str] = {}
    for secret in objects:
        if secret.get("kind") == "Secret":
            keys |= dict(secret.get("stringData") or {})
            keys |= {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    return keys


def served_models(objects: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        header["value"]
        for route in objects
        if route.get("kind") == "AIGatewayRoute"
        for rule in route["spec"]["rules"]
        for match in rule.get("matches") or []
        for header in match.get("headers") or []
        if header["name"] == "x-ai-eg-model"
    ]


def _status_of(call: Callable[[], Any]) -> tuple[int, str]:
    """HTTP status of an ``openai`` call (200 when it returns) and a short description."""
    import openai

    try:
        result = call()
    except openai.APIStatusError as error:
        return error.status_code, f"{error.status_code} {str(error.message)[:160]}"
    except openai.APIConnectionError as error:
        return 0, f"no response: {error}"
    return 200, f"200 {str(result)[:160]}"


def probe_gateway(base_url: str, objects: Sequence[Mapping[str, Any]], report: ProbeReport) -> None:
    """What the API-key check must do, through the official client (``base_url`` is Envoy's listener)."""
    import openai

    keys = api_keys(objects)
    models = served_models(objects)
    if not keys or not models:
        report.error = "the manifests carry no API-key Secret (set apiKeys.dummyKey) or no AIGatewayRoute"
        return
    model = models[0]
    messages: list[Any] = [{"role": "user", "content": "Hello"}]

    def ask(key: str | None) -> Callable[[], Any]:
        client = openai.OpenAI(base_url=f"{base_url}/v1", api_key=key or "unused", max_retries=0, timeout=30)
        headers: Mapping[str, Any] = {"Authorization": openai.omit} if key is None else {}
        return lambda: client.chat.completions.create(
            model=model, messages=messages, max_tokens=4, extra_headers=headers
        )

    status, detail = _status_of(ask(None))
    report.add("no key -> 401", status == 401, detail)
    status, detail = _status_of(ask("sk-not-a-key-of-this-gateway"))
    report.add("wrong key -> 401", status == 401, detail)
    client_id, key = sorted(keys.items())[0]
    status, detail = _status_of(ask(key))
    report.add(f"key of {client_id} passes the API-key check", status not in (0, 401, 403), detail)


# ----------------------------------------------------------------------------------------------------------------
# Inner: inside the sandbox


def run_inner(job_file: Path) -> int:
    from .cluster import SUBSTITUTIONS as PLANE_SUBSTITUTIONS
    from .cluster import Binaries, LocalControlPlane
    from .dataplane import SUBSTITUTIONS, GatewayDataPlane
    from .pods import POD_SUBSTITUTIONS, PodNetwork
    from .report import Report
    from .sources import ControlPlaneSources
    from .verify import apply_all, reset

    job = json.loads(job_file.read_text())
    sources = ControlPlaneSources(
        files=tuple(Path(p) for p in job["sources"]["files"]), kserve_config_file=Path(job["sources"]["kserve_config"])
    )
    built = {name: Path(path) for name, path in job["binaries"].items()}
    work = Path(job["work_dir"])
    plane = LocalControlPlane(Binaries.from_build(built), sources, work_dir=work / "control-plane", log=_progress)
    reports: list[ProbeReport] = []
    network = PodNetwork()

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    error = None
    try:
        with contextlib.closing(plane):
            # The gateway's controllers only: KServe and KEDA play no part in the data path.
            plane.start(controllers=("ai-gateway", "envoy-gateway"))
            for index, entry in enumerate(job["sets"]):
                objects: list[JsonDict] = entry["objects"]
                report = ProbeReport()
                reports.append(report)
                applied_report = Report()
                _progress(f"{entry['name']}: applying {len(objects)} objects")
                admitted = apply_all(plane.client, objects, applied_report)
                refused = [f"{f.kind} {f.name}: {f.detail}" for f in applied_report.findings if not f.ok]
                if refused:
                    report.error = "the API server refused: " + "; ".join(refused)
                gateways = [o for o in admitted if o["kind"] == "Gateway"]
                data_plane = GatewayDataPlane(
                    plane.client,
                    plane.pki,
                    built,
                    work_dir=work / f"data-plane-{index}",
                    network=network,
                    log=_progress,
                )
                started = time.monotonic()
                try:
                    with data_plane:
                        data_plane.start(gateways)
                        report.details["dataPlaneStartSeconds"] = round(time.monotonic() - started, 1)
                        for gateway in data_plane.gateways:
                            base_url = f"http://{gateway.address}:{_listener_port(gateways, gateway.gateway)}"
                            report.details["gateway"] = base_url
                            probe_gateway(base_url, objects, report)
                        data_plane.check_alive()
                except Exception as failure:  # reported with the component's log tail
                    report.error = f"{type(failure).__name__}: {failure}"
                if index + 1 < len(job["sets"]):
                    applied = admitted + [o for o in objects if o["kind"] == "Secret"]
                    namespaces = sorted({o["metadata"]["namespace"] for o in applied if o["metadata"].get("namespace")})
                    reset(plane.client, applied, namespaces)
    except KeyboardInterrupt:
        error = "interrupted"
    except Exception as failure:
        error = f"{type(failure).__name__}: {failure}"
    if error is not None:
        reports.append(ProbeReport(error=error))
    substitutions = [f"{what} ({why})" for what, why in (*PLANE_SUBSTITUTIONS, *POD_SUBSTITUTIONS, *SUBSTITUTIONS)]
    for report in reports:
        report.details |= {"substitutions": substitutions, "controlPlane": plane.describe()}
    Path(job["report_file"]).write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def _listener_port(gateways: Sequence[Mapping[str, Any]], name: str) -> int:
    gateway = next(g for g in gateways if g["metadata"]["name"] == name)
    return int(gateway["spec"]["listeners"][0]["port"])


def _progress(message: str) -> None:
    print(f"llm-stack probe: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------------------------
# Outer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llm_inference_stack.controlplane.probe")
    parser.add_argument("directories", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        return run_inner(args.inner)
    from ..local_run import load_manifests
    from .build import ensure_binaries
    from .dataplane import ensure_installs
    from .sandbox import ROOT_ENV, sandbox_argv
    from .sources import ControlPlaneSources

    sets = [(str(d), load_manifests(d)) for d in args.directories]
    if not sets:
        print("give one or more directories of manifests", file=sys.stderr)
        return EXIT_INVALID
    work = Path(tempfile.mkdtemp(prefix="llm-stack-probe-")) if args.work_dir is None else args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        sources = ControlPlaneSources.locate(None)
        built = ensure_binaries(log=_progress) | ensure_installs(log=_progress)
        report_file = work / "report.json"
        job = {
            "sets": [{"name": name, "objects": objects} for name, objects in sets],
            "binaries": {name: str(path) for name, path in built.items()},
            "sources": {"files": [str(p) for p in sources.files], "kserve_config": str(sources.kserve_config_file)},
            "work_dir": str(work),
            "report_file": str(report_file),
        }
        job_file = work / "job.json"
        job_file.write_text(json.dumps(job))
        root = work / "sandbox-root"
        root.mkdir(exist_ok=True)
        env = dict(os.environ) | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), ROOT_ENV: str(root)}
        command = sandbox_argv("llm_inference_stack.controlplane.probe", ["--inner", str(job_file)])
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            code = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=False).returncode
        finally:
            signal.signal(signal.SIGINT, previous)
        if not report_file.is_file():
            print(f"llm-stack probe: the sandbox stopped without a report (exit {code})", file=sys.stderr)
            return EXIT_ERROR
        reports = json.loads(report_file.read_text())
        names = [name for name, _ in sets] + ["control plane"] * (len(reports) - len(sets))
        if args.json:
            print(json.dumps([{"source": n} | r for n, r in zip(names, reports, strict=False)], indent=2))
        else:
            for name, report in zip(names, reports, strict=False):
                print(f"== {name}")
                for check in report["checks"]:
                    print(f"{'ok  ' if check['ok'] else 'FAIL'} {check['name']}: {check['detail']}")
                if report["error"]:
                    print(f"ERROR {report['error']}")
        return EXIT_OK if all(r["ok"] for r in reports) and len(reports) == len(sets) else EXIT_FAILED
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
