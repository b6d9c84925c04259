"""Synthesis does each piece of work once: the checks the speed of ``synth`` rests on (counted, never timed)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import synth_objects

from llm_inference_stack import validation


def test_manifests_validates_the_objects_once(default_values: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """``Chart.to_json()`` would run the chart's construct validation as well, checking every object twice."""
    calls: list[int] = []
    check = validation.validate_manifests

    def counted(manifests: validation.Manifests, **options: Any) -> validation.ValidationReport:
        calls.append(len(manifests))
        return check(manifests, **options)

    monkeypatch.setattr(validation, "validate_manifests", counted)
    objects = synth_objects(default_values)
    assert calls == [len(objects)]
