"""The Prometheus Operator: the API of the objects the stack writes for it (PodMonitor, PrometheusRule)."""

from __future__ import annotations

API_VERSION = "monitoring.coreos.com/v1"
"""``apiVersion`` of PodMonitor and PrometheusRule."""
POD_MONITOR = "PodMonitor"
PROMETHEUS_RULE = "PrometheusRule"
