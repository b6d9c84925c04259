"""The README's two-team example (values and constructs), shared by the tenant tests."""

from __future__ import annotations

from helpers import ROOT

_README = (ROOT / "README.md").read_text()
_SECTION = _README[_README.index("## Teams sharing one gateway (tenants)") :]


def _block(fence: str) -> str:
    start = _SECTION.index(fence) + len(fence)
    return _SECTION[start : _SECTION.index("```\n", start)]


VALUES_EXAMPLE = _block("```yaml\n")
"""The values file of the README's tenants section, character for character."""
LIBRARY_EXAMPLE = _block("```python\n")
"""The script of the README's tenants section, character for character."""
