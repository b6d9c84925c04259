"""Argo CD sync waves (``gitops.argocd.syncWaves``): each object's wave is its apply phase, from values and from
Python alike; by default no object carries one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from helpers import synthesized, with_changes

from llm_inference_stack import (
    AiGateway,
    ApiKeys,
    ApiKeysConfig,
    Autoscaler,
    LlmInferenceStack,
    ModelConfig,
    ModelServer,
    RuntimeConfig,
    StackConfig,
    ValuesError,
    load_values,
)
from llm_inference_stack.apply_order import OTHER, phase_of
from llm_inference_stack.errors import PropError
from llm_inference_stack.facts.argocd import SYNC_WAVE_ANNOTATION
from llm_inference_stack.settings import ArgoCdConfig, GitOpsConfig
from llm_inference_stack.sync_waves import add_sync_waves
from llm_inference_stack.validation import ChartValidation

ROOT = Path(__file__).resolve().parent.parent
WAVES = {"gitops.argocd.syncWaves": True}
WIDE = {
    "namespace": {"name": "kserve-inference", "create": True},
    "autoscaling.prometheus.auth": {"mode": "bearer", "secretName": "prometheus-token"},
}


def _wave(obj: dict[str, Any]) -> str | None:
    wave: str | None = (obj["metadata"].get("annotations") or {}).get(SYNC_WAVE_ANNOTATION)
    return wave


def test_no_object_carries_a_sync_wave_by_default() -> None:
    documents = [d for d in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if d]
    assert documents
    assert [_wave(d) for d in documents] == [None] * len(documents)
    assert SYNC_WAVE_ANNOTATION not in (ROOT / "dist" / "llm-stack.k8s.yaml").read_text()


@pytest.mark.parametrize("mode", ["ai-gateway", "standalone"])
def test_every_object_carries_the_index_of_its_phase_as_its_wave(mode: str, default_values: dict[str, Any]) -> None:
    objects = synthesized(with_changes(default_values, {**WIDE, **WAVES, "gateway.mode": mode}))
    assert [_wave(o) for o in objects] == [str(phase_of(o).index) for o in objects]
    ordered = sorted(objects, key=lambda o: int(_wave(o) or "-1"))
    phases = [phase_of(o).index for o in ordered]
    assert phases == sorted(phases), "ordering by wave is ordering by phase"
    assert len({_wave(o) for o in objects}) >= 6
    namespace = next(o for o in objects if o["kind"] == "Namespace")
    assert _wave(namespace) == "0"
    dashboard = next(o for o in objects if o["kind"] == "ConfigMap" and "grafana_dashboard" in o["metadata"]["labels"])
    assert _wave(dashboard) == str(phase_of(dashboard).index) == "7"


def test_the_same_waves_from_python_as_from_values(default_values: dict[str, Any]) -> None:
    from_values = synthesized(with_changes(default_values, WAVES))
    config = load_values(ROOT / "values.yaml")
    import dataclasses

    in_python = dataclasses.replace(config, gitops=GitOpsConfig(argocd=ArgoCdConfig(sync_waves=True)))
    assert in_python == load_values(ROOT / "values.yaml", sets=["gitops.argocd.syncWaves=true"])
    app = cdk8s.App()
    chart = LlmInferenceStack(app, "llm-stack", config=in_python)
    chart.validation.enabled = False
    assert list(chart.to_json()) == from_values


def test_a_platform_chart_gets_the_same_waves_from_add_sync_waves() -> None:
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "platform", namespace="team-b")
    keys = ApiKeys(chart, "keys", config=ApiKeysConfig(secret_name="team-b-keys"))
    gateway = AiGateway(chart, "gateway", name="team-b-gw", api_keys=keys)
    server = ModelServer(
        chart, "qwen", model=ModelConfig(name="qwen", storage_uri="s3://models/qwen/", runtime=RuntimeConfig())
    )
    Autoscaler(chart, "qwen-scaler", target=server)
    gateway.add_model(server)
    custom = cdk8s.ApiObject(chart, "widget", api_version="example.com/v1", kind="Widget", metadata={"name": "w"})
    pinned = cdk8s.ApiObject(chart, "pinned", api_version="v1", kind="ConfigMap", metadata={"name": "p"})
    pinned.metadata.add_annotation(SYNC_WAVE_ANNOTATION, "-1")
    ChartValidation.of(chart).enabled = False  # it knows no schema of the Widget
    annotated = add_sync_waves(chart)
    objects = [o for o in chart.to_json() if o]
    assert annotated == len(objects) - 1
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    assert _wave(by_name[("Widget", "w")]) == OTHER.sync_wave, "a kind the order does not know: after the rest"
    assert _wave(by_name[("ConfigMap", "p")]) == "-1", "a wave set on purpose stays"
    for obj in objects:
        if obj["kind"] not in ("Widget",) and obj["metadata"]["name"] != "p":
            assert _wave(obj) == str(phase_of(obj).index), obj["kind"]
    assert custom.kind == "Widget"


def test_add_sync_waves_refuses_what_is_not_a_construct() -> None:
    with pytest.raises(PropError, match="scope"):
        add_sync_waves("dist/")  # type: ignore[arg-type]


def test_a_common_sync_wave_annotation_is_refused_with_sync_waves_on(tmp_path: Path) -> None:
    sets = ["gitops.argocd.syncWaves=true", "commonAnnotations.argocd\\.argoproj\\.io/sync-wave='3'"]
    with pytest.raises(ValuesError) as error:
        load_values(ROOT / "values.yaml", sets=sets)
    message = str(error.value)
    assert message.startswith("commonAnnotations.argocd.argoproj.io/sync-wave: '3' is not valid:")
    assert "gitops.argocd.syncWaves gives each object the sync wave of its apply phase" in message
    with pytest.raises(ValuesError, match="sync_waves gives each object"):
        StackConfig(
            models=(ModelConfig(name="m", storage_uri="s3://b/m/"),),
            common_annotations={SYNC_WAVE_ANNOTATION: "3"},
            gitops=GitOpsConfig(argocd=ArgoCdConfig(sync_waves=True)),
        )
    # Without sync waves the annotation is the user's: one wave for every object.
    config = load_values(ROOT / "values.yaml", sets=sets[1:])
    assert config.common_annotations == {SYNC_WAVE_ANNOTATION: "3"}


def test_sync_waves_must_be_a_boolean() -> None:
    with pytest.raises(ValuesError, match=r"gitops\.argocd\.syncWaves: 'yes please' is not valid: use true or false"):
        load_values(ROOT / "values.yaml", sets=["gitops.argocd.syncWaves=yes please"])
