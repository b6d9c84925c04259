"""Send real requests through the default gateway: the manifests applied to the local control plane, the data path
of :mod:`.dataplane` started from what the controllers made, then the official ``openai`` client against Envoy.

``python -m llm_stack_harness.controlplane.probe DIR... [--vllm] [--json]`` runs each directory of manifests in
turn on one control plane (reset between) inside the sandbox and reports one line per check. The manifests must
carry the API-key Secret (e.g. ``apiKeys.existingSecret: false`` with a ``dummyKey``): its keys are the valid ones.

With ``--vllm`` each InferenceService is served by the real vLLM (CPU, the tiny model of the local runtime,
``scripts/e2e/install.sh``) in the predictor Pods KServe's Deployment creates, reached through its Service's
ClusterIP (:mod:`.service_proxy`), and the real Phoenix listens
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
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_inference_stack.facts import ai_gateway, inference_extension
from llm_inference_stack.facts import phoenix as phoenix_facts

from ..base.errors import HarnessError, LoadProfileError
from . import model_store
from .gateway_checks import (
    Check,
    ProbeReport,
    api_keys,
    probe_gateway,
    routed_model,
    run_checks,
    served_models,
    token_budget,
)
from .kube import JsonDict
from .rollout import surge_pods
from .scaling import POD_REQUEST_COUNTER, counter_sum, served_pod_count
from .service_proxy import ModelUpstream, ServiceProxy

if TYPE_CHECKING:
    from ..base.load_profile import LoadProfile
    from .cluster import LocalControlPlane
    from .dataplane import GatewayDataPlane
    from .model_store import ModelStore
    from .phoenix import SandboxPhoenix
    from .pods import PodNetwork

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_ERROR = 0, 1, 2, 3
GATEWAY_CONTROLLERS = ("ai-gateway", "envoy-gateway")
MODEL_CONTROLLERS = ("kube-controller-manager", "kube-scheduler", "nodes", "kserve")
"""What runs the model Pods, as in ``llm-stack verify`` (KEDA plays no part in the data path)."""
MODEL_TIMEOUT_S = 900.0
"""Longest a set waits for its predictor Services' ready endpoints (storage initializer, then vLLM on CPU)."""


# ----------------------------------------------------------------------------------------------------------------
# Inner: inside the sandbox


def _client_id_headers(job: Mapping[str, Any]) -> list[str]:
    """The SecurityPolicies' ``forwardClientIDHeader`` over every set (``x-client-id`` when none names one)."""
    return sorted(
        {
            str(header)
            for entry in job["sets"]
            for o in entry["objects"]
            if o.get("kind") == "SecurityPolicy"
            and (header := ((o.get("spec") or {}).get("apiKeyAuth") or {}).get("forwardClientIDHeader"))
        }
    ) or ["x-client-id"]


def _control_plane(job: Mapping[str, Any], built: Mapping[str, Path], work: Path, network: Any) -> LocalControlPlane:
    """The job's control plane, not started: the node agent serves every model Pod (with a scaling load, every
    replica the ScaledObjects may ask for)."""
    from .cluster import Binaries, LocalControlPlane
    from .sources import ControlPlaneSources

    sources = ControlPlaneSources(
        files=tuple(Path(p) for p in job["sources"]["files"]), kserve_config_file=Path(job["sources"]["kserve_config"])
    )
    vllm, scaling = job.get("vllm"), job.get("scaling")
    serve = max((served_pods(job, entry["objects"]) for entry in job["sets"]), default=0) if vllm else 0
    return LocalControlPlane(
        Binaries.from_build(dict(built)), sources, work_dir=work / "control-plane", log=_progress,
        client_id_headers=_client_id_headers(job), serve_models=serve, pod_images=_pod_images() if vllm else (),
        network=network, hpa_sync_period_s=scaling.get("hpaSyncPeriodSeconds") if scaling else None,
    )  # fmt: skip


def run_inner(job_file: Path) -> int:
    from .dataplane import GatewayDataPlane
    from .pods import PodNetwork

    job = json.loads(job_file.read_text())
    built = {name: Path(path) for name, path in job["binaries"].items()}
    work = Path(job["work_dir"])
    network = PodNetwork()
    vllm, scaling = job.get("vllm"), job.get("scaling")
    plane = _control_plane(job, built, work, network)
    reports: list[ProbeReport] = []
    phoenix, store = _sandbox_services(job, work=work, network=network)
    substitutions = _substitutions(vllm=store is not None, phoenix=phoenix is not None, faults=bool(job.get("faults")))

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    error = None
    try:
        with contextlib.closing(plane), contextlib.ExitStack() as stack:
            if phoenix is not None:
                stack.callback(phoenix.close)
                phoenix.start()  # Phoenix starts beside the control plane; waited for at the first set
            if store is not None:
                stack.callback(store.close)
                store.start()
            # With models, what runs them: KServe writes the predictor Deployments, kube-controller-manager their
            # ReplicaSets, Pods and EndpointSlices, kube-scheduler binds the Pods, the node agent runs them.
            models = MODEL_CONTROLLERS + (SCALING_CONTROLLERS if scaling else ())
            plane.start(controllers=models + GATEWAY_CONTROLLERS if store else GATEWAY_CONTROLLERS)
            monitoring = _start_scaling_loop(plane, stack) if scaling and store else None
            proxy = ServiceProxy(plane.client, log=_progress)
            stack.callback(proxy.close)
            proxy.start()
            for index, entry in enumerate(job["sets"]):
                objects: list[JsonDict] = entry["objects"]
                report = ProbeReport(details={"substitutions": substitutions})
                reports.append(report)
                if store is not None:
                    _prepare_models(plane, store, objects, Path(vllm["model_dir"]), phoenix=phoenix is not None)
                if monitoring is not None:
                    monitoring.prepare(objects, _Prerequisites(report))
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
                    report, objects, admitted, data_plane, plane=plane, proxy=proxy,
                    models=store is not None, phoenix=phoenix, serving=job.get("serving"),
                    scaling=(scaling, monitoring) if monitoring is not None else None, faults=job.get("faults"),
                    routing=job.get("routing"),
                )  # fmt: skip
                if index + 1 < len(job["sets"]):
                    _reset_set(plane, objects, admitted, job["sets"][index + 1]["objects"])
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


