"""``llm-stack local-run`` with the default gateway (``gateway.mode: ai-gateway``): the manifests on the local control
plane with the real Envoy Gateway and AI Gateway controllers, the Envoy, external processor and rate-limit Pods they
configure, and real vLLM (CPU, the tiny model) behind the predictor Services, started from a values file by the
console script, as a user runs it (:mod:`llm_stack_harness.controlplane.probe` does the checks: keys, budgets,
routing by model name, spans in Phoenix)."""

from __future__ import annotations

import pytest
from local_run_support import AWKWARD_VALUES, local_run, require_local_runtime

pytestmark = pytest.mark.controlplane


def test_smoke_test_passes_through_the_default_gateway() -> None:
    require_local_runtime()
    result = local_run(["-f", str(AWKWARD_VALUES), "--no-wait"])
    assert result.code == 0, result.output[-6000:]
    checks = result.checks
    assert checks == {
        "no key -> 401": True,
        "wrong key -> 401": True,
        "key of local-run gets a chat completion from vLLM": True,
        "vLLM receives the client id, not the API key": True,
        "local-run over its token budget -> 429": True,
        "local-run-other within its own budget -> 200 meanwhile": True,
        "model 'Tiny-Chat.v1.5' reaches tiny-chat-v1-5-predictor only": True,
        "model 'Mini.Model-B' reaches mini-model-b-predictor only": True,
        "unknown model -> 404 from the gateway, no model server reached": True,
        "gateway spans reach Phoenix project 'Edge.Project'": True,
        "vLLM's spans join the gateway's traces": True,
        # Each through its predictor Service's EndpointSlice to the Pod the node agent runs.
        "a completion for 'Tiny-Chat.v1.5' is counted by the vLLM of the Pod behind tiny-chat-v1-5-predictor's "
        "EndpointSlice": True,
        "a completion for 'Mini.Model-B' is counted by the vLLM of the Pod behind mini-model-b-predictor's "
        "EndpointSlice": True,
    }, result.output[-6000:]
    # A served name with capitals and dots, in a namespace and release of the values' own.
    assert "200 model 'Tiny-Chat.v1.5'" in result.output
    assert "models[1].runtime.gpuCount: 2 -> 1" in result.output
    assert "Secret team-inference-01/ai-gateway-api-keys" in result.output
    assert "predictor Service" in result.output  # the control plane's substitutions are listed too
    assert "tokensPerMinute" not in result.output  # the values' budget (60) is small: kept as written
    assert not result.work_dir.exists() and result.leftovers == []
