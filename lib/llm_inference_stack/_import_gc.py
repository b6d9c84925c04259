"""Pause Python's cyclic garbage collector while the package (and its generated CRD modules) load.

The generated modules define thousands of classes and millions of small objects, none of which is ever
garbage; with the collector on, each threshold crossing during the import rescans everything loaded so
far, about a quarter of the CPU time of the import (measured by bench/synth.py's profile).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
