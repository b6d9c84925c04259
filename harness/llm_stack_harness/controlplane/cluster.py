"""A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, and
the KServe, KEDA, Envoy Gateway and Envoy AI Gateway controllers, built from their pinned Go modules (:mod:`.build`).
The nodes are declared (:mod:`.nodes`): the Deployment and ReplicaSet controllers create the Pods, the scheduler
binds them to those nodes or says why not, and no kubelet runs them (a stand-in reports the bound ones Ready).

Run it inside :mod:`.sandbox` (own network, mount and PID namespaces): several controllers bind fixed ports on
every interface and Envoy Gateway reads its certificates from ``/certs``. Every process is started in its own
process group and stopped by PID (:class:`~llm_stack_harness.localrun.processes.ManagedProcess`), also on failure.

Each controller runs as its Deployment in the upstream install would (namespace, flags that matter), with what
cannot be the same outside a cluster substituted; :data:`SUBSTITUTIONS` lists those, with the reason for each.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import secrets
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from llm_inference_stack.facts import ai_gateway, envoy_gateway, keda, kserve
from llm_inference_stack.pins import cache_root

from ..base.errors import HarnessError
from ..base.processes import ManagedProcess
from ..base.sandbox import wait_for_own_network
from ..base.substitutions import register
from .envoy_gateway import envoy_gateway_chart_objects, envoy_gateway_config
from .kube import ApiError, ApiTimeout, JsonDict, KubeClient
from .metrics_adapter import FRONT_PROXY_CLIENT, aggregation_flags
from .monitoring import ClusterDns
from .nodes import DEFAULT_NODES, BoundPodStandIn, NodeSpec, register_nodes
from .pki import Pki, make_pki
from .pods import HOST_ADDRESS as POD_BRIDGE_ADDRESS
from .sources import ControlPlaneSources

# Namespaces of the upstream installs (Helm charts' defaults).
KSERVE_NAMESPACE = kserve.NAMESPACE
KEDA_NAMESPACE = keda.NAMESPACE
ENVOY_GATEWAY_NAMESPACE = envoy_gateway.NAMESPACE
AI_GATEWAY_NAMESPACE = ai_gateway.NAMESPACE

# Loopback ports inside the sandbox. Fixed ones are the controllers' own; the rest are moved off the defaults
# they would share (8080/8081/9443) when several controllers run in one network namespace.
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
APISERVER_PORT = 6443
CREATE_ATTEMPTS = 3
"""POSTs of one object (a CRD, the KServe configuration) while the server gives no answer in time."""
KSERVE_WEBHOOK_PORT = 9445
KSERVE_PROBE_PORT = 18091
KEDA_PROBE_PORT = 18092
AI_GATEWAY_EXTENSION_PORT = 1063
AI_GATEWAY_WEBHOOK_PORT = 9444
AI_GATEWAY_CONTROLLER = "ai-gateway-controller"
"""The controller's Service name in its chart (controller.fullnameOverride), which names its pod mutator."""
ENVOY_GATEWAY_PROBE_PORT = 8081  # fixed in Envoy Gateway
CONTROLLER_MANAGER_PORT = 10257  # kube-controller-manager's and kube-scheduler's own secure ports
SCHEDULER_PORT = 10259

CONTROLLER_MANAGER_CONTROLLERS = (
    "deployment", "replicaset", "endpointslice", "serviceaccount", "serviceaccount-token", "garbagecollector",
    "namespace", "disruption", "horizontalpodautoscaling",
)  # fmt: skip
"""The controllers kube-controller-manager runs (``--controllers``): no node lifecycle, node IPAM or cloud ones."""

# Envoy Gateway and the AI Gateway controller both serve controller-runtime metrics on the fixed port 8080 (and
# 18002: Wasm server / rate-limit xDS), as separate pods do in a cluster. The AI Gateway controller therefore runs
# in a network namespace of its own inside the sandbox, linked by a veth pair: the sandbox side is HOST_ADDRESS
# (where kube-apiserver also listens), the controller's side AI_GATEWAY_ADDRESS.
HOST_ADDRESS = "10.244.0.1"
AI_GATEWAY_ADDRESS = "10.244.0.2"

