"""What KServe's storage-initializer image runs, for the node agent (:mod:`.agent`): run as a script by the
interpreter of the ``kserve-storage`` venv (``python -I storage_initializer.py SRC DEST [SRC DEST ...]``), with the
container's args and env as KServe wrote them.

The image's entrypoint script is not part of the PyPI package; this does what it does for the pairs KServe passes
(``src_uri dest_path`` ...): create each destination, then ``kserve_storage.Storage.download_files``, and exit 1
with the storage library's own error on failure. Standard library and ``kserve_storage`` only.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any


def main(argv: list[str]) -> int:
    if len(argv) < 2 or len(argv) % 2:
        print("usage: storage_initializer.py SRC_URI DEST_PATH [SRC_URI DEST_PATH ...]", file=sys.stderr)
        return 1
    # Imported by name: the package is in the kserve-storage venv only, not where the harness is type-checked.
    storage: Any = importlib.import_module("kserve_storage")
    logs: Any = importlib.import_module("kserve_storage.logging")
    logs.configure_logging()
    logger = logs.logger
    sources, targets = argv[0::2], argv[1::2]
    logger.info("Initializing, args: (src_uri, dest_path): %s", list(zip(sources, targets, strict=True)))
    for target in targets:
        os.makedirs(target, exist_ok=True)
    try:
        storage.Storage.download_files(sources, targets)
    except Exception as error:  # the library's own message is the finding
        logger.error("Storage initialization failed: %s", error)
        logging.shutdown()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
