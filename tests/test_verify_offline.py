"""``llm-stack verify`` parts that need no control plane: its argument errors, the stand-in Secrets it creates,
and the comparison and selector rules its checks use (the control-plane runs are in tests/controlplane/)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from helpers import ROOT, run_cli, synthesized, with_changes

from llm_stack_harness.controlplane import checks, verify
from llm_stack_harness.controlplane.report import Report
from llm_stack_harness.controlplane.sources import ControlPlaneSources, SourcesError


def run_verify(*args: str) -> subprocess.CompletedProcess[str]:
    """``llm-stack verify ARGS`` in this process: each case fails before anything starts."""
    return run_cli("verify", *args)


def test_fails_without_manifests() -> None:
    result = run_verify()
    assert result.returncode == 2
    assert "give a directory of manifests (e.g. dist/) or --values FILE" in result.stderr


def test_fails_when_directory_holds_no_objects(tmp_path: Path) -> None:
    result = run_verify(str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path} holds no Kubernetes objects" in result.stderr


def test_fails_on_invalid_values_before_starting_anything(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("release: llm-stack\nmodel: {name: x, storageUri: 's3://b/m/', runtime: {gpuCount: 0}}\n")
    result = run_verify("--values", str(values))
    assert result.returncode == 2
    assert "model.runtime.gpuCount: 0" in result.stderr


def test_fails_when_crd_dir_is_not_laid_out_like_shared(tmp_path: Path) -> None:
    try:
        ControlPlaneSources.from_dir(tmp_path)
    except SourcesError as error:
        assert "controlplane/kserve/inferenceservice-config.yaml" in str(error)
        assert "--from-upstream" in str(error)
    else:
        raise AssertionError("an empty directory was accepted as the CRD source")


def test_checkout_sources_hold_every_controller_crd_and_kserve_config() -> None:
    sources = ControlPlaneSources.locate()
    names = {p.name for p in sources.files}
    assert "serving.kserve.io_inferenceservices.yaml" in names
    assert "keda.sh_scaledobjects.yaml" in names
    assert "gatewayapi-crds.yaml" in names
    assert "aigateway.envoyproxy.io_aigatewayroutes.yaml" in names
    assert "podmonitor.yaml" in names
    assert sources.kserve_config().name == "inferenceservice-config.yaml"


def test_standins_cover_the_secrets_the_stack_reads_but_does_not_create(default_values: dict[str, Any]) -> None:
    values = with_changes(
        default_values, {"autoscaling.prometheus.auth": {"mode": "bearer", "secretName": "prometheus-token"}}
    )
    standins = verify.standin_secrets(synthesized(values))
    by_name = {s["metadata"]["name"]: s for s in standins}
    assert set(by_name) == {"ai-gateway-api-keys", "prometheus-token"}
    assert by_name["prometheus-token"]["stringData"] == {"bearerToken": "stand-in"}


def test_no_standin_for_a_secret_the_stack_writes(default_values: dict[str, Any]) -> None:
    values = with_changes(
        default_values, {"apiKeys.existingSecret": False, "apiKeys.dummyKey": "test-key-0123456789abcdef"}
    )
    assert verify.standin_secrets(synthesized(values)) == []


def test_subset_allows_server_defaults_and_additions_but_not_changes() -> None:
    ours = {"httpGet": {"path": "/health", "port": 8080}, "mounts": [{"name": "dshm", "mountPath": "/dev/shm"}]}
    theirs = {
        "httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"},
        "successThreshold": 1,
        "mounts": [{"name": "mnt-models", "mountPath": "/mnt/models"}, {"name": "dshm", "mountPath": "/dev/shm"}],
    }
    assert checks.subset_problems(ours, theirs, "probe") == []
    changed = {**theirs, "httpGet": {"path": "/healthz", "port": 8080}}
    assert checks.subset_problems(ours, changed, "probe") == ["probe.httpGet.path: ours '/health', theirs '/healthz'"]


def test_selector_semantics_match_kubernetes() -> None:
    labels = {"serving.kserve.io/inferenceservice": "llama", "component": "predictor"}
    assert checks.selector_matches({"matchLabels": {"component": "predictor"}}, labels)
    assert not checks.selector_matches({"matchLabels": {"component": "transformer"}}, labels)
    expression = {"key": "component", "operator": "In", "values": ["predictor", "x"]}
    assert checks.selector_matches({"matchExpressions": [expression]}, labels)
    assert not checks.selector_matches({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, labels)
    assert not checks.selector_matches(None, labels)


def test_a_condition_is_true_only_with_status_true() -> None:
    pod = {"status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Initialized", "status": "False"}]}}
    assert checks.condition_true(pod, "Ready")
    assert not checks.condition_true(pod, "Initialized")
    assert not checks.condition_true(pod, "ContainersReady")  # absent
    assert not checks.condition_true({"status": {}}, "Ready") and not checks.condition_true(None, "Ready")


def test_a_models_selector_checks_are_for_its_own_objects_only() -> None:
    label = "serving.kserve.io/inferenceservice"
    big = {"kind": "PodDisruptionBudget", "metadata": {"name": "llama-3-70b"}}
    selector = {"matchLabels": {"component": "predictor", label: "llama-3-70b"}}
    assert checks.is_for_inference_service(big, selector, "llama-3-70b")
    assert not checks.is_for_inference_service(big, selector, "llama")  # a prefix of the name is another model
    renamed = {"kind": "PodDisruptionBudget", "metadata": {"name": "budget"}}
    assert checks.is_for_inference_service(renamed, selector, "llama-3-70b")
    expression = {"matchExpressions": [{"key": label, "operator": "In", "values": ["llama", "other"]}]}
    assert checks.is_for_inference_service(renamed, expression, "llama")
    assert not checks.is_for_inference_service(renamed, expression, "llama-3-70b")
    lost = {"kind": "PodDisruptionBudget", "metadata": {"name": "llama"}}
    assert checks.is_for_inference_service(lost, {"matchLabels": {"component": "predictor"}}, "llama")


def test_predictor_name_follows_kserve_standard_mode() -> None:
    isvc: dict[str, Any] = {"metadata": {"name": "llama"}, "spec": {"predictor": {}}}
    assert checks.predictor_name(isvc) == "llama-predictor"
    isvc["spec"]["predictor"]["name"] = "main"
    assert checks.predictor_name(isvc) == "llama-main-predictor"


def test_report_table_ends_with_the_plain_count() -> None:
    objects = [o for o in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if o]
    report = Report(source="dist")
    report.add(objects[0], "admitted", True, "admitted")
    report.add(objects[0], "KServe Deployment", False, "no Deployment")
    assert report.table().splitlines()[-1] == "1 passed, 1 failed"
    assert not report.ok


def test_report_table_names_the_versions_and_substitutions_it_ran_on() -> None:
    report = Report(source="dist")
    report.add({"kind": "Service", "metadata": {"name": "s"}}, "admitted", True, "admitted")
    report.control_plane = {
        "versions": {"kube-apiserver": "v1.34.12", "kserve-manager": "v0.16.0"},
        "substitutions": ["no kubelet (Deployments marked Available)"],
    }
    table = report.table().splitlines()
    assert "Ran on: kube-apiserver v1.34.12, kserve-manager v0.16.0" in table
    assert table[table.index("Substitutions (what differs from a cluster):") + 1] == (
        "  - no kubelet (Deployments marked Available)"
    )
    assert table[-1] == "1 passed, 0 failed"
    assert not any(
        line.startswith(("Ran on", "Substitutions")) for line in report.table(control_plane=False).splitlines()
    )


def test_fails_when_collect_names_a_directory_with_something_in_it(tmp_path: Path) -> None:
    (tmp_path / "left-over.yaml").write_text("kind: ConfigMap\n")
    result = run_verify(str(ROOT / "dist"), "--collect", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"llm-stack verify: --collect {tmp_path}: not empty; name a new or empty directory\n"
    file = tmp_path / "left-over.yaml"
    result = run_verify(str(ROOT / "dist"), "--collect", str(file))
    assert result.returncode == 2
    assert "not a directory; name a new or empty directory" in result.stderr


def test_collect_writes_one_file_per_object_without_managed_fields_or_secret_values(tmp_path: Path) -> None:
    from llm_stack_harness.controlplane import collect

    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "keys", "namespace": "team-a", "managedFields": [{"manager": "llm-stack"}]},
        "data": {"client": "c2VjcmV0"},
        "stringData": {"other": "secret"},
        "type": "Opaque",
    }
    policy = {
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "SecurityPolicy",
        "metadata": {"name": "keys", "namespace": "team-a", "generation": 2, "managedFields": []},
        "status": {"ancestors": [{"conditions": [{"type": "Accepted", "status": "True"}]}]},
    }
    cluster_scoped = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "gc"}}
    target = collect.set_directory(tmp_path, 2, "/somewhere/my stack")
    assert target == tmp_path / "2-my_stack"
    assert collect.write_objects(target, "settled", [secret, policy, cluster_scoped], source="dir") == 3
    files = {p.name: p.read_text() for p in (target / "settled").iterdir()}
    assert set(files) == {"Secret_team-a_keys.yaml", "SecurityPolicy_team-a_keys.yaml", "GatewayClass_gc.yaml"}
    written = yaml.safe_load(files["Secret_team-a_keys.yaml"])
    assert written == {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "keys", "namespace": "team-a"},
                       "type": "Opaque"}  # fmt: skip
    assert "c2VjcmV0" not in files["Secret_team-a_keys.yaml"] and "secret" not in files["Secret_team-a_keys.yaml"]
    assert yaml.safe_load(files["SecurityPolicy_team-a_keys.yaml"])["status"] == policy["status"]
    assert "managedFields" not in files["SecurityPolicy_team-a_keys.yaml"]
    assert files["GatewayClass_gc.yaml"].startswith(
        "# gateway.networking.k8s.io/v1 GatewayClass gc: as kube-apiserver held it after the controllers settled\n"
        "# llm-stack verify dir --collect (kube-apiserver v1.34"
    )


class _PlaneAlive:
    def check_alive(self) -> None:
        pass


class _AgentReadyDuringTheCheck:
    """A served Pod that turns Ready while a check runs: the check read it not Ready, then the agent says it is done."""

    def __init__(self) -> None:
        self.ready = False

    def starting(self) -> bool:
        return not self.ready


def test_settle_reads_a_pod_once_more_when_it_turned_ready_during_the_checks() -> None:
    agent = _AgentReadyDuringTheCheck()
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}}

    def check(ctx: checks.Context) -> None:
        ctx.report.add(pod, "vLLM ready", agent.ready, "ready" if agent.ready else "not ready")
        agent.ready = True  # its status was written after this check read it

    ctx = checks.Context(client=None, objects=[], report=Report(), node_agent=agent)  # type: ignore[arg-type]
    verify.settle(ctx, _PlaneAlive(), timeout_s=0, checks=[check])  # past its timeout from the first pass
    assert [(f.check, f.ok) for f in ctx.report.findings] == [("vLLM ready", True)]
