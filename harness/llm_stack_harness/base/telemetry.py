"""What the harness reads back from the real observability components: Prometheus' HTTP API and Phoenix's spans."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from .errors import HarnessError
from .manifests import JsonDict
from .processes import http_get


def prometheus_api(base_url: str, endpoint: str, params: Mapping[str, str], timeout_s: float = 60.0) -> Any:
    url = f"{base_url}/api/v1/{endpoint}?{urllib.parse.urlencode(params)}"
    code, body = http_get(url, timeout_s)
    payload = json.loads(body)
    if code != 200 or payload.get("status") != "success":
        raise HarnessError(f"Prometheus {endpoint} failed ({code}): {payload.get('error', body[:300])}")
    return payload["data"]


def query_range(base_url: str, query: str, start: float, end: float, step_s: float) -> list[JsonDict]:
    """Series of a range query: ``[{"metric": {...}, "values": [[t, "v"], ...]}, ...]``."""
    data = prometheus_api(
        base_url, "query_range", {"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step_s}"}
    )
    result: list[JsonDict] = data["result"]
    return result


def query_instant(base_url: str, query: str, at: float | None = None) -> list[JsonDict]:
    params = {"query": query} | ({"time": f"{at:.3f}"} if at is not None else {})
    result: list[JsonDict] = prometheus_api(base_url, "query", params)["result"]
    return result


def phoenix_spans(base_url: str, project: str, limit: int = 100) -> list[JsonDict]:
    """Spans Phoenix stored for ``project`` (none if the project does not exist yet)."""
    url = f"{base_url}/v1/projects/{urllib.parse.quote(project, safe='')}/spans?limit={limit}"
    code, body = http_get(url, timeout_s=30)
    if code == 404:
        return []
    if code != 200:
        raise HarnessError(f"Phoenix GET {url} -> {code}: {body[:300]!r}")
    spans: list[JsonDict] = json.loads(body)["data"]
    return spans