SCALING_CONTROLLERS = ("keda",)
"""With a scaling load: KEDA's operator too (its metrics adapter, the Prometheus Operator and Prometheus start beside
it, as in ``llm-stack verify``), and kube-controller-manager's horizontal-pod-autoscaling controller acts on them."""
MONITORING_SYNC_S = 3.0


class _Prerequisites:
    """What :meth:`.monitoring.SandboxMonitoring.prepare` adds to a report, kept in a probe report's details."""

    def __init__(self, report: ProbeReport) -> None:
        self.prerequisites: list[str] = report.details.setdefault("prerequisites", [])


def _start_scaling_loop(plane: LocalControlPlane, stack: contextlib.ExitStack) -> Any:
    """The Prometheus Operator, its Prometheus and KEDA's metrics adapter (:func:`.verify.start_monitoring`), kept
    in sync with what the operator writes (every :data:`MONITORING_SYNC_S`, as its config reloader would)."""
    import threading

    from .verify import start_monitoring

    monitoring = start_monitoring(plane)
    if monitoring is None or not monitoring.external_metrics:
        raise HarnessError(
            "the scaling load needs the Prometheus Operator, Prometheus and KEDA's metrics adapter built"
        )
    stack.callback(monitoring.close)
    stop = threading.Event()

    def keep_in_sync() -> None:
        while not stop.wait(MONITORING_SYNC_S):
            with contextlib.suppress(Exception):  # a sync racing the operator's next write is retried next time
                monitoring.sync()

    threading.Thread(target=keep_in_sync, name="monitoring-sync", daemon=True).start()
    stack.callback(stop.set)
    return monitoring


def run_scaling_checks(
    report: ProbeReport,
    base_url: str,
    objects: Sequence[JsonDict],
    plane: LocalControlPlane,
    spec: Mapping[str, Any],
    monitoring: Any,
) -> None:
    """The job's load (:func:`scaling_profile`) through the gateway on the first scaled model, and what the real
    loop did with it (:mod:`.scaling`): the HPA took the Deployment above its minimum, every Pod it added served
    requests, it came back to the minimum after the load, and no request failed."""
    from .scaling import ClusterSampler, pod_requests, run_scaling, targets

    found = targets(objects)
    keys = api_keys(objects)
    if not found or not keys:
        report.error = "the scaling load needs a ScaledObject with a Prometheus trigger and an API key in the manifests"
        return
    target = found[0]
    sampler = ClusterSampler(plane.client, monitoring.url, target)
    if target.min_replicas == 0:
        _run_wake(report, base_url, objects, plane, spec, sampler, sorted(keys.items())[-1][1])
        return
    first = set(sampler.ready_pods(plane.client.get("apps/v1", "Deployment", target.deployment, target.namespace)))
    key, model = sorted(keys.items())[-1][1], routed_model(objects, target.deployment)
    timeline, failed = run_scaling(
        sampler, base_url=base_url, api_key=key, model=model, profile=scaling_profile(spec),
        poll_s=float(spec.get("pollSeconds", SCALING_POLL_S)), tail_s=float(spec["tailSeconds"]), log=_progress,
        stop_once_served=bool(spec.get("stopOnceServed")),
        timeout_s=float(spec.get("requestTimeoutSeconds", SCALING_REQUEST_TIMEOUT_S)),
    )  # fmt: skip
    served = pod_requests(timeline)
    report.details["scaling"] = timeline.to_json() | {
        "pod_requests": served, "pod_ready_seconds": sampler.readiness, "first_pods": sorted(first),
        "target": dataclasses.asdict(target), "failed": [dataclasses.asdict(r) for r in failed[:20]],
    }  # fmt: skip
    summary, floor = timeline.summary, max(target.min_replicas, 1)
    replicas = [row.cluster.replicas or 0 for row in timeline.rows]
    added = {name: count for name, count in served.items() if name not in first}
    report.checks += [
        Check(
            "the HPA took the predictor Deployment above its minimum under load",
            max(replicas, default=0) > floor,
            f"replicas {floor} -> {max(replicas, default=0)} (HPA desired at most {summary.peak_desired}); "
            f"time to capacity {summary.time_to_capacity_s} s",
        ),
        Check(
            "every Pod the HPA added served requests (its own vLLM's request counter)",
            bool(added) and all(count > 0 for count in added.values()),
            f"added Pods {added or 'none'}; first {sorted(first)}",
        ),
        Check(
            "the HPA brought it back to its minimum after the load",
            bool(replicas) and replicas[-1] == floor,
            f"final replicas {replicas[-1] if replicas else None} at {timeline.rows[-1].t_s:.0f} s",
        ),
        Check(
            "no request failed during the load",
            summary.counts.errors == 0 and summary.counts.rate_limited == 0 and summary.counts.ok > 0,
            f"{summary.counts.ok} completed, {summary.counts.rate_limited} rate limited, {summary.counts.errors} "
            f"failed: {[f'request {r.number} at {r.start_s:.0f} s: {r.detail}' for r in failed[:5]]}",
        ),
    ]


