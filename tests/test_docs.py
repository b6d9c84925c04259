"""The README and the pages of docs/ link to each other by relative paths: every link reaches a file, and every
``#anchor`` a heading of that file (as GitHub spells heading anchors)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _outside_code(text: str) -> str:
    """``text`` without its fenced code blocks and inline code (a ``# comment`` in a block is no heading)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", lambda m: m.group(0) if "](" not in m.group(0) else "", text)


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``page``."""
    out = set()
    for line in _outside_code(page.read_text()).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def broken_links(page: Path) -> list[str]:
    problems = []
    for target in _LINK.findall(_outside_code(page.read_text())):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            problems.append(f"{page.name}: {target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            problems.append(f"{page.name}: {target}: no heading with that anchor in {linked.name}")
    return problems


def test_every_relative_link_reaches_its_file_and_heading() -> None:
    assert len(PAGES) > 5
    assert [problem for page in PAGES for problem in broken_links(page)] == []


def test_a_broken_link_and_a_missing_anchor_are_found(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A page\n\n## Scaling, as the `ScaledObject` computes it\n")
    page = tmp_path / "b.md"
    page.write_text("[ok](a.md#scaling-as-the-scaledobject-computes-it) [gone](c.md) [no anchor](a.md#nowhere)\n")
    assert broken_links(page) == [
        "b.md: c.md: no such file",
        "b.md: a.md#nowhere: no heading with that anchor in a.md",
    ]


def test_the_readme_links_every_page_of_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert [p.name for p in PAGES[1:] if f"(docs/{p.name}" not in readme] == []
