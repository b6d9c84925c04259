"""The real endpoint picker in ``llm-stack verify``: one Gateway API Inference Extension EPP (``cmd/epp``, built from
its pinned Go module by :mod:`.build`) per InferencePool the manifests hold, started as the pool's EPP Deployment
would start it, and asked for its own verdict.

For each InferencePool, once the controllers settled, :func:`check_endpoint_pickers` finds the Deployment behind the
pool's ``endpointPickerRef`` (the Service of that name, and the Deployment its selector matches), and starts the EPP
with that Deployment's container args and env and the file of its ConfigMap volume. Only what cannot be the same
outside a kubelet is substituted (:data:`SUBSTITUTIONS`): the API server credentials (a TokenRequest token of the
Deployment's ServiceAccount, so the Role and RoleBinding of the manifests are what authorize it), the path of the
mounted ConfigMap file, the downward-API env, and ports already taken. Then it reads, from the EPP itself:

- its gRPC health service, as the Deployment's readiness probe asks it (``SERVING`` once it has synced the pool);
- its metrics endpoint: ``inference_pool_per_pod_queue_size{name=POOL}`` has one series per endpoint the EPP tracks
  (``<pod>-rank-<n>``: each Ready Pod the pool's selector matches, from its own Pod reconciler, per target port), and
  ``inference_pool_ready_pods`` counts the endpoints whose model-server metrics it scraped in the last staleness
  window (none where the Pods are stand-ins that run no container);
- the InferencePool's ``status.parents`` as the AI Gateway controller writes it (``Accepted``, ``ResolvedRefs``).

Each EPP is stopped by the PID it was started with before the next set; its log stays in the work directory.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import socket
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import yaml

from ..base.processes import ManagedProcess, free_port, http_get
from ..base.substitutions import register
from .checks import Context, condition_text, condition_true, dig, meta, selector_matches
from .kube import ApiError, JsonDict

PART = "endpoint picker"
INFERENCE_POOL_API_VERSION = "inference.networking.k8s.io/v1"
READY_TIMEOUT_S = 60.0
"""How long an EPP has to answer its health check SERVING (it does once it has synced its InferencePool)."""
PODS_TIMEOUT_S = 30.0
"""How long its metrics have to show every Ready Pod the pool selects (it adds them as its Pod reconciler runs)."""
TOKEN_SECONDS = 3600
#: The EPP's own defaults (``pkg/epp/server/options.go``) for the ports it serves.
DEFAULT_PORTS = {"--grpc-port": 9002, "--grpc-health-port": 9003, "--metrics-port": 9090}
#: The metrics the checks read (``pkg/epp/metrics/collectors/inference_pool.go`` and ``pkg/epp/metrics/metrics.go``).
PER_POD_METRIC = "inference_pool_per_pod_queue_size"
READY_PODS_METRIC = "inference_pool_ready_pods"

SUBSTITUTIONS = register(PART, (
    ("the endpoint picker of each InferencePool runs as a process beside the control plane, with the container "
     "args and env of the EPP Deployment the manifests hold; that Deployment's Pod is created, bound and reported "
     "Ready like the others",
     "no kubelet runs containers here"),
    ("it reaches the API server at https://127.0.0.1:6443 through a kubeconfig holding a TokenRequest token of the "
     "Deployment's ServiceAccount (the manifests' Role and RoleBinding authorize it) instead of the projected "
     "in-cluster token",
     "no kubelet mounts service-account tokens or serves the kubernetes Service here"),
    ("--config-file names the ConfigMap's key written to the work directory instead of the volume's mount path; "
     "env from fieldRef (metadata.name, metadata.namespace) is resolved from the Deployment's Pod",
     "no kubelet mounts volumes or resolves the downward API"),
    ("its gRPC, health and metrics ports are moved to free ports when already taken in the sandbox (each EPP's "
     "finding lists the flags it was given)",
     "several endpoint pickers and controllers share one network namespace here"),
))  # fmt: skip

_ran = False


def report_parts() -> tuple[str, ...]:
    """The substitution parts to report: this one once an EPP was started in this process."""
    return (PART,) if _ran else ()


# ----------------------------------------------------------------------------------------------------------------
# gRPC health over cleartext HTTP/2 (what a kubelet's grpc probe sends)

_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_HEALTH_STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def _frame(frame_type: int, flags: int, stream: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "big") + bytes((frame_type, flags)) + stream.to_bytes(4, "big") + payload


def _hpack_literal(name: str, value: str) -> bytes:
    """A header as an HPACK literal without indexing, new name, no Huffman coding (RFC 7541 6.2.2)."""
    out = b"\x00"
    for text in (name.encode(), value.encode()):
        if len(text) >= 127:
            raise ValueError(f"header {name!r} too long for this client")
        out += bytes((len(text),)) + text
    return out


def _varint(value: int) -> bytes:
    out = b""
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out += bytes((byte | 0x80,))
        else:
            return out + bytes((byte,))


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise OSError("connection closed by the server")
        data += chunk
    return data


def grpc_health(host: str, port: int, service: str, timeout_s: float = 3.0) -> str:
    """The status the gRPC Health service at ``host:port`` answers for ``service`` (``grpc.health.v1.Health/Check``):
    ``SERVING``, ``NOT_SERVING``, ``SERVICE_UNKNOWN`` or ``UNKNOWN``. Raises OSError when it does not answer one."""
    request = b"\x0a" + _varint(len(service.encode())) + service.encode() if service else b""
    body = b"\x00" + len(request).to_bytes(4, "big") + request
    headers = b"".join(
        _hpack_literal(name, value)
        for name, value in (
            (":method", "POST"), (":scheme", "http"), (":path", "/grpc.health.v1.Health/Check"),
            (":authority", f"{host}:{port}"), ("content-type", "application/grpc"), ("te", "trailers"),
        )
    )  # fmt: skip
    data = b""
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        sock.settimeout(timeout_s)
        sock.sendall(_PREFACE + _frame(4, 0, 0, b"") + _frame(1, 0x4, 1, headers) + _frame(0, 0x1, 1, body))
        while True:
            header = _recv_exact(sock, 9)
            length, frame_type, flags = int.from_bytes(header[:3], "big"), header[3], header[4]
            stream = int.from_bytes(header[5:9], "big") & 0x7FFFFFFF
            payload = _recv_exact(sock, length)
            if frame_type == 4 and not flags & 0x1:  # SETTINGS: acknowledge
                sock.sendall(_frame(4, 0x1, 0, b""))
            elif frame_type == 6 and not flags & 0x1:  # PING: answer
                sock.sendall(_frame(6, 0x1, 0, payload))
            elif frame_type == 7:
                raise OSError("the server sent GOAWAY")
            elif stream == 1 and frame_type == 3:
                raise OSError("the server reset the stream")
            elif stream == 1 and frame_type in (0, 1):
                if frame_type == 0:
                    if flags & 0x8:  # PADDED
                        payload = payload[1 : len(payload) - payload[0]]
                    data += payload
                if flags & 0x1:  # END_STREAM: trailers (or DATA) close the call
                    break
    if len(data) < 5:
        raise OSError("no response message (the call ended with a gRPC error status)")
    message = data[5 : 5 + int.from_bytes(data[1:5], "big")]
    status = 0
    if message[:1] == b"\x08":  # field 1 (status), varint
        shift = 0
        for byte in message[1:]:
            status |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
    return _HEALTH_STATUS.get(status, f"status {status}")


# ----------------------------------------------------------------------------------------------------------------
# Metrics (Prometheus text format)

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> list[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of each sample in a Prometheus text exposition."""
    samples = []
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is None or line.startswith("#"):
            continue
        labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _LABEL.findall(match.group(2) or "")}
        try:
            samples.append((match.group(1), labels, float(match.group(3))))
        except ValueError:
            continue
    return samples


