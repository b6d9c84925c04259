"""The values loader: a values file (camelCase keys, Helm-merged sources) in, a validated ``StackConfig`` out.

Every settings field's values-file key is its name in camelCase (``gpu_count`` -> ``gpuCount``). The loader
rejects unknown keys and wrong types, merges blocks of settings key by key over their defaults, and reports
every error with its values-file path (``model.runtime.gpuCount``) and its source (file and line, or ``--set``
flag); the settings classes' own checks name Python fields, and the loader respells them.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Literal, TypeVar, get_args, get_origin

from .errors import PropError, SettingsError, ValuesError, values_key
from .redaction import yaml_text
from .settings import (
    EnvFromSecret,
    EnvValue,
    Inherit,
    ModelConfig,
    StackConfig,
)
from .settings.stack import MODEL_INHERITS, stack_base
from .values_sources import MergedValues, ValuesPath, merge_sources, not_a_mapping

T = TypeVar("T")


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if origin is Literal:
        return "one of " + ", ".join(yaml_text(a) for a in get_args(tp))
    if origin in (tuple, list):
        return "a list"
    if origin in (Mapping, dict) or tp is Mapping:
        return "a mapping of strings"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return str(tp)


def _key_text(key: Any) -> str:
    """A mapping key in a field path as the values file spells it: ``true`` for ``yes:`` or ``on:`` (YAML 1.1
    booleans), ``null``, ``1``; a string as it is."""
    return key if isinstance(key, str) else yaml_text(key)


def _convert(tp: Any, raw: Any, path: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None) and a is not Inherit]
        if raw is None:
            return None
        return _convert(options[0], raw, path)
    if origin is Literal:
        if raw not in get_args(tp):
            raise ValuesError(path, raw, f"use {_type_name(tp)}")
        return raw
    if tp is bool:
        if not isinstance(raw, bool):
            raise ValuesError(path, raw, "use true or false")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValuesError(path, raw, "use an integer")
        return raw
    if tp is float:
        if (
            isinstance(raw, bool)
            or not isinstance(raw, (int, float))
            or raw != raw
            or raw in (float("inf"), -float("inf"))
        ):
            raise ValuesError(path, raw, "use a finite number")
        return raw
    if tp is str:
        if not isinstance(raw, str):
            raise ValuesError(path, raw, "use a string (quote numbers and booleans in YAML)")
        return raw
    if origin is tuple:
        (item,) = [a for a in get_args(tp) if a is not Ellipsis]
        if not isinstance(raw, list):
            raise ValuesError(path, raw, "use a list")
        return tuple(_convert(item, v, f"{path}[{i}]") for i, v in enumerate(raw))
    if origin is Mapping or origin is dict:
        value_type = get_args(tp)[1] if get_args(tp) else str
        if not isinstance(raw, dict):
            raise ValuesError(path, raw, "use a mapping of string keys to string values")
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if isinstance(k, str) and value_type == EnvValue and isinstance(v, dict):
                out[k] = build(EnvFromSecret, v, f"{path}.{k}")
                continue
            if not isinstance(k, str) or not isinstance(v, str):
                fix = "use string keys and string values (quote numbers in YAML)"
                if value_type == EnvValue:
                    fix += ", or {secretKeyRef: {name: <secret>, key: <key>}} for a value kept in a Secret"
                raise ValuesError(f"{path}.{_key_text(k)}", v, fix)
            out[k] = v
        return out
    if dataclasses.is_dataclass(tp):
        return build(typing.cast(type, tp), raw, path)
    raise TypeError(f"unsupported field type {tp!r} at {path}")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """``typing.get_type_hints(cls)``, resolved once per settings class: a fleet builds each class hundreds of times,
    and resolving the (stringized) annotations is the larger part of building one."""
    return typing.get_type_hints(cls)


def build(cls: type[T], raw: Any, path: str = "") -> T:
    """Build dataclass ``cls`` from the mapping ``raw`` (values-file spelling), with field paths in errors."""
    if not isinstance(raw, dict):
        raise ValuesError(path or "(top level)", raw, f"use a mapping with keys {', '.join(_keys(cls))}")
    hints = _hints(typing.cast(type, cls))
    fields = {values_key(f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{path}.{_key_text(key)}" if path else _key_text(key)
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValuesError(
                where,
                ValuesError.MISSING if value is None else value,
                f"unknown key; {hint}allowed keys: {', '.join(fields)}",
            )
        f = fields[key]
        if isinstance(value, dict) and dataclasses.is_dataclass(f.default) and not isinstance(f.default, type):
            # A block of settings overrides its default key by key (as Helm merges values).
            value = merge_values(type(f.default), to_values(f.default), value)
        kwargs[f.name] = _convert(hints[f.name], value, where)
    for key, f in fields.items():
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.name not in kwargs:
            where = f"{path}.{key}" if path else key
            raise ValuesError(where, ValuesError.MISSING, f"this key is required ({_type_name(hints[f.name])})")
    try:
        return cls(**kwargs)
    except SettingsError as error:
        values = error.values_error()
        raise values.under(path) if path else values from None


def _keys(cls: type) -> list[str]:
    return [values_key(f.name) for f in dataclasses.fields(cls)]


def to_values(obj: Any) -> Any:
    """A configuration object back in values-file spelling (camelCase keys, lists, plain mappings)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {values_key(f.name): to_values(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [to_values(v) for v in obj]
    if isinstance(obj, Mapping):
        return dict(obj)
    return obj


def _settings_class(tp: Any) -> type | None:
    """The dataclass behind a field type (``X``, ``X | None``), else None."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if dataclasses.is_dataclass(a)]
        return typing.cast(type, options[0]) if len(options) == 1 else None
    return typing.cast(type, tp) if dataclasses.is_dataclass(tp) else None


def merge_values(cls: type, base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` merged key by key over ``base`` (both values-file mappings of settings class ``cls``).

    Blocks of settings merge recursively; any other value (lists, free-form maps such as ``env``, and null)
    replaces the base value. Keys ``cls`` does not know are kept, for ``build`` to report.
    """
    hints = _hints(cls)
    fields = {values_key(f.name): f.name for f in dataclasses.fields(cls)}
    out = dict(base)
    for key, value in override.items():
        inner = _settings_class(hints[fields[key]]) if key in fields else None
        if inner is not None and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_values(inner, out[key], value)
        else:
            out[key] = value
    return out


def stack_config_from_mapping(raw: Any) -> StackConfig:
    """Validate a parsed values document and return the typed configuration."""
    if not isinstance(raw, dict):
        raise not_a_mapping(raw)
    rest = {k: v for k, v in raw.items() if k not in ("model", "models")}
    if "model" in raw and "models" in raw:
        raise ValuesError("models", "(set)", "use either 'model:' (one model) or 'models:' (a list), not both")
    namespace = rest.get("namespace")
    create_namespace = False
    if isinstance(namespace, dict):
        # namespace: {name, create} is the long form of namespace: <name>.
        spec = build(NamespaceConfig, namespace, "namespace")
        rest["namespace"], create_namespace = spec.name, spec.create
    settings = build(_StackWithoutModels, rest, "")
    items: list[Any]
    paths: list[str]
    if "model" in raw:
        if not isinstance(raw["model"], dict):
            raise ValuesError("model", raw["model"], "use a mapping with keys " + ", ".join(_keys(ModelConfig)))
        items, paths = [raw["model"]], ["model"]
    elif "models" in raw:
        items = raw["models"]
        if not isinstance(items, list) or not items:
            raise ValuesError("models", items, "use a non-empty list of model mappings")
        paths = [f"models[{i}]" for i in range(len(items))]
    else:
        raise ValuesError("model", ValuesError.MISSING, "this key is required: set model.name and model.storageUri")
    models = tuple(
        build(ModelConfig, _over_stack(item, settings), path) for item, path in zip(items, paths, strict=True)
    )
    try:
        return StackConfig(
            models=models,
            create_namespace=create_namespace,
            **{f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)},
        )
    except SettingsError as error:
        values_error = error.values_error()
        raise (_as_single_model(values_error) if "model" in raw else values_error) from None


def _as_single_model(error: ValuesError) -> ValuesError:
    """``error`` of a values file with ``model:`` (one model): its ``models[0]`` spelt as that file spells it."""
    if not error.path.startswith("models[0]"):
        return error
    return ValuesError(
        "model" + error.path[len("models[0]") :],
        error.value,
        error.fix.replace("models[0].", "model."),
        settings_check=error.settings_check,
    )


def _over_stack(model: Any, stack: Any) -> Any:
    """A model's values with the blocks that inherit (``MODEL_INHERITS``: ``autoscaling``, ``rateLimit``) merged
    key by key over the stack's.

    The values-file spelling of ``settings.inherit.over`` (``StackConfig.autoscaling_of`` and ``rate_limit_of``
    apply it to objects built in Python): merged here, before the block is built, so that its checks judge the
    merged block (a model's ``minReplicas: 6`` under the stack's ``maxReplicas: 10``). The model then holds
    the merged block, over which ``over`` changes nothing. ``rateLimit: null`` stays null (no limits for this
    model), as ``gateway.rateLimit: null`` does for all.
    """
    if not isinstance(model, dict):
        return model
    out = dict(model)
    for field_name in MODEL_INHERITS:
        key, base = values_key(field_name), stack_base(stack, field_name)
        if isinstance(out.get(key), dict) and base is not None:
            out[key] = merge_values(type(base), to_values(base), out[key])
    return out


@dataclass(frozen=True, kw_only=True)
class NamespaceConfig:
    """The long form of ``namespace``: ``{name, create}``."""

    name: str = StackConfig.namespace
    """Namespace of every namespaced object, as ``namespace: <name>`` sets it. Default: kserve-inference."""
    create: bool = False
    """Emit a Namespace object for every namespace the stack uses (the stack's and each model's), first in the
    output; refused for namespaces the stack does not own (``default``, ``kube-*``, the controllers', Prometheus'
    and Phoenix's). Default: false."""


_NOT_IN_VALUES = ("models", "create_namespace")
"""StackConfig fields a values file does not set at the top level: ``model``/``models`` and ``namespace.create``."""

_StackWithoutModels: type[Any] = dataclasses.make_dataclass(
    "_StackWithoutModels",
    [
        (
            f.name,
            typing.get_type_hints(StackConfig)[f.name],
            field(default=f.default, default_factory=f.default_factory),
        )
        for f in dataclasses.fields(StackConfig)
        if f.name not in _NOT_IN_VALUES
    ],
    frozen=True,
    kw_only=True,
)
"""The top level of a values file but the models: StackConfig's other fields, with StackConfig's own defaults."""


def load_values(values: ValuesPath | Sequence[ValuesPath], *, sets: Sequence[str] = ()) -> StackConfig:
    """Read, merge and validate values files and ``--set`` flags (``values_sources``: Helm's merge).

    ``values`` is one file or several, merged in order (maps merge, lists and scalars replace); ``sets`` are
    ``path=value`` flags applied after them in order. Each file is read within ``safe_yaml.VALUES_LIMITS`` (a
    regular file of at most 1 MiB, 32 levels of nesting, bounded aliases); duplicate keys and control
    characters are refused with their field path. Every ``ValuesError`` names its source: the file and line,
    or the ``--set`` flag. A file named ``-`` is standard input (``-f -``, as Helm reads it). Default of ``sets``:
    none.
    """
    return load_merged(values, sets=sets, caller="load_values")[1]


def load_values_with_data(
    values: ValuesPath | Sequence[ValuesPath], *, sets: Sequence[str] = ()
) -> tuple[StackConfig, dict[str, Any]]:
    """``load_values``, and the merged values document it validated (values-file spelling, as the files and flags
    gave it, before defaults): what ``llm-stack synth --format helm`` writes as the chart's ``values.yaml``. Each
    source is read once (``-f -`` too). Default of ``sets``: none."""
    merged, config = load_merged(values, sets=sets, caller="load_values_with_data")
    return config, merged.data


def load_merged(
    values: ValuesPath | Sequence[ValuesPath], *, sets: Sequence[str] = (), caller: str = "load_merged"
) -> tuple[MergedValues, StackConfig]:
    """``load_values``, also returning the merged values with their sources (``values_sources.MergedValues``).
    ``caller`` names the function in a ``PropError``. Default of ``sets``: none."""
    files = [values] if isinstance(values, str | PathLike) else values
    if not isinstance(files, Sequence) or not all(isinstance(f, str | PathLike) for f in files):
        raise PropError(caller, "values", values, "pass a values file's path, or a list of paths")
    if isinstance(sets, str) or not isinstance(sets, Sequence) or not all(isinstance(x, str) for x in sets):
        raise PropError(caller, "sets", sets, "pass a list of 'path=value' strings, e.g. ['model.name=x']")
    merged = merge_sources(list(files), sets)
    try:
        return merged, stack_config_from_mapping(merged.data)
    except ValuesError as error:
        raise error.from_source(merged.source_of(error.path, error.fix)) from None
