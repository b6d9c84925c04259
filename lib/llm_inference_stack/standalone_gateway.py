"""The standalone gateway: a plain Envoy Deployment, for clusters without the Envoy Gateway controller.

Built from the same values as the Envoy AI Gateway mode, it emits a ConfigMap (Envoy bootstrap and the
API-key renderer script), a Deployment, a Service ``<release>-ai-gateway`` and a PodDisruptionBudget.

- Routing: the OpenAI paths vLLM serves go to each model's predictor Service. With one model every request
  goes to it; with several, ``json_to_metadata`` copies the request body's ``model`` into dynamic metadata
  and each model's route matches on it (unknown models get an OpenAI-style 404).
- API keys never enter the ConfigMap. Envoy's ``api_key_auth`` filter takes its credentials inline, so the
  filter's whole configuration is an ECDS resource read from a file (``path_config_source`` with a
  ``watched_directory``). A renderer (init container once, then a sidecar that polls) writes that file
  from the mounted keys Secret into a memory-backed emptyDir by write-then-rename; Envoy picks up the
  rename without a restart, so a rotated key works once the kubelet has updated the Secret volume.
- Rate limits: ``local_ratelimit`` per client (the ``x-client-id`` header set by ``api_key_auth``) and per
  model, counting *requests* per Envoy replica. Envoy 1.40's local rate limiter evaluates
  ``apply_on_stream_done`` limits at request time (the response's ``usage`` is not charged), so token
  budgets are not enforced in this mode (shown by tests/e2e/test_standalone_gateway.py).
- Tracing: Envoy's OpenTelemetry tracer sends spans over OTLP/HTTP to Phoenix, tagged with the client id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cdk8s
import yaml
from constructs import Construct

from ._resource import gvk, lazy_api_object, plain_api_object, plain_json
from .config import GatewayConfig, PhoenixConfig
from .contracts import ServedModel, typed_props
from .envoy_bootstrap import (
    ADMIN_ADDRESS,
    ADMIN_CLUSTER,
    ADMIN_PORT,
    API_KEY_AUTH_FILE,
    API_KEY_FILTER_NAME,
    BOOTSTRAP_FILE,
    CHECKSUM_ANNOTATION,
    CONCURRENCY,
    CONFIG_DIR,
    DYNAMIC_DIR,
    ENVOY_UID,
    HEALTH_PATH,
    KEY_RELOAD_SECONDS,
    KEYS_DIR,
    PHOENIX_CLUSTER,
    RENDER_SCRIPT_FILE,
    UPSTREAM_CLUSTER_PREFIX,
    api_key_auth_config,
    envoy_bootstrap,
    render_script,
)
from .errors import PropError
from .facts import kubernetes
from .gateway_base import GatewayBase
from .routes import ModelRoute
from .settings.typed import Typed
from .tracing_env import otlp_env

if TYPE_CHECKING:
    from .api_keys import ApiKeys

__all__ = [
    "ADMIN_ADDRESS",
    "ADMIN_CLUSTER",
    "ADMIN_PORT",
    "API_KEY_AUTH_FILE",
    "API_KEY_FILTER_NAME",
    "BOOTSTRAP_FILE",
    "CHECKSUM_ANNOTATION",
    "CONFIG_DIR",
    "DYNAMIC_DIR",
    "HEALTH_PATH",
    "KEYS_DIR",
    "PHOENIX_CLUSTER",
    "RENDER_SCRIPT_FILE",
    "UPSTREAM_CLUSTER_PREFIX",
    "StandaloneGateway",
    "StandaloneModel",
    "api_key_auth_config",
    "envoy_bootstrap",
    "render_script",
]


@dataclass(frozen=True)
class StandaloneModel(Typed):
    """What ``StandaloneGateway.add_model`` created for one model server: its route in the Envoy bootstrap
    (cluster ``model-<route.backend_name>`` in ``config_map``)."""

    gateway: StandaloneGateway
    server: ServedModel
    route: ModelRoute


_MOUNTS = {"config": (CONFIG_DIR, True), "api-keys": (KEYS_DIR, True), "dynamic": (DYNAMIC_DIR, False)}
"""Volume name -> (mount path, read-only) in the gateway's containers."""
_RENDER = ["/bin/sh", f"{CONFIG_DIR}/{RENDER_SCRIPT_FILE}", KEYS_DIR, f"{DYNAMIC_DIR}/{API_KEY_AUTH_FILE}"]
"""The API-key renderer's command: the keys directory in, the ECDS file out."""


