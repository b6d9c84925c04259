"""Arize Phoenix, the trace collector (for the release in :data:`..pins.PHOENIX_VERSION`)."""

from __future__ import annotations

SERVICE_NAME = "phoenix-svc"
"""The Service of the official Phoenix Helm chart (``helm install phoenix``), in the namespace it is installed in."""
HTTP_PORT = 6006
"""Phoenix's HTTP port: its UI, API and OTLP/HTTP receiver (``/v1/traces``)."""
GRPC_PORT = 4317
"""Phoenix's OTLP gRPC receiver (OTLP's default port)."""
