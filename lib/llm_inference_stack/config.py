"""Typed configuration of the stack: the settings types and the values loader, under one name.

The settings types (frozen dataclasses with a documented default per field, checked in ``__post_init__``)
live in ``settings`` by part of the stack; the loader that turns values files into a ``StackConfig`` lives in
``values_loader``. This module re-exports both, so ``from llm_inference_stack.config import ModelConfig``
keeps working.
"""

from __future__ import annotations

from .quantity import parse_quantity
from .settings import *  # noqa: F403 - the settings types, re-exported
from .settings import __all__ as _settings_names
from .values_loader import build, load_values, merge_values, stack_config_from_mapping, to_values

__all__ = [
    *_settings_names,
    "build",
    "load_values",
    "merge_values",
    "parse_quantity",
    "stack_config_from_mapping",
    "to_values",
]
