"""The Envoy 1.40 bootstrap of the standalone gateway.

Pure data: no constructs. ``standalone_gateway.StandaloneGateway`` puts the bootstrap and the API-key renderer
script into its ConfigMap; ``llm-stack local-run`` and the end-to-end tests run Envoy on the localized copy.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .config import GatewayConfig, PhoenixConfig, ResilienceConfig
from .errors import SettingsError
from .facts import opentelemetry
from .routes import ModelRoute
from .settings.gateway import RETRY_ON, RETRY_STATUS_CODES, STANDALONE_ADMIN_PORT

ENVOY_UID = 101
"""The ``envoy`` user of the upstream image."""
ADMIN_ADDRESS = "127.0.0.1"
ADMIN_PORT = STANDALONE_ADMIN_PORT
CONCURRENCY = 2
"""Envoy worker threads; matches the CPU limit (Envoy would otherwise start one per node core)."""
CONFIG_DIR = "/etc/envoy"
BOOTSTRAP_FILE = "envoy.yaml"
RENDER_SCRIPT_FILE = "render-api-keys.sh"
KEYS_DIR = "/etc/envoy/api-keys"
"""Where the keys Secret is mounted (one file per client: name = client id, content = API key)."""
DYNAMIC_DIR = "/var/run/envoy/dynamic"
"""Memory-backed emptyDir shared by the renderer and Envoy; Envoy watches it."""
API_KEY_AUTH_FILE = "api-key-auth.json"
API_KEY_FILTER_NAME = "api-key-auth"
KEY_RELOAD_SECONDS = 5
"""How often the renderer sidecar re-reads the mounted Secret."""
METADATA_NAMESPACE = "llm_inference_stack"
MODEL_METADATA_KEY = "model"
HEALTH_PATH = "/healthz"
CHECKSUM_ANNOTATION = "llm-inference-stack/config-checksum"
INFERENCE_PATHS = ("/chat/completions", "/completions", "/embeddings")
"""POST paths (under the API prefix) routed to the model named in the body."""
MODELS_PATH = "/models"
UPSTREAM_CLUSTER_PREFIX = "model-"
PHOENIX_CLUSTER = "phoenix"
ADMIN_CLUSTER = "envoy-admin"


def _duration(seconds: float) -> str:
    return f"{seconds:g}s"


def _typed(type_name: str, **fields: Any) -> dict[str, Any]:
    return {"@type": f"type.googleapis.com/{type_name}", **fields}


def _dns_cluster(
    name: str, host: str, port: int, *, tls: bool = False, buffer_limit: int | None = None
) -> dict[str, Any]:
    cluster: dict[str, Any] = {
        "name": name,
        "type": "STRICT_DNS",
        "connect_timeout": "5s",
        "dns_lookup_family": "V4_PREFERRED",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [
                {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}]}
            ],
        },
    }
    if buffer_limit is not None:
        cluster["per_connection_buffer_limit_bytes"] = buffer_limit
    if tls:
        cluster["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": _typed(
                "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                sni=host,
                common_tls_context={
                    "validation_context": {"trusted_ca": {"filename": "/etc/ssl/certs/ca-certificates.crt"}}
                },
            ),
        }
    return cluster


def _model_cluster(route: ModelRoute, config: GatewayConfig) -> dict[str, Any]:
    """The cluster of one model's predictor Service: HTTP/1.1 connections closed after
    ``upstream_idle_timeout_seconds`` idle (before vLLM closes them), and outlier detection when on."""
    resilience = config.resilience
    cluster = _dns_cluster(
        f"{UPSTREAM_CLUSTER_PREFIX}{route.backend_name}",
        route.service_host,
        route.service_port,
        buffer_limit=config.buffer_limit_bytes,
    )
    cluster["typed_extension_protocol_options"] = {
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": _typed(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            common_http_protocol_options={"idle_timeout": _duration(resilience.upstream_idle_timeout_seconds)},
            # vLLM speaks HTTP/1.1 (uvicorn), Envoy's default upstream protocol; the options need one named.
            explicit_http_config={"http_protocol_options": {}},
        )
    }
    if resilience.consecutive_5xx_errors is not None:
        cluster["outlier_detection"] = {
            "consecutive_5xx": resilience.consecutive_5xx_errors,
            "interval": _duration(resilience.outlier_interval_seconds),
            "base_ejection_time": _duration(resilience.base_ejection_seconds),
            "max_ejection_percent": resilience.max_ejection_percent,
        }
    return cluster


def _retry_policy(resilience: ResilienceConfig) -> dict[str, Any] | None:
    """The model routes' retries (none with ``retries: 0``). No ``per_try_timeout``: each attempt may take the
    route's whole timeout, which a generation needs; Envoy retries only before the response starts."""
    if resilience.retries == 0:
        return None
    return {
        "retry_on": ",".join(RETRY_ON),
        "retriable_status_codes": list(RETRY_STATUS_CODES),
        "num_retries": resilience.retries,
        "retry_back_off": {
            "base_interval": _duration(resilience.retry_base_interval_ms / 1000),
            "max_interval": _duration(resilience.retry_max_interval_ms / 1000),
        },
    }


