"""What every construct of the stack shares: its main object, its namespace default and its errors.

The main object of a construct (its ``Resource`` child, ``node.default_child``) is a plain ``cdk8s.ApiObject``
whose body is computed at synthesis. Two reasons:

* a generated class (``imports/``) converts its resolved JSON through its own typed ``toJson`` again, which drops
  what a ``JsonPatch`` added outside its types (an ``nvidia.com/gpu: 4`` limit, an unknown field). A plain
  ``ApiObject`` applies patches last, so ``ApiObject.of(construct.node.default_child)`` reaches every field, and
  validation, which reads ``ApiObject.to_json()``, sees the patched object;
* the body is a ``cdk8s.Lazy`` value, so what is added to the construct after construction (a model, tracing)
  is in the output. The generated classes' runtime type checks reject a ``Lazy`` where a struct is expected, so
  the body rides in a metadata entry and the construct's first patches move it to the top level.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import cdk8s
import jsii
from constructs import Construct

from .config import StackConfig
from .errors import PropError
from .names import DNS1123_LABEL

_BODY = "llm-inference-stack-body"
"""Metadata entry holding the lazily computed body until the construct's own patches move it out."""

DEFAULT_NAMESPACE: str = next(f.default for f in dataclasses.fields(StackConfig) if f.name == "namespace")  # type: ignore[assignment]
"""Namespace of objects whose construct is given none and whose chart has none: the stack default."""


_UNSET = object()


@jsii.implements(cdk8s.IAnyProducer)
class _Producer:
    """Calls ``produce`` again only when ``inputs()`` changed: synthesis resolves each object more than once
    (validation, then writing), and building a body through the generated types is the costly part."""

    def __init__(self, produce: Callable[[], Mapping[str, Any]], inputs: Callable[[], object]) -> None:
        self._produce = produce
        self._inputs = inputs
        self._last_inputs: object = _UNSET
        self._last: dict[str, Any] = {}

    def produce(self) -> Any:
        inputs = self._inputs()
        if self._last_inputs is _UNSET or inputs != self._last_inputs:
            self._last = dict(self._produce())
            self._last_inputs = inputs
        return self._last


def lazy_api_object(
    scope: Construct,
    id: str,
    *,
    gvk: cdk8s.GroupVersionKind,
    metadata: cdk8s.ApiObjectMetadata,
    fields: Sequence[str],
    produce: Callable[[], Mapping[str, Any]],
    inputs: Callable[[], object] = tuple,
) -> cdk8s.ApiObject:
    """A plain ``ApiObject`` of type ``gvk`` (a generated class's ``GVK``) whose top-level ``fields`` (``spec``,
    ``data``, ...) come from ``produce()`` at synthesis.

    ``produce`` must return every one of ``fields``, none of them empty (empty objects and lists are dropped on
    the way through the metadata). ``inputs()`` returns everything the body depends on that may change after
    construction (compared with ``==``); the body is made again only when it changed. Default: nothing (the
    body is made once).
    """
    obj = cdk8s.ApiObject(scope, id, api_version=gvk.api_version, kind=gvk.kind, metadata=metadata)
    obj.metadata.add(_BODY, cdk8s.Lazy.any(_Producer(produce, inputs)))
    obj.add_json_patch(*_body_patches(tuple(fields)))
    return obj


def plain_api_object(
    scope: Construct,
    id: str,
    *,
    gvk: cdk8s.GroupVersionKind,
    metadata: cdk8s.ApiObjectMetadata,
    body: Mapping[str, Any],
) -> cdk8s.ApiObject:
    """A plain ``ApiObject`` of type ``gvk`` whose top-level fields (``spec``, ``data``, ...) are ``body``'s, made now:
    plain JSON values (mappings, lists, strings, numbers, booleans), written as a generated class writes them (every
    mapping's keys sorted, its None values left out).

    Three round trips to the jsii kernel (the object, the patches, adding them), where a generated class checks
    every struct's types in Python, sends the typed tree and converts it again in the kernel at synthesis. The
    fields are added by patches, which come before any the user adds (``ApiObject.of(obj).add_json_patch``).
    """
    obj = cdk8s.ApiObject(scope, id, api_version=gvk.api_version, kind=gvk.kind, metadata=metadata)
    names = sorted(body, key=_js_order)
    obj.add_json_patch(*(cdk8s.JsonPatch.add(f"/{name}", _sorted_keys(body[name])) for name in names))
    return obj


def _js_order(key: str) -> bytes:
    """JavaScript's default sort order of strings (``Array.prototype.sort``: UTF-16 code units), which cdk8s sorts
    the keys of an object's fields in."""
    return key.encode("utf-16-be", "surrogatepass")


def plain_json(value: Any) -> Any:
    """``value`` with every mapping's keys in JavaScript's sort order and its None values left out: a body as a
    generated class writes it (for ``lazy_api_object``'s ``produce``; ``plain_api_object`` applies it itself)."""
    return _sorted_keys(value)


def _sorted_keys(value: Any) -> Any:
    """``value`` with every mapping's keys in JavaScript's sort order and its None values left out."""
    if isinstance(value, Mapping):
        return {key: _sorted_keys(value[key]) for key in sorted(value, key=_js_order) if value[key] is not None}
    if isinstance(value, (list, tuple)):
        return [_sorted_keys(item) for item in value]
    return value


_PATCHES: dict[tuple[str, ...], tuple[cdk8s.JsonPatch, ...]] = {}


@functools.cache
def gvk(api_version: str, kind: str) -> cdk8s.GroupVersionKind:
    """The ``GroupVersionKind`` of ``kind`` in ``api_version``, made once per process (``facts.kubernetes`` and the
    other facts modules name them)."""
    return cdk8s.GroupVersionKind(api_version=api_version, kind=kind)


def _body_patches(fields: tuple[str, ...]) -> tuple[cdk8s.JsonPatch, ...]:
    """The patches moving ``fields`` out of the body entry, then removing it. A ``JsonPatch`` is an immutable value
    (``JsonPatch.apply`` copies it), so one set serves every object with the same fields."""
    patches = _PATCHES.get(fields)
    if patches is None:
        moves = [cdk8s.JsonPatch.move(from_=f"/metadata/{_BODY}/{name}", path=f"/{name}") for name in fields]
        patches = _PATCHES[fields] = (*moves, cdk8s.JsonPatch.remove(f"/metadata/{_BODY}"))
    return patches


def namespace_for(scope: Construct, namespace: str | None) -> str:
    """``namespace``, else the chart's (``cdk8s.Chart.of(scope).namespace``), else the stack default."""
    resolved = namespace or cdk8s.Chart.of(scope).namespace or DEFAULT_NAMESPACE
    check_label(type(scope).__name__, "namespace", resolved)
    return resolved


def check_label(construct: str, prop: str, value: str, max_len: int = 63) -> None:
    """``value`` must be a DNS-1123 label (a namespace, an object name): ``PropError`` otherwise."""
    if not (isinstance(value, str) and DNS1123_LABEL.match(value) and len(value) <= max_len):
        raise PropError(
            construct,
            prop,
            value,
            f"use a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, "
            f"at most {max_len} characters",
        )


def cluster_scoped(obj: cdk8s.ApiObject) -> None:
    """Keep the chart's namespace off a cluster-scoped object (a chart namespace stamps every object)."""
    if cdk8s.Chart.of(obj).namespace:
        obj.add_json_patch(cdk8s.JsonPatch.remove("/metadata/namespace"))