@typed_props
class StandaloneGateway(GatewayBase[StandaloneModel, None]):
    """A plain Envoy Deployment in front of model servers added with ``add_model`` (``gateway.mode: standalone``).

    The Deployment is ``node.default_child``. The Envoy bootstrap (ConfigMap) and the pod template that carries
    its checksum are computed at synthesis, so every ``add_model`` and ``add_tracing`` before ``App.synth()`` is
    in the output. A rate-limited model (``add_model``'s ``rate_limit``) is limited to
    ``config.standalone.requests_per_minute`` requests per client and replica: this mode cannot charge tokens.

    :param name: name of the Deployment, Service and PDB (the ConfigMap is ``<name>-envoy``), e.g.
        ``<release>-ai-gateway``.
    :param api_keys: the API keys clients authenticate with; its Secret is mounted into the pods.
    :param namespace: namespace of the objects. Default: the namespace of ``api_keys``.
    :param config: gateway settings (``standalone`` holds the settings of this mode). Default: ``GatewayConfig()``.
    :param tracing: where traces go (same as calling ``add_tracing``). Default: no tracing.
    :param project_name: Phoenix project of the spans. Default: ``tracing_env.project_name(tracing)``.
    :param labels: extra labels. Default: none.
    """

    kind = "StandaloneGateway"
    namespace_reason = "the pods mount its Secret, which must be in their own namespace"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        api_keys: ApiKeys,
        namespace: str | None = None,
        config: GatewayConfig | None = None,
        tracing: PhoenixConfig | None = None,
        project_name: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope, id, name=name, api_keys=api_keys, namespace=namespace, config=config, project_name=project_name
        )
        self.image = self.config.standalone.image
        self.config_map_name = f"{name}-envoy"
        self.pod_selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "gateway"}
        """Labels of the Envoy pods, for NetworkPolicies."""
        self.labels = {**self.pod_selector, **(labels or {})}
        self.config_map = lazy_api_object(
            self,
            "ConfigMap",
            gvk=gvk(*kubernetes.CONFIG_MAP),
            metadata=cdk8s.ApiObjectMetadata(name=self.config_map_name, namespace=self.namespace, labels=self.labels),
            fields=("data",),
            produce=lambda: {"data": self.config_data},
            inputs=self._inputs,
        )
        """The ConfigMap with the Envoy bootstrap and the API-key renderer script."""
        self.deployment = lazy_api_object(
            self,
            "Resource",
            gvk=gvk(*kubernetes.DEPLOYMENT),
            metadata=cdk8s.ApiObjectMetadata(name=name, namespace=self.namespace, labels=self.labels),
            fields=("spec",),
            produce=lambda: {"spec": plain_json(self._deployment_spec())},
            inputs=self._inputs,
        )
        """The Envoy Deployment (``node.default_child``)."""
        self.service = self._service()
        self.disruption_budget = plain_api_object(
            self,
            "DisruptionBudget",
            gvk=gvk(*kubernetes.POD_DISRUPTION_BUDGET),
            metadata=cdk8s.ApiObjectMetadata(name=name, namespace=self.namespace, labels=self.labels),
            body={"spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(self.pod_selector)}}},
        )
        if tracing is not None:
            self.add_tracing(tracing, project_name=project_name)

    @property
    def tracing(self) -> PhoenixConfig | None:
        """Where Envoy sends its spans (``add_tracing``): the same as ``phoenix``."""
        return self.phoenix

    def envoy_pod_namespace(self, configured: str | None) -> str | None:
        """The gateway's own namespace, whatever ``configured`` says: the Envoy pods are this construct's."""
        return None

    def _check_config(self, config: GatewayConfig) -> None:
        if config.port == ADMIN_PORT:
            raise PropError(
                "StandaloneGateway", "config.port", config.port, f"use another port: {ADMIN_PORT} is Envoy's admin port"
            )

    def _check_tracing(self, phoenix: PhoenixConfig) -> None:
        if phoenix.auth_secret_name is not None:
            raise PropError(
                "StandaloneGateway",
                "tracing.auth_secret_name",
                phoenix.auth_secret_name,
                "remove it: Envoy's OTLP exporter takes headers inline only, so this mode cannot send a Phoenix "
                "API key (use AiGateway to send one)",
            )

    def _attach_tracing(self, phoenix: PhoenixConfig) -> None:
        """Nothing to make: the bootstrap and the Envoy container read ``phoenix`` at synthesis."""
        return None

    def _add_route(self, server: ServedModel, route: ModelRoute) -> StandaloneModel:
        """Nothing to make: the bootstrap reads ``routes`` at synthesis."""
        return StandaloneModel(gateway=self, server=server, route=route)

    def _service(self) -> cdk8s.ApiObject:
        """The Service ``<name>``, exposed as ``config.service`` says."""
        exposure = self.config.service
        spec = {
            "type": exposure.type,
            "loadBalancerSourceRanges": list(exposure.load_balancer_source_ranges) or None,
            "externalTrafficPolicy": exposure.traffic_policy,
            "selector": dict(self.pod_selector),
            "ports": [{"name": "http", "port": self.config.port, "targetPort": "http", "protocol": "TCP"}],
        }
        return plain_api_object(
            self,
            "Service",
            gvk=gvk(*kubernetes.SERVICE),
            metadata=cdk8s.ApiObjectMetadata(
                name=self.name,
                namespace=self.namespace,
                labels=self.labels,
                annotations=dict(exposure.annotations) or None,
            ),
            body={"spec": spec},
        )

    def _deployment_spec(self) -> dict[str, Any]:
        return {
            "replicas": self.config.replicas,
            "selector": {"matchLabels": dict(self.pod_selector)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": dict(self.labels), "annotations": {CHECKSUM_ANNOTATION: self.config_checksum}},
                "spec": self._pod_spec(),
            },
        }

    def _pod_spec(self) -> dict[str, Any]:
        return {
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": ENVOY_UID,
                "runAsGroup": ENVOY_UID,
                "fsGroup": ENVOY_UID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            # Renders the keys before Envoy starts, so Envoy never serves without them.
            "initContainers": [self._renderer("render-api-keys", _RENDER)],
            "containers": [
                self._envoy_container(),
                # Re-renders the keys when the kubelet updates the Secret volume (key rotation).
                self._renderer("api-key-renderer", [*_RENDER, str(KEY_RELOAD_SECONDS)]),
            ],
            "terminationGracePeriodSeconds": 30,
            "volumes": [
                {"name": "config", "configMap": {"name": self.config_map_name}},
                {"name": "api-keys", "secret": {"secretName": self.api_keys.secret_name, "defaultMode": 0o440}},
                # Memory-backed: the rendered keys never touch the node's disk.
                {"name": "dynamic", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
            ],
        }

    def _renderer(self, name: str, command: list[str]) -> dict[str, Any]:
        """A container of the API-key renderer (the keys Secret in, the ECDS file out)."""
        return {
            "name": name,
            "image": self.image,
            "command": command,
            "securityContext": _security(),
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
            "volumeMounts": _mounts("config", "api-keys", "dynamic"),
        }

    def _envoy_container(self) -> dict[str, Any]:
        command = ["envoy", "--config-path", f"{CONFIG_DIR}/{BOOTSTRAP_FILE}", "--disable-hot-restart"]
        command += ["--concurrency", str(CONCURRENCY), "--drain-time-s", "15", "--log-level", "info"]
        return {
            "name": "envoy",
            "image": self.image,
            "command": command,
            "env": self._env(),
            "ports": [{"name": "http", "containerPort": self.config.port, "protocol": "TCP"}],
            # Ready: the health route, answered by Envoy's admin /ready (503 while starting or draining, so the
            # Service drops a pod on its way out).
            "readinessProbe": {
                "httpGet": {"path": HEALTH_PATH, "port": "http"},
                "periodSeconds": 5,
                "timeoutSeconds": 2,
                "failureThreshold": 2,
            },
            # Alive: the listener accepts connections. Not /ready: a draining Envoy must finish its requests, not
            # be restarted, and under load a slow health answer must not kill the pod; six misses 10s apart
            # (a minute without a listening socket) restart it.
            "livenessProbe": {
                "tcpSocket": {"port": "http"},
                "periodSeconds": 10,
                "timeoutSeconds": 5,
                "failureThreshold": 6,
            },
            # Let the Service drop this pod before Envoy stops taking connections.
            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "10"]}}},
            "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
            "securityContext": _security(),
            "volumeMounts": _mounts("config", "dynamic"),
        }

    def _env(self) -> list[dict[str, Any]] | None:
        if self.phoenix is None:
            return None
        return [
            {"name": var.name, "value": var.value}
            for var in otlp_env(self.phoenix, service_name=self.name, project_name=self.project_name, exporter="envoy")
        ]

    def _inputs(self) -> object:
        """What the ConfigMap and the Deployment depend on that may change after construction."""
        return (tuple(self.routes), self.tracing, self.project_name)

    @property
    def bootstrap(self) -> dict[str, Any]:
        """The Envoy bootstrap for the models added so far."""
        return envoy_bootstrap(name=self.name, routes=self.routes, config=self.config, phoenix=self.tracing)

    @property
    def config_data(self) -> dict[str, str]:
        """The ConfigMap's data: the bootstrap and the API-key renderer script."""
        return {
            BOOTSTRAP_FILE: yaml.safe_dump(self.bootstrap, sort_keys=False, width=1000),
            RENDER_SCRIPT_FILE: render_script(self.config.client_id_header),
        }

    @property
    def config_checksum(self) -> str:
        """Hash of the ConfigMap data, on the pod template: a config change rolls the pods."""
        return hashlib.sha256(json.dumps(self.config_data, sort_keys=True).encode() + self.image.encode()).hexdigest()


def _security() -> dict[str, Any]:
    """The containers' security context: non-root, read-only root filesystem, no capabilities."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def _mounts(*names: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "mountPath": _MOUNTS[name][0], "readOnly": True if _MOUNTS[name][1] else None} for name in names
    ]