_RANK = re.compile(r"^(.+)-rank-\d+$")


@dataclasses.dataclass(frozen=True)
class PoolView:
    """What one EPP's metrics say of its pool."""

    endpoints: tuple[str, ...]
    """Endpoints with an ``inference_pool_per_pod_queue_size`` series: the ones in the EPP's datastore, one per Pod
    and target port, named ``<pod>-rank-<index>`` (``pkg/epp/datastore``)."""
    fresh_pods: float | None
    """``inference_pool_ready_pods``: endpoints whose model-server metrics it scraped within its staleness window."""

    @property
    def pods(self) -> tuple[str, ...]:
        """The Pods behind :attr:`endpoints`."""
        return tuple(sorted({(m.group(1) if (m := _RANK.match(e)) else e) for e in self.endpoints}))


def pool_view(metrics_text: str, pool: str) -> PoolView:
    samples = parse_metrics(metrics_text)
    tracked = sorted(
        {
            labels.get("model_server_pod", "")
            for name, labels, _ in samples
            if name == PER_POD_METRIC and labels.get("name") == pool
        }
    )
    fresh = [value for name, labels, value in samples if name == READY_PODS_METRIC and labels.get("name") == pool]
    return PoolView(tuple(tracked), fresh[0] if fresh else None)


# ----------------------------------------------------------------------------------------------------------------
# From the manifests to a command line


