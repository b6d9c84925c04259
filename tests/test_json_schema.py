"""The values file's JSON Schema (values.schema.json) says what the loader says of a file's shape: every values file
the loader accepts passes it, every file the loader refuses for its shape fails it, its defaults are the loader's,
and the committed copies are what the settings say now."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_inference_stack.cli import main
from llm_inference_stack.errors import ValuesError
from llm_inference_stack.settings import json_schema
from llm_inference_stack.settings.json_schema import COPIES, PACKAGE_COPY, schema_text, values_schema
from llm_inference_stack.values_loader import load_values, stack_config_from_mapping
from llm_inference_stack.values_sources import format_path, read_values_file

SCHEMA = values_schema()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
MINIMAL = {"model": {"name": "m", "storageUri": "s3://bucket/m/"}}

GOOD = [
    ROOT / "values.yaml",
    *sorted((ROOT / "examples").glob("*.yaml")),
    *sorted((ROOT / "tests" / "data").glob("*.yaml")),
    *sorted((ROOT / "tests" / "e2e").glob("values-*.yaml")),
]
BAD = sorted((ROOT / "tests" / "data" / "bad-values").glob("*.yaml"))


def test_the_schema_is_a_valid_draft_07_schema() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_the_committed_copies_are_what_the_settings_say() -> None:
    for copy_path in COPIES:
        assert (ROOT / copy_path).read_text() == schema_text(), f"stale: run python -m {json_schema.__name__}"
    assert (ROOT / COPIES[1]).resolve() == PACKAGE_COPY


def test_a_stale_copy_is_reported_and_rewritten(tmp_path: Path) -> None:
    for copy_path in COPIES:
        (tmp_path / copy_path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / copy_path).write_text(schema_text().replace('"default": 8080', '"default": 8081'))
    assert json_schema.main(["--check", "--root", str(tmp_path)]) == 1
    assert json_schema.main(["--root", str(tmp_path)]) == 0
    assert json_schema.main(["--check", "--root", str(tmp_path)]) == 0
    assert all((tmp_path / c).read_text() == schema_text() for c in COPIES)


def test_llm_stack_schema_prints_the_schema_and_the_path_of_its_shipped_copy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == schema_text() and json.loads(printed) == SCHEMA
    assert main(["schema", "--path"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == PACKAGE_COPY and path.read_text() == printed


def test_an_installation_without_the_shipped_copy_says_how_to_write_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_schema, "PACKAGE_COPY", tmp_path / "values.schema.json")
    assert main(["schema", "--path"]) == 2
    assert "llm-stack schema > values.schema.json" in capsys.readouterr().err


def test_keys_are_spelled_as_the_values_file_spells_them() -> None:
    runtime = SCHEMA["properties"]["model"]["properties"]["runtime"]["properties"]
    assert {"gpuCount", "maxModelLen", "extraArgs", "startupTimeoutSeconds"} <= set(runtime)
    assert set(SCHEMA["properties"]) >= {"model", "models", "apiKeys", "networkPolicy", "commonLabels"}
    assert "createNamespace" not in SCHEMA["properties"]  # namespace.create in a values file


@pytest.mark.parametrize("file", GOOD, ids=[str(f.relative_to(ROOT)) for f in GOOD])
def test_every_good_values_file_passes(file: Path) -> None:
    raw, _ = read_values_file(file)
    load_values(file)  # the loader takes it
    assert [e.message for e in VALIDATOR.iter_errors(raw)] == []


def _verdict(file: Path) -> tuple[str, ValuesError, Any]:
    """How the loader refuses ``file``: ``reader`` (the values-file reader refuses the text before any key is read:
    YAML syntax, characters, duplicate keys, bounds), ``shape`` (the document is not a mapping, or a key is unknown,
    missing, of the wrong type or not an allowed value) or ``value`` (a settings class's own check, which the schema
    leaves to the settings); with the error and the parsed document (None for ``reader``)."""
    try:
        raw, _ = read_values_file(file)
    except ValuesError as error:
        if error.path != "(top level)":
            return "reader", error, None
        return "shape", error, yaml.safe_load(file.read_text())  # an empty file, a list, a string
    with pytest.raises(ValuesError) as refused:
        stack_config_from_mapping(raw)
    return ("value" if refused.value.settings_check else "shape"), refused.value, raw


VERDICTS = {file.name: _verdict(file) for file in BAD}


def test_the_catalogue_splits_into_reader_shape_and_value_refusals() -> None:
    kinds = {name: kind for name, (kind, _, _) in VERDICTS.items()}
    assert kinds["unknown-top-level-key.yaml"] == kinds["gpu-count-string.yaml"] == "shape"
    assert kinds["missing-model.yaml"] == kinds["top-level-list.yaml"] == "shape"
    assert kinds["gpu-count-zero.yaml"] == kinds["max-below-min-replicas.yaml"] == "value"
    assert kinds["duplicate-key.yaml"] == kinds["tab-indented.yaml"] == "reader"
    counts = {kind: list(kinds.values()).count(kind) for kind in ("reader", "shape", "value")}
    assert counts["shape"] >= 35 and counts["value"] >= 120 and sum(counts.values()) == len(BAD), counts


def _schema_paths(raw: Any) -> Iterator[str]:
    for error in VALIDATOR.iter_errors(raw):
        yield format_path(error.absolute_path)


@pytest.mark.parametrize(
    "name", [n for n, (kind, _, _) in VERDICTS.items() if kind == "shape"], ids=lambda name: name.removesuffix(".yaml")
)
def test_every_file_refused_for_its_shape_fails_the_schema_where_the_loader_points(name: str) -> None:
    _, error, raw = VERDICTS[name]
    paths = list(_schema_paths(raw))
    assert paths, f"{name}: the schema accepts what the loader refuses: {error}"
    # The schema names the field itself, or the block holding an unknown, missing or wrongly-keyed one.
    loader_path = "" if error.path == "(top level)" else error.path
    assert any(loader_path == p or loader_path.startswith((f"{p}.", f"{p}[")) or not p for p in paths), (paths, error)


def _defaults(schema: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every key with a default under a block present by default (not under one whose default is null)."""
    objects = [schema, *[option for option in schema.get("anyOf", []) if "properties" in option]]
    for block in objects:
        for key, prop in block.get("properties", {}).items():
            here = (*path, key)
            if "default" in prop:
                yield here, prop["default"]
            if prop.get("default", {}) is not None:
                yield from _defaults(prop, here)