def _run_wake(
    report: ProbeReport, base_url: str, objects: Sequence[JsonDict], plane: LocalControlPlane,
    spec: Mapping[str, Any], sampler: Any, key: str,
) -> None:  # fmt: skip
    """A target that may scale to zero (:mod:`.wake`): from 0 replicas, the step's requests held by the endpoint
    picker while KEDA wakes the model, all answered once its Pod is Ready, and back to 0 after the cooldown."""
    from .scaling import run_scaling
    from .wake import run_wake

    def run(sampler: Any, *, started: Callable[[Any], None]) -> Any:
        return run_scaling(
            sampler, base_url=base_url, api_key=key, model=routed_model(objects, sampler.target.deployment),
            profile=scaling_profile(spec), poll_s=float(spec.get("pollSeconds", SCALING_POLL_S)),
            tail_s=float(spec["tailSeconds"]), log=_progress,
            timeout_s=float(spec.get("requestTimeoutSeconds", WAKE_REQUEST_TIMEOUT_S)), started=started,
        )  # fmt: skip

    scaled = next(
        o for o in objects if o["kind"] == "ScaledObject" and o["metadata"]["name"] == sampler.target.scaled_object
    )
    queries = [str((t.get("metadata") or {}).get("query")) for t in (scaled.get("spec") or {}).get("triggers") or []]
    held = next((q for q in queries if inference_extension.QUEUE_SIZE_METRIC in q), None)
    timeline, checks, figures = run_wake(
        plane.client, plane.pod_stand_in, sampler, run, spec=spec, held_query=held, log=_progress
    )
    report.details["scaling"] = timeline.to_json() | {
        "wake": figures, "target": dataclasses.asdict(sampler.target), "failed": figures.pop("failed"),
    }  # fmt: skip
    report.checks += checks


SCALING_POLL_S = 5.0
"""Seconds between the scaling job's polls when it names none (``pollSeconds``)."""
SCALING_NUMBERS = {
    "tailSeconds": (0.0, 3600.0), "pollSeconds": (0.5, 60.0), "hpaSyncPeriodSeconds": (1.0, 15.0),
    "requestTimeoutSeconds": (1.0, 900.0),
}  # fmt: skip
"""The scaling job's numbers and their bounds (the HPA's sync period: at most kube-controller-manager's 15 s; each
request's timeout, default :data:`SCALING_REQUEST_TIMEOUT_S`)."""
SCALING_REQUEST_TIMEOUT_S = 120.0
WAKE_REQUEST_TIMEOUT_S = ai_gateway.ENDPOINT_PICKER_MESSAGE_TIMEOUT_SECONDS + 30.0
"""A held request's timeout when the job names none: past the longest hold the AI Gateway allows."""
STEP_KEYS = ("concurrency", "durationSeconds", "outputTokens")


def check_routing_spec(spec: Any) -> None:
    """A ``--routing`` job: an object with at most a ``workload`` (:class:`..base.shared_prefix.SharedPrefixWorkload`
    refuses a bad one, naming the key)."""
    from ..base.shared_prefix import SharedPrefixWorkload, WorkloadError

    if not isinstance(spec, Mapping) or set(spec) - {"workload"}:
        raise WorkloadError("--routing", spec, 'an object {"workload": {...}} and no other key')
    workload = spec.get("workload") or {}
    if not isinstance(workload, Mapping):
        raise WorkloadError("--routing workload", workload, "an object of the workload's numbers")
    SharedPrefixWorkload.from_json(workload)


def check_scaling_spec(spec: Any) -> LoadProfile:
    """The load of a ``--scaling`` job (:func:`scaling_profile`), every key checked first: an unknown or missing
    key, or a value out of bounds, raises :class:`..base.errors.LoadProfileError` naming it and the fix."""
    known = {"profile", "stopOnceServed", *SCALING_NUMBERS, *STEP_KEYS}
    if not isinstance(spec, Mapping):
        raise LoadProfileError("--scaling", spec, f"give a JSON object with {', '.join(sorted(known))}")
    for key in sorted(set(spec) - known):
        raise LoadProfileError(f"--scaling {key}", spec[key], f"leave it out: give only {', '.join(sorted(known))}")
    if "tailSeconds" not in spec:
        raise LoadProfileError("--scaling tailSeconds", "(missing)", "give the seconds to poll on after the load")
    for key, (low, high) in SCALING_NUMBERS.items():
        value = spec.get(key, low)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise LoadProfileError(f"--scaling {key}", value, f"give seconds, {low:g} to {high:g}")
    if not isinstance(spec.get("stopOnceServed", False), bool):
        raise LoadProfileError("--scaling stopOnceServed", spec["stopOnceServed"], "give true or false")
    if "profile" in spec and set(STEP_KEYS) & set(spec):
        raise LoadProfileError(
            "--scaling profile", "...", f"give a profile or a step's {', '.join(STEP_KEYS)}, not both"
        )
    for key in () if "profile" in spec else STEP_KEYS:
        value = spec.get(key, 1)
        if key != "outputTokens" and key not in spec:
            raise LoadProfileError(f"--scaling {key}", "(missing)", "give it, or a profile")
        seconds = key == "durationSeconds"
        if isinstance(value, bool) or not isinstance(value, float | int if seconds else int):
            raise LoadProfileError(f"--scaling {key}", value, "give seconds" if seconds else "give a whole number")
    return scaling_profile(spec)


