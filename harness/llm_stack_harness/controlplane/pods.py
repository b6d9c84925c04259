"""Run a Pod the API server admitted as local processes inside the sandbox: a small stand-in for the kubelet.

The Pod is the real one: built from the template of a Deployment a controller created, posted to kube-apiserver
(so admission webhooks such as the AI Gateway's pod mutator change it as they would in a cluster) and read back.
Its containers then run as processes, each the way the kubelet would start it:

- the Pod gets its own network namespace (the "pause" process holds it) on the bridge :data:`BRIDGE` of the
  sandbox, with an address of :data:`POD_SUBNET` and a default route to the sandbox (:data:`HOST_ADDRESS`), where
  kube-apiserver and Envoy Gateway listen;
- each container runs in its own mount namespace with its volumes mounted at their ``mountPath``: ConfigMaps and
  Secrets read from the API server, emptyDirs shared between the containers, projected service-account tokens
  minted with the TokenRequest API and bound to the Pod; and a Pod ``/etc/hosts`` that resolves the cluster DNS
  names the Pod uses (no cluster DNS here);
- ``env`` is resolved as the kubelet resolves it (values, ``fieldRef``, ``resourceFieldRef``, Secret and ConfigMap
  keys) and ``$(VAR)`` in ``command`` and ``args`` is expanded with it;
- sidecars (init containers with ``restartPolicy: Always``) start first, then the containers.

The image of a container is replaced by a local binary of the same program (:class:`LocalImage`); what else
differs from a node is listed in :data:`POD_SUBSTITUTIONS`.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import re
import shlex
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from llm_inference_stack.config import parse_quantity
from llm_inference_stack.kube_expansion import expand

from ..base.errors import HarnessError
from ..base.processes import ManagedProcess
from ..base.sandbox import wait_for_own_network
from ..base.substitutions import register
from .kube import ApiError, JsonDict, KubeClient

BRIDGE = "cni0"
HOST_ADDRESS = "10.244.1.1"
"""The sandbox's address on the Pod bridge (kube-apiserver, Envoy Gateway and Redis listen there too)."""
POD_SUBNET_PREFIX = "10.244.1."
POD_PREFIX_LENGTH = 24
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"

POD_SUBSTITUTIONS = register("pods", (
    ("each container image runs as a local binary of the same program (LocalImage: the version is checked where "
     "the image tag names one)", "no container runtime or registry here"),
    (f"the Pod's network namespace hangs on the sandbox bridge {BRIDGE} ({POD_SUBNET_PREFIX}0/{POD_PREFIX_LENGTH}) "
     "instead of a CNI network", "no nodes or CNI; the namespace keeps the Pod's fixed ports apart as a Pod's does"),
    ("cluster DNS names resolve through the Pod's /etc/hosts to where their Service's endpoints run here; the Pod's "
     "/etc/resolv.conf names no reachable server", "no cluster DNS or Services without nodes"),
    ("containers run as the sandbox's root (runAsUser, capabilities and seccomp are not applied)",
     "no container runtime to apply a security context"),
    ("probes are checked once at start-up (readiness) and not repeated, except by the node agent of verify, which "
     "runs the startup, readiness and liveness probes at their periods and restarts containers per restartPolicy",
     "no kubelet"),
    ("outside the node agent, a container that exits is not restarted (restartCount stays 0); nowhere is a failed "
     "init container restarted (it leaves the Pod Pending with its exit code and log tail)",
     "no kubelet back-off loop for them; the first failure is the finding"),
    (f"a projected {ROOT_CA_CONFIGMAP} ConfigMap the root CA publisher has not written is the run's CA certificate",
     "the root CA publisher does not run here"),
))  # fmt: skip


