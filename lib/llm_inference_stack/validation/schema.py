"""Schema validation of every object: custom resources against their pinned CRD, core kinds against Kubernetes.

Objects are small and schemas are huge (KServe's InferenceService schema is ~700 KB), so instead of compiling
whole schemas this module walks the *object* and looks up only the sub-schemas of the fields present. Each
schema file is parsed once per process, lazily, and only for the kinds present.

Semantics are those of the Kubernetes API server with strict field validation:

* custom resources (structural schemas): a field not in ``properties`` is an error unless the schema has
  ``additionalProperties`` or ``x-kubernetes-preserve-unknown-fields: true``; ``x-kubernetes-int-or-string``
  accepts an integer or a string; ``x-kubernetes-embedded-resource`` admits ``apiVersion``/``kind``/``metadata``;
  ``nullable`` admits null; ``metadata`` is checked as an ObjectMeta; ``x-kubernetes-list-type`` ``set``/``map``
  must have unique items/keys. CEL rules (``x-kubernetes-validations``) and ``format`` are not evaluated.
* core kinds: the strict JSON schemas shipped by ``kubernetes-validate`` for ``KUBERNETES_VERSION``
  (unknown fields are errors; ``$ref``, ``oneOf`` as in IntOrString and Quantity).
"""

from __future__ import annotations

import difflib
import functools
import gzip
import importlib.util
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pins import KUBERNETES_SCHEMA_VERSION
from ..redaction import HIDDEN, hide
from .manifests import Obj, describe, group_version, namespace_of

KUBERNETES_VERSION = KUBERNETES_SCHEMA_VERSION
"""Kubernetes version whose core schemas (from ``kubernetes-validate``) the core kinds are checked against."""

CRD_SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "crds.json.gz"
MAX_PROBLEMS_PER_OBJECT = 20

CLUSTER_SCOPED_CORE_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "CSIDriver",
        "CSINode",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "CustomResourceDefinition",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "VolumeAttachment",
        "CertificateSigningRequest",
        "FlowSchema",
        "PriorityLevelConfiguration",
    }
)

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class KindSchema:
    """The schema of one ``(group, version, kind)`` and how to read it."""

    schema: Schema
    cluster_scoped: bool
    structural: bool
    """True for CRD schemas (closed objects by default); False for the core JSON schemas."""
    resolve: Callable[[str], Schema]


# --- loading, once per process and lazily ----------------------------------------------------------------


@functools.cache
def _crd_schemas() -> dict[tuple[str, str, str], tuple[str, Schema]]:
    with gzip.open(CRD_SCHEMAS) as file:
        entries = json.load(file)
    return {(e["group"], e["version"], e["kind"]): (e["scope"], e["schema"]) for e in entries}


@functools.cache
def _core_dir() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("kubernetes-validate is not installed: pip install llm-inference-stack (it is a dependency)")
    base = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    return base / f"v{KUBERNETES_VERSION}.0-local-strict"


@functools.cache
def _core_definitions() -> Mapping[str, Schema]:
    with open(_core_dir() / "_definitions.json", encoding="utf-8") as file:
        defs: Mapping[str, Schema] = json.load(file)["$defs"]
    return defs


def _resolve_core(ref: str) -> Schema:
    name = ref.rsplit("/", 1)[-1]
    return _core_definitions()[name]


def _no_refs(ref: str) -> Schema:
    raise KeyError(ref)


@functools.cache
def _core_schema(group: str, version: str, kind: str) -> Schema | None:
    prefix = group.split(".", 1)[0]
    file = _core_dir() / (f"{kind.lower()}-{prefix}-{version}.json" if group else f"{kind.lower()}-{version}.json")
    if not file.is_file():
        return None
    with open(file, encoding="utf-8") as handle:
        schema: Schema = json.load(handle)
    return schema


