"""Send real requests through the default gateway: the manifests applied to the local control plane, the data path
of :mod:`.dataplane` started from what the controllers made, then the official ``openai`` client against Envoy.

``python -m llm_inference_stack.controlplane.probe DIR... [--vllm] [--json]`` runs each directory of manifests in
turn on one control plane (reset between) inside the sandbox and reports one line per check. The manifests must
carry the API-key Secret (e.g. ``apiKeys.existingSecret: false`` with a ``dummyKey``): its keys are the valid ones.

With ``--vllm`` each InferenceService is served by the real vLLM (CPU, the tiny model of the local runtime,
``scripts/e2e/install.sh``) behind its predictor Service's name (:mod:`.upstream`), and the checks include a
completion, what the model server receives (the client id, not the key) and the per-client token budget.
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
from typing import TYPE_CHECKING, Any

from .kube import JsonDict

if TYPE_CHECKING:
    from .upstream import ModelUpstream

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_ERROR = 0, 1, 2, 3
REPORT_FILE = "report.json"
"""In the work directory: the reports of every set, as the JSON list ``--json`` prints."""


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


def token_budget(objects: Sequence[Mapping[str, Any]], model: str) -> int | None:
    """Tokens one client may use per minute on ``model`` (the BackendTrafficPolicy's rule for it), if limited."""
    for policy in objects:
        if policy.get("kind") != "BackendTrafficPolicy":
            continue
        for rule in ((policy["spec"].get("rateLimit") or {}).get("global") or {}).get("rules") or []:
            headers = [h for selector in rule.get("clientSelectors") or [] for h in selector.get("headers") or []]
            matches = any(h["name"] == "x-ai-eg-model" and h.get("value") == model for h in headers)
            if matches and rule["limit"]["unit"] == "Minute":
                return int(rule["limit"]["requests"])
    return None


def probe_gateway(
    base_url: str,
    objects: Sequence[Mapping[str, Any]],
    report: ProbeReport,
    upstreams: Sequence[ModelUpstream] = (),
) -> None:
    """What the gateway must do, through the official client (``base_url`` is Envoy's listener). Without
    ``upstreams`` no model runs behind it: only the API-key check is probed."""
    import openai

    keys = api_keys(objects)
    # With a model server, ask for the model it serves (what a client sends), not what the route matches.
    models = [u.served_model_name for u in upstreams] or served_models(objects)
    if not keys or not models:
        report.error = "the manifests carry no API-key Secret (set apiKeys.dummyKey) or no AIGatewayRoute"
        return
    model = models[0]
    messages: list[Any] = [{"role": "user", "content": "Hello"}]

    def ask(key: str | None) -> Callable[[], Any]:
        client = openai.OpenAI(base_url=f"{base_url}/v1", api_key=key or "unused", max_retries=0, timeout=60)
        headers: Mapping[str, Any] = {"Authorization": openai.omit} if key is None else {}
        return lambda: client.chat.completions.create(
            model=model, messages=messages, max_tokens=8, extra_headers=headers
        )

    status, detail = _status_of(ask(None))
    report.add("no key -> 401", status == 401, detail)
    status, detail = _status_of(ask("sk-not-a-key-of-this-gateway"))
    report.add("wrong key -> 401", status == 401, detail)
    clients = sorted(keys.items())
    client_id, key = clients[0]
    if not upstreams:
        status, detail = _status_of(ask(key))
        report.add(f"key of {client_id} passes the API-key check", status not in (0, 401, 403), detail)
        return

    upstream = upstreams[0]
    seen_before = len(upstream.seen)
    try:
        completion = ask(key)()
    except openai.APIStatusError as error:
        report.add(
            f"key of {client_id} gets a chat completion from vLLM", False, f"{error.status_code} {error.message}"
        )
        return
    except openai.APIConnectionError as error:
        report.add(f"key of {client_id} gets a chat completion from vLLM", False, f"no response: {error}")
        return
    usage = completion.usage
    answered = (
        completion.model == model
        and isinstance(completion.choices[0].message.content, str)
        and usage is not None
        and usage.total_tokens > 0
    )
    report.add(
        f"key of {client_id} gets a chat completion from vLLM",
        answered,
        f"200 model {completion.model!r}, {usage.total_tokens if usage else '?'} tokens, "
        f"{completion.choices[0].message.content!r:.80}",
    )
    received = [r for r in upstream.seen[seen_before:] if r.path.endswith("/chat/completions")]
    if not received:
        report.add("vLLM receives the client id, not the API key", False, "the model server received no request")
    else:
        request = received[-1]
        leaked = [name for name, value in request.headers if key in value]
        forwarded = request.header("x-client-id")
        report.add(
            "vLLM receives the client id, not the API key",
            forwarded == [client_id] and not leaked,
            f"x-client-id {forwarded}; headers carrying the key: {leaked or 'none'}; "
            f"authorization header: {'present' if request.header('authorization') else 'absent'}",
        )

    budget = token_budget(objects, model)
    if budget is None or len(clients) < 2:
        return
    # Charged by total tokens when each response ends: keep asking until the budget is spent (the window is
    # Envoy's rate-limit minute, so a few extra requests cover a window that turns over mid-way).
    spent, limited, attempts = usage.total_tokens if usage else 0, "", 0
    while attempts < 3 + budget // 8:
        attempts += 1
        try:
            answer = ask(key)()
        except openai.APIStatusError as error:
            if error.status_code == 429:
                limited = f"429 after {spent} tokens in {attempts} completions (budget {budget}/min)"
                break
            limited = f"{error.status_code} {str(error.message)[:120]}"
            break
        spent += answer.usage.total_tokens if answer.usage else 0
    report.add(
        f"{client_id} over its token budget -> 429",
        limited.startswith("429") and spent >= budget,
        limited or f"no 429 after {spent} tokens",
    )
    other_id, other_key = clients[1]
    status, detail = _status_of(ask(other_key))
    report.add(f"{other_id} within its own budget -> 200 meanwhile", status == 200, detail)


# ----------------------------------------------------------------------------------------------------------------
# Inner: inside the sandbox


def run_inner(job_file: Path) -> int:
    from ..localrun.vllm import LOCAL_SUBSTITUTIONS
    from .cluster import SUBSTITUTIONS as PLANE_SUBSTITUTIONS
    from .cluster import Binaries, LocalControlPlane
    from .dataplane import SUBSTITUTIONS, GatewayDataPlane
    from .pods import POD_SUBSTITUTIONS, PodNetwork
    from .report import Report
    from .sources import ControlPlaneSources
    from .upstream import UPSTREAM_SUBSTITUTIONS, ModelUpstreams
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
    vllm = job.get("vllm")
    models = (
        ModelUpstreams(
            Path(vllm["python"]), Path(vllm["model_dir"]), vllm["version"],
            work_dir=work / "models", network=network, log=_progress,
        )
        if vllm
        else None
    )  # fmt: skip

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    error = None
    try:
        with contextlib.closing(plane), contextlib.ExitStack() as stack:
            if models is not None:
                stack.callback(models.close)
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
                    upstreams = []
                    if models is not None:
                        upstreams = models.serve(objects)
                        data_plane.upstreams = models.hosts()
                        report.details["modelStartSeconds"] = round(time.monotonic() - started, 1)
                    with data_plane:
                        data_plane.start(gateways)
                        report.details["dataPlaneStartSeconds"] = round(time.monotonic() - started, 1)
                        for gateway in data_plane.gateways:
                            base_url = f"http://{gateway.address}:{_listener_port(gateways, gateway.gateway)}"
                            report.details["gateway"] = base_url
                            if job.get("hold"):  # llm-stack local-run: serve the gateway outside until stopped
                                from ..localrun.forward import hold_gateway_open

                                alive = [data_plane.check_alive, *([models.check_alive] if models else [])]
                                port = _listener_port(gateways, gateway.gateway)
                                hold_gateway_open(Path(job["hold"]), gateway.address, port, alive)
                            probe_gateway(base_url, objects, report, upstreams)
                        data_plane.check_alive()
                        if models is not None:
                            models.check_alive()
                    report.details["seconds"] = round(time.monotonic() - started, 1)
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
    listed = (*PLANE_SUBSTITUTIONS, *POD_SUBSTITUTIONS, *SUBSTITUTIONS, *(UPSTREAM_SUBSTITUTIONS if vllm else ()))
    substitutions = [f"{what} ({why})" for what, why in listed]
    if vllm:
        substitutions += [f"vLLM {rule}: {why}" for rule, why in LOCAL_SUBSTITUTIONS.items() if rule != "OTLP endpoint"]
    for report in reports:
        report.details |= {"substitutions": substitutions, "controlPlane": plane.describe()}
    Path(job["report_file"]).write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def _vllm_job() -> dict[str, str]:
    """The local runtime's vLLM and tiny model, found (and the model built) outside the sandbox."""
    from ..localrun.model import ensure_tiny_model
    from ..localrun.vllm import installed_vllm_version, locate_installs

    installs = locate_installs()
    return {
        "python": str(installs.vllm_python),
        "model_dir": str(ensure_tiny_model(installs)),
        "version": installed_vllm_version(installs),
    }


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
    parser.add_argument(
        "--vllm", action="store_true", help="serve each InferenceService with the real vLLM (tiny model, CPU)"
    )
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--hold", type=Path, help=argparse.SUPPRESS)  # a Unix socket: see localrun.forward
    args = parser.parse_args(argv)
    if args.inner:
        return run_inner(args.inner)
    from ..localrun.manifests import load_manifests
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
        report_file = work / REPORT_FILE
        job = {
            "sets": [{"name": name, "objects": objects} for name, objects in sets],
            "binaries": {name: str(path) for name, path in built.items()},
            "sources": {"files": [str(p) for p in sources.files], "kserve_config": str(sources.kserve_config_file)},
            "work_dir": str(work),
            "report_file": str(report_file),
            "vllm": _vllm_job() if args.vllm else None,
            "hold": str(args.hold.resolve()) if args.hold else None,
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
