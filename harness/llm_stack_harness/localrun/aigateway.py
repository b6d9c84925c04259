"""``gateway.mode: ai-gateway`` on one machine: the manifests on the local control plane with the real Envoy Gateway
and AI Gateway controllers, and the data path they configure (Envoy, the external processor, the rate-limit service
and Redis) in front of the real vLLM, with Phoenix: :mod:`..controlplane.probe` with ``vllm=True``, in the sandbox it
enters.

:func:`run_checks` runs the probe's checks and returns its report (``--no-wait``); :func:`serve` keeps the data path
running with its listener on a loopback port (:func:`..controlplane.serve.start_gateway`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..base.errors import HarnessError
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
