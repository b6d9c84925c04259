"""Releases: the changelog has one section per release, newest first, and its newest is the newest tag's; the
README's install line names that release."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from helpers import ROOT
from packaging.version import Version

CHANGELOG = ROOT / "CHANGELOG.md"
HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
RELEASE = re.compile(r"(\d+\.\d+\.\d+) \((\d{4}-\d{2}-\d{2})\)")
README_INSTALL = re.compile(r'^pip install "git\+<URL of this repository>@v(\S+)"', re.MULTILINE)


def releases(changelog: str) -> list[tuple[Version, date]]:
    """The release headings (``## X.Y.Z (YYYY-MM-DD)``) in order; ``## Unreleased`` may come first."""
    headings = HEADING.findall(changelog)
    if headings[:1] == ["Unreleased"]:
        headings = headings[1:]
    out = []
    for heading in headings:
        match = RELEASE.fullmatch(heading)
        assert match, f"CHANGELOG.md: '## {heading}': write '## X.Y.Z (YYYY-MM-DD)' (or '## Unreleased' first)"
        out.append((Version(match[1]), date.fromisoformat(match[2])))
    return out


def problems(changelog: str, tags: list[str]) -> list[str]:
    """What keeps ``changelog`` from matching the repository's release tags (``vX.Y.Z``)."""
    found = releases(changelog)
    if not found:
        return ["CHANGELOG.md has no release section"]
    out = []
    versions = [version for version, _ in found]
    if versions != sorted(versions, reverse=True) or len(set(versions)) != len(versions):
        out.append(f"the releases are not newest first, each once: {[str(v) for v in versions]}")
    dates = [day for _, day in found]
    if dates != sorted(dates, reverse=True):
        out.append("the release dates are not newest first")
    released = sorted((Version(t[1:]) for t in tags if re.fullmatch(r"v\d+\.\d+\.\d+", t)), reverse=True)
    if released and versions[0] != released[0]:
        out.append(f"the newest tag is v{released[0]} but the newest changelog section is {versions[0]}")
    return out


def _tags() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "tag", "--list", "v*"], cwd=ROOT, capture_output=True, text=True, check=True)
    return listed.stdout.split()


def test_the_changelog_matches_the_newest_release_tag() -> None:
    assert problems(CHANGELOG.read_text(), _tags()) == []


def test_the_readme_installs_the_newest_release() -> None:
    (installed,) = README_INSTALL.findall((ROOT / "README.md").read_text())
    assert Version(installed) == releases(CHANGELOG.read_text())[0][0]


def test_a_tag_without_its_changelog_section_is_found() -> None:
    changelog = "# Changelog\n\n## Unreleased\n\n- x\n\n## 0.3.0 (2027-01-05)\n\n## 0.2.0 (2026-12-02)\n"
    assert problems(changelog, ["v0.2.0", "v0.3.0", "not-a-release"]) == []
    assert problems(changelog, ["v0.3.0", "v0.10.0"]) == [
        "the newest tag is v0.10.0 but the newest changelog section is 0.3.0"
    ]
    assert problems("## 0.2.0 (2026-12-02)\n## 0.3.0 (2027-01-05)\n", []) == [
        "the releases are not newest first, each once: ['0.2.0', '0.3.0']",
        "the release dates are not newest first",
    ]
    with pytest.raises(AssertionError, match=re.escape("write '## X.Y.Z")):
        releases("## v0.2.0\n")
