"""What Envoy Gateway needs beside its binary: its configuration and the objects its Helm chart installs."""

from __future__ import annotations

import base64
import secrets

from llm_inference_stack.facts import envoy_gateway, inference_extension
from llm_inference_stack.pins import ENVOY_GATEWAY_IMAGE

from .kube import JsonDict
from .pki import Pki

REDIS_HOST = "redis.redis-system.svc.cluster.local"
REDIS_PORT = 6379
"""Where Envoy Gateway's global rate limit keeps its counters (its ``rateLimit.backend``)."""
RATE_LIMIT_FAIL_CLOSED = False
"""Envoy Gateway's ``rateLimit.failClosed``, written out: Envoy's rate-limit filter lets a request through when the
rate-limit service gives no answer (Redis down, the service down or slow), rather than refusing it with 500. False is
Envoy Gateway's own default (v1.9.0, ``api/v1alpha1/envoygateway_types.go``): the token limits fail open, and the
fault run of the probe (:mod:`.faults`, ``redis-down``) checks that requests keep succeeding while Redis is down."""


def envoy_gateway_config(extension_host: str, extension_port: int) -> JsonDict:
    """Envoy Gateway's own configuration: the settings docs/operations.md lists as the stack's prerequisites, with the
    AI Gateway's extension server at ``extension_host:extension_port``."""
    return {
        "apiVersion": envoy_gateway.API_VERSION,
        "kind": "EnvoyGateway",
        "gateway": {"controllerName": envoy_gateway.CONTROLLER_NAME},
        "logging": {"level": {"default": "info"}},
        "provider": {"type": "Kubernetes", "kubernetes": {"deploy": {"type": "GatewayNamespace"}}},
        "rateLimit": {
            "backend": {"type": "Redis", "redis": {"url": f"{REDIS_HOST}:{REDIS_PORT}"}},
            "failClosed": RATE_LIMIT_FAIL_CLOSED,
        },
        "extensionApis": {"enableBackend": True, "enableEnvoyPatchPolicy": True},
        "extensionManager": {
            "hooks": {
                "xdsTranslator": {
                    "translation": {
                        "listener": {"includeAll": True},
                        "route": {"includeAll": True},
                        "cluster": {"includeAll": True},
                        "secret": {"includeAll": True},
                    },
                    "post": ["Translation", "Cluster", "Route"],
                }
            },
            "service": {"fqdn": {"hostname": extension_host, "port": extension_port}},
            # The AI Gateway's Envoy Gateway values for InferencePool backends (routing.mode: prefix-aware).
            "backendResources": [
                {"group": inference_extension.GROUP, "kind": inference_extension.POOL_KIND, "version": "v1"}
            ],
        },
    }


def envoy_gateway_chart_objects(namespace: str, pki: Pki) -> list[JsonDict]:
    """What Envoy Gateway's Helm chart installs and Envoy Gateway reads: the Service, Deployment and
    ServiceAccount ``envoy-gateway`` (owners of the rate-limit infrastructure; the Service is the xDS address in
    the bootstraps it writes) and the Secrets its certgen job writes (the Envoy, rate-limit and controller
    certificates, the OIDC HMAC key), in the order to apply them."""
    labels = {"control-plane": "envoy-gateway"}
    objects: list[JsonDict] = []
    ports = [("grpc", 18000), ("ratelimit", 18001), ("wasm", 18002), ("metrics", 19001)]  # the chart's values
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "envoy-gateway", "namespace": namespace, "labels": labels},
            "spec": {
                "type": "ClusterIP",
                "selector": labels,
                "ports": [{"name": n, "port": p, "targetPort": p} for n, p in ports],
            },
        }
    )
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "envoy-gateway", "namespace": namespace, "labels": labels},
        }
    )
    objects.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "envoy-gateway", "namespace": namespace, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": "envoy-gateway",
                        "containers": [
                            {"name": "envoy-gateway", "image": ENVOY_GATEWAY_IMAGE,
                             "args": ["server", "--config-path=/config/envoy-gateway.yaml"]}
                        ]
                    },
                },
            },
        }
    )  # fmt: skip
    tls = {
        "ca.crt": pki.ca_cert.read_bytes(),
        "tls.crt": pki.serving_cert.read_bytes(),
        "tls.key": pki.serving_key.read_bytes(),
    }
    secrets_ = {
        "envoy-gateway": ("kubernetes.io/tls", tls),
        "envoy": ("kubernetes.io/tls", tls),
        "envoy-rate-limit": ("kubernetes.io/tls", tls),
        "envoy-oidc-hmac": ("Opaque", {"hmac-secret": secrets.token_bytes(32)}),
    }
    for name, (secret_type, data) in secrets_.items():
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": name, "namespace": namespace, "labels": labels},
                "type": secret_type,
                "data": {k: base64.b64encode(v).decode() for k, v in data.items()},
            }
        )
    return objects
