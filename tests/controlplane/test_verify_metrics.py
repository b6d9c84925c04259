"""The metrics side of the autoscaling loop in ``llm-stack verify`` (marker ``controlplane``): KEDA's operator queries
a real Prometheus at the ScaledObject's ``serverAddress`` as written, that Prometheus runs the configuration the real
Prometheus Operator generated from the stack's PodMonitor and PrometheusRule, the report shows the ScaledObject's
``Ready`` and ``Active`` conditions as KEDA set them, and the HPA controller reads the external metric through KEDA's
metrics adapter behind the APIService ``v1beta1.external.metrics.k8s.io``. One verify run (one control plane) over
``dist/``, the secured Prometheus snapshot (a bearer token from a TriggerAuthentication), the same without
``authModes`` (KEDA sends no token) and a ``serverAddress`` naming a Service that does not exist: our schemas accept
the last two, only KEDA's scaler catches them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, run_verify

pytestmark = pytest.mark.controlplane

Obj = dict[str, Any]
WRONG_SERVER = "http://prometheus-server.monitoring.svc.cluster.local:9090"
"""The prometheus-community chart's Service name: no such Service in front of the operator's Prometheus."""


def _write(objects: list[Obj], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return directory


def _load(path: Path) -> list[Obj]:
    return [o for o in yaml.safe_load_all(path.read_text()) if o]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("metrics")
    wrong = copy.deepcopy(_load(ROOT / "dist" / "llm-stack.k8s.yaml"))
    (scaled,) = [o for o in wrong if o["kind"] == "ScaledObject"]
    scaled["spec"]["triggers"][0]["metadata"]["serverAddress"] = WRONG_SERVER
    directories = {
        "dist": ROOT / "dist",
        "secured": ROOT / "tests" / "__snapshots__" / "test_stack" / "test_snapshot[secured-prometheus].yaml",
        "wrong-server-address": _write(wrong, root / "wrong-server-address"),
    }
    secured = _load(directories["secured"])
    directories["secured"] = _write(secured, root / "secured")
    unsent = copy.deepcopy(secured)
    (trigger,) = next(o for o in unsent if o["kind"] == "ScaledObject")["spec"]["triggers"]
    del trigger["metadata"]["authModes"]  # the TriggerAuthentication stays, but KEDA sends no token without it
    directories["token-not-sent"] = _write(unsent, root / "token-not-sent")
    work = root / "work"  # kept: the configuration the operator generated is read below
    return run_verify(directories, "--work-dir", str(work)).reports | {"work": work}


def _finding(report: dict[str, Any], kind: str, check: str) -> dict[str, Any]:
    (found,) = [f for f in report["findings"] if f["kind"] == kind and f["check"] == check]
    return found


def _failures(report: dict[str, Any]) -> list[str]:
    return [f"{f['kind']} {f['name']} [{f['check']}]: {f['detail']}" for f in report["findings"] if not f["ok"]]


def test_keda_reads_the_prometheus_the_operator_configured(reports: dict[str, Any]) -> None:
    report = reports["dist"]
    assert not report.get("error"), report.get("error")
    scaler = _finding(report, "ScaledObject", "KEDA scaler")
    # KEDA's own condition reasons and messages: its scaler queried Prometheus (no vLLM series without running
    # containers: 0 with ignoreNullValues, so not active).
    assert scaler["ok"], scaler
    ready = "Ready=True (ScaledObjectReady: ScaledObject is defined correctly and is ready for scaling)"
    active = "Active=False (ScalerNotActive: Scaling is not performed because triggers are not active)"
    assert ready in scaler["detail"] and active in scaler["detail"], scaler
    # KEDA mirrors the HPA's ScalingActive: the HPA controller read the metric through the metrics adapter.
    assert "HPAActive=True (HPAActive: HPA is actively scaling)" in scaler["detail"], scaler
    assert any(p.startswith("Prometheus monitoring/verify (version v3.13.1,") for p in report["prerequisites"])
    versions = report["controlPlane"]["versions"]
    assert versions["prometheus-operator"] == "v0.93.0" and versions["prometheus"] == "v3.13.1", versions


def test_the_operator_selected_the_pod_monitor_and_prometheus_discovered_the_predictor(
    reports: dict[str, Any],
) -> None:
    monitor = _finding(reports["dist"], "PodMonitor", "selected by Prometheus")
    assert monitor["ok"], monitor
    assert "scrape job(s) podMonitor/kserve-inference/llama-3-70b/0" in monitor["detail"]
    assert "Pod llama-3-70b-predictor-" in monitor["detail"]


def test_prometheus_loaded_the_stacks_rules(reports: dict[str, Any]) -> None:
    rule = _finding(reports["dist"], "PrometheusRule", "loaded by Prometheus")
    assert rule["ok"], rule
    written = next(o for o in _load(ROOT / "dist" / "llm-stack.k8s.yaml") if o["kind"] == "PrometheusRule")
    for group in written["spec"]["groups"]:
        assert group["name"] in rule["detail"]


def test_the_bearer_token_of_the_trigger_authentication_reaches_prometheus(reports: dict[str, Any]) -> None:
    report = reports["secured"]
    assert not report.get("error"), report.get("error")
    scaler = _finding(report, "ScaledObject", "KEDA scaler")
    assert scaler["ok"] and "Ready=True (ScaledObjectReady" in scaler["detail"], scaler


def test_a_server_address_no_prometheus_answers_fails_with_kedas_message(reports: dict[str, Any]) -> None:
    report = reports["wrong-server-address"]
    assert not report["ok"]
    scaler = _finding(report, "ScaledObject", "KEDA scaler")
    assert not scaler["ok"]
    assert "Ready=False (TriggerError: Triggers defined in ScaledObject are not working correctly)" in scaler["detail"]
    assert "prometheus-server.monitoring.svc.cluster.local" in scaler["detail"]  # KEDA's scaler error, from its event
    failing = {f["check"] for f in report["findings"] if not f["ok"]}
    assert failing <= {"KEDA scaler", "external metric"}, _failures(report)  # nothing else of the set fails


def test_a_trigger_that_sends_no_token_to_the_secured_prometheus_fails_with_kedas_message(
    reports: dict[str, Any],
) -> None:
    report = reports["token-not-sent"]
    scaler = _finding(report, "ScaledObject", "KEDA scaler")
    assert not scaler["ok"], scaler
    assert "Ready=False (TriggerError: Triggers defined in ScaledObject are not working correctly)" in scaler["detail"]
    assert "401" in scaler["detail"], scaler  # the relay's answer, in KEDA's scaler error


def test_the_hpa_controller_reads_the_external_metric_through_kedas_adapter(reports: dict[str, Any]) -> None:
    metric = _finding(reports["dist"], "ScaledObject", "external metric")
    # Through kube-apiserver's aggregation layer: the adapter, KEDA's operator, its scaler, Prometheus (no vLLM
    # series: 0).
    assert metric["ok"], metric
    assert "the API server serves s0-prometheus=0" in metric["detail"], metric
    assert "the HPA controller read 0 (ScalingActive: ValidMetricFound)" in metric["detail"], metric


def test_the_local_runtimes_scrape_job_is_the_one_the_operator_generates(reports: dict[str, Any]) -> None:
    """The e2e runtime (no API server there) keeps its own PodMonitor translation: here it is held to the real
    operator's job for the same PodMonitor (name, interval, path, scheme, labels; the target is its stand-in)."""
    from llm_stack_harness.base.manifests import SynthesizedStack
    from llm_stack_harness.localrun import prometheus_config

    generated = yaml.safe_load(
        (reports["work"] / "control-plane" / "monitoring" / "prometheus.generated.yaml").read_text()
    )
    stack = SynthesizedStack.from_objects(_load(ROOT / "dist" / "llm-stack.k8s.yaml"))
    (ours,) = prometheus_config(stack, vllm_port=8000)["scrape_configs"]
    (theirs,) = [job for job in generated["scrape_configs"] if job["job_name"] == ours["job_name"]]
    assert (ours["scrape_interval"], ours["metrics_path"], ours["honor_labels"]) == (
        theirs["scrape_interval"],
        theirs["metrics_path"],
        theirs["honor_labels"],
    )
    assert ours["scheme"] == theirs.get("scheme", "http")
    fixed = {r["target_label"]: r["replacement"] for r in theirs["relabel_configs"] if "replacement" in r and
             "source_labels" not in r and r.get("action", "replace") == "replace"}  # fmt: skip
    labels = ours["static_configs"][0]["labels"]
    assert (labels["job"], labels["endpoint"]) == (fixed["job"], fixed["endpoint"])
    copied = {r["target_label"]: r["source_labels"] for r in theirs["relabel_configs"] if "target_label" in r
              and r.get("source_labels") and r.get("action", "replace") == "replace"}  # fmt: skip
    assert copied["namespace"] == ["__meta_kubernetes_namespace"] and labels["namespace"] == stack.namespace
    assert copied["pod"] == ["__meta_kubernetes_pod_name"] and copied["container"] == [
        "__meta_kubernetes_pod_container_name"
    ]
