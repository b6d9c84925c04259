"""The package's public names come from one list, and each public construct documents every prop it takes.

``llm_inference_stack._EXPORTS`` (name -> module, imported on first use) is that list: ``__all__`` and ``dir()``
derive from it, and the ``TYPE_CHECKING`` imports that type checkers read must name the same names from the same
modules. A construct's props are keyword-only, and its docstring has a ``:param`` for each one (with its default
when it has one) and for nothing else, so ``help()`` shows the props that exist and what they default to.
"""

from __future__ import annotations

import ast
import inspect
import pydoc
import re
from pathlib import Path

import constructs
import pytest

import llm_inference_stack

INIT = Path(llm_inference_stack.__file__)
_PARAM = re.compile(r"^:param (\w+):(.*?)(?=^:param |\Z)", re.MULTILINE | re.DOTALL)


def _type_checking_imports() -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` in the package's ``__init__``."""
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    out = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is not None
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name}: re-export it as '{alias.name} as {alias.name}'"
            out[alias.name] = node.module
    return out


def test_all_and_dir_are_the_export_list() -> None:
    exports = llm_inference_stack._EXPORTS
    assert llm_inference_stack.__all__ == sorted(exports)
    assert dir(llm_inference_stack) == llm_inference_stack.__all__


def test_every_export_resolves_and_nothing_else_does() -> None:
    for name in llm_inference_stack.__all__:
        assert getattr(llm_inference_stack, name) is not None, name
    with pytest.raises(AttributeError, match="has no attribute 'ModelServr'"):
        _ = llm_inference_stack.ModelServr  # type: ignore[attr-defined]


def test_the_names_type_checkers_read_are_the_export_list() -> None:
    assert _type_checking_imports() == llm_inference_stack._EXPORTS


def _constructs() -> list[type]:
    names = [getattr(llm_inference_stack, name) for name in llm_inference_stack.__all__]
    return [v for v in names if inspect.isclass(v) and issubclass(v, constructs.Construct)]


def undocumented_props(cls: type) -> list[str]:
    """What keeps ``help(cls)`` from showing exactly the props ``cls`` takes, each with its default."""
    problems = []
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # after self
    positional = [p.name for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    if positional != ["scope", "id"]:
        problems.append(
            f"{cls.__name__}: takes {positional} by position: only scope and id may be, props are keyword-only"
        )
    doc = cls.__dict__.get("__doc__") or ""
    documented = {name: " ".join(text.split()) for name, text in _PARAM.findall(inspect.cleandoc(doc))}
    props = [p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
    for prop in props:
        text = documented.get(prop.name)
        if text is None:
            problems.append(f"{cls.__name__}: prop {prop.name!r} has no ':param {prop.name}:' in the class docstring")
        elif prop.default is not inspect.Parameter.empty and "Default:" not in text:
            problems.append(f"{cls.__name__}: prop {prop.name!r} has a default the docstring does not state")
    problems.extend(
        f"{cls.__name__}: the docstring documents {name!r}, which is not a prop"
        for name in documented.keys() - {p.name for p in props}
    )
    return problems


def test_the_public_constructs_are_found() -> None:
    names = {cls.__name__ for cls in _constructs()}
    assert {"ModelServer", "Autoscaler", "AiGateway", "StandaloneGateway", "ApiKeys", "LlmInferenceStack"} <= names


def test_every_public_construct_documents_each_prop_and_its_default() -> None:
    assert [problem for cls in _constructs() for problem in undocumented_props(cls)] == []


class _Planted(constructs.Construct):
    """A construct whose docstring misses a prop, a default, and documents a prop it does not take.

    :param target: what it points at.
    :param retries: how often it tries.
    :param colour: gone since.
    """

    def __init__(
        self, scope: constructs.Construct, id: str, *, target: str, retries: int = 3, name: str | None = None
    ) -> None:
        super().__init__(scope, id)


def test_each_documentation_fault_of_a_construct_is_reported() -> None:
    assert undocumented_props(_Planted) == [
        "_Planted: prop 'retries' has a default the docstring does not state",
        "_Planted: prop 'name' has no ':param name:' in the class docstring",
        "_Planted: the docstring documents 'colour', which is not a prop",
    ]


def test_help_and_signature_show_each_public_constructs_props() -> None:
    for cls in _constructs():
        shown = inspect.signature(cls)
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # after self
        assert list(shown.parameters.values()) == parameters, cls.__name__
        assert "*args" not in str(shown), cls.__name__
    text = pydoc.render_doc(llm_inference_stack.ModelServer, renderer=pydoc.plaintext)
    assert "ModelServer(scope: 'Construct', id: 'str', *, model: 'ModelConfig', namespace:" in text


def test_a_subclass_of_a_construct_shows_its_own_signature() -> None:
    class Tuned(llm_inference_stack.ModelServer):
        def __init__(self, scope: constructs.Construct, id: str, *, size: str) -> None:
            super().__init__(scope, id, model=llm_inference_stack.ModelConfig(name=size, storage_uri="s3://m/"))

    assert list(inspect.signature(Tuned).parameters) == ["scope", "id", "size"]