def _with(raw: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    node = out
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return out


def test_every_default_in_the_schema_is_the_loaders() -> None:
    # Each key set to the default the schema shows leaves the configuration as it is without it: the default is
    # the one the loader (and so each dataclass field, in that place) gives, and it passes the schema itself.
    expected = stack_config_from_mapping(MINIMAL)
    defaults = list(_defaults(SCHEMA))
    assert len(defaults) > 60
    assert (("gateway", "rateLimit", "tokensPerMinute"), 100_000) in defaults  # the block's default, not the class's
    assert (("namespace", "create"), False) in defaults  # the long form of namespace
    for path, default in defaults:
        raw = _with(MINIMAL, path, default)
        assert [e.message for e in VALIDATOR.iter_errors(raw)] == [], path
        assert stack_config_from_mapping(raw) == expected, path


def test_a_default_that_is_not_the_loaders_would_be_found() -> None:
    raw = _with(MINIMAL, ("gateway", "port"), 8081)
    assert stack_config_from_mapping(raw) != stack_config_from_mapping(MINIMAL)


def test_blocks_that_merge_over_a_base_require_nothing() -> None:
    # Each passes the loader, so it must pass the schema: the missing keys come from the block's base.
    for raw in (
        {**MINIMAL, "gateway": {"rateLimit": {"tokensPerSecond": 5}}},
        {**MINIMAL, "autoscaling": {"prometheus": {"auth": {"mode": "bearer", "secretName": "prom"}}}},
        {
            "autoscaling": {"prometheus": {"auth": {"mode": "bearer", "secretName": "prom"}}},
            "model": {**MINIMAL["model"], "autoscaling": {"prometheus": {"auth": {"secretName": "other"}}}},
        },
        {"model": {**MINIMAL["model"], "runtime": {"resources": {"requests": {"cpu": "4"}}}}},
    ):
        stack_config_from_mapping(raw)
        assert [e.message for e in VALIDATOR.iter_errors(raw)] == [], raw


# --- the loader and the schema agree on the shape of any document -------------------------------------------

_WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.5, 1e400, "text", "4", [], ["a"], {}, {"k": "v"}, {"k": 1}]),
)
_STRINGS = {"storageUri": "s3://bucket/m/", "url": "http://prometheus:9090", "endpoint": "http://phoenix:6006"}
"""Strings the settings take for a key (else ``abc`` or ``42``), so that many documents pass the value checks."""


