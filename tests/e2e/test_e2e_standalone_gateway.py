"""gateway.mode: standalone end to end: the synthesized Envoy bootstrap in a real Envoy, in front of real vLLM (CPU,
tiny local model), with the synthesized API-key renderer, and spans into a real Phoenix.

Only what cannot be the same outside a pod is changed (``llm_stack_harness.localrun.standalone.ENVOY_SUBSTITUTIONS``):
loopback ports, the upstream and Phoenix addresses, the renderer's directory, and the renderer's poll interval (1 s
instead of 5 s).
The keys Secret is a directory laid out like the kubelet's Secret volume, updated the way the kubelet does it.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from llm_inference_stack import stack_config_from_mapping
from llm_inference_stack.synth import synthesize
from llm_stack_harness.base import Installs, ManagedProcess, SynthesizedStack, free_port, load_manifests, phoenix_spans
from llm_stack_harness.base.errors import InstallsMissing
from llm_stack_harness.localrun import LocalStack
from llm_stack_harness.localrun.standalone import SecretVolume, StandaloneGatewayRun, envoy_binary, start_envoy

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
REQUESTS_PER_MINUTE = 5
KEYS = {"alice": "sk-alice-0123456789abcdef", "bob": "sk-bob-0123456789abcdef", "carol": "sk-carol-0123456789abcdef"}
RENDER_INTERVAL_S = "1"


@dataclass
class Gateway:
    url: str
    admin_url: str
    envoy: ManagedProcess
    secret: SecretVolume
    objects: list[dict[str, Any]]
    phoenix_url: str
    project: str
    model: str
    bootstrap: dict[str, Any]
    work_dir: Path

    def client(self, api_key: str) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=api_key, timeout=120, max_retries=0)

    def admin_stat(self, name: str) -> str:
        with urllib.request.urlopen(f"{self.admin_url}/stats?filter=^{name}$", timeout=5) as response:
            text = response.read().decode()
        return text.split(":", 1)[1].strip() if ":" in text else ""


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, installs: Installs, tiny_model: Path) -> Iterator[Gateway]:
    """The shared harness's installs and tiny model (tests/e2e/conftest.py); vLLM and Phoenix from *these* manifests,
    the gateway as ``llm-stack local-run`` runs it (:class:`StandaloneGatewayRun`)."""
    try:
        envoy_binary()
    except InstallsMissing as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (CI=true: the e2e installs are required)")
        pytest.skip(str(missing))
    work_dir = tmp_path_factory.mktemp("standalone-gateway")
    values = yaml.safe_load((ROOT / "tests" / "e2e" / "values-e2e.yaml").read_text())
    values["gateway"] = {"mode": "standalone", "standalone": {"requestsPerMinute": REQUESTS_PER_MINUTE}}
    synthesize(stack_config_from_mapping(values), work_dir / "manifests")
    objects = load_manifests(work_dir / "manifests")
    stack = SynthesizedStack.from_objects(objects)
    with (
        LocalStack(stack, installs, model_dir=tiny_model, work_dir=work_dir / "stack") as local,
        StandaloneGatewayRun(objects, local, KEYS, work_dir=work_dir, render_interval_s=RENDER_INTERVAL_S) as run,
    ):
        local.start()
        assert local.phoenix_url is not None
        run.start()
        assert run.project is not None
        yield Gateway(
            run.url,
            run.admin_url,
            run.envoy,
            run.secret,
            objects,
            local.phoenix_url,
            run.project,
            stack.served_model_name,
            run.bootstrap,
            work_dir,
        )


def _chat(client: openai.OpenAI, model: str, **extra: Any) -> Any:
    return client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Say hello."}], max_tokens=8, temperature=0.0, **extra
    )


def test_no_key_is_rejected(gateway: Gateway) -> None:
    request = urllib.request.Request(
        f"{gateway.url}/v1/chat/completions", data=b'{"model": "tiny"}', headers={"content-type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 401
    assert json.loads(error.value.read())["error"]["message"]  # an OpenAI-style error body


def test_wrong_key_is_rejected(gateway: Gateway) -> None:
    with pytest.raises(openai.AuthenticationError) as error:
        _chat(gateway.client("sk-wrong-0123456789abcdef"), gateway.model)
    assert error.value.status_code == 401


def test_valid_key_gets_a_real_completion(gateway: Gateway) -> None:
    client = gateway.client(KEYS["alice"])
    reply = _chat(client, gateway.model)
    assert reply.model == gateway.model and reply.usage.total_tokens > 0
    assert reply.choices[0].message.content is not None
    assert [m.id for m in client.models.list()] == [gateway.model]
    chunks = list(_chat(client, gateway.model, stream=True))  # streamed through Envoy
    assert any(c.choices and c.choices[0].delta.content for c in chunks)


def _access_log(gateway: Gateway) -> list[dict[str, Any]]:
    lines = gateway.envoy.log_path.read_text(errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_client_cannot_spoof_its_id(gateway: Gateway) -> None:
    # The access log records the client id header as the model server receives it (set by api_key_auth).
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    client = openai.OpenAI(
        base_url=f"{gateway.url}/v1", api_key=KEYS["bob"], max_retries=0, default_headers={"x-client-id": "alice"}
    )
    _chat(client, gateway.model)
    deadline = time.monotonic() + 30  # Envoy flushes access logs every few seconds
    while not (entries := [e for e in _access_log(gateway) if e["time"] >= started]):
        assert time.monotonic() < deadline, "no access log entry for the request"
        time.sleep(0.5)
    (entry,) = entries
    assert entry["client_id"] == "bob" and entry["status"] == 200 and entry["route"] == gateway.model


def test_over_the_limit_gets_429_with_a_retry_hint_per_client(gateway: Gateway) -> None:
    client = gateway.client(KEYS["carol"])
    for _ in range(REQUESTS_PER_MINUTE):
        _chat(client, gateway.model)
    with pytest.raises(openai.RateLimitError) as error:
        _chat(client, gateway.model)
    headers = error.value.response.headers
    assert error.value.status_code == 429
    assert int(headers["retry-after"]) >= 1
    assert headers["x-ratelimit-limit"] == str(REQUESTS_PER_MINUTE) and headers["x-ratelimit-remaining"] == "0"
    # Another client's budget is its own.
    assert _chat(gateway.client(KEYS["bob"]), gateway.model).usage.total_tokens > 0


def test_envoy_1_40_counts_requests_not_response_tokens(gateway: Gateway) -> None:
    """Why this mode limits requests: Envoy 1.40's local rate limiter never charges an ``apply_on_stream_done``
    limit whose ``hits_addend`` is the response's ``usage.total_tokens`` (json_to_metadata response rule)."""
    bootstrap = json.loads(json.dumps(gateway.bootstrap))
    bootstrap["admin"]["address"]["socket_address"]["port_value"] = admin_port = free_port()
    bootstrap["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"] = free_port()
    for cluster in bootstrap["static_resources"]["clusters"]:
        if cluster["name"] == "envoy-admin":
            cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"][
                "port_value"
            ] = admin_port
    hcm = bootstrap["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    hcm["http_filters"].insert(
        1,
        {
            "name": "envoy.filters.http.json_to_metadata",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.json_to_metadata.v3.JsonToMetadata",
                "response_rules": {
                    "rules": [
                        {
                            "selectors": [{"key": "usage"}, {"key": "total_tokens"}],
                            "on_present": {"metadata_namespace": "llm", "key": "total_tokens", "type": "NUMBER"},
                        }
                    ]
                },
            },
        },
    )
    (route,) = [r for r in hcm["route_config"]["virtual_hosts"][0]["routes"] if r["name"] == gateway.model]
    limit = route["typed_per_filter_config"]["envoy.filters.http.local_ratelimit"]
    limit["descriptors"][0]["token_bucket"] = {"max_tokens": 1000, "tokens_per_fill": 1000, "fill_interval": "3600s"}
    limit["rate_limits"].append(
        {
            **limit["rate_limits"][0],
            "hits_addend": {"format": "%DYNAMIC_METADATA(llm:total_tokens)%"},
            "apply_on_stream_done": True,
        }
    )
    envoy, url, admin_url = start_envoy(
        "envoy-token-probe", bootstrap, {"command": gateway.envoy.argv}, gateway.work_dir
    )
    try:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=KEYS["alice"], max_retries=0)
        remaining = []
        for _ in range(3):
            raw = client.chat.completions.with_raw_response.create(
                model=gateway.model, messages=[{"role": "user", "content": "Say hello."}], max_tokens=8
            )
            assert raw.parse().usage.total_tokens > 1
            remaining.append(int(raw.headers["x-ratelimit-remaining"]))
        with urllib.request.urlopen(f"{admin_url}/stats?filter=json_to_metadata.resp.success", timeout=5) as r:
            assert r.read().decode().strip().endswith(": 3")  # the usage was read into metadata ...
        assert remaining == [999, 998, 997]  # ... and yet every request cost exactly one hit
    finally:
        envoy.stop()