def scaling_profile(spec: Mapping[str, Any]) -> LoadProfile:
    """The load of a scaling job: its ``profile`` (what :meth:`..base.load_profile.LoadProfile.to_json` wrote: a
    step, a ramp or a trace's every line), else a step of ``concurrency`` requests for ``durationSeconds``, each
    generating ``outputTokens`` (default 32). Checked as ``local-run --load`` checks it; raises
    :class:`..base.errors.LoadProfileError`."""
    from ..base.load_profile import DEFAULT_OUTPUT_TOKENS, StepProfile, profile_from_json

    if "profile" in spec:
        return profile_from_json(spec["profile"])
    return StepProfile(
        concurrency=int(spec["concurrency"]), duration_s=float(spec["durationSeconds"]),
        output_tokens=int(spec.get("outputTokens", DEFAULT_OUTPUT_TOKENS)),
    )  # fmt: skip


def _prepare_models(
    plane: LocalControlPlane, store: ModelStore, objects: Sequence[JsonDict], model_dir: Path, *, phoenix: bool
) -> None:
    """The tiny model under each s3:// storageUri of the set, and the model Pods' ``/etc/hosts`` (Phoenix)."""
    for uri in [u for _, _, u in model_store.s3_storage_uris(objects)]:
        store.put(uri, model_dir)
    if plane.pod_stand_in is not None:
        plane.pod_stand_in.hosts = _model_pod_hosts(objects) if phoenix else {}  # type: ignore[attr-defined]


def _sandbox_services(
    job: Mapping[str, Any], *, work: Path, network: PodNetwork
) -> tuple[SandboxPhoenix | None, ModelStore | None]:
    """The real Phoenix and the model store the job asks for (``--vllm``), not yet started."""
    from .phoenix import SandboxPhoenix

    vllm = job.get("vllm")
    phoenix = (
        SandboxPhoenix(
            Path(vllm["phoenix"]), work_dir=work / "phoenix", network=network,
            http_port=_phoenix_port(job["sets"][0]["objects"]),
            grpc_port=_model_otlp_port(job["sets"][0]["objects"]), log=_progress,
        )
        if vllm and vllm.get("phoenix")
        else None
    )  # fmt: skip
    store = model_store.ModelStore(Path(vllm["store_venv"]), work / "model-store") if vllm else None
    return phoenix, store


def served_pods(job: Mapping[str, Any], objects: Sequence[Mapping[str, Any]]) -> int:
    """Pods the node agent runs vLLM in for one set of the job: with a scaling load every replica the ScaledObjects
    may ask for, else every replica KServe starts, plus a rollout's surge Pods when the fault run rolls one out."""
    if job.get("scaling"):
        return served_pod_count(objects)
    rolls = "rolled-out" in ((job.get("faults") or {}).get("faults") or ())
    return _count_models(objects) + (surge_pods(objects) if rolls else 0)


def _count_models(objects: Sequence[Mapping[str, Any]]) -> int:
    """Pods the node agent serves without a scaling load: each InferenceService's ``spec.predictor.minReplicas``
    (the replicas KServe's Deployment starts with; the stack's ``autoscaling.minReplicas``), at least one."""
    return sum(
        max(1, int(((o.get("spec") or {}).get("predictor") or {}).get("minReplicas") or 1))
        for o in objects
        if o.get("kind") == "InferenceService"
    )


def _pod_images() -> list[Any]:
    from .agent import local_images

    return local_images()


def _model_otlp_endpoints(objects: Sequence[Mapping[str, Any]]) -> list[urllib.parse.SplitResult]:
    """The ``--otlp-traces-endpoint`` of each InferenceService's container (where vLLM sends its spans)."""
    found = []
    for isvc in objects:
        if isvc.get("kind") != "InferenceService":
            continue
        for container in ((isvc.get("spec") or {}).get("predictor") or {}).get("containers") or []:
            args = [str(a) for a in container.get("args") or []]
            for index, arg in enumerate(args):
                value = args[index + 1] if arg == "--otlp-traces-endpoint" and index + 1 < len(args) else None
                value = arg.split("=", 1)[1] if arg.startswith("--otlp-traces-endpoint=") else value
                if value:
                    found.append(urllib.parse.urlsplit(value if "://" in value else f"grpc://{value}"))
    return found


def _model_otlp_port(objects: Sequence[Mapping[str, Any]]) -> int | None:
    """Phoenix's gRPC port: the one the model Pods' OTLP endpoint names, when it is the Phoenix chart's Service."""
    from .phoenix import is_phoenix_service

    ports = [e.port for e in _model_otlp_endpoints(objects) if e.hostname and is_phoenix_service(e.hostname)]
    return ports[0] if ports else None


