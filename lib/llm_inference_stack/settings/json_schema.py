"""The JSON Schema of a values file, generated from the settings dataclasses.

``values_schema()`` says what the values loader (``values_loader``) checks of a file's shape: every key as the
loader spells it (``errors.values_key``); its type from the field's annotation, as the loader reads it (a string,
an integer, a finite number, true or false, one of a ``Literal``'s values, a list, a mapping of strings, a block
of settings; null only where the field takes None); ``additionalProperties: false`` on every block (the loader
refuses unknown keys); and ``required`` where the loader requires a key (``model`` or ``models``, a model's
``name`` and ``storageUri``, the keys of a block that is off by default). Each key's description and default are
the ones the configuration reference shows (``settings.reference``: the field's attribute docstring, and its
default in that place, ``gateway.rateLimit.tokensPerMinute``: 100000). What the settings classes check of the
values themselves (ranges, names, URLs, pairs of fields) stays with them: a file the schema accepts may still be
refused by ``llm-stack synth``, but a file the loader accepts is never refused by the schema.

A block that merges over a base (``settings.inherit``) requires none of its keys: ``gateway.rateLimit:
{tokensPerSecond: 5}`` keeps the default's other keys. A model's ``autoscaling`` and ``rateLimit`` merge over
the stack's blocks, whose values are known only once the file is read: their keys show no default.

The schema is draft-07 (``$schema``), which editors (yaml-language-server) and Helm's validator (Helm 3.18 and
later: ``santhosh-tekuri/jsonschema``, which reads the draft ``$schema`` names) both take.

``python -m llm_inference_stack.settings.json_schema`` rewrites the committed copies (``values.schema.json`` at the
repository root, and ``schemas/values.schema.json`` in the package, whose path ``llm-stack schema --path``
prints); ``--check`` exits 1 when one of them differs from what the fields say now.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from ..errors import values_key
from ..values_loader import NamespaceConfig, to_values
from .model import EnvFromSecret, EnvValue, Inherit, ModelConfig
from .reference import (
    _NOT_IN_VALUES,
    REQUIRED,
    FieldDoc,
    _block_class,
    _is_block,
    _same,
    field_default,
    field_docs,
    markdown,
)
from .stack import MODEL_INHERITS, StackConfig

DRAFT = "http://json-schema.org/draft-07/schema#"
"""The JSON Schema draft the schema is written in."""

SCHEMA_FILE = "values.schema.json"
PACKAGE_COPY = Path(__file__).resolve().parent.parent / "schemas" / SCHEMA_FILE
"""The copy shipped in the package (``llm-stack schema --path``)."""
COPIES = (Path(SCHEMA_FILE), Path("lib/llm_inference_stack/schemas") / SCHEMA_FILE)
"""The committed copies, relative to the repository root: beside ``values.yaml``, and the package's."""

_FINITE = {"minimum": -sys.float_info.max, "maximum": sys.float_info.max}
"""The loader takes finite numbers only; YAML can write ``.inf``, which these bounds keep out."""


def values_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of a values file, keys in the settings fields' order."""
    hints = typing.get_type_hints(StackConfig)
    docs = {doc.name: doc for doc in field_docs(StackConfig)}
    properties: dict[str, Any] = {}
    for f in dataclasses.fields(StackConfig):
        if (StackConfig, f.name) in _NOT_IN_VALUES:
            continue
        if f.name == "models":
            # One model is written ``model:``, a fleet ``models:`` with the same keys per item.
            description = markdown(docs[f.name].meaning)
            properties["model"] = {"description": description, **_object(ModelConfig, None, inherited=False)}
            properties["models"] = {
                "description": description,
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/properties/model"},
            }
            continue
        prop = _field(StackConfig, f, hints[f.name], docs[f.name], None, inherited=False)
        if f.name == "namespace":
            # ``namespace: <name>``, or its long form ``{name, create}``.
            long_form = _object(NamespaceConfig, None, inherited=False)
            prop = {"description": prop["description"], "anyOf": [{"type": "string"}, long_form], **_default(prop)}
        properties[values_key(f.name)] = prop
    return {
        "$schema": DRAFT,
        "$comment": "Generated from the settings dataclasses by python -m llm_inference_stack.settings.json_schema",
        "title": "llm-inference-stack values",
        "description": markdown(" ".join((StackConfig.__doc__ or "").split())),
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "oneOf": [{"required": ["model"]}, {"required": ["models"]}],
    }