class EndpointPickerSetupError(Exception):
    """The objects behind a pool's endpointPickerRef cannot be run as its EPP (the message names what is missing)."""


@dataclasses.dataclass
class PickerLaunch:
    pool: JsonDict
    deployment: JsonDict
    argv: list[str]
    env: dict[str, str]
    health_port: int
    health_service: str
    metrics_port: int
    substituted: list[str]


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError:
            return True
    return False


def _flag_value(args: Sequence[str], flag: str) -> tuple[int, str] | None:
    """(index of the value, value) of ``--flag value`` or ``--flag=value`` in ``args``."""
    for index, arg in enumerate(args):
        if arg == flag and index + 1 < len(args):
            return index + 1, args[index + 1]
        if arg.startswith(flag + "="):
            return index, arg.split("=", 1)[1]
    return None


def _set_flag(args: list[str], flag: str, value: str) -> None:
    found = _flag_value(args, flag)
    if found is None:
        args += [flag, value]
    elif args[found[0]].startswith(flag + "="):
        args[found[0]] = f"{flag}={value}"
    else:
        args[found[0]] = value


class ObjectReader(Protocol):
    """What finding the picker's Deployment reads: a ``KubeClient`` or a check's ``Context``."""

    def get(self, api_version: str, kind: str, name: str, namespace: str | None) -> JsonDict | None: ...

    def list(self, api_version: str, kind: str, namespace: str | None) -> list[JsonDict]: ...


def picker_deployment(reader: ObjectReader, pool: Mapping[str, Any]) -> JsonDict:
    """The one Deployment whose Pods the Service of ``pool``'s ``endpointPickerRef`` selects (the EPP), or an
    ``EndpointPickerSetupError`` saying why there is none."""
    namespace = meta(pool).get("namespace")
    ref = dig(pool, "spec", "endpointPickerRef") or {}
    if ref.get("kind", "Service") != "Service" or not ref.get("name"):
        raise EndpointPickerSetupError(f"spec.endpointPickerRef {dict(ref)} names no Service")
    service = reader.get("v1", "Service", ref["name"], namespace)
    if service is None:
        raise EndpointPickerSetupError(f"the endpointPickerRef Service {namespace}/{ref['name']} does not exist")
    selector = dig(service, "spec", "selector") or {}
    deployments = [
        d
        for d in reader.list("apps/v1", "Deployment", namespace)
        if selector
        and selector_matches({"matchLabels": selector}, dig(d, "spec", "template", "metadata", "labels") or {})
    ]
    if len(deployments) != 1:
        raise EndpointPickerSetupError(
            f"the selector {selector} of Service {namespace}/{ref['name']} matches {len(deployments)} Deployments' "
            "Pods; exactly one (the EPP) is needed"
        )
    return deployments[0]