def _model_pod_hosts(objects: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The model Pods' ``/etc/hosts``: the Phoenix chart's Service their OTLP endpoint names, at the sandbox's
    Phoenix (:data:`.phoenix.PHOENIX_SUBSTITUTIONS`)."""
    from .phoenix import PHOENIX_ADDRESS, is_phoenix_service

    hosts = {e.hostname for e in _model_otlp_endpoints(objects) if e.hostname and is_phoenix_service(e.hostname)}
    return {name: PHOENIX_ADDRESS for host in sorted(hosts) for name in (host, f"{host}.")}


def _substitutions(*, vllm: bool, phoenix: bool, faults: bool = False) -> list[str]:
    """Every way this run differs from a cluster, and why, for each report (each part registers its own)."""
    from ..base import vllm as _vllm  # noqa: F401  (registers the vLLM parts)
    from ..base.substitutions import lines
    from . import (  # noqa: F401  (each registers its part)
        agent,
        cluster,
        dataplane,
        model_store,
        nodes,
        pods,
        service_proxy,
    )
    from . import faults as _faults  # noqa: F401
    from . import phoenix as _phoenix  # noqa: F401

    parts = ["control plane", "pods", "data path", "service proxy"]
    parts += ["nodes", "node agent", "model store"] if vllm else []
    parts += ["Phoenix"] if phoenix else []
    parts += ["faults"] if faults else []
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
    plane: LocalControlPlane,
    proxy: ServiceProxy,
    models: bool,
    phoenix: SandboxPhoenix | None,
    serving: Mapping[str, Any] | None,
    scaling: tuple[Mapping[str, Any], Any] | None = None,
    faults: Mapping[str, Any] | None = None,
    routing: Mapping[str, Any] | None = None,
) -> None:
    """Start the data path of one applied set and run the checks (or hold it for serving, or run the scaling load or
    the fault run instead of the checks); a failure is reported."""
    from .phoenix import gateway_otlp_endpoint

    gateways = [o for o in admitted if o["kind"] == "Gateway"]
    started = time.monotonic()
    try:
        upstreams: list[ModelUpstream] = []
        not_served: dict[tuple[str, str], str] = {}
        if models:
            upstreams, not_served = _wait_for_models(report, objects, plane, proxy, faults, routing)
            report.details["modelStartSeconds"] = round(time.monotonic() - started, 1)
        proxy.sync()
        data_plane.upstreams = proxy.hosts()
        if phoenix is not None:
            phoenix.wait_ready()
            data_plane.upstreams |= phoenix.hosts_for(objects)
            report.details["phoenix"] = {"url": phoenix.url, "otlpEndpoint": gateway_otlp_endpoint(objects)}
        with data_plane:
            data_plane.start(gateways, pools=[o for o in admitted if o["kind"] == inference_extension.POOL_KIND])
            report.details["dataPlaneStartSeconds"] = round(time.monotonic() - started, 1)
            for gateway in data_plane.gateways:
                base_url = f"http://{gateway.address}:{_listener_port(gateways, gateway.gateway)}"
                report.details["gateway"] = base_url
                if scaling is not None:
                    run_scaling_checks(report, base_url, objects, plane, *scaling)
                elif routing is not None:
                    _run_routing(report, base_url, objects, plane, data_plane, routing)
                elif faults is not None:
                    from .faults import run_fault_checks

                    run_fault_checks(
                        report, base_url, objects, data_plane, phoenix, faults, client=plane.client, log=_progress
                    )
                elif serving is None or serving.get("checks"):
                    probe_gateway(
                        base_url,
                        objects,
                        report,
                        upstreams,
                        phoenix,
                        reset=data_plane.reset_budgets if models else None,
                        metrics_url=f"http://{gateway.address}:{ai_gateway.EXTPROC_METRICS_PORT}/metrics",
                    )
                    if models:
                        reset = data_plane.reset_budgets
                        check_pod_reached(report, base_url, objects, upstreams, plane, proxy, reset)
                        check_not_served(report, base_url, objects, not_served, proxy, reset)
            data_plane.check_alive()
            _check_model_pods(plane)
            if serving is not None:
                from .hold import hold

                served = [u.served_model_name for u in upstreams]
                hold(serving, report.details["gateway"], phoenix, report, objects, served)
        report.details["seconds"] = round(time.monotonic() - started, 1)
    except Exception as failure:  # reported with the component's log tail
        report.error = f"{type(failure).__name__}: {failure}"


def _wait_for_models(
    report: ProbeReport, objects: Sequence[JsonDict], plane: LocalControlPlane, proxy: ServiceProxy,
    faults: Mapping[str, Any] | None, routing: Mapping[str, Any] | None = None,
) -> tuple[list[ModelUpstream], dict[tuple[str, str], str]]:  # fmt: skip
    """The served models' upstreams once their Pods are ready (the fault run's two replicas written first), and the
    models not served, with why (``details.modelPods``, ``details.notServed``)."""
    from .service_proxy import model_upstreams

    if faults is not None:
        from .faults import hold_pod_replicas

        hold_pod_replicas(plane.client, objects, faults)
    if routing is not None:  # the routing run's two Pods, held as KEDA's HPA would hold its minimum
        from .pod_kill import hold_replicas
        from .routing_checks import routed_target

        namespace, isvc, _pool = routed_target(objects)
        hold_replicas(plane.client, namespace, isvc)
    report.details["modelPods"], not_served = wait_for_model_pods(plane, proxy, objects)
    upstreams = [u for u in model_upstreams(objects, proxy) if (u.namespace, u.inference_service) not in not_served]
    if not_served:
        report.details["notServed"] = [f"{ns}/{isvc}: not served: {why}" for (ns, isvc), why in not_served.items()]
    return upstreams, not_served


def _run_routing(
    report: ProbeReport, base_url: str, objects: Sequence[JsonDict], plane: LocalControlPlane,
    data_plane: GatewayDataPlane, routing: Mapping[str, Any],
) -> None:  # fmt: skip
    """The routing run (:mod:`.routing_checks`) on this gateway, its endpoint pickers and the node agent's Pods."""
    from .routing_checks import run_routing_checks

    run_routing_checks(
        report, base_url, objects, plane.client, routing, data_plane.picker_address, _progress,
        pause=_pause_model_pod(plane),
    )  # fmt: skip