def _default(prop: Mapping[str, Any]) -> dict[str, Any]:
    return {"default": prop["default"]} if "default" in prop else {}


def _object(cls: type, instance: Any, *, inherited: bool) -> dict[str, Any]:
    """The schema of a block of settings class ``cls``.

    ``instance`` is the block's default object in this place (its fields give the keys' defaults, and the block
    merges over it, so no key is required), or None when the block is built from its keys alone. ``inherited``:
    the block merges over a base known only once the file is read (a model's ``autoscaling``): no defaults, and
    nothing required, all the way down.
    """
    hints = typing.get_type_hints(cls)
    docs = {doc.name: doc for doc in field_docs(cls)}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        key = values_key(f.name)
        properties[key] = _field(cls, f, hints[f.name], docs[f.name], instance, inherited=inherited)
        if field_default(f) is REQUIRED and instance is None and not inherited:
            required.append(key)
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def _field(
    cls: type, f: dataclasses.Field[Any], hint: Any, doc: FieldDoc, instance: Any, *, inherited: bool
) -> dict[str, Any]:
    """The schema of field ``f`` of ``cls`` in a block whose default object is ``instance`` (or None)."""
    default = getattr(instance, f.name) if instance is not None else field_default(f)
    # The docstring speaks of the class's default; the block's own default may set another value (as the
    # reference page says it).
    words = doc.default_text if _same(default, field_default(f)) and not inherited else None
    out: dict[str, Any] = {"description": markdown(doc.meaning) + (f" Default: {markdown(words)}." if words else "")}
    if _block_class(hint) is not None:
        if inherited or (cls is ModelConfig and f.name in MODEL_INHERITS):
            out.update(_type(hint, None, inherited=True))
        else:
            out.update(_type(hint, default if _is_block(default) else None, inherited=False))
    else:
        out.update(_type(hint, None, inherited=False))
    literal = not (default is REQUIRED or _is_block(default) or isinstance(default, enum.Enum))
    if literal and not inherited:
        out["default"] = to_values(default)
    return out


def _type(tp: Any, instance: Any, *, inherited: bool) -> dict[str, Any]:
    """The schema of a value of annotation ``tp``, as ``values_loader._convert`` reads it."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        # The loader reads a union as its first type, or null; null fits only a field that takes None.
        options = [a for a in get_args(tp) if a is not type(None) and a is not Inherit]
        schema = _type(options[0], instance, inherited=inherited)
        return _nullable(schema) if type(None) in get_args(tp) else schema
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number", **_FINITE}
    if tp is str:
        return {"type": "string"}
    if origin is tuple:
        (item,) = [a for a in get_args(tp) if a is not Ellipsis]
        return {"type": "array", "items": _type(item, None, inherited=False)}
    if origin is Mapping or origin is dict or tp is Mapping:
        value_type = get_args(tp)[1] if get_args(tp) else str
        values: dict[str, Any] = {"type": "string"}
        if value_type == EnvValue:
            values = {"anyOf": [values, _object(EnvFromSecret, None, inherited=False)]}
        return {"type": "object", "propertyNames": {"type": "string"}, "additionalProperties": values}
    if dataclasses.is_dataclass(tp):
        return _object(typing.cast(type, tp), instance, inherited=inherited)
    raise TypeError(f"no JSON Schema for field type {tp!r}: add it to settings.json_schema as values_loader reads it")


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def schema_text() -> str:
    """``values_schema()`` as the committed files hold it: JSON, indented, keys in the schema's order."""
    return json.dumps(values_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m llm_inference_stack.settings.json_schema",
        description=f"Rewrite the values file's JSON Schema ({', '.join(map(str, COPIES))}) from the settings.",
    )
    parser.add_argument("--root", type=Path, default=Path(), help="the repository root (default: .)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a copy is out of date instead of writing")
    args = parser.parse_args(argv)
    text = schema_text()
    files = [args.root / copy for copy in COPIES]
    if args.check:
        stale = [str(file) for file in files if not file.is_file() or file.read_text() != text]
        if stale:
            print(
                f"{', '.join(stale)} out of date: run python -m llm_inference_stack.settings.json_schema",
                file=sys.stderr,
            )
            return 1
        return 0
    for file in files:
        file.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
