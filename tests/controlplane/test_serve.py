"""The default gateway's data path kept running for the machine (:func:`llm_stack_harness.controlplane.serve.
start_gateway`): from outside the sandbox, the official ``openai`` client reaches the gateway on a loopback port and
Phoenix's REST API shows the gateway's spans; closing it ends everything (marker ``controlplane``; the vLLM and
Phoenix installs are ``make e2e-deps``).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import openai
import pytest
import yaml
from helpers import synth_objects, with_changes
from local_run_support import require_local_runtime

from llm_stack_harness import base as hb
from llm_stack_harness.controlplane.serve import start_gateway

pytestmark = pytest.mark.controlplane

DUMMY_KEY = "test-key-0123456789abcdef"
PROJECT = "gateway-served"
MODEL_STORE_URI = "s3://models/tiny/"
MODEL_STORE_ACCOUNT = "kserve-s3-reader"
VALUES_FILE = Path(__file__).parent.parent / "e2e" / "values-e2e.yaml"


def test_start_gateway_serves_the_machine(tmp_path: Path) -> None:
    require_local_runtime()
    values = with_changes(
        yaml.safe_load(VALUES_FILE.read_text()),
        {
            "apiKeys.existingSecret": False,
            # Weights from S3: the model store of the sandbox holds the tiny model there (pvc:// is not served).
            "model.storageUri": MODEL_STORE_URI,
            "model.serviceAccountName": MODEL_STORE_ACCOUNT,
            "apiKeys.dummyKey": DUMMY_KEY,
            "observability.phoenix.endpoint": None,
            "observability.phoenix.projectName": PROJECT,
        },
    )
    manifests = tmp_path / "stack"
    manifests.mkdir()
    (manifests / "stack.yaml").write_text(yaml.safe_dump_all(synth_objects(values), sort_keys=False))
    running = start_gateway(manifests, work_dir=tmp_path / "work")
    try:
        served = running.served
        assert served.endpoint.startswith("http://127.0.0.1:"), served
        assert served.keys == {"test-client": DUMMY_KEY}
        assert served.models == ["tiny"] and served.phoenix_project == PROJECT
        assert served.checks == []  # not asked for
        client = openai.OpenAI(base_url=f"{served.endpoint}/v1", api_key=DUMMY_KEY, max_retries=0, timeout=60)
        completion = client.chat.completions.create(
            model="tiny", messages=[{"role": "user", "content": "Hello"}], max_tokens=4
        )
        assert completion.model == "tiny" and completion.usage is not None and completion.usage.total_tokens > 0
        anonymous = openai.OpenAI(base_url=f"{served.endpoint}/v1", api_key="sk-wrong", max_retries=0, timeout=60)
        with pytest.raises(openai.AuthenticationError):
            anonymous.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "Hi"}])
        assert served.phoenix_url is not None
        spans: list[hb.JsonDict] = []
        deadline = time.monotonic() + 90  # the external processor's batch exporter sends every 5 s
        while not any(s["name"] == "ChatCompletion" for s in spans) and time.monotonic() < deadline:
            time.sleep(2)
            spans = hb.phoenix_spans(served.phoenix_url, PROJECT)
        assert any(s["name"] == "ChatCompletion" for s in spans), spans
    finally:
        running.close()
    assert not running.alive()
    port = int(served.endpoint.rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
