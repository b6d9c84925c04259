"""``llm-stack local-run``: the synthesized stack's data path on one machine, with the real components (vLLM on CPU
with a tiny local model, Prometheus, Arize Phoenix, Envoy) and only the substitutions one machine needs, each listed
with its reason. It stands on :mod:`..base` and, for the default gateway, on :mod:`..controlplane`.

- :mod:`.runtime` runs vLLM, Prometheus and Phoenix; :mod:`.load` generates bounded load, a
  :mod:`.load_profile` (step, ramp, trace) among them, and :mod:`.timeline` records what the cluster did meanwhile
  (from a :class:`~.timeline.ClusterState`) and renders it;
- :mod:`.standalone` runs the standalone gateway's Envoy; :mod:`.aigateway` the default gateway on the local control
  plane (:mod:`..controlplane.probe`, kept running by :mod:`..controlplane.serve`);
- :mod:`.session` says what a local run changes in the user's stack; :mod:`.checks` is the standalone smoke test;
- :mod:`.cli` is ``llm-stack local-run``.

The pinned installs come from ``scripts/e2e/install.sh``; versions and the cache root from
:mod:`llm_inference_stack.pins`.
"""

from __future__ import annotations

from ..base.load import LoadReport, ProfileLoad, RequestRecord, chat_load
from ..base.load_profile import LoadProfile, RampProfile, StepProfile, TraceProfile, load_profile, read_trace
from ..base.timeline import ClusterSample, ClusterState, Timeline, TimelineRow, run_timeline, summarize
from .runtime import LocalModel, LocalStack, prometheus_config, scrape_interval_s

__all__ = [
    "ClusterSample",
    "ClusterState",
    "LoadProfile",
    "LoadReport",
    "LocalModel",
    "LocalStack",
    "ProfileLoad",
    "RampProfile",
    "RequestRecord",
    "StepProfile",
    "Timeline",
    "TimelineRow",
    "TraceProfile",
    "chat_load",
    "load_profile",
    "prometheus_config",
    "read_trace",
    "run_timeline",
    "scrape_interval_s",
    "summarize",
]