def _deployment_pod(ctx: Context, deployment: Mapping[str, Any]) -> JsonDict | None:
    labels = dig(deployment, "spec", "selector", "matchLabels") or {}
    query = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    try:
        pods = ctx.client.list("v1", "Pod", meta(deployment).get("namespace"), labelSelector=query)
    except ApiError:
        return None
    return pods[0] if pods else None


def _token(ctx: Context, namespace: str, account: str, pod: Mapping[str, Any] | None) -> str:
    """A token of ServiceAccount ``namespace/account`` from the TokenRequest API, bound to ``pod`` as a kubelet's
    projected token is."""
    spec: dict[str, Any] = {"expirationSeconds": TOKEN_SECONDS}
    if pod is not None:
        spec["boundObjectRef"] = {"apiVersion": "v1", "kind": "Pod", "name": meta(pod)["name"], "uid": meta(pod)["uid"]}
    path = f"/api/v1/namespaces/{urllib.parse.quote(namespace)}/serviceaccounts/{urllib.parse.quote(account)}/token"
    answer = ctx.client.request(
        "POST", path, {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
    )
    return str(answer["status"]["token"])


def _config_map_files(
    ctx: Context, namespace: str, pod_spec: Mapping[str, Any], args: list[str], directory: Path
) -> list[str]:
    """Write each ConfigMap volume's keys under ``directory`` and point ``args`` at them; the substitutions made."""
    container = (pod_spec.get("containers") or [{}])[0]
    substituted = []
    volumes = {v["name"]: v for v in pod_spec.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        config_map = dig(volumes.get(mount["name"]) or {}, "configMap", "name")
        if config_map is None:
            continue
        live = ctx.get("v1", "ConfigMap", config_map, namespace)
        if live is None:
            raise EndpointPickerSetupError(f"ConfigMap {namespace}/{config_map} of volume {mount['name']} is missing")
        target = directory / mount["name"]
        target.mkdir(exist_ok=True)
        for key, text in (live.get("data") or {}).items():
            (target / key).write_text(text)
        mount_path = str(mount["mountPath"]).rstrip("/")
        for index, arg in enumerate(args):
            if arg == mount_path or arg.startswith(mount_path + "/") or f"={mount_path}/" in arg:
                args[index] = arg.replace(mount_path, str(target), 1)
                substituted.append(f"{arg} -> {args[index]}")
    return substituted


def _downward_env(container: Mapping[str, Any], pod_name: str, namespace: str) -> tuple[dict[str, str], list[str]]:
    """The container's env: values as written, ``fieldRef`` name and namespace from the Pod; the substitutions."""
    env: dict[str, str] = {}
    substituted = []
    field_values = {"metadata.name": pod_name, "metadata.namespace": namespace}
    for entry in container.get("env") or []:
        if "value" in entry:
            env[entry["name"]] = str(entry["value"])
            continue
        field = dig(entry, "valueFrom", "fieldRef", "fieldPath")
        if field not in field_values:
            raise EndpointPickerSetupError(
                f"env {entry['name']}: valueFrom {entry.get('valueFrom')} is not resolved here"
            )
        env[entry["name"]] = field_values[field]
        substituted.append(f"{entry['name']}={field_values[field]} (fieldRef {field})")
    return env, substituted


def _free_ports(args: list[str]) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """(ports served, ports declared, substitutions): each port flag's value (or the EPP's default), moved to a free
    port in ``args`` when taken."""
    ports: dict[str, int] = {}
    declared: dict[str, int] = {}
    substituted = []
    for flag, default in DEFAULT_PORTS.items():
        found = _flag_value(args, flag)
        port = declared[flag] = int(found[1]) if found else default
        if _port_taken(port):
            moved = free_port()
            _set_flag(args, flag, str(moved))
            substituted.append(f"{flag}={moved} (port {port} is taken)")
            port = moved
        ports[flag] = port
    return ports, declared, substituted


def _write_kubeconfig(path: Path, server: str, ca_file: Path, account: str, namespace: str, token: str) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "local", "cluster": {"server": server, "certificate-authority": str(ca_file)}}],
                "users": [{"name": account, "user": {"token": token}}],
                "contexts": [
                    {"name": "local", "context": {"cluster": "local", "user": account, "namespace": namespace}}
                ],
                "current-context": "local",
            }
        )
    )
    path.chmod(0o600)


