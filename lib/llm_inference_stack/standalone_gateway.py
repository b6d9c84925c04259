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
from cdk8s_plus_27 import k8s
from constructs import Construct

from ._resource import body, check_label, lazy_api_object, namespace_for
from .config import INHERIT, GatewayConfig, Inherit, PhoenixConfig, RateLimitConfig
from .contracts import ServedModel
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
    LOCAL_SUBSTITUTIONS,
    PHOENIX_CLUSTER,
    RENDER_SCRIPT_FILE,
    UPSTREAM_CLUSTER_PREFIX,
    api_key_auth_config,
    envoy_bootstrap,
    localize_bootstrap,
    render_script,
)
from .errors import PropError
from .routes import ModelRoute, new_route, rate_limit_for
from .tracing_env import otlp_env
from .tracing_env import project_name as trace_project
from .validation import ChartValidation

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
    "LOCAL_SUBSTITUTIONS",
    "PHOENIX_CLUSTER",
    "RENDER_SCRIPT_FILE",
    "UPSTREAM_CLUSTER_PREFIX",
    "StandaloneGateway",
    "StandaloneModel",
    "api_key_auth_config",
    "envoy_bootstrap",
    "localize_bootstrap",
    "render_script",
]


@dataclass(frozen=True)
class StandaloneModel:
    """What ``StandaloneGateway.add_model`` created for one model server: its route in the Envoy bootstrap
    (cluster ``model-<route.backend_name>`` in ``config_map``)."""

    gateway: StandaloneGateway
    server: ServedModel
    route: ModelRoute


