"""Small rooms: no function or method of the library or the harness is longer than a reader can hold at once.

A function counts from its ``def`` line to its last line (decorators excluded). Functions nested in another are
covered by their outer function, which is at least as long; generated bindings (``imports/``) are not ours.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (ROOT / "lib" / "llm_inference_stack", ROOT / "harness" / "llm_stack_harness")
MAX_FUNCTION_LINES = 80


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Module-level functions and methods (of classes at any depth), by qualified name; not nested functions."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}{node.name}", node
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            # Functions defined under `if TYPE_CHECKING:`, `try:` and the like are still the module's.
            yield from _functions(node, prefix)


def long_functions(source: str, *, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int, int]]:
    """``(qualified name, first line, length)`` of each function in ``source`` longer than ``limit`` lines."""
    found = []
    for name, node in _functions(ast.parse(source)):
        assert node.end_lineno is not None
        length = node.end_lineno - node.lineno + 1
        if length > limit:
            found.append((name, node.lineno, length))
    return found


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if "imports" not in path.relative_to(package).parts:
                yield path


def test_no_function_is_longer_than_80_lines() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {name} ({length} lines)"
        for path in _sources()
        for name, line, length in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines; extract named parts:\n" + "\n".join(offenders)


def test_the_walk_reaches_both_packages() -> None:
    walked = {path.relative_to(ROOT).parts[:2] for path in _sources()}
    assert walked == {("lib", "llm_inference_stack"), ("harness", "llm_stack_harness")}
    assert not any("imports" in path.parts for path in _sources())


def test_a_long_method_is_found_by_its_qualified_name_and_length() -> None:
    body = "\n".join(f"        x{i} = {i}" for i in range(80))
    source = f"class Outer:\n    @property\n    def method(self):\n{body}\n\n\ndef short():\n    return 1\n"
    assert long_functions(source) == [("Outer.method", 3, 81)]
    assert long_functions(source, limit=81) == []


def test_a_long_function_under_a_module_level_block_is_found() -> None:
    body = "\n".join(f"        x{i} = {i}" for i in range(81))
    source = f"try:\n    def hidden():\n{body}\nexcept ImportError:\n    pass\n"
    assert long_functions(source) == [("hidden", 2, 82)]
