"""The two-team example: its values in the README, its constructs in docs/tenants.md; shared by the tenant tests."""

from __future__ import annotations

from helpers import ROOT


def _block(page: str, heading: str, fence: str) -> str:
    text = (ROOT / page).read_text()
    section = text[text.index(heading) :]
    start = section.index(fence) + len(fence)
    return section[start : section.index("```\n", start)]


VALUES_EXAMPLE = _block("README.md", "## Teams sharing one gateway (tenants)", "```yaml\n")
"""The values file of the README's tenants section, character for character."""
LIBRARY_EXAMPLE = _block("docs/tenants.md", "## With the constructs", "```python\n")
"""The script of docs/tenants.md's constructs section (the same two teams), character for character."""