def _split_url(url: str) -> tuple[str, str, int, str]:
    match = re.fullmatch(r"(https?)://(\[[0-9A-Fa-f:.]+\]|[^/:\[\]]+)(?::(\d+))?(/.*)?", url)
    if match is None:
        raise SettingsError("endpoint", url, "use an http:// or https:// URL")
    scheme, host, port, path = match.groups()
    return scheme, host, int(port) if port else (443 if scheme == "https" else 80), (path or "").rstrip("/")


def api_key_auth_config(client_id_header: str) -> dict[str, Any]:
    """The ``api_key_auth`` filter configuration without credentials (the renderer adds them)."""
    return _typed(
        "envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth",
        credentials=[],
        # OpenAI clients send "Authorization: Bearer <key>"; the filter strips the "Bearer " prefix.
        key_sources=[{"header": "authorization"}],
        # Overwrites any client-sent copy of the header, and keeps the key from the model server.
        forwarding={"header": client_id_header, "hide_credentials": True},
    )


def render_script(client_id_header: str) -> str:
    """POSIX shell that writes the ECDS resource for ``api_key_auth`` from the mounted keys Secret.

    ``render-api-keys.sh SECRET_DIR OUT_FILE [INTERVAL_SECONDS]``: renders once, or every INTERVAL seconds
    when given. The file is replaced by rename only when its content changes (Envoy reloads on the rename).
    """
    resource = {
        "resources": [
            _typed(
                "envoy.config.core.v3.TypedExtensionConfig",
                name=API_KEY_FILTER_NAME,
                typed_config=api_key_auth_config(client_id_header),
            )
        ]
    }
    head, tail = json.dumps(resource, separators=(",", ":")).split('"credentials":[]', 1)
    assert "'" not in head + tail
    return f"""#!/bin/sh
# Renders Envoy's api_key_auth filter configuration (an ECDS resource) from the mounted keys Secret:
# one file per client, file name = client id, content = API key. Keys never enter the ConfigMap.
# Usage: {RENDER_SCRIPT_FILE} SECRET_DIR OUT_FILE [INTERVAL_SECONDS]   (no interval: render once)
set -eu
umask 077
SECRET_DIR=$1
OUT=$2
INTERVAL=${{3:-}}
HEAD='{head}"credentials":['
TAIL=']{tail}'
CR=$(printf '\\r')

render() {{
  tmp="$OUT.tmp"
  count=0
  {{
    printf '%s' "$HEAD"
    sep=""
    # The glob skips the kubelet's ..data / ..<timestamp> entries.
    for file in "$SECRET_DIR"/*; do
      [ -f "$file" ] || continue
      client=${{file##*/}}
      key=$(cat "$file")
      key=${{key%"$CR"}}
      case $key in
        "" | *[[:cntrl:]]*)
          echo "render-api-keys: skipping client $client: its key is empty or has control characters" >&2
          continue ;;
      esac
      escaped=$(printf '%s' "$key" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g')
      printf '%s{{"client":"%s","key":"%s"}}' "$sep" "$client" "$escaped"
      sep=","
      count=$((count + 1))
    done
    printf '%s\\n' "$TAIL"
  }} >"$tmp"
  if [ -f "$OUT" ] && [ "$(cat "$OUT")" = "$(cat "$tmp")" ]; then
    rm -f "$tmp"
    return 0
  fi
  mv -f "$tmp" "$OUT"
  echo "render-api-keys: wrote $count client key(s) to $OUT" >&2
}}

render
[ -n "$INTERVAL" ] || exit 0
while sleep "$INTERVAL"; do
  render || echo "render-api-keys: render failed; keeping the previous keys" >&2
done
"""


