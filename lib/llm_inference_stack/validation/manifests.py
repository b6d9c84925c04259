"""The objects under validation: loading them from a directory and looking them up by kind and name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ManifestError, ManifestInputError
from ..redaction import yaml_kind, yaml_text
from ..safe_yaml import (
    MANIFEST_LIMITS,
    MANIFEST_MAX_FILES,
    MANIFEST_TOTAL_BYTES,
    YamlInputError,
    load_all,
    load_json_all,
    read_bounded,
    starts_as_json,
)
from ..stack_marker import is_stack_object

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
"""The files of a directory that are manifests, as ``kubectl apply -f DIR`` reads them."""

Obj = Mapping[str, Any]
"""One Kubernetes object as parsed from YAML."""


def group_version(obj: Obj) -> tuple[str, str]:
    """``("apps", "v1")`` for ``apps/v1``; ``("", "v1")`` for the core group."""
    api_version = str(obj.get("apiVersion", ""))
    group, _, version = api_version.rpartition("/")
    return group, version


def name_of(obj: Obj) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name", "")) if isinstance(meta, Mapping) else ""


def namespace_of(obj: Obj) -> str | None:
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return None
    namespace = meta.get("namespace")
    return str(namespace) if namespace is not None else None


def labels_of(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def annotations_of(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    return annotations if isinstance(annotations, Mapping) else {}


def listed(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty one: for reading a field of an object no schema has checked."""
    return value if isinstance(value, list) else []


def shown(value: Any) -> str:
    """A field's value in a message, as YAML spells it (``'Knative'``, ``true``), or ``not set`` when absent."""
    return "not set" if value is None else yaml_text(value)


def describe(obj: Obj) -> str:
    """``InferenceService kserve-inference/llama-3-70b`` (or ``GatewayClass llm-stack-ai-gateway``)."""
    kind = obj.get("kind") or "(no kind)"
    name = name_of(obj) or "(no name)"
    namespace = namespace_of(obj)
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def dig(obj: Any, *path: str | int) -> Any:
    """``obj[path[0]][path[1]]...`` or ``None`` where any step is missing or of the wrong type."""
    node = obj
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                return None
            node = node[step]
        else:
            if not isinstance(node, Mapping) or step not in node:
                return None
            node = node[step]
    return node


@dataclass
class Manifests:
    """The objects of one output, indexed by ``(kind, namespace, name)``."""

    objects: list[Obj]
    sources: dict[int, str] = field(default_factory=dict)
    """``id(object)`` -> where it came from (``file.yaml#3``), for messages."""
    external_secrets: frozenset[tuple[str, str]] | None = None
    """``(namespace, name)`` of the Secrets created outside this output, when known (the constructs declare them);
    None for a directory: a referenced Secret missing from the output is then taken for a prerequisite."""

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, str | None, str], Obj] = {}
        self._by_kind: dict[str, list[Obj]] = {}
        self._memo: dict[str, Any] = {}
        for obj in self.objects:
            if not isinstance(obj, Mapping):
                continue
            kind = str(obj.get("kind", ""))
            self._index.setdefault((kind, namespace_of(obj), name_of(obj)), obj)
            self._by_kind.setdefault(kind, []).append(obj)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per output (indexes the checks share)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def __iter__(self) -> Iterator[Obj]:
        return iter(self.objects)

    def __len__(self) -> int:
        return len(self.objects)

    def of_kind(self, kind: str) -> list[Obj]:
        return self._by_kind.get(kind, [])

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        return self._index.get((kind, namespace, name))

    def where(self, obj: Obj) -> str:
        source = self.sources.get(id(obj))
        return f"{describe(obj)} ({source})" if source else describe(obj)


def load_directory(path: str | Path) -> Manifests:
    """Every object in the ``*.yaml``, ``*.yml`` and ``*.json`` files under ``path`` (sorted, recursive): the files
    ``kubectl apply -f`` reads; a ``*.json`` file starting with ``{`` is read as a stream of JSON objects, one after
    another, as kubectl reads it (any other file as YAML).

    Reading is bounded (``safe_yaml.MANIFEST_LIMITS`` per file, ``MANIFEST_TOTAL_BYTES`` and
    ``MANIFEST_MAX_FILES`` per directory): a hostile directory fails with ``ManifestInputError``.
    Duplicate keys are problems, as in the API server's strict field validation.
    """
    root = Path(path)
    if not root.is_dir():
        raise ManifestError([f"{root}: not a directory of manifests (pass the output directory, e.g. dist/)"])
    files: list[Path] = []
    for p in root.rglob("*"):
        if p.suffix in MANIFEST_SUFFIXES and not p.is_dir():
            files.append(p)
            if len(files) > MANIFEST_MAX_FILES:
                raise ManifestInputError(
                    f"{root}: more than {MANIFEST_MAX_FILES} manifest files: not an output directory"
                )
    files.sort()
    if not files:
        raise ManifestError(
            [f"{root}: no *.yaml, *.yml or *.json files found (synthesize first: llm-stack synth --out {root})"]
        )
    objects: list[Obj] = []
    sources: dict[int, str] = {}
    problems: list[str] = []
    total = 0
    for file in files:
        rel = file.relative_to(root)
        budget = min(MANIFEST_LIMITS.max_bytes, MANIFEST_TOTAL_BYTES - total)
        try:
            data = read_bounded(file, budget)
        except YamlInputError as error:
            if budget < MANIFEST_LIMITS.max_bytes and "larger than" in error.reason:
                raise ManifestInputError(
                    f"{root}: the manifest files together are larger than {MANIFEST_TOTAL_BYTES >> 20} MiB"
                ) from None
            raise ManifestInputError(f"{rel}: {error.reason}") from None
        total += len(data)
        try:
            text = data.decode("utf-8")
            docs = (
                load_json_all(text, MANIFEST_LIMITS)
                if file.suffix == ".json" and starts_as_json(text)
                else list(load_all(text, MANIFEST_LIMITS))
            )
        except YamlInputError as error:
            where = f"line {error.line}: " if error.line is not None else ""
            if error.bound:
                raise ManifestInputError(f"{rel}: {where}{error.reason}") from None
            problems.append(f"[yaml] {rel}: {where}{error.reason}")
            continue
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            problems.append(f"[yaml] {rel}: not valid YAML: {str(error).splitlines()[0]}")
            continue
        for index, doc in enumerate(docs):
            if doc is None:
                continue
            if not isinstance(doc, dict):
                problems.append(
                    f"[yaml] {rel}#{index}: a document must be a Kubernetes object (mapping), not {yaml_kind(doc)}"
                )
                continue
            objects.append(doc)
            sources[id(doc)] = f"{rel}#{index}"
    if problems:
        raise ManifestError(problems)
    return Manifests(objects, sources)


def from_objects(objects: Iterable[Obj]) -> Manifests:
    return Manifests([o for o in objects if o])


def split_stack(manifests: Manifests) -> tuple[Manifests, Manifests]:
    """``(the objects the stack wrote, every other object)`` of a directory, told apart by the stack's marker label
    (``stack_marker``); each keeps where it came from."""
    stack = [obj for obj in manifests if is_stack_object(obj)]
    others = [obj for obj in manifests if not is_stack_object(obj)]
    return (
        Manifests(stack, manifests.sources, manifests.external_secrets),
        Manifests(others, manifests.sources),
    )