def plan_launch(ctx: Context, pool: JsonDict, binary: Path, work_dir: Path, server: str, ca_file: Path) -> PickerLaunch:
    """The EPP command of ``pool``: its Deployment's container as the API server holds it, with the substitutions."""
    namespace = str(meta(pool).get("namespace"))
    deployment = picker_deployment(ctx, pool)
    pod_spec = dig(deployment, "spec", "template", "spec") or {}
    containers = pod_spec.get("containers") or []
    if len(containers) != 1:
        raise EndpointPickerSetupError(
            f"Deployment {meta(deployment)['name']} has {len(containers)} containers, not one"
        )
    container = containers[0]
    if container.get("command"):
        raise EndpointPickerSetupError("the EPP container sets a command; only args are understood")
    args = [str(a) for a in container.get("args") or []]
    pod = _deployment_pod(ctx, deployment)
    pod_name = meta(pod)["name"] if pod else f"{meta(deployment)['name']}-0000000000-00000"
    directory = work_dir / f"epp-{namespace}-{meta(pool)['name']}"
    directory.mkdir(parents=True, exist_ok=True)

    substituted = _config_map_files(ctx, namespace, pod_spec, args, directory)
    env, from_pod = _downward_env(container, pod_name, namespace)
    ports, declared, moved = _free_ports(args)
    account = str(pod_spec.get("serviceAccountName") or "default")
    kubeconfig = directory / "kubeconfig"
    _write_kubeconfig(kubeconfig, server, ca_file, account, namespace, _token(ctx, namespace, account, pod))
    env["KUBECONFIG"] = str(kubeconfig)
    substituted += [
        *from_pod,
        *moved,
        f"KUBECONFIG={kubeconfig} (ServiceAccount {namespace}/{account}, TokenRequest)",
    ]

    probe = container.get("readinessProbe") or {}
    probe_port = dig(probe, "grpc", "port")
    if probe_port is not None and int(probe_port) != declared["--grpc-health-port"]:
        raise EndpointPickerSetupError(
            f"readinessProbe.grpc.port {probe_port} is not the port the EPP serves health on "
            f"(--grpc-health-port {declared['--grpc-health-port']})"
        )
    return PickerLaunch(
        pool=pool,
        deployment=deployment,
        argv=[str(binary), *args],
        env=env,
        health_port=ports["--grpc-health-port"],
        health_service=str(dig(probe, "grpc", "service") or ""),
        metrics_port=ports["--metrics-port"],
        substituted=substituted,
    )


# ----------------------------------------------------------------------------------------------------------------
# The check


def _ready_pods_selected(ctx: Context, pool: Mapping[str, Any]) -> list[str]:
    """Names of the Ready Pods the pool's selector matches, as the API server holds them."""
    selector = dig(pool, "spec", "selector", "matchLabels") or {}
    query = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    try:
        pods = ctx.client.list("v1", "Pod", meta(pool).get("namespace"), labelSelector=query) if query else []
    except ApiError:
        return []
    return sorted(
        str(meta(pod)["name"])
        for pod in pods
        if not meta(pod).get("deletionTimestamp") and condition_true(pod, "Ready")
    )