def _json_error_mapper() -> dict[str, Any]:
    """Local replies (401, 404, 429, 413, 503 ...) as OpenAI-style JSON errors, so SDKs show the reason."""
    return {
        "mappers": [
            {
                "filter": {
                    "status_code_filter": {
                        "comparison": {
                            "op": "GE",
                            "value": {"default_value": 400, "runtime_key": "llm_stack.json_errors"},
                        }
                    }
                },
                "body_format_override": {
                    "json_format": {
                        "error": {
                            "message": "%LOCAL_REPLY_BODY%",
                            "type": "%RESPONSE_CODE_DETAILS%",
                            "code": "%RESPONSE_CODE%",
                        }
                    }
                },
            }
        ]
    }


def _rate_limit(requests_per_minute: int, client_id_header: str) -> dict[str, Any]:
    """Per-route ``local_ratelimit``: one token bucket per client id (wildcard descriptor), refilled continuously."""
    return _typed(
        "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
        stat_prefix="client_requests",
        # The route's catch-all bucket; only the per-client descriptor limits.
        token_bucket={"max_tokens": 1_000_000_000, "tokens_per_fill": 1_000_000_000, "fill_interval": "1s"},
        filter_enabled={
            "runtime_key": "llm_stack.rate_limit_enabled",
            "default_value": {"numerator": 100, "denominator": "HUNDRED"},
        },
        filter_enforced={
            "runtime_key": "llm_stack.rate_limit_enforced",
            "default_value": {"numerator": 100, "denominator": "HUNDRED"},
        },
        rate_limits=[
            {"actions": [{"request_headers": {"header_name": client_id_header, "descriptor_key": "client_id"}}]}
        ],
        descriptors=[
            {
                "entries": [{"key": "client_id"}],
                "token_bucket": {
                    "max_tokens": requests_per_minute,
                    "tokens_per_fill": requests_per_minute,
                    "fill_interval": "60s",
                },
            }
        ],
        max_dynamic_descriptors=10_000,
        enable_x_ratelimit_headers="DRAFT_VERSION_03",
        response_headers_to_add=[
            # Buckets refill continuously: one request is available again after 60/limit seconds.
            {
                "header": {"key": "retry-after", "value": str(math.ceil(60 / requests_per_minute))},
                "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
            }
        ],
    )


def _health_route() -> dict[str, Any]:
    """Answered by Envoy's admin /ready (LIVE, or 503 while starting or draining); no key needed."""
    return {
        "name": "health",
        "match": {"path": HEALTH_PATH},
        "route": {"cluster": ADMIN_CLUSTER, "prefix_rewrite": "/ready", "timeout": "2s"},
        "typed_per_filter_config": {API_KEY_FILTER_NAME: _typed("envoy.config.route.v3.FilterConfig", disabled=True)},
    }


def _inference_route(route: ModelRoute, cluster: str, *, config: GatewayConfig, multi: bool) -> dict[str, Any]:
    """The POST inference paths of one model; with several models, matched on the body's ``model`` too."""
    prefix = route.api_prefix.rstrip("/")
    paths = "|".join(re.escape(p.lstrip("/")) for p in INFERENCE_PATHS)
    match: dict[str, Any] = {"safe_regex": {"regex": f"{re.escape(prefix)}/({paths})"}}
    if multi:
        match["dynamic_metadata"] = [
            {
                "filter": METADATA_NAMESPACE,
                "path": [{"key": MODEL_METADATA_KEY}],
                "value": {"string_match": {"exact": route.served_model_name}},
            }
        ]
    action: dict[str, Any] = {"cluster": cluster, "timeout": _duration(config.request_timeout_seconds)}
    retry_policy = _retry_policy(config.resilience)
    if retry_policy is not None:
        action["retry_policy"] = retry_policy
    model_route: dict[str, Any] = {"name": route.backend_name, "match": match, "route": action}
    requests_per_minute = config.standalone.requests_per_minute
    if route.rate_limit is not None and requests_per_minute is not None:
        model_route["typed_per_filter_config"] = {
            "envoy.filters.http.local_ratelimit": _rate_limit(requests_per_minute, config.client_id_header)
        }
    return model_route