def object_meta_schema() -> Schema:
    return _core_definitions()["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]


def schema_for(group: str, version: str, kind: str) -> KindSchema | None:
    """The schema of a kind: a pinned CRD version if one matches, else a core Kubernetes kind, else None."""
    crd = _crd_schemas().get((group, version, kind))
    if crd is not None:
        scope, schema = crd
        return KindSchema(schema, scope == "Cluster", True, _no_refs)
    core = _core_schema(group, version, kind)
    if core is not None:
        return KindSchema(core, kind in CLUSTER_SCOPED_CORE_KINDS, False, _resolve_core)
    return None


def known_versions(group: str, kind: str) -> list[str]:
    return sorted(v for (g, v, k) in _crd_schemas() if g == group and k == kind)


# --- the walker -------------------------------------------------------------------------------------------


Path_ = tuple[str | int, ...]
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def render_path(path: Path_) -> str:
    """``spec.predictor.containers[0].resources.limits["nvidia.com/gpu"]``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        elif _IDENT.fullmatch(key):
            out += f".{key}" if out else key
        else:
            out += f'["{key}"]'
    return out or "(root)"


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # a Go (RE2) construct Python does not know: not checked
        return None


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "null":
        return value is None
    types = _PY_TYPES.get(expected)
    if types is None:
        return True
    if isinstance(value, bool):
        return expected == "boolean"
    return isinstance(value, types)


def _show(value: Any, path: Path_, secret: bool = False) -> str:
    """The value for a message: hidden in a Secret's data and where the path or value looks secret."""
    if secret or hide(value, path):
        return HIDDEN
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Walker:
    """Walks an object and the sub-schemas of the fields present in it; problems go to ``problems``."""

    def __init__(
        self, structural: bool, resolve: Callable[[str], Schema], problems: list[str], *, secret: bool = False
    ) -> None:
        self.structural = structural
        self.resolve = resolve
        self.problems = problems
        self.secret = secret
        """Hide every value in messages (the object is a Secret)."""

    def fail(self, path: Path_, message: str) -> None:
        self.problems.append(f"{render_path(path)}: {message}")

    def check(self, value: Any, schema: Schema, path: Path_) -> None:
        if len(self.problems) >= MAX_PROBLEMS_PER_OBJECT:
            return
        while "$ref" in schema:
            schema = self.resolve(str(schema["$ref"]))
        if value is None:
            types = schema.get("type")
            if (
                schema.get("nullable")
                or (isinstance(types, list) and "null" in types)
                or (not self.structural and not types)
            ):
                return
            self.fail(path, "null is not allowed here: remove the field or give it a value")
            return
        if not self._check_type(value, schema, path):
            return
        if "allOf" in schema or "anyOf" in schema or "oneOf" in schema:
            for key in ("allOf", "anyOf", "oneOf"):
                if key in schema:
                    self._combinator(key, value, schema[key], path)
        if "not" in schema and self._passes(value, schema["not"], path):
            self.fail(path, "matches a combination of fields the schema forbids")
        if "enum" in schema and value not in schema["enum"]:
            allowed = ", ".join(_show(v, ()) for v in schema["enum"] if v is not None)
            self.fail(path, f"{_show(value, path, self.secret)} is not one of the allowed values: {allowed}")
        kind = type(value)
        if kind is dict:
            self._check_object(value, schema, path)
        elif kind is list:
            self._check_array(value, schema, path)
        elif kind is str:
            self._check_string(value, schema, path)
        elif kind is int or kind is float:
            self._check_number(value, schema, path)

    def _check_type(self, value: Any, schema: Schema, path: Path_) -> bool:
        if schema.get("x-kubernetes-int-or-string"):
            if (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, str):
                return True
            self.fail(path, f"{_show(value, path, self.secret)} must be an integer or a string")
            return False
        types = schema.get("type")
        if types is None:
            return True
        if isinstance(types, str):
            if _type_ok(value, types):
                return True
            expected = [types]
        else:
            expected = [t for t in types if t != "null"]
            if not expected or any(_type_ok(value, t) for t in expected):
                return True
        self.fail(path, f"{_show(value, path, self.secret)} has the wrong type: expected {' or '.join(expected)}")
        return False

    def _passes(self, value: Any, schema: Schema, path: Path_) -> bool:
        sub = _Walker(self.structural, self.resolve, [], secret=self.secret)
        sub._check_branch(value, schema, path)
        return not sub.problems

    def _check_branch(self, value: Any, schema: Schema, path: Path_) -> None:
        """A combinator branch. In structural schemas branches carry value validations only, not the shape."""
        if self.structural and type(value) is dict:
            properties: Mapping[str, Schema] = schema.get("properties", {})
            for key, sub in properties.items():
                if key in value:
                    self.check(value[key], sub, (*path, key))
            for key in schema.get("required", []):
                if key not in value:
                    self.fail(path, f"missing required field {key!r}")
            for key in ("allOf", "anyOf", "oneOf"):
                if key in schema:
                    self._combinator(key, value, schema[key], path)
            return
        self.check(value, schema, path)

    def _combinator(self, key: str, value: Any, branches: list[Schema], path: Path_) -> None:
        if key == "allOf":
            for branch in branches:
                self._check_branch(value, branch, path)
            return
        passing = sum(1 for branch in branches if self._passes(value, branch, path))
        if key == "anyOf" and passing == 0:
            self.fail(
                path,
                f"{_show(value, path, self.secret)} matches none of the allowed forms ({_describe_branches(branches)})",
            )
        elif key == "oneOf" and passing != 1:
            what = "none" if passing == 0 else "more than one"
            self.fail(
                path,
                f"{_show(value, path, self.secret)} matches {what} of the exclusive forms "
                f"({_describe_branches(branches)})",
            )

    def _check_string(self, value: str, schema: Schema, path: Path_) -> None:
        if "minLength" in schema and len(value) < schema["minLength"]:
            self.fail(path, f"{_show(value, path, self.secret)} is shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            self.fail(path, f"{_show(value, path, self.secret)} is longer than {schema['maxLength']} characters")
        if "pattern" in schema:
            pattern = _pattern(str(schema["pattern"]))
            if pattern is not None and not pattern.search(value):
                self.fail(path, f"{_show(value, path, self.secret)} does not match the pattern {schema['pattern']}")

    def _check_number(self, value: float, schema: Schema, path: Path_) -> None:
        if "minimum" in schema:
            low = schema["minimum"]
            if value < low or (schema.get("exclusiveMinimum") is True and value == low):
                self.fail(path, f"{_show(value, path, self.secret)} is below the minimum {low}")
        if "maximum" in schema:
            high = schema["maximum"]
            if value > high or (schema.get("exclusiveMaximum") is True and value == high):
                self.fail(path, f"{_show(value, path, self.secret)} is above the maximum {high}")

    def _check_array(self, value: list[Any], schema: Schema, path: Path_) -> None:
        if "minItems" in schema and len(value) < schema["minItems"]:
            self.fail(path, f"has {len(value)} item(s), fewer than the minimum {schema['minItems']}")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            self.fail(path, f"has {len(value)} items, more than the maximum {schema['maxItems']}")
        items = schema.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                self.check(item, items, (*path, index))
        list_type = schema.get("x-kubernetes-list-type")
        if list_type == "set":
            seen: list[Any] = []
            for index, item in enumerate(value):
                if item in seen:
                    self.fail((*path, index), f"duplicate item {_show(item, path, self.secret)} in a set")
                seen.append(item)
        elif list_type == "map":
            keys = schema.get("x-kubernetes-list-map-keys", [])
            seen_keys: dict[str, int] = {}
            for index, item in enumerate(value):
                if type(item) is not dict:
                    continue
                key = json.dumps([item.get(k) for k in keys], sort_keys=True, default=str)
                if key in seen_keys:
                    shown = ", ".join(f"{k}={_show(item.get(k), path, self.secret)}" for k in keys)
                    self.fail((*path, index), f"duplicate entry ({shown}); item {seen_keys[key]} has the same key")
                seen_keys.setdefault(key, index)

    def _check_object(self, value: dict[str, Any], schema: Schema, path: Path_) -> None:
        properties: Mapping[str, Schema] = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key)
            if sub is not None:
                if (
                    key == "metadata"
                    and self.structural
                    and not sub.get("properties")
                    and (not path or schema.get("x-kubernetes-embedded-resource"))
                ):
                    _Walker(False, _resolve_core, self.problems).check(item, object_meta_schema(), (*path, key))
                else:
                    self.check(item, sub, (*path, key))
            elif isinstance(additional, dict):
                self.check(item, additional, (*path, key))
            elif (
                additional is True
                or (additional is None and not self.structural)
                or schema.get("x-kubernetes-preserve-unknown-fields")
            ):
                continue
            elif schema.get("x-kubernetes-embedded-resource") and key in ("apiVersion", "kind", "metadata"):
                if key == "metadata":
                    _Walker(False, _resolve_core, self.problems).check(item, object_meta_schema(), (*path, key))
            else:
                close = difflib.get_close_matches(str(key), list(properties), n=1)
                if close:
                    hint = f"did you mean {close[0]!r}?"
                else:
                    hint = f"allowed: {', '.join(sorted(properties))}" if properties else "this object takes no fields"
                self.fail((*path, key), f"unknown field {str(key)!r}; {hint}")
        if "required" in schema:
            for key in schema["required"]:
                if key not in value:
                    self.fail(path, f"missing required field {key!r}")
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            self.fail(path, f"needs at least {schema['minProperties']} field(s)")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            self.fail(path, f"takes at most {schema['maxProperties']} field(s)")


def _describe_branches(branches: list[Schema]) -> str:
    parts = []
    for branch in branches:
        if "required" in branch:
            parts.append("with " + " and ".join(branch["required"]))
        elif "type" in branch:
            parts.append(str(branch["type"]))
        else:
            parts.append("a sub-schema")
    return "; ".join(parts)


def validate_object(obj: Obj) -> list[str]:
    """Problems of one object against its schema and scope (empty when valid); messages name the field path."""
    kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    if not isinstance(kind, str) or not kind or not isinstance(api_version, str) or not api_version:
        return ["every object needs a string apiVersion and kind"]
    group, version = group_version(obj)
    kind_schema = schema_for(group, version, kind)
    if kind_schema is None:
        versions = known_versions(group, kind)
        if versions:
            return [f"{api_version} is not a served version of {kind}: use {group}/{versions[-1]}"]
        return [f"no schema for {api_version} {kind} (neither a pinned CRD nor a Kubernetes {KUBERNETES_VERSION} kind)"]
    problems: list[str] = []
    walker = _Walker(kind_schema.structural, kind_schema.resolve, problems, secret=kind == "Secret")
    walker.check(_plain(obj), kind_schema.schema, ())
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping) or not meta.get("name"):
        problems.append("metadata.name: missing: every object needs a name")
    namespace = namespace_of(obj)
    if kind_schema.cluster_scoped and namespace is not None:
        problems.append(f"metadata.namespace: {kind} is cluster-scoped and must not carry a namespace: remove it")
    if not kind_schema.cluster_scoped and not namespace:
        problems.append(f"metadata.namespace: {kind} is namespaced: set metadata.namespace explicitly")
    return problems


def _plain(value: Any) -> Any:
    """Plain dicts and lists, which the walker dispatches on; YAML and JSON parsers give them already."""
    return value if type(value) is dict else json.loads(json.dumps(value, default=str))


def check_schemas(objects: list[Obj]) -> list[str]:
    """``[schema] <object>: <path>: <problem>`` for every object."""
    out = []
    for obj in objects:
        for problem in validate_object(obj):
            out.append(f"[schema] {describe(obj)}: {problem}")
    return out