def _pause_model_pod(plane: LocalControlPlane) -> Callable[[str, bool], None]:
    """Stop (SIGSTOP) or resume (SIGCONT) the vLLM API server of a model Pod the node agent runs, by Pod name: a
    hung model server, as its probes see it."""
    import signal as signals

    from llm_inference_stack.facts import kserve

    def pause(name: str, stopped: bool) -> None:
        agent = plane.pod_stand_in
        served = [s for s in getattr(agent, "served", {}).values() if s.pod["metadata"]["name"] == name]
        local = served[0].local if served else None
        process = local.containers.get(kserve.CONTAINER_NAME) if local is not None else None
        if process is None:
            raise HarnessError(f"Pod {name}: the node agent runs no {kserve.CONTAINER_NAME} container to pause")
        os.kill(process.pid, signals.SIGSTOP if stopped else signals.SIGCONT)

    return pause


def _model_pods(plane: LocalControlPlane, namespace: str, isvc: str) -> list[Any]:
    """The node agent's served Pods of one InferenceService (:class:`.agent.ServedPod`), current ones only."""
    from llm_inference_stack.facts import kserve

    agent = plane.pod_stand_in
    served = list(getattr(agent, "served", {}).values())
    return [
        s for s in served
        if s.stage != "deleted" and s.pod["metadata"]["namespace"] == namespace
        and (s.pod["metadata"].get("labels") or {}).get(kserve.INFERENCE_SERVICE_LABEL) == isvc
    ]  # fmt: skip