def _model_listing_routes(name: str, routes: Sequence[ModelRoute]) -> list[dict[str, Any]]:
    """With several models, Envoy answers ``/models`` itself: one listing per API prefix."""
    json_headers = [
        {"header": {"key": "content-type", "value": "application/json"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
    ]
    listing = {
        "object": "list",
        "data": [{"id": r.served_model_name, "object": "model", "owned_by": name} for r in routes],
    }
    return [
        {
            "name": f"models{prefix.replace('/', '-')}",
            "match": {"path": f"{prefix}{MODELS_PATH}"},
            "direct_response": {"status": 200, "body": {"inline_string": json.dumps(listing)}},
            "response_headers_to_add": json_headers,
        }
        for prefix in sorted({r.api_prefix.rstrip("/") for r in routes})
    ]


def _not_found_route(*, multi: bool) -> dict[str, Any]:
    return {
        "name": "not-found",
        "match": {"prefix": "/"},
        "direct_response": {
            "status": 404,
            "body": {
                "inline_string": "no served model matches this request: check the path and the body's 'model'"
                if multi
                else "not found"
            },
        },
    }


def _model_routes_and_clusters(
    name: str, routes: Sequence[ModelRoute], config: GatewayConfig
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The virtual host's routes (health, each model, model listing, not-found) and one cluster per model."""
    multi = len(routes) > 1
    vhost_routes: list[dict[str, Any]] = [_health_route()]
    clusters: list[dict[str, Any]] = []
    retry_policy = _retry_policy(config.resilience)
    for route in sorted(routes, key=lambda r: r.backend_name):
        cluster = f"{UPSTREAM_CLUSTER_PREFIX}{route.backend_name}"
        clusters.append(_model_cluster(route, config))
        vhost_routes.append(_inference_route(route, cluster, config=config, multi=multi))
        if not multi:
            vhost_routes.append(
                {
                    "name": f"{route.backend_name}-models",
                    "match": {"path": f"{route.api_prefix.rstrip('/')}{MODELS_PATH}"},
                    "route": {"cluster": cluster, "timeout": "30s"}
                    | ({"retry_policy": retry_policy} if retry_policy is not None else {}),
                }
            )
    if multi:
        vhost_routes += _model_listing_routes(name, routes)
    vhost_routes.append(_not_found_route(multi=multi))
    return vhost_routes, clusters


def _http_filters(*, multi: bool) -> list[dict[str, Any]]:
    """API-key auth (its configuration watched on disk), the body's model into metadata when routing on it,
    the per-route rate limit, and the router."""
    http_filters: list[dict[str, Any]] = [
        {
            "name": API_KEY_FILTER_NAME,
            "config_discovery": {
                "config_source": {
                    "path_config_source": {
                        "path": f"{DYNAMIC_DIR}/{API_KEY_AUTH_FILE}",
                        "watched_directory": {"path": DYNAMIC_DIR},
                    },
                    "resource_api_version": "V3",
                },
                "type_urls": ["type.googleapis.com/envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuth"],
            },
        }
    ]
    if multi:
        http_filters.append(
            {
                "name": "envoy.filters.http.json_to_metadata",
                "typed_config": _typed(
                    "envoy.extensions.filters.http.json_to_metadata.v3.JsonToMetadata",
                    request_rules={
                        "rules": [
                            {
                                "selectors": [{"key": "model"}],
                                "on_present": {
                                    "metadata_namespace": METADATA_NAMESPACE,
                                    "key": MODEL_METADATA_KEY,
                                    "type": "STRING",
                                },
                            }
                        ],
                        "allow_empty_content_type": True,
                    },
                ),
            }
        )
    http_filters += [
        {
            "name": "envoy.filters.http.local_ratelimit",
            "typed_config": _typed(
                "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", stat_prefix="client_requests"
            ),
        },
        {"name": "envoy.filters.http.router", "typed_config": _typed("envoy.extensions.filters.http.router.v3.Router")},
    ]
    return http_filters


def _access_log(client_id_header: str) -> list[dict[str, Any]]:
    """One JSON line per request on stdout, with the client id the auth filter forwarded."""
    return [
        {
            "name": "envoy.access_loggers.stdout",
            "typed_config": _typed(
                "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
                log_format={
                    "json_format": {
                        "time": "%START_TIME%",
                        "method": "%REQ(:METHOD)%",
                        "path": "%REQ(:PATH)%",
                        "status": "%RESPONSE_CODE%",
                        "details": "%RESPONSE_CODE_DETAILS%",
                        "client_id": f"%REQ({client_id_header})%",
                        "route": "%ROUTE_NAME%",
                        "duration_ms": "%DURATION%",
                        "request_id": "%REQ(X-REQUEST-ID)%",
                    }
                },
            ),
        }
    ]


def _phoenix_tracing(name: str, phoenix: PhoenixConfig, client_id_header: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Phoenix cluster and the connection manager's OpenTelemetry tracing that exports to it."""
    scheme, host, port, path = _split_url(phoenix.endpoint)
    cluster = _dns_cluster(PHOENIX_CLUSTER, host.strip("[]"), port, tls=scheme == "https")
    tracing = {
        "random_sampling": {"value": 100},
        "spawn_upstream_span": True,
        "custom_tags": [
            {"tag": "client.id", "request_header": {"name": client_id_header}},
            # OpenInference's attribute for the caller: Phoenix shows it as the user.
            {"tag": "user.id", "request_header": {"name": client_id_header}},
        ],
        "provider": {
            "name": "envoy.tracers.opentelemetry",
            "typed_config": _typed(
                "envoy.config.trace.v3.OpenTelemetryConfig",
                service_name=name,
                http_service={
                    "http_uri": {
                        "uri": f"{scheme}://{host}:{port}{path}{opentelemetry.TRACES_PATH}",
                        "cluster": PHOENIX_CLUSTER,
                        "timeout": "5s",
                    }
                },
                # OTEL_RESOURCE_ATTRIBUTES (set on the container) carries openinference.project.name.
                resource_detectors=[
                    {
                        "name": "envoy.tracers.opentelemetry.resource_detectors.environment",
                        "typed_config": _typed(
                            "envoy.extensions.tracers.opentelemetry.resource_detectors.v3.EnvironmentResourceDetectorConfig"
                        ),
                    }
                ],
            ),
        },
    }
    return cluster, tracing


def _admin_cluster() -> dict[str, Any]:
    """Envoy's own admin listener, the target of the health route."""
    return {
        "name": ADMIN_CLUSTER,
        "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": ADMIN_CLUSTER,
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {"socket_address": {"address": ADMIN_ADDRESS, "port_value": ADMIN_PORT}}
                            }
                        }
                    ]
                }
            ],
        },
    }


