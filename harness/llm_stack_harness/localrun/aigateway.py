"""``gateway.mode: ai-gateway`` on one machine: the manifests on the local control plane with the real Envoy Gateway
and AI Gateway controllers, and the data path they configure (Envoy, the external processor, the rate-limit service
and Redis) in front of the real vLLM, with Phoenix: :mod:`..controlplane.probe` with ``vllm=True``, in the sandbox it
enters.

:func:`run_checks` runs the probe's checks and returns its report (``--no-wait``); :func:`serve` keeps the data path
running with its listener on a loopback port (:func:`..controlplane.serve.start_gateway`); :func:`run_load` runs the
probe's scaling job (``--load``: KEDA, its metrics adapter, the Prometheus Operator's Prometheus and the HPA
controller beside the rest) and reads its timeline back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..base.errors import HarnessError
from ..base.load_profile import LoadProfile
from ..base.timeline import Timeline
from ..controlplane.gateway_checks import ProbeReport
from ..controlplane.probe import ProbeError, run_probe
from ..controlplane.serve import RunningGateway, ServeError, start_gateway

CONTROL_PLANE_DIR = "control-plane"
"""Below the work directory: the control plane's and the data path's logs and data."""


def control_plane_substitutions() -> list[str]:
    """What the local control plane and its data path change, as the probe reports them (with vLLM)."""
    from ..base.substitutions import lines
    from ..controlplane import (  # noqa: F401  (each registers its part)
        agent,
        cluster,
        dataplane,
        model_store,
        nodes,
        pods,
        service_proxy,
    )

    return lines("control plane", "pods", "data path", "service proxy", "nodes", "node agent", "model store")


def run_checks(manifests: Path, work_dir: Path, log: Callable[[str], None]) -> list[ProbeReport]:
    """The probe's reports for the manifests in ``manifests``: the set's, then one for an error that ended the run."""
    try:
        reports = run_probe([manifests], vllm=True, work_dir=work_dir / CONTROL_PLANE_DIR, log=log)
    except ProbeError as error:
        raise HarnessError(str(error)) from error
    return [report for _name, report in reports]


def serve(manifests: Path, work_dir: Path, log: Callable[[str], None], port: int = 0) -> RunningGateway:
    """The default gateway of ``manifests`` kept running, its listener on ``127.0.0.1:port`` (0: a free one); close
    the result to stop it and everything in its sandbox."""
    try:
        return start_gateway(manifests, port=port, work_dir=work_dir / CONTROL_PLANE_DIR, log=log)
    except ServeError as error:
        raise HarnessError(str(error)) from error


@dataclasses.dataclass(frozen=True)
class SandboxLoad:
    """What the probe's scaling job saw: the timeline (rendered outside the sandbox) and what else it reports."""

    timeline: Timeline
    failed: tuple[str, ...]
    """The first requests that failed other than by the rate limit, each as ``request N at S s: what``."""
    pod_requests: dict[str, int]
    """Each predictor Pod that was ready -> the requests its own vLLM counted."""
    pod_ready_seconds: dict[str, float]
    """Each predictor Pod that was ready -> seconds from its creation to Ready (the API server's timestamps)."""
    first_pods: tuple[str, ...]
    """The Pods ready before the load started (the others are the ones the HPA added)."""
    error: str | None
    """What ended the run early (after the timeline, or in a set after it), or None."""


def _failed(records: list[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(
        f"request {r['number']} at {r['start_s']:.0f} s: {r['detail']}" for r in records if r["status"] == "error"
    )


def run_load(
    manifests: Path, work_dir: Path, log: Callable[[str], None], *, profile: LoadProfile, poll_s: float,
    tail_s: float,
) -> SandboxLoad:  # fmt: skip
    """Run ``profile`` through the default gateway of ``manifests`` on its first scaled model, polling every
    ``poll_s`` seconds and ``tail_s`` seconds after the last answer (the probe's scaling job; the HPA syncs at
    upstream's period). Each row is logged as the probe's progress while the load runs. Raises
    :class:`HarnessError` when no timeline came back."""
    spec = {"profile": profile.to_json(), "pollSeconds": poll_s, "tailSeconds": tail_s}
    try:
        reports = run_probe([manifests], vllm=True, work_dir=work_dir / CONTROL_PLANE_DIR, log=log, scaling=spec)
    except ProbeError as error:
        raise HarnessError(str(error)) from error
    errors = "; ".join(report.error for _name, report in reports if report.error) or None
    scaling = next((report.details["scaling"] for _name, report in reports if "scaling" in report.details), None)
    if scaling is None:
        raise HarnessError(f"the load did not run: {errors or 'the report has no timeline'}; logs in {work_dir}")
    return SandboxLoad(
        timeline=Timeline.from_json(scaling),
        failed=_failed(scaling.get("failed") or []),
        pod_requests=dict(scaling.get("pod_requests") or {}),
        pod_ready_seconds=dict(scaling.get("pod_ready_seconds") or {}),
        first_pods=tuple(scaling.get("first_pods") or ()),
        error=errors,
    )