def wait_for_model_pods(
    plane: LocalControlPlane, proxy: ServiceProxy, objects: Sequence[JsonDict], timeout_s: float = MODEL_TIMEOUT_S
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Wait until the predictor Service of each InferenceService has a ready endpoint in its EndpointSlices (the node
    agent ran its Pod: storage initializer, then vLLM, readiness probe passed), or its Pod is not served (an image
    without a local program, a volume not provisioned here). Returns, per predictor Service, the Pod and address
    serving it, and per (namespace, InferenceService) not served, the reason. Raises naming the Pod and why when one
    failed (an init container, vLLM)."""
    from llm_inference_stack.facts import kserve

    isvcs = [o for o in objects if o["kind"] == "InferenceService"]
    out: dict[str, str] = {
        f"{o['metadata']['namespace']}/{kserve.predictor_name(o['metadata']['name'])}": "scaled to zero (minReplicas 0)"
        for o in isvcs
        if _scales_to_zero(o)
    }
    pending = [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in isvcs if not _scales_to_zero(o)]
    not_served: dict[tuple[str, str], str] = {}
    deadline = time.monotonic() + timeout_s
    while True:
        proxy.sync()
        for namespace, isvc in list(pending):
            service = kserve.predictor_name(isvc)
            ready = [e for endpoints in proxy.ready_endpoints(namespace, service).values() for e in endpoints]
            pods = _model_pods(plane, namespace, isvc)
            failed = [p for p in pods if p.stage == "failed"]
            waiting = [p for p in pods if p.stage == "waiting"]
            if ready:
                names = [p.pod["metadata"]["name"] for p in pods if p.stage == "ready"]
                where = ", ".join(f"{a}:{port}" for a, port in ready)
                out[f"{namespace}/{service}"] = f"Pod {', '.join(names) or '?'} at {where} (EndpointSlice ready)"
                pending.remove((namespace, isvc))
            elif failed:
                raise HarnessError(f"Pod {namespace}/{failed[0].pod['metadata']['name']}: {failed[0].error[:1500]}")
            elif waiting:
                not_served[(namespace, isvc)] = f"Pod {waiting[0].pod['metadata']['name']}: {waiting[0].error}"
                pending.remove((namespace, isvc))
            else:
                agent = plane.pod_stand_in
                skipped = [n for n in getattr(agent, "not_served", {}).values()
                           if n.namespace == namespace and n.name.startswith(f"{service}-")]  # fmt: skip
                if skipped:
                    not_served[(namespace, isvc)] = skipped[0].line()
                    pending.remove((namespace, isvc))
        if not pending:
            return out, not_served
        if time.monotonic() > deadline:
            left = ", ".join(f"{ns}/{kserve.predictor_name(i)}" for ns, i in pending)
            raise HarnessError(f"no ready endpoint in the EndpointSlices of {left} after {timeout_s:.0f} s")
        plane.check_alive()
        time.sleep(1.0)


def _scales_to_zero(isvc: Mapping[str, Any]) -> bool:
    """Whether the InferenceService may have no Pod (``minReplicas: 0``): nothing to wait for before the load."""
    return ((isvc.get("spec") or {}).get("predictor") or {}).get("minReplicas") == 0


def _check_model_pods(plane: LocalControlPlane) -> None:
    agent = plane.pod_stand_in
    for served in list(getattr(agent, "served", {}).values()):
        if served.stage == "failed":
            metadata = served.pod["metadata"]
            raise HarnessError(f"Pod {metadata['namespace']}/{metadata['name']}: {served.error[:1500]}")


def _pod_metric(address: str, port: int, name: str) -> float:
    """The sum of a Prometheus counter's samples on a Pod's own /metrics."""
    import urllib.request

    with urllib.request.urlopen(f"http://{address}:{port}/metrics", timeout=10) as response:
        return counter_sum(response.read().decode(), name)


def check_pod_reached(
    report: ProbeReport,
    base_url: str,
    objects: Sequence[JsonDict],
    upstreams: Sequence[ModelUpstream],
    plane: LocalControlPlane,
    proxy: ServiceProxy,
    reset: Callable[[], None],
) -> None:
    """A completion for each model, sent through the gateway, is counted by the vLLM of the Pod behind its predictor
    Service's EndpointSlice (``vllm:request_success_total`` on the Pod's own /metrics rises by one)."""
    from llm_inference_stack.facts import kserve

    keys = api_keys(objects)
    if not keys:
        return
    key = sorted(keys.items())[-1][1]
    for upstream in upstreams:
        namespace, name, model = upstream.namespace, upstream.inference_service, upstream.served_model_name
        service = kserve.predictor_name(name)
        endpoints = [e for found in proxy.ready_endpoints(namespace, service).values() for e in found]
        label = f"a completion for {model!r} is counted by the vLLM of the Pod behind {service}'s EndpointSlice"
        if len(endpoints) != 1:
            report.checks.append(Check(label, False, f"{len(endpoints)} ready endpoints: {endpoints}"))
            continue
        address, port = endpoints[0]
        reset()  # no budget spent by the checks before
        before = _pod_metric(address, port, POD_REQUEST_COUNTER)
        status, detail = _complete(base_url, key, model)
        after = _pod_metric(address, port, POD_REQUEST_COUNTER)
        pods = [p.pod["metadata"]["name"] for p in _model_pods(plane, namespace, name) if p.stage == "ready"]
        report.checks.append(Check(
            label, status == 200 and after == before + 1,
            f"{status} {detail[:80]}; Pod {', '.join(pods)} at {address}:{port}: {POD_REQUEST_COUNTER} "
            f"{before:g} -> {after:g}",
        ))  # fmt: skip


def check_not_served(
    report: ProbeReport,
    base_url: str,
    objects: Sequence[JsonDict],
    not_served: Mapping[tuple[str, str], str],
    proxy: ServiceProxy,
    reset: Callable[[], None],
) -> None:
    """A model whose predictor Service has no ready endpoint gets no traffic: the Service proxy closes the connection,
    as kube-proxy rejects it, and the gateway answers 503."""
    from llm_inference_stack.facts import kserve

    from .service_proxy import model_upstreams

    keys = api_keys(objects)
    if not keys or not not_served:
        return
    key = sorted(keys.items())[-1][1]
    for upstream in model_upstreams(objects, proxy):
        if (upstream.namespace, upstream.inference_service) not in not_served:
            continue
        service = kserve.predictor_name(upstream.inference_service)
        where = (upstream.namespace, service)
        seen, refused = len(upstream.seen), proxy.refused.get(where, 0)
        reset()
        status, detail = _complete(base_url, key, upstream.served_model_name)
        refused_now = proxy.refused.get(where, 0)
        report.checks.append(Check(
            f"model {upstream.served_model_name!r} with no ready endpoint behind {service} -> 503, nothing reaches it",
            status == 503 and len(upstream.seen) == seen and refused_now > refused,
            f"{status} {detail[:80]}; connections closed for want of a ready endpoint {refused} -> {refused_now}, "
            f"requests received {len(upstream.seen) - seen}",
        ))  # fmt: skip


def _complete(base_url: str, key: str, model: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}).encode()
    request = urllib.request.Request(
        f"{base_url}/v1/chat/completions", data=body, method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _reset_set(
    plane: LocalControlPlane, objects: Sequence[JsonDict], admitted: Sequence[JsonDict], following: Sequence[JsonDict]
) -> None:
    """Remove one set's objects (and their namespaces' leftovers) before the next set is applied. An
    InferenceService the next set holds unchanged stays, with what KServe and the controllers made for it (its
    Deployment, ReplicaSet, Pods, Service): vLLM takes a minute to start, and the next set would start the same."""
    from llm_inference_stack.facts import kserve

    from .verify import reset

    unchanged = {
        (o["metadata"]["namespace"], o["metadata"]["name"])
        for o in objects
        if o["kind"] == "InferenceService" and any(_same(o, n) for n in following)
    }

    def keep(obj: Mapping[str, Any]) -> bool:
        metadata = obj.get("metadata") or {}
        namespace = metadata.get("namespace")
        if obj.get("kind") == "InferenceService":
            return (namespace, metadata.get("name")) in unchanged
        return (namespace, (metadata.get("labels") or {}).get(kserve.INFERENCE_SERVICE_LABEL)) in unchanged

    applied = [*admitted, *(o for o in objects if o["kind"] == "Secret")]
    namespaces = sorted({o["metadata"]["namespace"] for o in applied if o["metadata"].get("namespace")})
    reset(plane.client, applied, namespaces, keep=keep)


def _same(written: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    def key(o: Mapping[str, Any]) -> tuple[Any, ...]:
        metadata = o.get("metadata") or {}
        parts = (metadata.get("labels"), metadata.get("annotations"), o.get("spec"))
        return (o.get("apiVersion"), o.get("kind"), metadata.get("namespace"), metadata.get("name"),
                *(json.dumps(part, sort_keys=True) for part in parts))  # fmt: skip

    return key(written) == key(other)


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
    _pod_images()  # the node agent's programs (storage initializer, vLLM): a missing install names its step
    return {
        "python": str(installs.vllm_python),
        "model_dir": str(ensure_tiny_model(installs)),
        "version": installed_vllm_version(installs),
        "phoenix": str(installs.phoenix),
        "store_venv": str(model_store.moto_venv()),
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
    scaling: Mapping[str, Any] | None = None,
    faults: Mapping[str, Any] | None = None,
    routing: Mapping[str, Any] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Write the sandbox's job for these directories into ``work`` (binaries built or reused, the vLLM install and
    tiny model located); returns the command that runs it in a fresh sandbox and its environment."""
    from ..base.manifests import load_manifests
    from ..base.sandbox import ROOT_ENV, sandbox_argv
    from .build import ensure_binaries
    from .dataplane import ensure_installs
    from .faults import FaultSpec
    from .sources import ControlPlaneSources

    if scaling is not None:
        check_scaling_spec(scaling)  # a malformed load fails here, before anything is built or started
    spec = FaultSpec.from_json(faults) if faults is not None else None  # refused before anything is built
    if routing is not None:
        check_routing_spec(routing)
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
        "scaling": dict(scaling) if scaling is not None else None,
        "faults": spec.to_json() if spec is not None else None,
        "routing": dict(routing) if routing is not None else None,
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
    scaling: Mapping[str, Any] | None = None,
    faults: Mapping[str, Any] | None = None,
    routing: Mapping[str, Any] | None = None,
) -> list[tuple[str, ProbeReport]]:
    """Run the probe over each directory of manifests (one control plane, reset between; one vLLM and one Phoenix
    shared by all) and return ``(directory, report)`` per directory, in order; a last ``("control plane", report)``
    carries an error that ended the run early. ``work_dir`` keeps the logs (a temporary directory otherwise,
    removed). Progress goes to ``log`` (stderr by default). Raises :class:`ProbeError` when no report came back."""
    work = Path(tempfile.mkdtemp(prefix="llm-stack-probe-")) if work_dir is None else work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        command, env = prepare_job(
            directories, vllm=vllm, work=work, log=log or _progress, scaling=scaling, faults=faults, routing=routing
        )
        report_file = work / "report.json"
        report_file.unlink(missing_ok=True)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            # The sandbox's output is progress: standard error; standard output is the caller's, for its result.
            code = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=2, check=False).returncode
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
    parser.add_argument(
        "--scaling",
        type=json.loads,
        metavar="JSON",
        help="instead of the checks, load on the first scaled model and what the real HPA did with it: "
        '{"profile": {...}, "tailSeconds": S, "pollSeconds": S, "hpaSyncPeriodSeconds": S, "stopOnceServed": '
        "true|false} (the profile as LoadProfile.to_json writes it: a step, a ramp or a trace's lines), or a step's "
        'numbers in place of the profile: "concurrency": N, "durationSeconds": S, "outputTokens": N; '
        "stopOnceServed ends the load once every Pod the HPA added has served requests (with --vllm)",
    )
    parser.add_argument(
        "--faults",
        type=json.loads,
        metavar="JSON",
        help="instead of the checks, a steady load through a baseline, each fault (the component stopped, held down, "
        'started again) and a recovery: {"concurrency": N, "phaseSeconds": S, "outputTokens": N, '
        '"faults": ["phoenix-down", "redis-down", "pod-killed"]} (with --vllm; controlplane/faults.py)',
    )
    parser.add_argument(
        "--routing",
        type=json.loads,
        metavar="JSON",
        help="instead of the checks, a seeded shared-prefix workload on the first InferencePool's model (else the "
        'first model) over two Pods: {"workload": {"sessions": N, "turns": N, "systemWords": N, "turnWords": N, '
        '"outputTokens": N, "seed": N}}; where each session landed, the prefix cache hit rate, TTFT and the '
        "gateway's added latency (with --vllm; controlplane/routing_checks.py)",
    )
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        return run_inner(args.inner)
    if not args.directories:
        print("give one or more directories of manifests", file=sys.stderr)
        return EXIT_INVALID
    try:
        results = run_probe(
            args.directories,
            vllm=args.vllm,
            work_dir=args.work_dir,
            scaling=args.scaling,
            faults=args.faults,
            routing=args.routing,
        )
    except LoadProfileError as error:  # a --scaling or --faults value out of bounds: refused before anything starts
        print(f"llm-stack probe: {error}", file=sys.stderr)
        return EXIT_INVALID
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
