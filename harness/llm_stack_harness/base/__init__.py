"""The harnesses' shared base: what both the control plane (``llm-stack verify``) and the local run stand on.

- :mod:`.errors`: the harness family of errors (under the library's ``LlmStackError``);
- :mod:`.processes`: processes in their own process groups, stopped by PID; free ports, HTTP waits;
- :mod:`.manifests`: the synthesized objects as the harnesses read them (one model's data path);
- :mod:`.installs`: where the pinned local runtime is; :mod:`.vllm`: the ``kserve-container`` as a local vLLM command;
- :mod:`.tiny_model`: the tiny local model and the launcher the vLLM venv runs (standard library only at import);
- :mod:`.telemetry`: Prometheus' HTTP API and Phoenix's spans, read back;
- :mod:`.substitutions`: the one type and registry of what differs from a cluster, with the reason for each.

Nothing here imports :mod:`..controlplane` or :mod:`..localrun` (an import-linter contract checks it).
"""

from __future__ import annotations

from .errors import HarnessError, InstallsMissing, LoadProfileError
from .installs import Installs, installed_vllm_version, locate_installs
from .manifests import (
    JsonDict,
    ScalingPolicy,
    SynthesizedStack,
    find_object,
    find_objects,
    load_manifests,
    option_value,
)
from .processes import ManagedProcess, free_port, wait_until_ready
from .substitutions import Substitution, register, registered
from .telemetry import phoenix_spans, query_instant, query_range
from .tiny_model import ensure_tiny_model
from .vllm import (
    LOCAL_SUBSTITUTIONS,
    LocalCommand,
    LocalizedValue,
    localize_vllm_container,
    unexplained_differences,
    vllm_environment,
)

__all__ = [
    "LOCAL_SUBSTITUTIONS",
    "HarnessError",
    "Installs",
    "InstallsMissing",
    "JsonDict",
    "LoadProfileError",
    "LocalCommand",
    "LocalizedValue",
    "ManagedProcess",
    "ScalingPolicy",
    "Substitution",
    "SynthesizedStack",
    "ensure_tiny_model",
    "find_object",
    "find_objects",
    "free_port",
    "installed_vllm_version",
    "load_manifests",
    "localize_vllm_container",
    "locate_installs",
    "option_value",
    "phoenix_spans",
    "query_instant",
    "query_range",
    "register",
    "registered",
    "unexplained_differences",
    "vllm_environment",
    "wait_until_ready",
]