def _listener(config: GatewayConfig, hcm: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": "gateway",
        "address": {"socket_address": {"address": "0.0.0.0", "port_value": config.port}},
        "per_connection_buffer_limit_bytes": config.buffer_limit_bytes,
        "filter_chains": [
            {
                "filters": [
                    {
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": _typed(
                            "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                            **hcm,
                        ),
                    }
                ]
            }
        ],
    }


def envoy_bootstrap(
    *,
    name: str,
    routes: Sequence[ModelRoute],
    config: GatewayConfig,
    phoenix: PhoenixConfig | None,
) -> dict[str, Any]:
    """The Envoy 1.40 bootstrap of the standalone gateway (no key material: see :func:`render_script`)."""
    if not routes:
        raise ValueError("StandaloneGateway 'routes' is empty: pass at least one ModelRoute")
    vhost_routes, clusters = _model_routes_and_clusters(name, routes, config)
    hcm: dict[str, Any] = {
        "stat_prefix": "gateway",
        "codec_type": "AUTO",
        "use_remote_address": True,
        # A non-streamed generation sends nothing until it is done: idle as long as a request may run.
        "stream_idle_timeout": _duration(config.request_timeout_seconds),
        "route_config": {
            "name": "models",
            "virtual_hosts": [{"name": "openai", "domains": ["*"], "routes": vhost_routes}],
        },
        "http_filters": _http_filters(multi=len(routes) > 1),
        "local_reply_config": _json_error_mapper(),
        "access_log": _access_log(config.client_id_header),
    }
    if phoenix is not None:
        phoenix_cluster, hcm["tracing"] = _phoenix_tracing(name, phoenix, config.client_id_header)
        clusters.append(phoenix_cluster)
    clusters.append(_admin_cluster())
    return {
        # ECDS needs a node identity; every replica may share it (no management server).
        "node": {"id": name, "cluster": name},
        "admin": {"address": {"socket_address": {"address": ADMIN_ADDRESS, "port_value": ADMIN_PORT}}},
        "static_resources": {"listeners": [_listener(config, hcm)], "clusters": clusters},
        "layered_runtime": {"layers": [{"name": "static", "static_layer": {}}]},
    }