class PodError(HarnessError):
    """A Pod cannot be run as written (the message says what and why)."""


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclasses.dataclass(frozen=True)
class LocalImage:
    """A container image and the local binary that stands in for it."""

    repository: str
    """Image repository without registry, e.g. ``envoyproxy/envoy``."""
    binary: Path
    """The program the image runs."""
    version: str | None = None
    """Version the binary is; when the image tag names a version, it must contain this one."""
    launcher_args: tuple[str, ...] = ()
    """Arguments between the binary and the container's ``command[1:]`` / ``args`` (an interpreter's script)."""
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Environment the image sets (the container's ``env`` overrides it, as it overrides an image's ``ENV``)."""
    rewrite_args: Callable[[list[str]], list[str]] | None = None
    """A registered substitution of the container's args (e.g. a tensor-parallel size this machine cannot run)."""

    def args_for(self, args: list[str]) -> list[str]:
        return self.rewrite_args(list(args)) if self.rewrite_args is not None else list(args)

    def matches(self, image: str) -> bool:
        name = image.split("@", 1)[0].rsplit(":", 1)[0] if ":" in image.split("/")[-1] else image.split("@", 1)[0]
        return name == self.repository or name.endswith("/" + self.repository)

    def check_version(self, image: str) -> None:
        tag = image.split("@", 1)[0].split("/")[-1].partition(":")[2]
        if self.version and re.search(r"\d+\.\d+", tag) and self.version not in tag:
            raise PodError(f"image {image} is not version {self.version}, the local binary standing in for it")


def pod_from_deployment(deployment: Mapping[str, Any], name: str) -> JsonDict:
    """The Pod a ReplicaSet of ``deployment`` would create, named ``name``."""
    template = deployment["spec"]["template"]
    metadata = template.get("metadata") or {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": deployment["metadata"]["namespace"],
            "labels": dict(metadata.get("labels") or {}),
            "annotations": dict(metadata.get("annotations") or {}),
        },
        "spec": json.loads(json.dumps(template["spec"])),
    }


