"""``llm-stack local-run`` and the harness under it: the synthesized stack's data path on one machine, with the real
components (vLLM on CPU with a tiny local model, Prometheus, Arize Phoenix, Envoy) and only the substitutions one
machine needs, each listed with its reason.

- :mod:`.manifests` reads the synthesized objects (one model's data path, KEDA's arithmetic);
- :mod:`.vllm` makes the ``kserve-container`` a local command; :mod:`.model` is the tiny model and the launcher the
  vLLM venv runs (standard library only at import);
- :mod:`.runtime` runs vLLM, Prometheus and Phoenix; :mod:`.load` generates bounded load;
- :mod:`.standalone` runs the standalone gateway's Envoy; :mod:`.aigateway` the default gateway on the local control
  plane (:mod:`..controlplane.probe`, kept running by :mod:`..controlplane.serve`);
- :mod:`.session` says what a local run changes in the user's stack; :mod:`.checks` is the standalone smoke test;
- :mod:`.cli` is ``llm-stack local-run``.

The pinned installs come from ``scripts/e2e/install.sh``; versions and the cache root from :mod:`..pins`.
"""

from __future__ import annotations

from ..keda_replicas import keda_desired_replicas
from .errors import InstallsMissing, LocalRunError
from .load import LoadReport, chat_load
from .manifests import (
    JsonDict,
    ScalingPolicy,
    SynthesizedStack,
    find_object,
    find_objects,
    load_manifests,
    option_value,
)
from .model import ensure_tiny_model
from .processes import ManagedProcess, free_port, wait_until_ready
from .runtime import (
    LocalModel,
    LocalStack,
    phoenix_spans,
    prometheus_config,
    query_instant,
    query_range,
    scrape_interval_s,
)
from .vllm import (
    LOCAL_SUBSTITUTIONS,
    Installs,
    LocalCommand,
    Substitution,
    installed_vllm_version,
    localize_vllm_container,
    locate_installs,
    unexplained_differences,
    vllm_environment,
)

__all__ = [
    "LOCAL_SUBSTITUTIONS",
    "Installs",
    "InstallsMissing",
    "JsonDict",
    "LoadReport",
    "LocalCommand",
    "LocalModel",
    "LocalRunError",
    "LocalStack",
    "ManagedProcess",
    "ScalingPolicy",
    "Substitution",
    "SynthesizedStack",
    "chat_load",
    "ensure_tiny_model",
    "find_object",
    "find_objects",
    "free_port",
    "installed_vllm_version",
    "keda_desired_replicas",
    "load_manifests",
    "localize_vllm_container",
    "locate_installs",
    "option_value",
    "phoenix_spans",
    "prometheus_config",
    "query_instant",
    "query_range",
    "scrape_interval_s",
    "unexplained_differences",
    "vllm_environment",
    "wait_until_ready",
]
