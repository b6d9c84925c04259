"""Grafana as kube-prometheus-stack installs it: how its sidecar finds dashboards."""

from __future__ import annotations

DASHBOARD_LABEL = ("grafana_dashboard", "1")
"""The label kube-prometheus-stack's Grafana sidecar collects dashboards (ConfigMaps) by."""