SUBSTITUTIONS = register("control plane", (
    ("controllers reach the API server at https://127.0.0.1:6443 through a kubeconfig with an admin certificate; "
     "Envoy Gateway also through in-cluster settings with a static system:masters token",
     "no service-account tokens or kubernetes Service endpoints without nodes; RBAC of the charts not exercised"),
    ("webhooks are registered with clientConfig.url https://127.0.0.1:PORT instead of a Service",
     "no Service endpoints without pods"),
    ("one self-signed CA and loopback serving certificate for every controller, also in the Secrets Envoy "
     "Gateway's certgen job would write (envoy-gateway, envoy, envoy-rate-limit; a random envoy-oidc-hmac key)",
     "cert-manager / the charts' certgen jobs do not run here"),
    ("Envoy Gateway's Service, Deployment and ServiceAccount envoy-gateway are created as its chart creates them; "
     "its Pods (with kube-controller-manager and kube-scheduler) are bound and reported Ready like the others, "
     "and the process beside them is what serves",
     "Envoy Gateway reads both (owners of the rate-limit Deployment) but runs as a process here"),
    (f"the AI Gateway controller runs in its own network namespace at {AI_GATEWAY_ADDRESS}, addressed by IP in "
     "Envoy Gateway's extensionManager and its webhook configuration",
     "its Service has no endpoints without pods; Envoy Gateway and it both bind ports 8080 and 18002, as pods may"),
    (f"kube-controller-manager runs only the controllers {', '.join(CONTROLLER_MANAGER_CONTROLLERS)}",
     "no node lifecycle, node IPAM, cloud, volume or job controllers are needed without kubelets"),
    ("KServe's webhook and probe ports, KEDA's probe port are moved off 9443/8081",
     "they are separate pods in a cluster and share one network namespace here"),
))  # fmt: skip


class ControlPlaneError(HarnessError):
    """A component failed to start or the API server refused the control plane's own set-up."""


@dataclasses.dataclass(frozen=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path | None = None
    kube_scheduler: Path | None = None
    kserve_manager: Path | None = None
    keda_operator: Path | None = None
    envoy_gateway: Path | None = None
    aigw_controller: Path | None = None
    prometheus_operator: Path | None = None
    prometheus: Path | None = None
    keda_adapter: Path | None = None

    @classmethod
    def from_build(cls, built: dict[str, Path]) -> Binaries:
        return cls(
            etcd=built["etcd"],
            kube_apiserver=built["kube-apiserver"],
            kube_controller_manager=built.get("kube-controller-manager"),
            kube_scheduler=built.get("kube-scheduler"),
            kserve_manager=built.get("kserve-manager"),
            keda_operator=built.get("keda-operator"),
            envoy_gateway=built.get("envoy-gateway"),
            aigw_controller=built.get("aigw-controller"),
            prometheus_operator=built.get("prometheus-operator"),
            prometheus=built.get("prometheus"),
            keda_adapter=built.get("keda-adapter"),
        )


def _yaml_documents(path: Path) -> list[JsonDict]:
    """The objects in a YAML file, parsed once per content (the CRDs are ~15 MB) and cached as JSON."""
    data = path.read_bytes()
    cached = cache_root() / "controlplane" / "parsed" / f"{hashlib.sha256(data).hexdigest()}.json"
    if cached.is_file():
        documents: list[JsonDict] = json.loads(cached.read_text())
        return documents
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents = [d for d in yaml.load_all(data, Loader=loader) if isinstance(d, dict) and d.get("kind")]
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(documents))
    partial.replace(cached)
    return documents