class PodNetwork:
    """The sandbox's Pod bridge; :meth:`attach` gives a process's network namespace an address on it."""

    def __init__(self) -> None:
        self._next = 2
        self._ready = False
        self._lock = threading.Lock()  # Pods of the node agent start in threads of their own

    def _run(self, *command: str) -> None:
        result = subprocess.run(list(command), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PodError(f"{' '.join(command)}: {result.stderr.strip()} (needs iproute2's ip)")

    def ensure_bridge(self) -> None:
        if self._ready:  # (attach holds the lock; the first call comes before any thread starts)
            return
        self._run("ip", "link", "add", BRIDGE, "type", "bridge")
        self._run("ip", "addr", "add", f"{HOST_ADDRESS}/{POD_PREFIX_LENGTH}", "dev", BRIDGE)
        self._run("ip", "link", "set", BRIDGE, "up")
        self._ready = True

    def attach(self, pid: int) -> str:
        """Link the network namespace of ``pid`` to the bridge; returns its address."""
        with self._lock:
            self.ensure_bridge()
            index = self._next
            self._next += 1
        address = f"{POD_SUBNET_PREFIX}{index}"
        host_link = f"veth{index}"
        inside = ["nsenter", f"--target={pid}", "--net"]
        self._run("ip", "link", "add", host_link, "type", "veth", "peer", "name", "eth0", "netns", str(pid))
        self._run("ip", "link", "set", host_link, "master", BRIDGE)
        self._run("ip", "link", "set", host_link, "up")
        self._run(*inside, "ip", "addr", "add", f"{address}/{POD_PREFIX_LENGTH}", "dev", "eth0")
        self._run(*inside, "ip", "link", "set", "eth0", "up")
        self._run(*inside, "ip", "link", "set", "lo", "up")
        self._run(*inside, "ip", "route", "add", "default", "via", HOST_ADDRESS)
        return address


class LocalPod:
    """One admitted Pod, run as processes. :meth:`start` (the whole Pod, failing on the first problem) or the steps
    the node agent takes one by one (:meth:`prepare`, :meth:`run_init_containers`, :meth:`start_containers`,
    :meth:`probe_ready`); then :meth:`close` (stops each process by its PID).

    :attr:`statuses` holds what a kubelet reports per container (``state``, ``ready``, ``started``,
    ``restartCount``), kept current by each step; ``on_change`` is called after every change."""

    def __init__(
        self,
        client: KubeClient,
        pod: JsonDict,
        *,
        network: PodNetwork,
        images: Sequence[LocalImage],
        hosts: Mapping[str, str],
        work_dir: Path,
        base_env: Mapping[str, str],
        root_ca: bytes | None = None,
        host_ip: str = HOST_ADDRESS,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.client = client
        self.pod = pod
        self.network = network
        self.images = list(images)
        self.hosts = dict(hosts)
        self.work_dir = work_dir
        self.base_env = dict(base_env)
        self.root_ca = root_ca
        """What the root CA publisher would put into each namespace's ``kube-root-ca.crt`` (``ca.crt``), for the
        projected service-account volume when that ConfigMap does not exist."""
        self.host_ip = host_ip
        self.on_change = on_change
        self.address = ""
        self.processes: list[ManagedProcess] = []
        self.containers: dict[str, ManagedProcess] = {}
        self.statuses: dict[str, JsonDict] = {}
        self._pause_pid = 0
        self._volumes_by_name: dict[str, Path] = {}
        self._hosts_file = work_dir / "hosts"
        self._lock = threading.Lock()
        for container in [*(self.spec.get("initContainers") or []), *self.spec["containers"]]:
            self.statuses[container["name"]] = {
                "name": container["name"], "image": container.get("image", ""), "imageID": "", "ready": False,
                "restartCount": 0, "started": False, "state": {"waiting": {"reason": "PodInitializing"}},
                "lastState": {},
            }  # fmt: skip

    @property
    def name(self) -> str:
        return str(self.pod["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.pod["metadata"]["namespace"])

    @property
    def spec(self) -> JsonDict:
        spec: JsonDict = self.pod["spec"]
        return spec

    def init_containers(self) -> list[JsonDict]:
        return list(self.spec.get("initContainers") or [])

    # -- lifecycle --------------------------------------------------------------------------------------------

    def start(self, *, ready_timeout_s: float = 60.0) -> None:
        """Run the whole Pod: init containers to completion (sidecars started), then the containers, ready."""
        self.prepare()
        self.run_init_containers(timeout_s=ready_timeout_s)
        self.start_containers()
        for container in [*self._sidecars(), *self.spec["containers"]]:
            self._wait_ready(container, ready_timeout_s)

    def _sidecars(self) -> list[JsonDict]:
        return [c for c in self.init_containers() if c.get("restartPolicy") == "Always"]

    def prepare(self) -> None:
        """The Pod sandbox: its network namespace on the bridge, its /etc/hosts and resolv.conf, its volumes."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        pause = self._spawn("pause", ["unshare", "--net", "sleep", "infinity"])
        wait_for_own_network(pause.pid)
        self._pause_pid = pause.pid
        self.address = self.network.attach(pause.pid)
        self.pod.setdefault("status", {})["podIP"] = self.address
        self._hosts_file.write_text(
            "127.0.0.1 localhost\n"
            + f"{self.address} {self.name}\n"
            + "".join(f"{address} {name}\n" for name, address in sorted(self.hosts.items()))
        )
        # As the kubelet writes it for ClusterFirst, but with no cluster DNS: nothing answers on the Pod's own
        # loopback, so resolvers give up at once and the names resolve through /etc/hosts only.
        resolv_conf = self.work_dir / "resolv.conf"
        resolv_conf.write_text(
            f"nameserver 127.0.0.1\nsearch {self.namespace}.svc.cluster.local svc.cluster.local cluster.local\n"
            "options ndots:5\n"
        )
        self._volumes_by_name = self._volumes()

    def run_init_containers(self, *, timeout_s: float) -> None:
        """Each init container in order, as the kubelet runs them: one that runs to completion must exit 0 before
        the next starts (:class:`InitContainerFailed` otherwise, its state ``terminated`` with the exit code and its
        log's last lines); a sidecar (``restartPolicy: Always``) is started and the next follows once it started."""
        for container in self.init_containers():
            if container.get("restartPolicy") == "Always":
                self._start_container(container)
                continue
            process = self._start_container(container)
            deadline = time.monotonic() + timeout_s
            while (code := process.exit_code()) is None:
                if time.monotonic() > deadline:
                    process.stop(grace_s=5.0)
                    code = process.exit_code()
                    break
                time.sleep(0.5)
            self._set_terminated(container["name"], code if code is not None else -9, process)
            if code != 0:
                raise InitContainerFailed(container["name"], code, self.statuses[container["name"]]["state"])

    def start_containers(self) -> None:
        for container in self.spec["containers"]:
            self._start_container(container)

    def close(self, grace_s: float = 5.0) -> None:
        """Stop every process: SIGTERM to each container's main process at once, SIGKILL to what is left of it after
        ``grace_s`` (the Pod's termination grace period, as the kubelet gives it) or once its main process ended
        (:meth:`.base.processes.ManagedProcess.stop` ``leader_only``)."""
        threads = [
            threading.Thread(target=p.stop, kwargs={"grace_s": grace_s, "leader_only": True})
            for p in reversed(self.processes)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def check_alive(self) -> None:
        for process in self.processes:
            code = process.exit_code()
            if code is not None and process not in self._completed():
                raise PodError(f"{process.name} exited ({code}); {process.log_path}:\n{process.log_tail(30)}")

    def _completed(self) -> list[ManagedProcess]:
        return [
            self.containers[c["name"]]
            for c in self.init_containers()
            if c.get("restartPolicy") != "Always" and c["name"] in self.containers
        ]

    def exited_containers(self) -> dict[str, int]:
        """Containers (and sidecars) whose process ended, with the exit code; their status is updated."""
        ended = {}
        completed = self._completed()
        for name, process in self.containers.items():
            code = process.exit_code()
            if code is not None and process not in completed:
                ended[name] = code
                if "terminated" not in self.statuses[name]["state"]:
                    self._set_terminated(name, code, process)
        return ended

    def _spawn(self, container: str, argv: Sequence[str], env: Mapping[str, str] | None = None) -> ManagedProcess:
        process = ManagedProcess(
            f"{self.name}/{container}",
            argv,
            env=self.base_env | dict(env or {}),
            log_path=self.work_dir / f"{container}.log",
            cwd=self.work_dir,
        )
        self.processes.append(process)
        return process

    # -- statuses ---------------------------------------------------------------------------------------------

    def _changed(self) -> None:
        self.on_change()

    def _set_running(self, name: str) -> None:
        with self._lock:
            status = self.statuses[name]
            status["state"] = {"running": {"startedAt": now()}}
            status["started"] = True
        self._changed()

    def _set_terminated(self, name: str, code: int, process: ManagedProcess) -> None:
        if code < 0:  # killed by a signal: the container runtime reports 128 + its number (137 SIGKILL, 143 SIGTERM)
            code = 128 - code
        with self._lock:
            status = self.statuses[name]
            started = (status["state"].get("running") or {}).get("startedAt", now())
            terminated: JsonDict = {
                "exitCode": code, "reason": "Completed" if code == 0 else "Error", "startedAt": started,
                "finishedAt": now(),
            }  # fmt: skip
            if code != 0:
                # The kubelet's FallbackToLogsOnError: the end of the log (at most 80 lines, 2048 bytes).
                terminated["message"] = process.log_tail(80)[-2048:]
            status["state"] = {"terminated": terminated}
            status["ready"] = False
            status["started"] = False
        self._changed()

    def set_ready(self, name: str, ready: bool) -> None:
        with self._lock:
            if self.statuses[name]["ready"] == ready:
                return
            self.statuses[name]["ready"] = ready
        self._changed()

    def set_started(self, name: str, started: bool) -> None:
        with self._lock:
            if self.statuses[name]["started"] == started:
                return
            self.statuses[name]["started"] = started
        self._changed()

    def set_waiting(self, name: str, reason: str, message: str) -> None:
        """The container's state while it waits to be restarted (``CrashLoopBackOff``)."""
        with self._lock:
            status = self.statuses[name]
            status["state"] = {"waiting": {"reason": reason, "message": message}}
            status["ready"] = False
            status["started"] = False
        self._changed()

    def container_exit(self, name: str) -> int | None:
        """The exit code of container ``name``'s current process (its status written as terminated), or None while
        it runs."""
        process = self.containers.get(name)
        code = process.exit_code() if process is not None else None
        if code is None or process is None:
            return None
        if "terminated" not in self.statuses[name]["state"]:
            self._set_terminated(name, code, process)
        return int(self.statuses[name]["state"]["terminated"]["exitCode"])

    def kill_container(self, name: str, grace_s: float) -> int:
        """Stop container ``name`` as the kubelet kills one: SIGTERM to its main process, SIGKILL to what is left
        after ``grace_s``; its exit code."""
        process = self.containers[name]
        process.stop(grace_s=grace_s, leader_only=True)
        code = self.container_exit(name)
        return code if code is not None else 137

    def restart_container(self, name: str) -> None:
        """Start container ``name`` again, as the kubelet does: its last termination becomes ``lastState``, and
        ``restartCount`` goes up by one."""
        container = next(c for c in self.spec["containers"] if c["name"] == name)
        old = self.containers.get(name)
        if old is not None:
            old.stop(grace_s=0.0)  # reaps the exited process
        with self._lock:
            status = self.statuses[name]
            terminated = status["state"].get("terminated") or (status.get("lastState") or {}).get("terminated")
            status["lastState"] = {"terminated": terminated} if terminated else {}
            status["restartCount"] = int(status["restartCount"]) + 1
            status["ready"] = False
        self._start_container(container)

    # -- volumes ----------------------------------------------------------------------------------------------

    def _volumes(self) -> dict[str, Path]:
        """Each volume of the Pod as a local directory, filled as the kubelet fills it."""
        out: dict[str, Path] = {}
        for volume in self.spec.get("volumes") or []:
            directory = self.work_dir / "volumes" / volume["name"]
            directory.mkdir(parents=True, exist_ok=True)
            if "emptyDir" in volume:
                pass
            elif "configMap" in volume:
                self._write_object(directory, "ConfigMap", volume["configMap"]["name"], volume["configMap"])
            elif "secret" in volume:
                self._write_object(directory, "Secret", volume["secret"]["secretName"], volume["secret"])
            elif "projected" in volume:
                for projection in volume["projected"].get("sources") or []:
                    self._project(directory, projection)
            else:
                raise PodError(f"Pod {self.name}: volume {volume['name']} of type {sorted(volume)} not supported")
            out[volume["name"]] = directory
        return out

    def _write_object(self, directory: Path, kind: str, name: str, source: Mapping[str, Any]) -> None:
        """The keys of ConfigMap or Secret ``name`` (``source``: a volume's or a projection's, with ``optional`` and
        ``items``) as files in ``directory``."""
        data = self._object_data(kind, name, source.get("optional", False))
        self._write_items(directory, data, source.get("items"))

    def _project(self, directory: Path, projection: Mapping[str, Any]) -> None:
        if "serviceAccountToken" in projection:
            token = projection["serviceAccountToken"]
            (directory / token["path"]).write_text(
                self.service_account_token(token.get("audience"), token.get("expirationSeconds", 3600))
            )
        elif "configMap" in projection:
            source = projection["configMap"]
            if (
                source["name"] == ROOT_CA_CONFIGMAP
                and self.root_ca is not None
                and self.client.get("v1", "ConfigMap", ROOT_CA_CONFIGMAP, self.namespace) is None
            ):
                self._write_items(directory, {"ca.crt": self.root_ca}, source.get("items"))
                return
            self._write_object(directory, "ConfigMap", source["name"], source)
        elif "secret" in projection:
            self._write_object(directory, "Secret", projection["secret"]["name"], projection["secret"])
        elif "downwardAPI" in projection:
            for item in projection["downwardAPI"].get("items") or []:
                if "fieldRef" not in item:
                    raise PodError(f"Pod {self.name}: downwardAPI item {item.get('path')}: only fieldRef is supported")
                target = directory / item["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(self._field(item["fieldRef"]["fieldPath"]))
        else:
            raise PodError(f"Pod {self.name}: projected volume source {sorted(projection)} not supported")

    def _object_data(self, kind: str, name: str, optional: bool) -> dict[str, bytes]:
        obj = self.client.get("v1", kind, name, self.namespace)
        if obj is None:
            if optional:
                return {}
            raise PodError(f"Pod {self.name} mounts {kind} {self.namespace}/{name}, which does not exist")
        if kind == "Secret":
            return {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
        return {k: v.encode() for k, v in (obj.get("data") or {}).items()}

    @staticmethod
    def _write_items(directory: Path, data: Mapping[str, bytes], items: Sequence[Mapping[str, Any]] | None) -> None:
        selected = [(i["key"], i["path"]) for i in items] if items else [(k, k) for k in data]
        for key, path in selected:
            if key not in data:
                raise PodError(f"key {key} is missing from the volume's source")
            target = directory / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data[key])

    def service_account_token(self, audience: str | None, expiration_s: int) -> str:
        """A token for the Pod's ServiceAccount bound to the Pod, as the kubelet requests it (TokenRequest API)."""
        account = self.spec.get("serviceAccountName") or "default"
        request: JsonDict = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {
                "audiences": [audience] if audience else [],
                "expirationSeconds": expiration_s,
                "boundObjectRef": {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "name": self.name,
                    "uid": self.pod["metadata"]["uid"],
                },
            },
        }
        path = self.client.path("v1", "ServiceAccount", self.namespace, account) + "/token"
        try:
            answer = self.client.request("POST", path, request)
        except ApiError as error:
            raise PodError(f"TokenRequest for ServiceAccount {self.namespace}/{account}: {error.message}") from error
        return str(answer["status"]["token"])

    # -- containers -------------------------------------------------------------------------------------------

    def environment(self, container: Mapping[str, Any]) -> dict[str, str]:
        """The container's environment as the kubelet builds it (later entries may reference earlier ones)."""
        env: dict[str, str] = {}
        for entry in container.get("env") or []:
            if "value" in entry:
                env[entry["name"]] = expand(entry["value"], env)
                continue
            source = entry.get("valueFrom") or {}
            value: str | None
            if "fieldRef" in source:
                value = self._field(source["fieldRef"]["fieldPath"])
            elif "resourceFieldRef" in source:
                value = self._resource_field(container, source["resourceFieldRef"])
            elif "secretKeyRef" in source or "configMapKeyRef" in source:
                kind = "Secret" if "secretKeyRef" in source else "ConfigMap"
                ref = source.get("secretKeyRef") or source["configMapKeyRef"]
                data = self._object_data(kind, ref["name"], ref.get("optional", False))
                value = data[ref["key"]].decode() if ref["key"] in data else None
                if value is None and not ref.get("optional", False):
                    raise PodError(f"env {entry['name']}: key {ref['key']} missing from {kind} {ref['name']}")
            else:
                raise PodError(f"env {entry['name']}: source {sorted(source)} not supported")
            if value is not None:
                env[entry["name"]] = value
        return env

    def _field(self, path: str) -> str:
        meta = self.pod["metadata"]
        match = re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path)
        if match:
            return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
        fields = {
            "metadata.name": meta["name"],
            "metadata.namespace": meta["namespace"],
            "metadata.uid": meta.get("uid", ""),
            "spec.serviceAccountName": self.spec.get("serviceAccountName", "default"),
            "spec.nodeName": self.spec.get("nodeName") or "local",
            "status.podIP": self.address,
            "status.podIPs": self.address,
            "status.hostIP": self.host_ip,
        }
        if path not in fields:
            raise PodError(f"fieldRef {path} not supported")
        return str(fields[path])

    @staticmethod
    def _resource_field(container: Mapping[str, Any], ref: Mapping[str, Any]) -> str:
        kind, _, resource = ref["resource"].partition(".")
        quantity = ((container.get("resources") or {}).get(kind) or {}).get(resource)
        if quantity is None:
            raise PodError(f"resourceFieldRef {ref['resource']}: the container sets no such {kind}")
        divisor = parse_quantity(str(ref.get("divisor", "1")))
        return str(math.ceil(parse_quantity(str(quantity)) / divisor))

    def local_image(self, image: str) -> LocalImage:
        for local in self.images:
            if local.matches(image):
                local.check_version(image)
                return local
        raise PodError(f"no local binary stands in for image {image}")

    def unmapped_images(self) -> list[str]:
        """Images of the Pod that no :class:`LocalImage` stands in for (or only one of another version)."""
        missing = []
        for container in [*self.init_containers(), *self.spec["containers"]]:
            try:
                self.local_image(container["image"])
            except PodError as error:
                missing.append(str(error))
        return missing

    def argv(self, container: Mapping[str, Any], env: Mapping[str, str]) -> list[str]:
        """The container's process: the local program for its image, then ``command[1:]`` (the image's own
        entrypoint when the container names no command) and ``args``, ``$(VAR)`` expanded."""
        local = self.local_image(container["image"])
        command = [expand(part, env) for part in container.get("command") or []]
        args = local.args_for([expand(part, env) for part in container.get("args") or []])
        return [str(local.binary), *local.launcher_args, *command[1:], *args]

    def _start_container(self, container: Mapping[str, Any]) -> ManagedProcess:
        local = self.local_image(container["image"])
        env = dict(local.env) | self.environment(container)
        argv = self.argv(container, env)
        hosts_file = self._hosts_file
        mounts = [(str(hosts_file), "/etc/hosts"), (str(hosts_file.with_name("resolv.conf")), "/etc/resolv.conf")]
        for mount in container.get("volumeMounts") or []:
            source = self._volumes_by_name[mount["name"]]
            if mount.get("subPath"):
                source = source / mount["subPath"]
            if not Path(mount["mountPath"]).exists():
                raise PodError(
                    f"Pod {self.name}: container {container['name']} mounts {mount['name']} at {mount['mountPath']}, "
                    "which does not exist in the sandbox (base/sandbox.py PRIVATE_DIRS lists the mount points)"
                )
            mounts.append((str(source), mount["mountPath"]))
        script = "".join(
            f'mount --bind "${{{2 * i + 1}}}" "${{{2 * i + 2}}}" || exit 125; ' for i in range(len(mounts))
        )
        script += f'shift {2 * len(mounts)}; exec "$@"'
        flat = [path for pair in mounts for path in pair]
        process = self._spawn(
            container["name"],
            ["nsenter", f"--target={self._pause_pid}", "--net", "unshare", "--mount", "sh", "-c", script, "sh",
             *flat, *argv],
            env,
        )  # fmt: skip
        self.containers[container["name"]] = process
        self._set_running(container["name"])
        return process

    def probe_url(self, container: Mapping[str, Any], kind: str = "readinessProbe") -> str | None:
        """The URL of the container's HTTP probe of ``kind`` on the Pod's address, or None without one."""
        http = (container.get(kind) or {}).get("httpGet")
        if not http:
            return None
        port = http["port"]
        if isinstance(port, str):
            port = next(p["containerPort"] for p in container.get("ports") or [] if p.get("name") == port)
        return f"http://{self.address}:{port}{http.get('path', '/')}"

    def probe(self, container: Mapping[str, Any], kind: str) -> tuple[bool, str]:
        """Run the container's probe of ``kind`` once, as the kubelet's prober does (``httpGet``, ``tcpSocket``,
        ``exec``; ``grpc`` is not run): success, and the prober's output on failure (``HTTP probe failed with
        statuscode: 500``, ``Get "http://...": dial tcp ...: connect: connection refused``). A container without
        such a probe succeeds."""
        probe = container.get(kind) or {}
        timeout_s = float(probe.get("timeoutSeconds", 1))
        if "httpGet" in probe:
            http = probe["httpGet"]
            host = http.get("host") or self.address
            port = self._probe_port(container, http["port"])
            path = str(http.get("path", "/"))
            scheme = str(http.get("scheme", "HTTP")).lower()
            url = f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"
            headers = {h["name"]: h["value"] for h in http.get("httpHeaders") or []}
            request = urllib.request.Request(url, headers={"User-Agent": "kube-probe/1.34"} | headers)
            try:
                with urllib.request.urlopen(request, timeout=timeout_s):
                    return True, ""
            except urllib.error.HTTPError as error:
                if 200 <= error.code < 400:
                    return True, ""
                return False, f"HTTP probe failed with statuscode: {error.code}"
            except OSError as error:
                return False, f'Get "{url}": {_dial_error(error, host, port, http=True)}'
        if "tcpSocket" in probe:
            tcp = probe["tcpSocket"]
            host = tcp.get("host") or self.address
            port = self._probe_port(container, tcp["port"])
            try:
                with socket.create_connection((host, port), timeout=timeout_s):
                    return True, ""
            except OSError as error:
                return False, _dial_error(error, host, port, http=False)
        if "exec" in probe:
            return self._exec_probe(container, list(probe["exec"].get("command") or []), timeout_s)
        return True, ""

    def _probe_port(self, container: Mapping[str, Any], port: int | str) -> int:
        if isinstance(port, int) or str(port).isdigit():
            return int(port)
        for entry in container.get("ports") or []:
            if entry.get("name") == port:
                return int(entry["containerPort"])
        raise PodError(f"Pod {self.name}: container {container['name']} has no port named {port} for its probe")

    def _exec_probe(self, container: Mapping[str, Any], command: list[str], timeout_s: float) -> tuple[bool, str]:
        """The command in the container's network and mount namespaces, with its environment (``kubectl exec``)."""
        process = self.containers.get(container["name"])
        if process is None or not command:
            return False, "no container process to run the probe's command in"
        env = self.base_env | dict(self.local_image(container["image"]).env) | self.environment(container)
        try:
            done = subprocess.run(
                ["nsenter", f"--target={process.pid}", "--net", "--mount", *command],
                env=env, capture_output=True, timeout=timeout_s, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return False, f"command {shlex.join(command)} timed out"
        output = (done.stdout + done.stderr).decode(errors="replace")
        return done.returncode == 0, output

    def probe_once(self, url: str, timeout_s: float = 2.0) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response:
                return bool(200 <= response.status < 400)
        except OSError:
            return False

    def _wait_ready(self, container: Mapping[str, Any], timeout_s: float) -> None:
        url = self.probe_url(container) or self.probe_url(container, "startupProbe")
        if not url:
            self.set_ready(container["name"], True)
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check_alive()
            if self.probe_once(url):
                self.set_ready(container["name"], True)
                return
            time.sleep(0.5)
        raise PodError(f"{self.name}/{container['name']}: not ready at {url} after {timeout_s:.0f} s")


def _dial_error(error: OSError, host: str, port: int, *, http: bool) -> str:
    """An error as Go's net/http client words it in the kubelet's probe output."""
    reason = getattr(error, "reason", error)
    if isinstance(reason, TimeoutError | socket.timeout):
        if http:
            return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        return f"dial tcp {host}:{port}: i/o timeout"
    if isinstance(reason, ConnectionRefusedError):
        return f"dial tcp {host}:{port}: connect: connection refused"
    if isinstance(reason, ConnectionResetError):
        return "read: connection reset by peer"
    return str(reason)


class InitContainerFailed(PodError):
    """An init container that runs to completion exited non-zero (or did not finish in time)."""

    def __init__(self, container: str, code: int | None, state: Mapping[str, Any]) -> None:
        message = (state.get("terminated") or {}).get("message", "")
        super().__init__(f"init container {container} exited {code}: {message.strip()}")
        self.container = container
        self.code = code


def admit_pod(client: KubeClient, pod: JsonDict) -> JsonDict:
    """POST ``pod`` (admission webhooks run) and return what the API server stored."""
    namespace = pod["metadata"]["namespace"]
    try:
        client.request("DELETE", client.path("v1", "Pod", namespace, pod["metadata"]["name"]) + "?gracePeriodSeconds=0")
    except ApiError as error:
        if error.status != 404:
            raise
    deadline = time.monotonic() + 30
    while client.get("v1", "Pod", pod["metadata"]["name"], namespace) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    stored: JsonDict = client.request("POST", client.path("v1", "Pod", namespace), pod)
    return stored


__all__ = [
    "POD_SUBSTITUTIONS",
    "InitContainerFailed",
    "LocalImage",
    "LocalPod",
    "PodError",
    "PodNetwork",
    "admit_pod",
    "pod_from_deployment",
]