def _log_excerpt(process: ManagedProcess, lines: int = 6) -> str:
    tail = process.log_tail(lines).strip().replace("\n", " | ")
    return tail[-800:]


def _wait_health(process: ManagedProcess, launch: PickerLaunch, timeout_s: float) -> tuple[bool, str]:
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        code = process.exit_code()
        if code is not None:
            return (
                False,
                f"the EPP exited ({code}) before its health check answered SERVING; its log: {_log_excerpt(process)}",
            )
        try:
            last = grpc_health("127.0.0.1", launch.health_port, launch.health_service)
        except OSError as error:
            last = f"no answer ({error})"
        if last == "SERVING":
            return True, last
        time.sleep(0.5)
    return (
        False,
        f"gRPC health on :{launch.health_port} still {last} after {timeout_s:.0f} s; its log: {_log_excerpt(process)}",
    )


def _metrics(launch: PickerLaunch) -> str | None:
    try:
        status, body = http_get(f"http://127.0.0.1:{launch.metrics_port}/metrics", timeout_s=5)
    except OSError:
        return None
    return body.decode(errors="replace") if status == 200 else None


def _wait_pods(
    process: ManagedProcess, launch: PickerLaunch, ctx: Context, timeout_s: float
) -> tuple[PoolView | None, list[str]]:
    """The EPP's view once it tracks exactly the Ready Pods the pool selects and has refreshed its pool gauges (every
    ``--refresh-prometheus-metrics-interval``, 5 s by default), or at ``timeout_s``; and those Pods."""
    pool_name = str(meta(launch.pool)["name"])
    deadline = time.monotonic() + timeout_s
    view: PoolView | None = None
    expected: list[str] = []
    while time.monotonic() < deadline and process.exit_code() is None:
        expected = _ready_pods_selected(ctx, launch.pool)
        text = _metrics(launch)
        view = pool_view(text, pool_name) if text is not None else None
        if view is not None and list(view.pods) == expected and view.fresh_pods is not None:
            break
        time.sleep(1.0)
    return view, expected


def _pool_status(ctx: Context, pool: Mapping[str, Any]) -> tuple[bool, str]:
    """``status.parents`` of the pool as the controllers wrote it (the AI Gateway controller writes Accepted and
    ResolvedRefs for each Gateway whose routes reference the pool)."""
    live = ctx.get(INFERENCE_POOL_API_VERSION, "InferencePool", meta(pool)["name"], meta(pool).get("namespace"))
    parents = dig(live, "status", "parents") or []
    if not parents:
        return False, "no status.parents: no controller reported a Gateway using this pool"
    problems, accepted = [], []
    for parent in parents:
        ref = parent.get("parentRef") or {}
        where = f"{ref.get('kind', 'Gateway')} {ref.get('namespace', meta(pool).get('namespace'))}/{ref.get('name')}"
        by_type = {c.get("type"): c for c in parent.get("conditions") or []}
        bad = [
            f"{t}: {condition_text(by_type.get(t))}"
            for t in ("Accepted", "ResolvedRefs")
            if by_type.get(t, {}).get("status") != "True"
        ]
        if bad:
            problems.append(f"{where}: " + "; ".join(bad))
        else:
            accepted.append(f"{where}: {condition_text(by_type.get('Accepted'))}")
    if problems:
        return False, "; ".join(problems)
    return True, "; ".join(accepted) + " (ResolvedRefs True)"


