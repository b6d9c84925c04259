"""OpenTelemetry's OTLP exporters: where traces go by default."""

from __future__ import annotations

TRACES_PATH = "/v1/traces"
"""Path of OTLP/HTTP traces: the SDK appends it to ``OTEL_EXPORTER_OTLP_ENDPOINT``, and receivers serve it."""
GRPC_PORT = 4317
"""Default port of OTLP over gRPC."""