class StandaloneGateway(Construct):
    """A plain Envoy Deployment in front of model servers added with ``add_model`` (``gateway.mode: standalone``).

    The Deployment is ``node.default_child``. The Envoy bootstrap (ConfigMap) and the pod template that carries
    its checksum are computed at synthesis, so every ``add_model`` and ``add_tracing`` before ``App.synth()`` is
    in the output.

    :param name: name of the Deployment, Service and PDB (the ConfigMap is ``<name>-envoy``), e.g.
        ``<release>-ai-gateway``.
    :param api_keys: the API keys clients authenticate with; its Secret is mounted into the pods.
    :param namespace: namespace of the objects. Default: the namespace of ``api_keys``.
    :param config: gateway settings (``standalone`` holds the settings of this mode). Default: ``GatewayConfig()``.
    :param tracing: where traces go (same as calling ``add_tracing``). Default: no tracing.
    :param project_name: Phoenix project of the spans. Default: ``tracing_env.project_name(tracing)``.
    :param labels: extra labels. Default: none.
    """

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
        super().__init__(scope, id)
        check_label("StandaloneGateway", "name", name)
        config = config if config is not None else GatewayConfig()
        if config.port == ADMIN_PORT:
            raise PropError(
                "StandaloneGateway", "config.port", config.port, f"use another port: {ADMIN_PORT} is Envoy's admin port"
            )
        namespace = namespace_for(self, namespace or api_keys.namespace)
        if namespace != api_keys.namespace:
            raise PropError(
                "StandaloneGateway",
                "namespace",
                namespace,
                f"use the namespace of api_keys ({api_keys.namespace!r}): the pods mount its Secret, which must be "
                "in their own namespace",
            )
        self.name = name
        self.namespace = namespace
        self.config = config
        self.api_keys = api_keys
        self.routes: list[ModelRoute] = []
        """The models routed to, in the order added."""
        self.models: list[StandaloneModel] = []
        self.tracing: PhoenixConfig | None = None
        """Where Envoy sends its spans (``add_tracing``)."""
        self._project_name = project_name
        self.image = config.standalone.image
        self.config_map_name = f"{name}-envoy"
        self.pod_selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "gateway"}
        """Labels of the Envoy pods, for NetworkPolicies."""
        self.labels = {**self.pod_selector, **(labels or {})}
        ChartValidation.of(self).add_construct_check(self._check_models)
        meta = k8s.ObjectMeta(name=name, namespace=namespace, labels=self.labels)
        api_keys_secret = api_keys.secret_name

        self.config_map = lazy_api_object(
            self,
            "ConfigMap",
            gvk=k8s.KubeConfigMap.GVK,
            metadata=cdk8s.ApiObjectMetadata(name=self.config_map_name, namespace=namespace, labels=self.labels),
            fields=("data",),
            produce=lambda: {"data": self.config_data},
            inputs=self._inputs,
        )
        """The ConfigMap with the Envoy bootstrap and the API-key renderer script."""

        security = k8s.SecurityContext(
            allow_privilege_escalation=False,
            read_only_root_filesystem=True,
            run_as_non_root=True,
            capabilities=k8s.Capabilities(drop=["ALL"]),
        )
        config_mount = k8s.VolumeMount(name="config", mount_path=CONFIG_DIR, read_only=True)
        keys_mount = k8s.VolumeMount(name="api-keys", mount_path=KEYS_DIR, read_only=True)
        dynamic_mount = k8s.VolumeMount(name="dynamic", mount_path=DYNAMIC_DIR)
        small = k8s.ResourceRequirements(
            requests={"cpu": k8s.Quantity.from_string("10m"), "memory": k8s.Quantity.from_string("16Mi")},
            limits={"cpu": k8s.Quantity.from_string("100m"), "memory": k8s.Quantity.from_string("64Mi")},
        )
        render = ["/bin/sh", f"{CONFIG_DIR}/{RENDER_SCRIPT_FILE}", KEYS_DIR, f"{DYNAMIC_DIR}/{API_KEY_AUTH_FILE}"]
        probe = k8s.HttpGetAction(path=HEALTH_PATH, port=k8s.IntOrString.from_string("http"))

        def env() -> list[k8s.EnvVar] | None:
            if self.tracing is None:
                return None
            return [
                k8s.EnvVar(name=var.name, value=var.value)
                for var in otlp_env(self.tracing, service_name=name, project_name=self.project_name, exporter="envoy")
            ]

        def deployment_spec() -> k8s.DeploymentSpec:
            return k8s.DeploymentSpec(
                replicas=config.replicas,
                selector=k8s.LabelSelector(match_labels=self.pod_selector),
                strategy=k8s.DeploymentStrategy(
                    type="RollingUpdate",
                    rolling_update=k8s.RollingUpdateDeployment(
                        max_surge=k8s.IntOrString.from_number(1), max_unavailable=k8s.IntOrString.from_number(0)
                    ),
                ),
                template=k8s.PodTemplateSpec(
                    metadata=k8s.ObjectMeta(
                        labels=self.labels, annotations={CHECKSUM_ANNOTATION: self.config_checksum}
                    ),
                    spec=k8s.PodSpec(
                        automount_service_account_token=False,
                        security_context=k8s.PodSecurityContext(
                            run_as_non_root=True,
                            run_as_user=ENVOY_UID,
                            run_as_group=ENVOY_UID,
                            fs_group=ENVOY_UID,
                            seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault"),
                        ),
                        # Renders the keys before Envoy starts, so Envoy never serves without them.
                        init_containers=[
                            k8s.Container(
                                name="render-api-keys",
                                image=self.image,
                                command=render,
                                security_context=security,
                                resources=small,
                                volume_mounts=[config_mount, keys_mount, dynamic_mount],
                            )
                        ],
                        containers=[
                            k8s.Container(
                                name="envoy",
                                image=self.image,
                                command=[
                                    "envoy",
                                    "--config-path",
                                    f"{CONFIG_DIR}/{BOOTSTRAP_FILE}",
                                    "--disable-hot-restart",
                                    "--concurrency",
                                    str(CONCURRENCY),
                                    "--drain-time-s",
                                    "15",
                                    "--log-level",
                                    "info",
                                ],
                                env=env(),
                                ports=[k8s.ContainerPort(name="http", container_port=config.port, protocol="TCP")],
                                readiness_probe=k8s.Probe(
                                    http_get=probe, period_seconds=5, timeout_seconds=2, failure_threshold=2
                                ),
                                liveness_probe=k8s.Probe(
                                    http_get=probe, period_seconds=10, timeout_seconds=3, failure_threshold=6
                                ),
                                # Let the Service drop this pod before Envoy stops taking connections.
                                lifecycle=k8s.Lifecycle(
                                    pre_stop=k8s.LifecycleHandler(exec=k8s.ExecAction(command=["sleep", "10"]))
                                ),
                                resources=k8s.ResourceRequirements(
                                    requests={
                                        "cpu": k8s.Quantity.from_string("500m"),
                                        "memory": k8s.Quantity.from_string("512Mi"),
                                    },
                                    limits={
                                        "cpu": k8s.Quantity.from_string("2"),
                                        "memory": k8s.Quantity.from_string("1Gi"),
                                    },
                                ),
                                security_context=security,
                                volume_mounts=[config_mount, dynamic_mount],
                            ),
                            # Re-renders the keys when the kubelet updates the Secret volume (key rotation).
                            k8s.Container(
                                name="api-key-renderer",
                                image=self.image,
                                command=[*render, str(KEY_RELOAD_SECONDS)],
                                security_context=security,
                                resources=small,
                                volume_mounts=[config_mount, keys_mount, dynamic_mount],
                            ),
                        ],
                        termination_grace_period_seconds=30,
                        volumes=[
                            k8s.Volume(name="config", config_map=k8s.ConfigMapVolumeSource(name=self.config_map_name)),
                            k8s.Volume(
                                name="api-keys",
                                secret=k8s.SecretVolumeSource(secret_name=api_keys_secret, default_mode=0o440),
                            ),
                            # Memory-backed: the rendered keys never touch the node's disk.
                            k8s.Volume(
                                name="dynamic",
                                empty_dir=k8s.EmptyDirVolumeSource(
                                    medium="Memory", size_limit=k8s.Quantity.from_string("16Mi")
                                ),
                            ),
                        ],
                    ),
                ),
            )

        self.deployment = lazy_api_object(
            self,
            "Resource",
            gvk=k8s.KubeDeployment.GVK,
            metadata=cdk8s.ApiObjectMetadata(name=name, namespace=namespace, labels=self.labels),
            fields=("spec",),
            produce=lambda: body(k8s.KubeDeployment.manifest(spec=deployment_spec())),
            inputs=self._inputs,
        )
        """The Envoy Deployment (``node.default_child``)."""

        exposure = config.service
        self.service = k8s.KubeService(
            self,
            "Service",
            metadata=k8s.ObjectMeta(
                name=name, namespace=namespace, labels=self.labels, annotations=dict(exposure.annotations) or None
            ),
            spec=k8s.ServiceSpec(
                type=exposure.type,
                load_balancer_source_ranges=list(exposure.load_balancer_source_ranges) or None,
                external_traffic_policy=exposure.traffic_policy,
                selector=self.pod_selector,
                ports=[
                    k8s.ServicePort(
                        name="http", port=config.port, target_port=k8s.IntOrString.from_string("http"), protocol="TCP"
                    )
                ],
            ),
        )

        self.disruption_budget = k8s.KubePodDisruptionBudget(
            self,
            "DisruptionBudget",
            metadata=meta,
            spec=k8s.PodDisruptionBudgetSpec(
                max_unavailable=k8s.IntOrString.from_number(1),
                selector=k8s.LabelSelector(match_labels=self.pod_selector),
            ),
        )
        if tracing is not None:
            self.add_tracing(tracing, project_name=project_name)

    def add_model(
        self,
        server: ServedModel,
        *,
        rate_limit: RateLimitConfig | Inherit | None = INHERIT,
        network_policy: bool = True,
    ) -> StandaloneModel:
        """Route requests for the server's served model name to it; returns what this created.

        :param rate_limit: whether this model is rate limited (None: not): in this mode the limit is
            ``config.standalone.requests_per_minute`` requests per client and replica (token budgets are not
            enforced). Default: the model's own (``ModelConfig.rate_limit``), else ``config.rate_limit`` (set by
            default).
        :param network_policy: admit only this gateway's Envoy pods (and Prometheus) to the model's pods
            (``server.allow_ingress_only_from``), unless the server has its NetworkPolicy already; False: leave
            the pods open. Default: true.
        """
        limits = rate_limit_for(server, rate_limit, self.config.rate_limit)
        route = new_route("StandaloneGateway", server, limits, self.routes)
        self.routes.append(route)
        if network_policy and server.network_policy is None:
            server.allow_ingress_only_from(gateway=self)
        model = StandaloneModel(gateway=self, server=server, route=route)
        self.models.append(model)
        return model

    def _check_models(self) -> list[str]:
        if self.routes:
            return []
        where = f"StandaloneGateway {self.name!r} ({self.node.path})"
        return [f"{where} routes no model: call add_model(server) for each ModelServer"]

    def add_tracing(self, phoenix: PhoenixConfig, *, project_name: str | None = None) -> None:
        """Send Envoy's spans to ``phoenix`` over OTLP/HTTP.

        :param project_name: Phoenix project. Default: the value given at construction, else
            ``tracing_env.project_name(phoenix)``.
        """
        if phoenix.auth_secret_name is not None:
            raise PropError(
                "StandaloneGateway",
                "tracing.auth_secret_name",
                phoenix.auth_secret_name,
                "remove it: Envoy's OTLP exporter takes headers inline only, so this mode cannot send a Phoenix "
                "API key (use AiGateway to send one)",
            )
        self.tracing = phoenix
        self._project_name = project_name or self._project_name

    @property
    def project_name(self) -> str:
        """Phoenix project of Envoy's spans."""
        return self._project_name or trace_project(self.tracing)

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
