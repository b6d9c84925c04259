"""A small typed builder for Grafana dashboard JSON (schema 39): time-series panels of Prometheus queries.

Only what the stack's dashboard uses: rows, time-series panels with several targets, a unit, optional
threshold lines, and query variables. Layout is automatic (two panels per line, rows full width).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DATASOURCE_VARIABLE = "datasource"
_DATASOURCE = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}
SCHEMA_VERSION = 39
PANEL_WIDTH = 12
PANEL_HEIGHT = 8
GRID_WIDTH = 24


@dataclass(frozen=True)
class Target:
    """One PromQL query of a panel."""

    expr: str
    legend: str
    """Legend of its series (Grafana's ``legendFormat``: ``{{label}}`` expands a label)."""


@dataclass(frozen=True)
class Threshold:
    """A horizontal line on a panel, e.g. an SLO."""

    value: float
    color: str = "red"


@dataclass(frozen=True)
class Panel:
    """A time-series panel."""

    title: str
    targets: tuple[Target, ...]
    unit: str = "short"
    """Grafana unit id: ``s``, ``percentunit``, ``reqps``, ``short``, ..."""
    description: str = ""
    thresholds: tuple[Threshold, ...] = ()
    """Drawn as lines. Default: none."""
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Row:
    """A titled row holding panels."""

    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class QueryVariable:
    """A template variable whose values come from a Prometheus ``label_values(...)`` query."""

    name: str
    label: str
    query: str
    include_all: bool = False


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: a Prometheus data source variable, query variables, rows of panels."""

    uid: str
    title: str
    rows: tuple[Row, ...]
    variables: tuple[QueryVariable, ...] = ()
    tags: tuple[str, ...] = ()
    description: str = ""
    refresh: str = "30s"
    time_from: str = "now-3h"

    def panels(self) -> list[Panel]:
        return [panel for row in self.rows for panel in row.panels]

    def to_json_model(self) -> dict[str, Any]:
        """The dashboard JSON model Grafana imports."""
        panels: list[dict[str, Any]] = []
        next_id = 1
        y = 0
        for row in self.rows:
            panels.append(
                {
                    "type": "row",
                    "id": next_id,
                    "title": row.title,
                    "collapsed": False,
                    "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y},
                    "panels": [],
                }
            )
            next_id += 1
            y += 1
            for index, panel in enumerate(row.panels):
                x = (index * PANEL_WIDTH) % GRID_WIDTH
                if index and x == 0:
                    y += PANEL_HEIGHT
                panels.append(_panel_json(panel, next_id, {"h": PANEL_HEIGHT, "w": PANEL_WIDTH, "x": x, "y": y}))
                next_id += 1
            y += PANEL_HEIGHT
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "schemaVersion": SCHEMA_VERSION,
            "editable": True,
            "graphTooltip": 1,
            "refresh": self.refresh,
            "time": {"from": self.time_from, "to": "now"},
            "timezone": "browser",
            "templating": {"list": [_datasource_variable(), *(_query_variable(v) for v in self.variables)]},
            "annotations": {"list": []},
            "panels": panels,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_json_model(), indent=2, sort_keys=True) + "\n"


def _panel_json(panel: Panel, panel_id: int, grid: dict[str, int]) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "unit": panel.unit,
        "custom": {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 10,
            "showPoints": "never",
            "thresholdsStyle": {"mode": "line+area" if panel.thresholds else "off"},
        },
        "thresholds": {
            "mode": "absolute",
            "steps": [{"color": "green", "value": None}]
            + [{"color": t.color, "value": t.value} for t in panel.thresholds],
        },
    }
    if panel.min is not None:
        defaults["min"] = panel.min
    if panel.max is not None:
        defaults["max"] = panel.max
    return {
        "type": "timeseries",
        "id": panel_id,
        "title": panel.title,
        "description": panel.description,
        "datasource": dict(_DATASOURCE),
        "gridPos": grid,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
        "targets": [
            {"refId": _ref_id(i), "datasource": dict(_DATASOURCE), "expr": t.expr, "legendFormat": t.legend}
            for i, t in enumerate(panel.targets)
        ],
    }


def _ref_id(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else f"Q{index}"


def _datasource_variable() -> dict[str, Any]:
    return {"name": DATASOURCE_VARIABLE, "label": "Data source", "type": "datasource", "query": "prometheus"}


def _query_variable(variable: QueryVariable) -> dict[str, Any]:
    return {
        "name": variable.name,
        "label": variable.label,
        "type": "query",
        "datasource": dict(_DATASOURCE),
        "definition": variable.query,
        "query": {"query": variable.query, "refId": f"{variable.name}-values"},
        "refresh": 2,
        "sort": 1,
        "includeAll": variable.include_all,
        "multi": False,
    }


def substitute(expr: str, values: Sequence[tuple[str, str]]) -> str:
    """``expr`` with Grafana variables (``$name``) replaced, longest names first, as Grafana would send it."""
    for name, value in sorted(values, key=lambda item: -len(item[0])):
        expr = expr.replace(f"${name}", value)
    return expr
