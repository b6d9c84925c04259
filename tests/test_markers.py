"""The directories `make test-fast` leaves out uncollected hold only tests of their marker.

`make test-fast` deselects ``e2e`` and ``controlplane`` and does not even import tests/e2e and tests/controlplane
(``--ignore``: their modules import the openai client and the harness's control plane). That is the same selection
only while every test module there is marked for its directory as a whole, which this checks without importing them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def module_marks(path: Path) -> set[str]:
    """The markers a module's ``pytestmark = pytest.mark.X`` (or a list or tuple of them) puts on all its tests."""
    marks: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            values = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            for value in values:
                if isinstance(value, ast.Call):
                    value = value.func
                if isinstance(value, ast.Attribute) and ast.unparse(value.value) == "pytest.mark":
                    marks.add(value.attr)
    return marks


@pytest.mark.parametrize("marker", ["e2e", "controlplane"])
def test_every_module_of_the_directory_carries_its_marker(marker: str) -> None:
    modules = sorted((TESTS / marker).glob("**/test_*.py"))
    assert modules
    assert [p.name for p in modules if marker not in module_marks(p)] == []


def test_a_module_without_the_marker_is_found(tmp_path: Path) -> None:
    marked, unmarked = tmp_path / "test_a.py", tmp_path / "test_b.py"
    marked.write_text("import pytest\n\npytestmark = [pytest.mark.e2e, pytest.mark.skipif(True, reason='x')]\n")
    unmarked.write_text("import pytest\n\n@pytest.mark.e2e\ndef test_x() -> None: ...\n")
    assert module_marks(marked) == {"e2e", "skipif"}
    assert module_marks(unmarked) == set()


def test_every_test_module_has_a_basename_of_its_own() -> None:
    """The test directories are not packages, so pytest imports each test module by its file name alone: a second
    module of the same name in another directory stops the whole run at collection (`make test-fast` never sees it,
    since it leaves tests/e2e and tests/controlplane out)."""
    seen: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