def test_rotated_key_works_without_restarting_envoy(gateway: Gateway) -> None:
    pid, reloads = (
        gateway.envoy.pid,
        int(gateway.admin_stat("extension_config_discovery.http_filter.api-key-auth.update_success")),
    )
    new_key = "sk-alice-rotated-0123456789"
    gateway.secret.update({**KEYS, "alice": new_key})
    deadline = time.monotonic() + 30
    while True:
        try:
            _chat(gateway.client(new_key), gateway.model)
            break
        except openai.AuthenticationError:
            assert time.monotonic() < deadline, "the rotated key was not accepted within 30 s"
            time.sleep(0.5)
    with pytest.raises(openai.AuthenticationError):
        _chat(gateway.client(KEYS["alice"]), gateway.model)
    assert gateway.envoy.exit_code() is None and gateway.envoy.pid == pid
    assert int(gateway.admin_stat("extension_config_discovery.http_filter.api-key-auth.update_success")) > reloads


def test_span_with_the_client_id_arrives_in_phoenix(gateway: Gateway) -> None:
    _chat(gateway.client(KEYS["bob"]), gateway.model)
    deadline = time.monotonic() + 60
    while True:
        spans = phoenix_spans(gateway.phoenix_url, gateway.project, limit=200)
        mine = [s for s in spans if "bob" in json.dumps(s.get("attributes", {})) and "client" in json.dumps(s)]
        if mine:
            break
        assert time.monotonic() < deadline, (
            f"no span with client id 'bob' in Phoenix project {gateway.project}: {spans[:3]}"
        )
        time.sleep(1)
    attributes = mine[0]["attributes"]
    flat = json.dumps(attributes)
    assert '"client.id": "bob"' in flat or '"client": {"id": "bob"}' in flat, attributes
