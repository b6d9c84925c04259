"""``llm-stack local-run`` with ``gateway.mode: standalone``: the synthesized Envoy in front of real vLLM (CPU, the tiny
model), Prometheus and Phoenix, started from a values file by the console script, as a user runs it.

The default gateway's run is in ``tests/controlplane/test_local_run_default_gateway.py``.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import openai
import pytest
import yaml
from local_run_support import (
    AWKWARD_VALUES,
    E2E_VALUES,
    ROOT,
    llm_stack,
    local_run,
    local_run_tmpdir,
    require_local_runtime,
)

from llm_inference_stack import stack_config_from_mapping
from llm_inference_stack.standalone_gateway import BOOTSTRAP_FILE
from llm_inference_stack.synth import synthesize

pytestmark = pytest.mark.e2e


def test_smoke_test_passes_through_the_standalone_gateway() -> None:
    require_local_runtime()
    result = local_run(["-f", str(AWKWARD_VALUES), "--set", "gateway.mode=standalone", "--no-wait"])
    assert result.code == 0, result.output[-4000:]
    assert result.checks == {
        "no key -> 401": True,
        "wrong key -> 401": True,
        "valid key -> 200 (Tiny-Chat.v1.5)": True,
        "valid key -> 200 (Mini.Model-B)": True,
        "over budget -> 429": True,
        "other client -> 200 (local-run-other while local-run is limited)": True,
        "gateway span in Phoenix": True,
    }, result.output[-4000:]
    assert "with client id 'local-run' in project 'Edge.Project'" in result.output
    # The budget is the values' own (4 requests a minute): small enough, nothing substituted.
    assert "429 Error code: 429 - local_rate_limited after 4 requests (budget 4/min)" in result.output
    # What cannot be the same on one machine is listed, and only that.
    assert "models[1].runtime.gpuCount: 2 -> 1" in result.output
    assert "Secret team-inference-01/ai-gateway-api-keys" in result.output
    assert "requestsPerMinute" not in result.output
    assert not result.work_dir.exists() and result.leftovers == []


def test_a_failing_check_makes_it_exit_non_zero(tmp_path: Path) -> None:
    """Manifests whose route matches another path: keys are still checked, but no completion reaches vLLM."""
    require_local_runtime()
    values = yaml.safe_load(E2E_VALUES.read_text()) | {"gateway": {"mode": "standalone"}}
    manifests = tmp_path / "manifests"
    synthesize(stack_config_from_mapping(values), manifests)
    (file,) = manifests.glob("*.yaml")
    objects = list(yaml.safe_load_all(file.read_text()))
    (config_map,) = [o for o in objects if BOOTSTRAP_FILE in (o.get("data") or {})]
    bootstrap = config_map["data"][BOOTSTRAP_FILE]
    config_map["data"][BOOTSTRAP_FILE] = bootstrap.replace("/v1/(", "/v9/(")
    assert config_map["data"][BOOTSTRAP_FILE] != bootstrap
    file.write_text(yaml.safe_dump_all(objects, sort_keys=False))

    result = local_run(["--manifests", str(manifests), "--no-wait"])
    assert result.code == 1, result.output[-4000:]
    assert result.checks["no key -> 401"] and result.checks["wrong key -> 401"]
    assert result.checks["valid key -> 200 (tiny)"] is False
    assert "FAIL valid key -> 200 (tiny): 404" in result.output
    assert result.leftovers == []


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _until(lines: queue.Queue[str | None], pattern: str, seen: list[str], timeout_s: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"no line matching {pattern!r}:\n" + "\n".join(seen[-60:]))


def test_serves_the_session_key_until_sigterm_then_removes_its_work_dir() -> None:
    require_local_runtime()
    with local_run_tmpdir() as (env, tmp_dir):
        _serve_until_sigterm(env, tmp_dir)


def _serve_until_sigterm(env: dict[str, str], tmp_dir: Path) -> None:
    process = subprocess.Popen(
        [llm_stack(), "local-run", "-f", str(E2E_VALUES), "--set", "gateway.mode=standalone"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        lines = _lines(process)
        work_dir = Path(_until(lines, r"logs in (\S+)\)", seen, 120).group(1))
        endpoint = _until(lines, r"^endpoint: (\S+) ", seen, 600).group(1)
        key = _until(lines, r"^API key:  (\S+) ", seen, 10).group(1)
        _until(lines, r"^note: .*random text", seen, 10)
        _until(lines, r"press Ctrl-C", seen, 30)
        assert work_dir.is_dir()
        client = openai.OpenAI(base_url=endpoint, api_key=key, max_retries=0, timeout=120)
        reply = client.chat.completions.create(
            model="tiny", messages=[{"role": "user", "content": "Hello"}], max_tokens=8
        )
        assert reply.usage is not None and reply.usage.total_tokens > 0
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=endpoint, api_key="sk-not-the-session-key", max_retries=0).models.list()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 0
        _until(lines, r"stopped everything this command started", seen, 10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not work_dir.exists()
    assert sorted(tmp_dir.iterdir()) == []  # the children's temporary files were in the work dir too
