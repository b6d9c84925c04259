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
import subprocess
import time
import urllib.request
from collections.abc import Mapping, Sequence
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

POD_SUBSTITUTIONS = register("pods", (
    ("each container image runs as a local binary of the same program (LocalImage: the version is checked where "
     "the image tag names one)", "no container runtime or registry here"),
    (f"the Pod's network namespace hangs on the sandbox bridge {BRIDGE} ({POD_SUBNET_PREFIX}0/{POD_PREFIX_LENGTH}) "
     "instead of a CNI network", "no nodes or CNI; the namespace keeps the Pod's fixed ports apart as a Pod's does"),
    ("cluster DNS names resolve through the Pod's /etc/hosts to where their Service's endpoints run here; the Pod's "
     "/etc/resolv.conf names no reachable server", "no cluster DNS or Services without nodes"),
    ("containers run as the sandbox's root (runAsUser, capabilities and seccomp are not applied)",
     "no container runtime to apply a security context"),
    ("probes are checked once at start-up (readiness) and not repeated", "no kubelet"),
))  # fmt: skip


class PodError(HarnessError):
    """A Pod cannot be run as written (the message says what and why)."""


@dataclasses.dataclass(frozen=True)
class LocalImage:
    """A container image and the local binary that stands in for it."""

    repository: str
    """Image repository without registry, e.g. ``envoyproxy/envoy``."""
    binary: Path
    """The program the image runs."""
    version: str | None = None
    """Version the binary is; when the image tag names a version, it must contain this one."""

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

    def _run(self, *command: str) -> None:
        result = subprocess.run(list(command), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PodError(f"{' '.join(command)}: {result.stderr.strip()} (needs iproute2's ip)")

    def ensure_bridge(self) -> None:
        if self._ready:
            return
        self._run("ip", "link", "add", BRIDGE, "type", "bridge")
        self._run("ip", "addr", "add", f"{HOST_ADDRESS}/{POD_PREFIX_LENGTH}", "dev", BRIDGE)
        self._run("ip", "link", "set", BRIDGE, "up")
        self._ready = True

    def attach(self, pid: int) -> str:
        """Link the network namespace of ``pid`` to the bridge; returns its address."""
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
    """One admitted Pod, run as processes. :meth:`start`, then :meth:`close` (stops each process by its PID)."""

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
    ) -> None:
        self.client = client
        self.pod = pod
        self.network = network
        self.images = list(images)
        self.hosts = dict(hosts)
        self.work_dir = work_dir
        self.base_env = dict(base_env)
        self.address = ""
        self.processes: list[ManagedProcess] = []

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

    # -- lifecycle --------------------------------------------------------------------------------------------

    def start(self, *, ready_timeout_s: float = 60.0) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        pause = self._spawn("pause", ["unshare", "--net", "sleep", "infinity"])
        wait_for_own_network(pause.pid)
        self.address = self.network.attach(pause.pid)
        self.pod.setdefault("status", {})["podIP"] = self.address
        hosts_file = self.work_dir / "hosts"
        hosts_file.write_text(
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
        volumes = self._volumes()
        sidecars = [c for c in self.spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
        if len(sidecars) != len(self.spec.get("initContainers") or []):
            raise PodError(f"Pod {self.name}: init containers that run to completion are not supported")
        for container in [*sidecars, *self.spec["containers"]]:
            self._start_container(container, pause.pid, volumes, hosts_file)
        for container in [*sidecars, *self.spec["containers"]]:
            self._wait_ready(container, ready_timeout_s)

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop(grace_s=5.0)

    def check_alive(self) -> None:
        for process in self.processes:
            code = process.exit_code()
            if code is not None:
                raise PodError(f"{process.name} exited ({code}); {process.log_path}:\n{process.log_tail(30)}")

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
                source = volume["configMap"]
                data = self._object_data("ConfigMap", source["name"], source.get("optional", False))
                self._write_items(directory, data, source.get("items"))
            elif "secret" in volume:
                source = volume["secret"]
                data = self._object_data("Secret", source["secretName"], source.get("optional", False))
                self._write_items(directory, data, source.get("items"))
            elif "projected" in volume:
                for projection in volume["projected"].get("sources") or []:
                    token = projection.get("serviceAccountToken")
                    if token is None:
                        raise PodError(f"Pod {self.name}: projected volume source {sorted(projection)} not supported")
                    (directory / token["path"]).write_text(
                        self.service_account_token(token.get("audience"), token.get("expirationSeconds", 3600))
                    )
            else:
                raise PodError(f"Pod {self.name}: volume {volume['name']} of type {sorted(volume)} not supported")
            out[volume["name"]] = directory
        return out

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
            "spec.nodeName": "local",
            "status.podIP": self.address,
            "status.podIPs": self.address,
            "status.hostIP": HOST_ADDRESS,
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

    def _local_image(self, image: str) -> LocalImage:
        for local in self.images:
            if local.matches(image):
                local.check_version(image)
                return local
        raise PodError(f"no local binary stands in for image {image}")

    def _start_container(
        self, container: Mapping[str, Any], pause_pid: int, volumes: Mapping[str, Path], hosts_file: Path
    ) -> None:
        env = self.environment(container)
        local = self._local_image(container["image"])
        command = [expand(part, env) for part in container.get("command") or []]
        args = [expand(part, env) for part in container.get("args") or []]
        argv = [str(local.binary), *command[1:], *args] if command else [str(local.binary), *args]
        mounts = [(str(hosts_file), "/etc/hosts"), (str(hosts_file.with_name("resolv.conf")), "/etc/resolv.conf")]
        for mount in container.get("volumeMounts") or []:
            source = volumes[mount["name"]]
            if mount.get("subPath"):
                source = source / mount["subPath"]
            mounts.append((str(source), mount["mountPath"]))
        script = "".join(
            f'mount --bind "${{{2 * i + 1}}}" "${{{2 * i + 2}}}" || exit 125; ' for i in range(len(mounts))
        )
        script += f'shift {2 * len(mounts)}; exec "$@"'
        flat = [path for pair in mounts for path in pair]
        self._spawn(
            container["name"],
            ["nsenter", f"--target={pause_pid}", "--net", "unshare", "--mount", "sh", "-c", script, "sh", *flat, *argv],
            env,
        )

    def _wait_ready(self, container: Mapping[str, Any], timeout_s: float) -> None:
        probe = container.get("readinessProbe") or container.get("startupProbe")
        http = (probe or {}).get("httpGet")
        if not http:
            return
        port = http["port"]
        if isinstance(port, str):
            port = next(p["containerPort"] for p in container.get("ports") or [] if p.get("name") == port)
        url = f"http://{self.address}:{port}{http.get('path', '/')}"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if 200 <= response.status < 400:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise PodError(f"{self.name}/{container['name']}: not ready at {url} after {timeout_s:.0f} s")


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


__all__ = ["POD_SUBSTITUTIONS", "LocalImage", "LocalPod", "PodError", "PodNetwork", "admit_pod", "pod_from_deployment"]
