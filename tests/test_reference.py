"""The configuration reference (docs/configuration.md) is what the settings fields say, and the fields say enough:
every field has a docstring, states its default, and a literal default it states is the real one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from llm_inference_stack import load_values
from llm_inference_stack.settings import reference
from llm_inference_stack.settings.reference import BEGIN, END, docstring_problems, sections, settings_classes

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / reference.REFERENCE_PATH


def test_the_configuration_page_is_what_the_settings_fields_say() -> None:
    page = PAGE.read_text()
    assert reference.updated(page) == page, "stale: run python -m llm_inference_stack.settings.reference"


def test_a_stale_page_is_reported_and_rewritten(tmp_path: Path) -> None:
    page = tmp_path / "configuration.md"
    stale = PAGE.read_text().replace("| `gateway.port` | `8080` |", "| `gateway.port` | `8081` |")
    assert stale != PAGE.read_text()
    page.write_text(stale)
    assert reference.main(["--check", "--page", str(page)]) == 1
    assert reference.main(["--page", str(page)]) == 0
    assert page.read_text() == PAGE.read_text()


def test_a_page_without_the_generated_part_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "configuration.md"
    page.write_text("# Configuration\n")
    with pytest.raises(ValueError, match="no generated part"):
        reference.main(["--page", str(page)])


def test_every_settings_field_documents_its_meaning_and_default() -> None:
    assert docstring_problems(settings_classes()) == []


def test_every_settings_class_is_reached() -> None:
    names = {cls.__name__ for cls in settings_classes()}
    assert {"StackConfig", "ModelConfig", "RuntimeConfig", "Resources", "ResourceList", "Toleration"} <= names
    assert {"PrometheusAuth", "PrometheusTls", "ExternalSecretConfig", "SloConfig", "NamespaceConfig"} <= names


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Planted:
    """Fields that fail each rule once."""

    undocumented: int = 1
    no_default_stated: int = 2
    """A count."""
    wrong_default: int = 300
    """Seconds. Default: 30."""
    only_default: bool = False
    """Default: false."""
    right: str = "ai-gateway"
    """A mode. Default: ai-gateway (the AI Gateway)."""
    unset: int | None = None
    """A limit. Default: 8192."""


def test_each_docstring_fault_is_reported() -> None:
    problems = docstring_problems([_Planted])
    assert problems == [
        "_Planted.undocumented: no docstring saying what the field means",
        "_Planted.undocumented: the docstring does not state the default (add 'Default: ...')",
        "_Planted.no_default_stated: the docstring does not state the default (add 'Default: ...')",
        "_Planted.wrong_default: the docstring says 'Default: 30' but it is 300",
        "_Planted.only_default: no docstring saying what the field means",
        "_Planted.unset: the docstring says 'Default: 8192' but it is null",
    ]


def test_every_documented_key_takes_its_documented_default(tmp_path: Path) -> None:
    # Each key as the page spells it, set to the default the page shows, must be a key the loader knows and
    # leave the configuration as it is without it: the spelling and the default are both right.
    base = tmp_path / "values.yaml"
    base.write_text("model:\n  name: m\n  storageUri: s3://bucket/m/\n")
    expected = load_values(base)
    rows = [row for section in sections() for row in section.rows if row.settable]
    assert len(rows) > 60
    for row in rows:
        literal = reference.yaml_literal(row.default)
        assert load_values(base, sets=[f"{row.key}={literal}"]) == expected, row.key


def test_a_changed_value_of_a_documented_key_changes_the_configuration(tmp_path: Path) -> None:
    base = tmp_path / "values.yaml"
    base.write_text("model:\n  name: m\n  storageUri: s3://bucket/m/\n")
    assert load_values(base, sets=["gateway.port=8081"]) != load_values(base)


def test_the_generated_part_sits_between_its_markers() -> None:
    page = PAGE.read_text()
    assert page.count(BEGIN) == 1 and page.count(END) == 1
    assert "| `model.runtime.gpuCount` | `1` |" in page.split(BEGIN)[1].split(END)[0]
