"""Synthesize the default stack (values.yaml) into dist/ (or $CDK8S_OUTDIR), as `cdk8s synth` does."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
try:
    import llm_inference_stack  # noqa: F401
except ImportError:  # a plain checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT / "lib"))

from llm_inference_stack.cli import main  # noqa: E402

if __name__ == "__main__":
    values = os.environ.get("LLM_STACK_VALUES", str(ROOT / "values.yaml"))
    out = os.environ.get("CDK8S_OUTDIR", str(ROOT / "dist"))
    sys.exit(main(["synth", "--values", values, "--out", out]))