@st.composite
def _value(draw: st.DrawFn, schema: dict[str, Any], noise: int, depth: int = 0, key: str = "") -> Any:
    """A value for ``schema``: mostly one of its type (its default, an allowed value, a block of its keys), and
    about once in ``noise`` values (never for 0) anything at all, a dropped required key or an unknown key."""

    def odd() -> bool:
        return noise > 0 and draw(st.integers(0, noise - 1)) == 0

    if "$ref" in schema:
        schema = SCHEMA["properties"]["model"]
    if odd() or depth > 6:
        return copy.deepcopy(draw(_WRONG))
    if "default" in schema and draw(st.booleans()):
        return copy.deepcopy(schema["default"])
    if "enum" in schema:
        return draw(st.sampled_from(schema["enum"]))
    if "anyOf" in schema:
        return draw(_value(draw(st.sampled_from(schema["anyOf"])), noise, depth))
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    kind = draw(st.sampled_from(types))
    if kind == "null":
        return None
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "integer":
        return draw(st.one_of(st.sampled_from([1, 2, 4]), st.integers(-1, 20_000)))
    if kind == "number":
        return draw(st.sampled_from([0.5, 1, 5, 2.5]))
    if kind == "string":
        return draw(st.sampled_from([_STRINGS.get(key, "abc")] * 3 + ["42"]))
    if kind == "array":
        return draw(st.lists(_value(schema["items"], noise, depth + 1), max_size=2))
    if "properties" not in schema:  # a mapping of strings
        values = _value(schema["additionalProperties"], noise, depth + 1)
        return draw(st.dictionaries(st.sampled_from(["A", "B_C"]), values, max_size=2))
    keys = list(schema["properties"])
    chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=3))
    required = [k for k in schema.get("required", []) if not odd()]
    out = {k: draw(_value(schema["properties"][k], noise, depth + 1, k)) for k in dict.fromkeys([*required, *chosen])}
    if odd():
        out["unknownKey"] = 1
    return out


@st.composite
def _document(draw: st.DrawFn) -> Any:
    noise = draw(st.sampled_from([0, 40, 8]))
    raw = draw(_value({k: v for k, v in SCHEMA.items() if k != "oneOf"}, noise))
    if isinstance(raw, dict) and draw(st.integers(0, 9)) > 0:
        raw.pop("models" if draw(st.booleans()) else "model", None)
        if "model" not in raw and "models" not in raw and draw(st.integers(0, 9)) > 0:
            raw["model"] = draw(_value(SCHEMA["properties"]["model"], noise))
    return raw


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_the_schema_takes_what_the_loader_takes_and_refuses_what_it_refuses_for_its_shape(raw: Any) -> None:
    valid = VALIDATOR.is_valid(raw)
    try:
        stack_config_from_mapping(raw)
    except ValuesError as error:
        if not error.settings_check:
            assert not valid, f"the schema accepts a shape the loader refuses: {error}"
        return
    assert valid, [e.message for e in VALIDATOR.iter_errors(raw)]


def test_an_error_says_whether_a_settings_check_or_the_shape_refused_it(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("model: {name: m, storageUri: 's3://bucket/m/', runtime: {gpuCount: 2}}\n")
    for sets, by_settings in ((["model.runtime.gpuCount=0"], True), (["model.runtime.gpuCount=two"], False)):
        with pytest.raises(ValuesError) as refused:
            load_values(values, sets=sets)
        assert refused.value.source == "--set model.runtime.gpuCount"
        assert refused.value.settings_check is by_settings, refused.value
    with pytest.raises(ValuesError) as refused:
        stack_config_from_mapping({"models": [MINIMAL["model"], MINIMAL["model"]]})  # the stack's check
    assert refused.value.settings_check and refused.value.path == "models[1].name"