def check_endpoint_pickers(
    ctx: Context,
    binary: Path | None,
    *,
    work_dir: Path,
    server: str,
    ca_file: Path,
    ready_timeout_s: float = READY_TIMEOUT_S,
    pods_timeout_s: float = PODS_TIMEOUT_S,
) -> None:
    """Run each InferencePool's EPP (one at a time, each stopped by its PID before the next) and report what it says."""
    global _ran
    pools = ctx.of_kind("InferencePool")
    for pool in pools:
        status_ok, status_detail = _pool_status(ctx, pool)
        ctx.report.add(pool, "status (controllers)", status_ok, status_detail)
        if binary is None:
            ctx.report.add(pool, "endpoint picker", False, "no epp binary was built (`make controlplane-deps`)")
            continue
        try:
            launch = plan_launch(ctx, pool, binary, work_dir, server, ca_file)
        except (EndpointPickerSetupError, ApiError) as error:
            ctx.report.add(pool, "endpoint picker", False, f"cannot start its EPP: {error}")
            continue
        name = f"epp-{meta(pool).get('namespace')}-{meta(pool)['name']}"
        _ran = True
        log_path, runs = work_dir / f"{name}.log", 1
        while log_path.exists():  # the same pool in an earlier manifest set
            runs += 1
            log_path = work_dir / f"{name}-{runs}.log"
        process = ManagedProcess(name, launch.argv, env=launch.env, log_path=log_path, cwd=work_dir)
        try:
            _report_picker(ctx, launch, process, ready_timeout_s, pods_timeout_s)
        finally:
            process.stop(grace_s=10.0)


def _report_picker(
    ctx: Context, launch: PickerLaunch, process: ManagedProcess, ready_timeout_s: float, pods_timeout_s: float
) -> None:
    pool = launch.pool
    deployment = f"Deployment {meta(launch.deployment).get('namespace')}/{meta(launch.deployment)['name']}"
    started = time.monotonic()
    ready, health = _wait_health(process, launch, ready_timeout_s)
    flags = shlex.join(launch.argv[1:])
    ctx.report.add(
        pool,
        "endpoint picker ready",
        ready,
        f"the EPP of {deployment} (pid {process.pid}, args {flags}) answered its readiness probe's gRPC health check "
        f"(:{launch.health_port}, service {launch.health_service!r}) SERVING after {time.monotonic() - started:.1f} s; "
        f"substituted: {'; '.join(launch.substituted)}"
        if ready
        else health,
    )
    if not ready:
        return
    view, expected = _wait_pods(process, launch, ctx, pods_timeout_s)
    if view is None:
        ctx.report.add(
            pool, "endpoint picker pods", False, f"its metrics endpoint :{launch.metrics_port} did not answer"
        )
        return
    tracked = list(view.pods)
    fresh = "no" if view.fresh_pods is None else f"{view.fresh_pods:g}"
    scraped = f"{READY_PODS_METRIC} {fresh}: the EPP scraped model-server metrics from " + (
        "none of them (no model server answered at the Pods' metrics path; Pods that verify's node stand-in reports "
        "Ready run no container)"
        if not view.fresh_pods
        else f"{view.fresh_pods:g} of its endpoints"
    )
    if not tracked:
        ctx.report.add(
            pool,
            "endpoint picker pods",
            False,
            f"the EPP tracks 0 Pods ({PER_POD_METRIC} has no series for pool {meta(pool)['name']}): the pool's "
            f"selector {dig(pool, 'spec', 'selector', 'matchLabels')} matches {len(expected)} Ready Pods"
            + (f" ({', '.join(expected)})" if expected else "")
            + f"; {scraped}",
        )
        return
    ok = tracked == expected
    ctx.report.add(
        pool,
        "endpoint picker pods",
        ok,
        f"the EPP tracks {len(tracked)} Pods ({', '.join(tracked)}) as endpoints {', '.join(view.endpoints)}: "
        + ("every Ready Pod the selector matches" if ok else f"but the Ready Pods the selector matches are {expected}")
        + f"; {scraped}",
    )


__all__ = [
    "PART",
    "SUBSTITUTIONS",
    "EndpointPickerSetupError",
    "ObjectReader",
    "check_endpoint_pickers",
    "grpc_health",
    "parse_metrics",
    "picker_deployment",
    "plan_launch",
    "pool_view",
    "report_parts",
]
