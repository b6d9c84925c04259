"""Build (or find) the tiny local model the end-to-end test serves: ``python tests/e2e/tiny_model.py``.

A 2-layer random Llama (hidden 128, seeded) with a BPE tokenizer trained on generated text and a chat template:
nothing is downloaded. The builder is ``llm_stack_harness.base.tiny_model.build_tiny_model`` (shared with
``llm-stack local-run``); it runs inside the vLLM venv, which has transformers and tokenizers. The result is
cached under the cache root as ``tiny-llama-<hash of the builder source>``, so a changed builder builds anew.
"""

from __future__ import annotations

import sys

from llm_stack_harness import base as hb


def main() -> int:
    try:
        installs = hb.locate_installs()
    except hb.InstallsMissing as missing:
        print(missing, file=sys.stderr)
        return 2
    print(hb.ensure_tiny_model(installs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