def _http_ok(url: str, timeout_s: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return bool(response.status == 200)
    except OSError:
        return False


class LocalControlPlane:
    """Start with :meth:`start` (or ``with``); :meth:`close` stops every process it started, by PID."""

    def __init__(
        self,
        binaries: Binaries,
        sources: ControlPlaneSources,
        *,
        work_dir: Path,
        certs_dir: Path = Path("/certs"),
        service_account_dir: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount"),
        log: Callable[[str], None] = lambda _message: None,
        client_id_headers: Sequence[str] = ("x-client-id",),
        nodes: Sequence[NodeSpec] = DEFAULT_NODES,
        serve_models: int = 0,
        pod_images: Sequence[Any] = (),
        network: Any = None,
        hpa_sync_period_s: int | None = None,
    ) -> None:
        self.binaries = binaries
        self.hpa_sync_period_s = hpa_sync_period_s
        """kube-controller-manager's ``--horizontal-pod-autoscaler-sync-period`` in seconds (None: upstream's 15 s).
        Shorter only where a test watches the loop turn: the HPA then recomputes more often, with the same
        algorithm, tolerance and behavior."""
        self.network = network
        """The sandbox's :class:`.pods.PodNetwork` the node agent's Pods join (one per sandbox, shared with the data
        path's Pods when a caller runs both); the agent makes its own when None."""
        self.serve_models = serve_models
        """How many model Pods the node agent runs (:mod:`.agent`); the other bound Pods are reported Ready."""
        self.pod_images = tuple(pod_images)
        """The :class:`.pods.LocalImage` of each image the node agent runs (:func:`.agent.local_images`)."""
        self.nodes = tuple(nodes)
        """The declared nodes (registered when the scheduler runs)."""
        self.pod_stand_in: BoundPodStandIn | None = None
        self._service_account_admission = False
        self.client_id_headers = tuple(client_id_headers)
        """Headers carrying the client id (the SecurityPolicies' ``forwardClientIDHeader``): the AI Gateway controller
        maps each to the ``client.id`` attribute of the token metrics, as the stack's prerequisites ask
        (``controller.metricsRequestHeaderAttributes``)."""
        self.sources = sources
        self.work_dir = work_dir
        self.certs_dir = certs_dir
        self.service_account_dir = service_account_dir
        self._in_cluster_token = ""
        self.log = log
        self.processes: dict[str, ManagedProcess] = {}
        self.timings: dict[str, float] = {}
        self._pki: Pki | None = None
        self._client: KubeClient | None = None
        self.keda_dns: ClusterDns | None = None
        """KEDA's operator's /etc/hosts and /etc/resolv.conf (:mod:`.monitoring` resolves Prometheus there)."""

    # -- accessors ------------------------------------------------------------------------------------------------

    @property
    def client(self) -> KubeClient:
        if self._client is None:
            raise ControlPlaneError("the control plane is not started")
        return self._client

    @property
    def pki(self) -> Pki:
        if self._pki is None:
            raise ControlPlaneError("the control plane is not started")
        return self._pki

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{APISERVER_PORT}"

    @property
    def kubeconfig(self) -> Path:
        return self.work_dir / "kubeconfig"

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def __enter__(self) -> LocalControlPlane:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.pod_stand_in is not None:
            self.pod_stand_in.stop()
        for process in reversed(list(self.processes.values())):
            process.stop(grace_s=10.0)

    def start(
        self,
        *,
        controllers: Sequence[str] = (
            "kube-controller-manager", "kube-scheduler", "nodes", "kserve", "keda", "ai-gateway", "envoy-gateway",
        ),
    ) -> None:  # fmt: skip
        """Start etcd, kube-apiserver and ``controllers`` in that order. The ServiceAccount admission plugin is on
        when kube-controller-manager (its serviceaccount and token controllers) runs; ``nodes`` registers the
        declared nodes and starts the stand-in for their kubelets."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._service_account_admission = "kube-controller-manager" in controllers
        self._step("certificates", self._make_certificates)
        self._step("etcd", self._start_etcd)
        self._step("kube-apiserver", self._start_apiserver)
        self._step("CRDs and configuration", self._install_crds_and_config)
        starters: dict[str, Callable[[], None]] = {
            "kube-controller-manager": self._start_controller_manager,
            "kube-scheduler": self._start_scheduler,
            "nodes": self._register_nodes,
            "kserve": self._start_kserve,
            "keda": self._start_keda,
            "ai-gateway": self._start_ai_gateway,
            "envoy-gateway": self._start_envoy_gateway,
        }
        for name in controllers:
            self._step(name, starters[name])

    def _step(self, name: str, action: Callable[[], None]) -> None:
        started = time.monotonic()
        action()
        self.timings[name] = time.monotonic() - started
        self.log(f"{name} ready in {self.timings[name]:.1f} s")

    def _spawn(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None) -> ManagedProcess:
        base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        base |= {"KUBECONFIG": str(self.kubeconfig)}
        process = ManagedProcess(
            name, argv, env=base | (env or {}), log_path=self.work_dir / f"{name}.log", cwd=self.work_dir
        )
        self.processes[name] = process
        return process

    def _spawn_isolated(self, name: str, argv: Sequence[str], env: dict[str, str]) -> ManagedProcess:
        """Start ``argv`` in a network namespace of its own, reachable from the sandbox over a veth pair at
        :data:`AI_GATEWAY_ADDRESS` (the sandbox side is :data:`HOST_ADDRESS`); it reaches kube-apiserver there."""
        ready = self.work_dir / f"{name}.network-ready"
        kubeconfig = self.work_dir / f"{name}.kubeconfig"
        kubeconfig.write_text(self.kubeconfig.read_text().replace("127.0.0.1", HOST_ADDRESS))
        wait_then_exec = 'while [ ! -e "$0" ]; do sleep 0.05; done; exec "$@"'
        process = self._spawn(
            name,
            ["unshare", "--net", "sh", "-c", wait_then_exec, str(ready), *argv],
            env | {"KUBECONFIG": str(kubeconfig)},
        )
        wait_for_own_network(process.pid)
        inside = ["nsenter", f"--target={process.pid}", "--net"]
        for command in (
            ["ip", "link", "add", "cp-host", "type", "veth", "peer", "name", "cp-peer", "netns", str(process.pid)],
            ["ip", "addr", "add", f"{HOST_ADDRESS}/30", "dev", "cp-host"],
            ["ip", "link", "set", "cp-host", "up"],
            [*inside, "ip", "addr", "add", f"{AI_GATEWAY_ADDRESS}/30", "dev", "cp-peer"],
            [*inside, "ip", "link", "set", "cp-peer", "up"],
            [*inside, "ip", "link", "set", "lo", "up"],
        ):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise ControlPlaneError(f"{' '.join(command)}: {result.stderr.strip()} (needs iproute2's ip)")
        ready.touch()
        return process

    def _wait(self, process: ManagedProcess, ready: Callable[[], bool], what: str, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            code = process.exit_code()
            if code is not None:
                raise ControlPlaneError(
                    f"{process.name} exited ({code}) before {what}; {process.log_path}:\n{process.log_tail(30)}"
                )
            if ready():
                return
            time.sleep(0.3)
        raise ControlPlaneError(
            f"{process.name}: {what} not reached after {timeout_s:.0f} s; {process.log_path}:\n{process.log_tail(30)}"
        )

    # -- etcd and kube-apiserver --------------------------------------------------------------------------------

    def _make_certificates(self) -> None:
        self._pki = make_pki(self.work_dir / "pki", extra_ips=(HOST_ADDRESS, AI_GATEWAY_ADDRESS, POD_BRIDGE_ADDRESS))
        self._write_kubeconfig(self.kubeconfig, "admin", self.pki.admin_cert, self.pki.admin_key)

    def _write_kubeconfig(self, path: Path, user_name: str, cert: Path, key: Path) -> Path:
        cluster = {"server": self.server, "certificate-authority": str(self.pki.ca_cert)}
        user = {"client-certificate": str(cert), "client-key": str(key)}
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "local", "cluster": cluster}],
            "users": [{"name": user_name, "user": user}],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": user_name}}],
            "current-context": "local",
        }
        path.write_text(yaml.safe_dump(kubeconfig))
        return path

    def _start_etcd(self) -> None:
        data = self.work_dir / "etcd"
        client_url = f"http://127.0.0.1:{ETCD_CLIENT_PORT}"
        peer_url = f"http://127.0.0.1:{ETCD_PEER_PORT}"
        process = self._spawn(
            "etcd",
            [
                str(self.binaries.etcd), "--name", "local", "--data-dir", str(data),
                "--listen-client-urls", client_url, "--advertise-client-urls", client_url,
                "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                "--initial-cluster", f"local={peer_url}", "--unsafe-no-fsync", "--log-level", "warn",
            ],
        )  # fmt: skip
        self._wait(process, lambda: _http_ok(f"{client_url}/health"), "etcd /health")

    def _token_file(self) -> Path:
        """Static token of the in-cluster identity (system:masters), for controllers that only run in-cluster."""
        token = secrets.token_hex(24)
        path = self.work_dir / "tokens.csv"
        path.write_text(f'{token},in-cluster-controller,in-cluster-controller,"system:masters"\n')
        self._in_cluster_token = token
        return path

    def _install_in_cluster_config(self, namespace: str) -> dict[str, str]:
        """What a pod's service account gives a controller: token, CA and namespace files, and the env pointing at
        the API server (in the sandbox's private ``/var/run/secrets/kubernetes.io/serviceaccount``)."""
        directory = self.service_account_dir
        (directory / "token").write_text(self._in_cluster_token)
        (directory / "ca.crt").write_bytes(self.pki.ca_cert.read_bytes())
        (directory / "namespace").write_text(namespace)
        return {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(APISERVER_PORT)}

    def _start_apiserver(self) -> None:
        pki = self.pki
        process = self._spawn(
            "kube-apiserver",
            [
                str(self.binaries.kube_apiserver),
                f"--etcd-servers=http://127.0.0.1:{ETCD_CLIENT_PORT}",
                # Loopback and the veth to the AI Gateway controller's namespace: nothing else exists in the sandbox.
                "--bind-address=0.0.0.0", "--advertise-address=127.0.0.1", f"--secure-port={APISERVER_PORT}",
                f"--tls-cert-file={pki.serving_cert}", f"--tls-private-key-file={pki.serving_key}",
                f"--client-ca-file={pki.ca_cert}",
                "--authorization-mode=RBAC", "--service-cluster-ip-range=10.96.0.0/12",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki.service_account_pub}",
                f"--service-account-signing-key-file={pki.service_account_key}",
                *(() if self._service_account_admission else ("--disable-admission-plugins=ServiceAccount",)),
                "--allow-privileged=true",
                f"--cert-dir={self.work_dir / 'apiserver-certs'}",
                f"--token-auth-file={self._token_file()}",
                "--enable-priority-and-fairness=false", "--v=0",
                *aggregation_flags(*pki.client_certificate(FRONT_PROXY_CLIENT, f"/CN={FRONT_PROXY_CLIENT}"),
                                   pki.ca_cert),
            ],
        )  # fmt: skip
        self._client = KubeClient(self.server, ca=pki.ca_cert, cert=pki.admin_cert, key=pki.admin_key)
        self._wait(process, self.client.ready, "/readyz", timeout_s=180.0)

    # -- CRDs, configuration, webhooks ------------------------------------------------------------------------

    def _install_crds_and_config(self) -> None:
        crds: dict[str, JsonDict] = {}
        for path in self.sources.crd_files():
            for document in _yaml_documents(path):
                if document["kind"] == "CustomResourceDefinition":
                    crds.setdefault(document["metadata"]["name"], document)  # controller bundle first
                else:
                    self._create(document)  # e.g. Gateway API's ValidatingAdmissionPolicy
        started = time.monotonic()
        for crd in crds.values():
            self._create(crd)
        self.timings["CRDs posted"] = time.monotonic() - started
        self.client.wait_established(crds)
        for namespace in (KSERVE_NAMESPACE, KEDA_NAMESPACE, ENVOY_GATEWAY_NAMESPACE, AI_GATEWAY_NAMESPACE):
            self.client.ensure_namespace(namespace)
        for document in _yaml_documents(self.sources.kserve_config()):
            document.setdefault("metadata", {})["namespace"] = KSERVE_NAMESPACE
            self._create(document)

    def _create(self, obj: JsonDict) -> None:
        """POST ``obj`` (no managed-fields bookkeeping: the large CRDs load faster this way).

        A POST the server did not answer in time is sent again, up to ``CREATE_ATTEMPTS`` in all: a fresh API
        server on a loaded machine can take longer than the client's timeout over one large CRD, and the POST is
        idempotent here (a 409 from an earlier attempt that landed is success)."""
        meta = obj["metadata"]
        namespace = meta.get("namespace") if self.client.namespaced(obj["apiVersion"], obj["kind"]) else None
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                self.client.request("POST", self.client.path(obj["apiVersion"], obj["kind"], namespace), obj)
                return
            except ApiTimeout as error:
                if attempt == CREATE_ATTEMPTS:
                    raise ControlPlaneError(
                        f"installing {obj['kind']} {meta['name']}: {error} ({CREATE_ATTEMPTS} attempts)"
                    ) from error
                self.log(f"installing {obj['kind']} {meta['name']}: {error}; sending it again")
            except ApiError as error:
                if error.status != 409:
                    raise ControlPlaneError(f"installing {obj['kind']} {meta['name']}: {error.message}") from error
                return

    def _webhook_client_config(self, port: int, path: str, host: str = "127.0.0.1") -> JsonDict:
        bundle = base64.b64encode(self.pki.ca_cert.read_bytes()).decode()
        return {"url": f"https://{host}:{port}{path}", "caBundle": bundle}

    def _tls_dir(self, name: str) -> Path:
        return self.pki.install_tls_dir(self.work_dir / "tls" / name)

    # -- controllers ------------------------------------------------------------------------------------------

    def _require(self, binary: Path | None, name: str) -> Path:
        if binary is None:
            raise ControlPlaneError(f"no {name} binary was built")
        return binary

    def _component_kubeconfig(self, name: str, user: str) -> Path:
        """A kubeconfig with a client certificate for ``user`` (kubeadm's ``controller-manager.conf`` and
        ``scheduler.conf``: the identities the bootstrap RBAC roles ``system:kube-controller-manager`` and
        ``system:kube-scheduler`` are bound to)."""
        cert, key = self.pki.client_certificate(name, f"/CN={user}")
        return self._write_kubeconfig(self.work_dir / f"{name}.kubeconfig", user, cert, key)

    def _healthz(self, port: int) -> Callable[[], bool]:
        context = ssl.create_default_context(cafile=str(self.pki.ca_cert))

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", context=context, timeout=3) as answer:
                    return bool(answer.status == 200)
            except OSError:
                return False

        return healthy

    def _start_controller_manager(self) -> None:
        """As kubeadm runs it (each controller with its own service-account credentials), with
        :data:`CONTROLLER_MANAGER_CONTROLLERS` and no leader election."""
        kubeconfig = self._component_kubeconfig("kube-controller-manager", "system:kube-controller-manager")
        pki = self.pki
        process = self._spawn(
            "kube-controller-manager",
            [
                str(self._require(self.binaries.kube_controller_manager, "kube-controller-manager")),
                f"--kubeconfig={kubeconfig}", f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}", f"--client-ca-file={pki.ca_cert}",
                "--bind-address=127.0.0.1", f"--secure-port={CONTROLLER_MANAGER_PORT}",
                f"--tls-cert-file={pki.serving_cert}", f"--tls-private-key-file={pki.serving_key}",
                f"--controllers={','.join(CONTROLLER_MANAGER_CONTROLLERS)}", "--leader-elect=false",
                "--use-service-account-credentials=true", f"--root-ca-file={pki.ca_cert}",
                f"--service-account-private-key-file={pki.service_account_key}", "--cluster-name=kubernetes",
                "--v=1",
                *([f"--horizontal-pod-autoscaler-sync-period={self.hpa_sync_period_s}s"]
                  if self.hpa_sync_period_s is not None else []),
            ],
            {"KUBECONFIG": str(kubeconfig)},
        )  # fmt: skip
        self._wait(process, self._healthz(CONTROLLER_MANAGER_PORT), "/healthz")

    def _start_scheduler(self) -> None:
        """The default profile (no configuration file), as kubeadm runs it, without leader election."""
        kubeconfig = self._component_kubeconfig("kube-scheduler", "system:kube-scheduler")
        pki = self.pki
        process = self._spawn(
            "kube-scheduler",
            [
                str(self._require(self.binaries.kube_scheduler, "kube-scheduler")),
                f"--kubeconfig={kubeconfig}", f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}", f"--client-ca-file={pki.ca_cert}",
                "--bind-address=127.0.0.1", f"--secure-port={SCHEDULER_PORT}",
                f"--tls-cert-file={pki.serving_cert}", f"--tls-private-key-file={pki.serving_key}",
                "--leader-elect=false", "--v=1",
            ],
            {"KUBECONFIG": str(kubeconfig)},
        )  # fmt: skip
        self._wait(process, self._healthz(SCHEDULER_PORT), "/healthz")

    def _register_nodes(self) -> None:
        register_nodes(self.client, self.nodes)
        # A client of its own: the stand-in runs in a thread beside the checks.
        pki = self.pki
        client = KubeClient(self.server, ca=pki.ca_cert, cert=pki.admin_cert, key=pki.admin_key)
        from .agent import NodeAgent

        self.pod_stand_in = NodeAgent(
            client, self.nodes, serve=self.serve_models, images=self.pod_images, work_dir=self.work_dir / "pods",
            root_ca=pki.ca_cert.read_bytes(), network=self.network, log=self.log,
        )  # fmt: skip
        self.pod_stand_in.start()

    def _start_kserve(self) -> None:
        # controller-runtime's default webhook cert dir is $TMPDIR/k8s-webhook-server/serving-certs (KServe sets none).
        tmp = self.work_dir / "kserve-tmp"
        serving = tmp / "k8s-webhook-server" / "serving-certs"
        self.pki.install_tls_dir(serving)
        process = self._spawn(
            "kserve-manager",
            [
                str(self._require(self.binaries.kserve_manager, "KServe manager")),
                "--metrics-addr=0", f"--health-probe-addr=127.0.0.1:{KSERVE_PROBE_PORT}",
                f"--webhook-port={KSERVE_WEBHOOK_PORT}", "--leader-elect=false",
            ],
            {"POD_NAMESPACE": KSERVE_NAMESPACE, "TMPDIR": str(tmp)},
        )  # fmt: skip
        self._wait(process, lambda: _http_ok(f"http://127.0.0.1:{KSERVE_PROBE_PORT}/readyz"), "/readyz")
        # KServe's InferenceService defaulter and validator, and its pod mutator, as its chart registers them
        # (config/webhook/manifests.yaml).
        rule = {
            "apiGroups": ["serving.kserve.io"], "apiVersions": ["v1beta1"],
            "operations": ["CREATE", "UPDATE"], "resources": ["inferenceservices"],
        }  # fmt: skip
        for kind, path in (
            ("MutatingWebhookConfiguration", "/mutate-serving-kserve-io-v1beta1-inferenceservice"),
            ("ValidatingWebhookConfiguration", "/validate-serving-kserve-io-v1beta1-inferenceservice"),
        ):
            webhooks = [
                {
                    "name": "inferenceservice.kserve-webhook-server.defaulter"
                    if kind.startswith("Mutating")
                    else "inferenceservice.kserve-webhook-server.validator",
                    "clientConfig": self._webhook_client_config(KSERVE_WEBHOOK_PORT, path),
                    "rules": [rule],
                    "failurePolicy": "Fail",
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1beta1", "v1"],
                }
            ]
            if kind.startswith("Mutating"):
                webhooks.append(self._kserve_pod_mutator())
            self.client.apply(
                {
                    "apiVersion": "admissionregistration.k8s.io/v1",
                    "kind": kind,
                    "metadata": {"name": f"inferenceservice.serving.kserve.io-{kind.lower()}"},
                    "webhooks": webhooks,
                }
            )

    def _kserve_pod_mutator(self) -> JsonDict:
        """KServe's ``/mutate-pods`` webhook: Pods labelled with an InferenceService, created or updated."""
        return {
            "name": "inferenceservice.kserve-webhook-server.pod-mutator",
            "clientConfig": self._webhook_client_config(KSERVE_WEBHOOK_PORT, "/mutate-pods"),
            "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                       "resources": ["pods"]}],
            "namespaceSelector": {"matchExpressions": [{"key": "control-plane", "operator": "DoesNotExist"}]},
            "objectSelector": {"matchExpressions": [{"key": kserve.INFERENCE_SERVICE_LABEL, "operator": "Exists"}]},
            "failurePolicy": "Fail",
            "sideEffects": "None",
            "admissionReviewVersions": ["v1beta1"],
        }  # fmt: skip

    def _start_keda(self) -> None:
        certs = self._tls_dir("keda")
        empty_ca_dir = self.work_dir / "keda-custom-ca"
        empty_ca_dir.mkdir(exist_ok=True)
        self.keda_dns = ClusterDns(self.work_dir / "keda-dns", KEDA_NAMESPACE)
        process = self._spawn(
            "keda-operator",
            self.keda_dns.wrap([
                str(self._require(self.binaries.keda_operator, "KEDA operator")),
                "--leader-elect=false", "--metrics-bind-address=0",
                f"--health-probe-bind-address=127.0.0.1:{KEDA_PROBE_PORT}",
                "--metrics-service-bind-address=127.0.0.1:9666",
                f"--cert-dir={certs}", "--enable-cert-rotation=false",
                "--enable-webhook-patching=false", "--enable-apiservice-patching=false",
                f"--ca-dir={empty_ca_dir}", "--zap-log-level=info",
            ]),
            {"WATCH_NAMESPACE": "", "POD_NAMESPACE": KEDA_NAMESPACE, "KEDA_CLUSTER_OBJECT_NAMESPACE": KEDA_NAMESPACE},
        )  # fmt: skip
        self._wait(process, lambda: _http_ok(f"http://127.0.0.1:{KEDA_PROBE_PORT}/readyz"), "/readyz")

    def _start_ai_gateway(self) -> None:
        certs = self._tls_dir("ai-gateway")
        # The controller patches the caBundle of its pod mutator's MutatingWebhookConfiguration and exits without one.
        # Registered as the chart of AI_GATEWAY_CONTROLLER_VERSION registers it (its
        # manifests/charts/ai-gateway-helm/templates/admission_webhook.yaml with the chart's default values:
        # controller.fullnameOverride ai-gateway-controller, the objectSelector of Envoy Gateway's Pods, no
        # namespaceSelector): failurePolicy Fail, so an Envoy Pod the mutator cannot reach is refused rather than
        # created without its external processor.
        self.client.apply(
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "MutatingWebhookConfiguration",
                "metadata": {"name": f"envoy-ai-gateway-gateway-pod-mutator.{AI_GATEWAY_NAMESPACE}"},
                "webhooks": [
                    {
                        "name": f"{AI_GATEWAY_CONTROLLER}.{AI_GATEWAY_NAMESPACE}.svc.cluster.local",
                        "clientConfig": self._webhook_client_config(
                            AI_GATEWAY_WEBHOOK_PORT, "/mutate", host=AI_GATEWAY_ADDRESS
                        ),
                        "rules": [
                            {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}
                        ],
                        "objectSelector": {"matchLabels": {"app.kubernetes.io/managed-by": "envoy-gateway"}},
                        "sideEffects": "None",
                        "admissionReviewVersions": ["v1"],
                        "timeoutSeconds": 10,
                        "failurePolicy": "Fail",
                    }
                ],
            }
        )
        process = self._spawn_isolated(
            "aigw-controller",
            [
                str(self._require(self.binaries.aigw_controller, "AI Gateway controller")),
                "--enableLeaderElection=false", f"--tlsCertDir={certs}",
                f"--port=:{AI_GATEWAY_EXTENSION_PORT}", f"--webhookPort={AI_GATEWAY_WEBHOOK_PORT}",
                f"--envoyGatewayNamespace={ENVOY_GATEWAY_NAMESPACE}",
                "--metricsRequestHeaderAttributes=" + ",".join(f"{h}:client.id" for h in self.client_id_headers),
            ],
            {"POD_NAMESPACE": AI_GATEWAY_NAMESPACE},
        )  # fmt: skip
        self._wait(
            process, lambda: _port_open(AI_GATEWAY_ADDRESS, AI_GATEWAY_EXTENSION_PORT), "its extension server on :1063"
        )
        # The extension server listens before the manager starts the webhook server: with failurePolicy Fail, no
        # Envoy Pod may be posted before the pod mutator answers.
        self._wait(
            process,
            lambda: _port_open(AI_GATEWAY_ADDRESS, AI_GATEWAY_WEBHOOK_PORT),
            f"its pod mutator's webhook server on :{AI_GATEWAY_WEBHOOK_PORT}",
        )

    def envoy_gateway_config(self) -> JsonDict:
        """Envoy Gateway's own configuration (``envoy_gateway.envoy_gateway_config``)."""
        return envoy_gateway_config(AI_GATEWAY_ADDRESS, AI_GATEWAY_EXTENSION_PORT)

    def _start_envoy_gateway(self) -> None:
        # Envoy Gateway reads its xDS / webhook certificates from the fixed path /certs (private in the sandbox).
        self.pki.install_tls_dir(self.certs_dir)
        for obj in envoy_gateway_chart_objects(ENVOY_GATEWAY_NAMESPACE, self.pki):
            self.client.apply(obj)
        config = self.work_dir / "envoy-gateway.yaml"
        config.write_text(yaml.safe_dump(self.envoy_gateway_config()))
        process = self._spawn(
            "envoy-gateway",
            [str(self._require(self.binaries.envoy_gateway, "Envoy Gateway")), "server", f"--config-path={config}"],
            # GatewayNamespace mode builds an in-cluster client besides the KUBECONFIG one.
            {"ENVOY_GATEWAY_NAMESPACE": ENVOY_GATEWAY_NAMESPACE}
            | self._install_in_cluster_config(ENVOY_GATEWAY_NAMESPACE),
        )
        self._wait(process, lambda: _http_ok(f"http://127.0.0.1:{ENVOY_GATEWAY_PROBE_PORT}/readyz"), "/readyz")

    # -- diagnostics --------------------------------------------------------------------------------------------

    def check_alive(self) -> None:
        """Raise when a started component has exited (its log tail in the message)."""
        for process in self.processes.values():
            code = process.exit_code()
            if code is not None:
                raise ControlPlaneError(f"{process.name} exited ({code}); {process.log_path}:\n{process.log_tail(30)}")

    def describe(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "work_dir": str(self.work_dir),
            "timings_s": {k: round(v, 1) for k, v in self.timings.items()},
            "logs": {name: str(p.log_path) for name, p in self.processes.items()},
            "nodes": [node.as_dict() for node in self.nodes] if self.pod_stand_in is not None else [],
        }


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


__all__ = ["SUBSTITUTIONS", "Binaries", "ControlPlaneError", "LocalControlPlane"]
