"""Drift: the fields we wrote that the server holds otherwise once admission (defaulting, mutating webhooks) and the
controllers are done.

A GitOps tool compares each field of the manifest with the live object and shows the object out of sync for as
long as one differs (Argo CD's default diff, and Flux's dry-run one, leave fields the manifest does not write
alone). So the comparison here walks what the manifest wrote: every value, and every list item, must be in the
live object as written. Lists of objects that carry a ``name`` (containers, ports, env, volumes) are matched by
name, as the API server merges them (when the names are unique: a rate-limit rule's headers may name one header
twice); other lists must be equal item for item. Extra fields the server added
(defaults, status, controllers' annotations) are not drift. A Secret's ``stringData`` is compared as the
``data`` the server stores it as.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any


def drifted(written: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
    """Where ``live`` does not hold what ``written`` wrote: ``path: written -> live`` lines, in document order."""
    written = _secret_as_stored(written)
    out: list[str] = []
    for key, value in written.items():
        if key in ("apiVersion", "kind", "status"):
            continue
        _compare(value, live.get(key, _MISSING), key, out)
    return out


_MISSING = object()


def _secret_as_stored(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    if obj.get("kind") != "Secret" or not obj.get("stringData"):
        return obj
    data = dict(obj.get("data") or {})
    for key, value in obj["stringData"].items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    return {**{k: v for k, v in obj.items() if k != "stringData"}, "data": data}


def _compare(written: Any, live: Any, path: str, out: list[str]) -> None:
    if live is _MISSING:
        out.append(f"{path}: {_short(written)} -> (absent)")
    elif isinstance(written, Mapping):
        if not isinstance(live, Mapping):
            out.append(f"{path}: {_short(written)} -> {_short(live)}")
            return
        for key, value in written.items():
            _compare(value, live.get(key, _MISSING), f"{path}.{key}", out)
    elif isinstance(written, list):
        _compare_list(written, live, path, out)
    elif written != live and not _same_scalar(written, live):
        out.append(f"{path}: {_short(written)} -> {_short(live)}")


def _compare_list(written: Sequence[Any], live: Any, path: str, out: list[str]) -> None:
    if not isinstance(live, list):
        out.append(f"{path}: {_short(written)} -> {_short(live)}")
        return
    names = [i.get("name") for i in written if isinstance(i, Mapping)]
    if written and len(names) == len(written) and None not in names and len(set(names)) == len(names):
        by_name = {i.get("name"): i for i in live if isinstance(i, Mapping)}
        for item in written:
            _compare(item, by_name.get(item["name"], _MISSING), f"{path}[name={item['name']}]", out)
        return
    if len(written) != len(live):
        out.append(f"{path}: {_short(written)} -> {_short(live)}")
        return
    for index, (item, held) in enumerate(zip(written, live, strict=True)):
        _compare(item, held, f"{path}[{index}]", out)


def _same_scalar(written: Any, live: Any) -> bool:
    """1 and 1.0 are one JSON number."""
    numbers = (int, float)
    return (
        isinstance(written, numbers)
        and isinstance(live, numbers)
        and not isinstance(written, bool)
        and not isinstance(live, bool)
        and float(written) == float(live)
    )


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = ["drifted"]
