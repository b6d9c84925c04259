from __future__ import annotations

from typing import Any

import pytest
from helpers import default_values_copy


@pytest.fixture
def default_values() -> dict[str, Any]:
    """values.yaml, parsed: each test its own copy, so what one test changes never reaches another."""
    return default_values_copy()
