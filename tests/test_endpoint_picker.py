"""How verify starts the endpoint picker of an InferencePool (no control plane): the command comes from the EPP
Deployment the stack synthesizes, with only the registered substitutions, and its metrics are read as v1.5.0 writes
them. The run itself is tests/controlplane/test_verify_endpoint_picker.py."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

from llm_inference_stack.config import load_values
from llm_inference_stack.pins import INFERENCE_EXTENSION_VERSION
from llm_inference_stack.synth import manifests
from llm_stack_harness.controlplane import build, endpoint_picker
from llm_stack_harness.controlplane.checks import Context, meta
from llm_stack_harness.controlplane.kube import ApiError
from llm_stack_harness.controlplane.report import Report

Obj = dict[str, Any]


class FakeClient:
    """What plan_launch asks the API server: objects by kind, Pods by label selector, and a TokenRequest."""

    def __init__(self, objects: list[Obj], pods: list[Obj]) -> None:
        self.objects = objects + pods
        self.token_requests: list[tuple[str, Obj]] = []

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        for obj in self.objects:
            if obj["kind"] == kind and meta(obj)["name"] == name and meta(obj).get("namespace") == namespace:
                return obj
        return None

    def list(self, api_version: str, kind: str, namespace: str | None = None, **params: str) -> list[Obj]:
        wanted = dict(pair.split("=", 1) for pair in params.get("labelSelector", "").split(",") if pair)
        return [
            o
            for o in self.objects
            if o["kind"] == kind
            and meta(o).get("namespace") == namespace
            and all((meta(o).get("labels") or {}).get(k) == v for k, v in wanted.items())
        ]

    def request(self, method: str, path: str, body: Any = None) -> Any:
        if method == "POST" and path.endswith("/token"):
            self.token_requests.append((path, body))
            return {"status": {"token": "the-token"}}
        raise ApiError(404, path)


@pytest.fixture
def prefix_aware() -> tuple[Context, FakeClient, Obj]:
    objects = manifests(load_values(ROOT / "examples" / "values-prefix-aware.yaml"))
    pool = next(o for o in objects if o["kind"] == "InferencePool")
    deployment = next(o for o in objects if o["kind"] == "Deployment" and meta(o)["name"] == "llama-3-70b-epp")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "llama-3-70b-epp-5d8f7b6c9d-x2x7k",
            "namespace": "kserve-inference",
            "uid": "1234",
            "labels": deployment["spec"]["template"]["metadata"]["labels"],
        },
    }
    client = FakeClient(objects, [pod])
    return Context(client, objects, Report()), client, pool  # type: ignore[arg-type]


def test_the_epp_is_a_pinned_default_component() -> None:
    component = build.COMPONENTS_BY_NAME["epp"]
    assert component.default and component.version == INFERENCE_EXTENSION_VERSION
    assert component.main_package == "sigs.k8s.io/gateway-api-inference-extension/cmd/epp"
    go_mod = (component.module_dir / "go.mod").read_text()
    assert f"require sigs.k8s.io/gateway-api-inference-extension {INFERENCE_EXTENSION_VERSION}\n" in go_mod


def test_the_command_is_the_deployments_with_only_the_registered_substitutions(
    prefix_aware: tuple[Context, FakeClient, Obj], tmp_path: Path
) -> None:
    ctx, client, pool = prefix_aware
    launch = endpoint_picker.plan_launch(ctx, pool, Path("/bin/epp"), tmp_path, "https://127.0.0.1:6443", Path("ca"))
    args = launch.argv[1:]
    config = tmp_path / "epp-kserve-inference-llama-3-70b" / "plugins-config" / "default-plugins.yaml"
    # The Deployment's args, in order, the mounted file's path replaced by the ConfigMap's key written out.
    written = next(o for o in ctx.objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][0]
    expected = [str(config) if a == "/config/default-plugins.yaml" else a for a in written["args"]]
    assert args[: len(expected)] == expected
    assert config.read_text().startswith(
        "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig"
    )
    # Ports move only when taken; then as flags the EPP has.
    assert all(flag in ("--grpc-port", "--grpc-health-port", "--metrics-port") for flag in args[len(expected) :: 2])
    # The downward API from the Deployment's Pod, and the ServiceAccount's own token.
    assert launch.env["POD_NAME"] == "llama-3-70b-epp-5d8f7b6c9d-x2x7k"
    assert launch.env["NAMESPACE"] == "kserve-inference"
    ((path, body),) = client.token_requests
    assert path == "/api/v1/namespaces/kserve-inference/serviceaccounts/llama-3-70b-epp/token"
    assert body["spec"]["boundObjectRef"] == {"apiVersion": "v1", "kind": "Pod", "name": meta(next(
        o for o in client.objects if o["kind"] == "Pod"))["name"], "uid": "1234"}  # fmt: skip
    assert "the-token" in Path(launch.env["KUBECONFIG"]).read_text()
    assert launch.health_service == "inference-extension"


def test_a_taken_health_port_is_moved_and_reported(
    prefix_aware: tuple[Context, FakeClient, Obj], tmp_path: Path
) -> None:
    ctx, _client, pool = prefix_aware
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("", 0))
        taken.listen()
        port = taken.getsockname()[1]
        deployment = next(o for o in ctx.objects if o["kind"] == "Deployment")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        container["args"] = [*container["args"], f"--grpc-health-port={port}"]
        container["readinessProbe"]["grpc"]["port"] = port
        launch = endpoint_picker.plan_launch(ctx, pool, Path("/bin/epp"), tmp_path, "https://x", Path("ca"))
    assert launch.health_port != port
    assert f"--grpc-health-port={launch.health_port}" in launch.argv
    assert any(
        s.startswith(f"--grpc-health-port={launch.health_port} (port {port} is taken)") for s in launch.substituted
    )


def test_a_probe_on_another_port_than_the_health_server_is_refused(
    prefix_aware: tuple[Context, FakeClient, Obj], tmp_path: Path
) -> None:
    ctx, _client, pool = prefix_aware
    deployment = next(o for o in ctx.objects if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]["port"] = 9999
    with pytest.raises(endpoint_picker.EndpointPickerSetupError, match=r"readinessProbe\.grpc\.port 9999"):
        endpoint_picker.plan_launch(ctx, pool, Path("/bin/epp"), tmp_path, "https://x", Path("ca"))


METRICS = """\
# HELP inference_pool_per_pod_queue_size [ALPHA] The total number of requests pending in the model server queue.
# TYPE inference_pool_per_pod_queue_size gauge
inference_pool_per_pod_queue_size{model_server_pod="llama-3-70b-predictor-7c9d-ab-rank-0",name="llama-3-70b"} 0
inference_pool_per_pod_queue_size{model_server_pod="other-pod",name="other-pool"} 3
# HELP inference_pool_ready_pods [ALPHA] The number of ready pods in the inference server pool.
# TYPE inference_pool_ready_pods gauge
inference_pool_ready_pods{name="llama-3-70b"} 0
"""


def test_the_pool_view_reads_the_epps_own_series() -> None:
    view = endpoint_picker.pool_view(METRICS, "llama-3-70b")
    assert view.endpoints == ("llama-3-70b-predictor-7c9d-ab-rank-0",)
    assert view.pods == ("llama-3-70b-predictor-7c9d-ab",)
    assert view.fresh_pods == 0
    assert endpoint_picker.pool_view(METRICS, "missing") == endpoint_picker.PoolView((), None)
