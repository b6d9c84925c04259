"""Helpers of the construct tests: charts like a user's, their objects picked by kind and name."""

from __future__ import annotations

from typing import Any

import cdk8s

from llm_inference_stack import ModelConfig, ModelServer, RuntimeConfig


def chart(namespace: str | None = None) -> cdk8s.Chart:
    """A chart in a test app (``cdk8s.Testing.chart()``, or one with ``namespace``)."""
    if namespace is None:
        return cdk8s.Testing.chart()
    return cdk8s.Chart(cdk8s.Testing.app(), "test", namespace=namespace)


def objects(scope: cdk8s.Chart) -> list[dict[str, Any]]:
    """The chart's objects as ``App.synth()`` writes them (patches applied)."""
    return list(cdk8s.Testing.synth(scope))


def find(objs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    matches = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def server(scope: cdk8s.Chart, name: str = "llama-3-70b", *, gpus: int = 1) -> ModelServer:
    return ModelServer(
        scope,
        name,
        model=ModelConfig(name=name, storage_uri=f"s3://models/{name}/", runtime=RuntimeConfig(gpu_count=gpus)),
    )


def container(objs: list[dict[str, Any]], name: str = "llama-3-70b") -> dict[str, Any]:
    container: dict[str, Any] = find(objs, "InferenceService", name)["spec"]["predictor"]["containers"][0]
    return container
