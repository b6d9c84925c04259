"""Prefix-aware routing: an InferencePool of a model's pods and the endpoint picker (EPP) that scores them.

The Gateway API Inference Extension's endpoint picker (``cmd/epp``) watches the pool's pods, scrapes vLLM's metrics
from them and, asked by the gateway's Envoy over gRPC ext-proc, picks the pod for each request: the one most likely
to hold the request's prefix in its KV cache, weighed against queue and KV-cache load. vLLM runs with prefix caching
and the block size the prefix scorer assumes. What the endpoint picker needs is here, as upstream's
``config/charts/inferencepool`` chart writes it: its ConfigMap (``EndpointPickerConfig``), ServiceAccount, Role and
RoleBinding, Deployment, Service, PodDisruptionBudget, and the NetworkPolicies both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cdk8s
import yaml
from constructs import Construct

from ._resource import gvk, lazy_api_object, plain_api_object
from .config import Inherit, RateLimitConfig, RoutingConfig
from .contracts import CachingModel, PodPeer, check_contract, typed_props
from .errors import PropError
from .facts import inference_extension as gie
from .facts import kubernetes, prometheus_operator, vllm
from .network_policy import (
    Json,
    dns_egress,
    ingress_rule,
    namespace_peer,
    network_policy_spec,
    pods_egress,
    pods_peer,
    ports,
    selector,
)
from .settings.routing import QUEUE_SCRAPE_SECONDS
from .validation import ChartValidation

EPP_REQUESTS = {"cpu": "4", "memory": "8Gi"}
"""The endpoint picker's requests: upstream's chart's, sized for its scale tests."""
EPP_LIMITS = {"cpu": "8", "memory": "16Gi"}
"""Its limits: upstream's memory limit; a CPU limit (upstream sets none) twice the request."""
API_SERVER_PORTS = (443, 6443)
"""Ports the endpoint picker reaches the Kubernetes API on (the ``kubernetes`` Service's, and the usual port of the
API servers behind it): its address is the cluster's, not known here."""
EPP_USER = 65532
"""The ``nonroot`` user of the endpoint picker's distroless image."""
_POD_COMPONENT = "endpoint-picker"


def picker_config(config: RoutingConfig) -> str:
    """The ``EndpointPickerConfig`` of upstream's chart for vLLM over HTTP, with ``config``'s scorers, weights and
    prefix cache parameters (``autoTune`` off: the block size is the one vLLM is given); with ``flow_control``, the
    ``flowControl`` feature gate and its ``defaultRequestTTL`` (how long a request may be held)."""
    plugins: list[dict[str, Any]] = []
    for plugin, _weight in config.scorers.weights():
        entry: dict[str, Any] = {"type": plugin}
        if plugin == gie.PREFIX_CACHE_SCORER:
            entry["parameters"] = {
                "autoTune": False,
                "blockSizeTokens": config.block_size,
                "maxPrefixBlocksToMatch": config.max_prefix_blocks,
                "lruCapacityPerServer": config.lru_capacity_per_server,
            }
        plugins.append(entry)
    plugins += [
        {
            "type": "metrics-data-source",
            "parameters": {"scheme": "http", "path": vllm.METRICS_PATH, "insecureSkipVerify": True},
        },
        {"type": "core-metrics-extractor"},
    ]
    document: dict[str, Any] = {"apiVersion": gie.CONFIG_API_VERSION, "kind": gie.CONFIG_KIND}
    if config.flow_control is not None:
        document["featureGates"] = [gie.FLOW_CONTROL_GATE]
    document |= {
        "plugins": plugins,
        "schedulingProfiles": [
            {
                "name": "default",
                "plugins": [{"pluginRef": plugin, "weight": weight} for plugin, weight in config.scorers.weights()],
            }
        ],
    }
    if config.flow_control is not None:
        document["flowControl"] = {"defaultRequestTTL": f"{config.flow_control.hold_seconds}s"}
    return yaml.safe_dump(document, sort_keys=False)


@typed_props
class InferenceRouting(Construct):
    """Prefix-aware routing to one model server: an InferencePool of its predictor pods and the endpoint picker that
    scores them. A gateway's ``add_model(routing)`` sends the model's requests to the pool (``AiGateway``; the
    routing is a ``contracts.PooledModel``, and stands for the server in everything else the gateway asks of it).

    The InferencePool is ``node.default_child``. The server's vLLM gets ``--enable-prefix-caching --block-size
    <config.block_size>``, the block size the prefix cache scorer hashes prompts in.

    With ``config.flow_control`` the picker holds requests no pod can take (none while the model is scaled to zero)
    for up to ``hold_seconds``, a PodMonitor has Prometheus scrape its queue, and the routing is a
    ``contracts.RequestHold``: an ``Autoscaler(hold=routing)`` wakes the model on ``held_requests_query``.

    :param server: the model server (any ``contracts.CachingModel``: ``ModelServer``).
    :param config: the routing settings, ``mode`` ``prefix-aware``. Default: ``RoutingConfig(mode="prefix-aware")``
        (upstream's scorers and weights).
    :param labels: extra labels on every object. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        server: CachingModel,
        config: RoutingConfig | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        check_contract("InferenceRouting", "server", server, CachingModel, "pass the ModelServer construct")
        config = config if config is not None else RoutingConfig(mode="prefix-aware")
        if not config.prefix_aware:
            raise PropError(
                "InferenceRouting",
                "config",
                config.mode,
                "this is the prefix-aware routing: pass RoutingConfig(mode='prefix-aware'), or add the ModelServer "
                "itself to the gateway (routing through its Service)",
            )
        ChartValidation.own(self)
        self.server = server
        """The model server routed to."""
        self.config = config
        self.inference_pool_name = server.name
        """Name of the InferencePool (the InferenceService's)."""
        self.endpoint_picker_name = f"{server.name}-epp"
        """Name of the endpoint picker's Deployment, Service, ConfigMap, ServiceAccount, Role and RoleBinding."""
        self.endpoint_picker_port = gie.EXT_PROC_PORT
        self.endpoint_picker_selector = {
            "app.kubernetes.io/name": self.endpoint_picker_name,
            "app.kubernetes.io/component": _POD_COMPONENT,
        }
        """Labels of the endpoint picker's pods."""
        self._labels = {**(labels or {}), **self.endpoint_picker_selector}
        self._pool_labels = {
            **(labels or {}),
            "app.kubernetes.io/name": server.name,
            "app.kubernetes.io/component": "inference-pool",
        }
        server.enable_prefix_caching(block_size=config.block_size)
        self.inference_pool = self._inference_pool()
        """The InferencePool (``node.default_child``)."""
        self.config_map = self._config_map()
        self.service_account = self._object("ServiceAccount", kubernetes.SERVICE_ACCOUNT, {})
        self.role, self.role_binding = self._rbac()
        self.deployment = self._deployment()
        self.service = self._service()
        self.disruption_budget = self._object(
            "DisruptionBudget",
            kubernetes.POD_DISRUPTION_BUDGET,
            {"spec": {"maxUnavailable": 1, "selector": selector(self.endpoint_picker_selector)}},
        )
        self.endpoint_picker_policy: cdk8s.ApiObject | None = None
        """The endpoint picker's NetworkPolicy (``allow_ingress_only_from``); None until then."""
        self.metrics_policy: cdk8s.ApiObject | None = None
        """The policy admitting the endpoint picker to the model pods' metrics port; None until then."""
        self.pod_monitor = self._pod_monitor() if config.flow_control is not None else None
        """The PodMonitor of the endpoint picker's metrics (with flow control: its queue wakes the model); or None."""
        self.node.default_child = self.inference_pool

    # What an autoscaler asks of a hold (``contracts.RequestHold``), with flow control.

    @property
    def hold_seconds(self) -> int:
        """How long the picker holds a request (``flowControl.defaultRequestTTL``); 0 without flow control."""
        return self.config.flow_control.hold_seconds if self.config.flow_control is not None else 0

    @property
    def held_requests_query(self) -> str:
        """PromQL of the requests the picker holds for this pool now: one series (``sum``) of its queue gauge."""
        pool = f'{gie.POOL_METRIC_LABEL}="{self.inference_pool_name}"'
        return f'sum({gie.QUEUE_SIZE_METRIC}{{namespace="{self.namespace}",{pool}}})'

    # What a gateway asks of the model (``contracts.ServedModel``): the server's, but for the NetworkPolicies.

    @property
    def name(self) -> str:
        return self.server.name

    @property
    def namespace(self) -> str:
        return self.server.namespace

    @property
    def served_model_name(self) -> str:
        return self.server.served_model_name

    @property
    def predictor_service_host(self) -> str:
        return self.server.predictor_service_host

    @property
    def service_port(self) -> int:
        return self.server.service_port

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def api_prefix(self) -> str:
        return self.server.api_prefix

    @property
    def labels(self) -> Mapping[str, str]:
        return self.server.labels

    @property
    def pod_selector(self) -> Mapping[str, str]:
        return self.server.pod_selector

    @property
    def rate_limit(self) -> RateLimitConfig | Inherit | None:
        return self.server.rate_limit

    @property
    def network_policy(self) -> Construct | None:
        return self.endpoint_picker_policy

    def drain_connections(self, *, lifetime_seconds: int) -> None:
        """The server's (``ModelServer.drain_connections``): the gateway's connections to the pool's pods."""
        self.server.drain_connections(lifetime_seconds=lifetime_seconds)

    def allow_ingress_only_from(
        self,
        *,
        gateway: PodPeer,
        prometheus_namespace: str | None = None,
        gateway_namespace: str | None = None,
    ) -> cdk8s.ApiObject:
        """The NetworkPolicies of prefix-aware routing; returns the endpoint picker's (also ``network_policy``). A
        gateway's ``add_model(routing)`` calls this unless the routing has them already.

        The server's own (``allow_ingress_only_from``: the gateway and Prometheus to vLLM's port), unless it has it;
        the endpoint picker's: the gateway's Envoy pods to the gRPC ext-proc port, Prometheus to the metrics port,
        and out to the model pods' port (vLLM's metrics), DNS and the Kubernetes API; and one admitting the endpoint
        picker to the model pods' port.

        :param prometheus_namespace: namespace of the Prometheus that scrapes the pods. Default: the server's.
        :param gateway_namespace: namespace of the Envoy pods. Default: the gateway's namespace.
        """
        check_contract("InferenceRouting.allow_ingress_only_from", "gateway", gateway, PodPeer, "pass the gateway")
        if self.endpoint_picker_policy is not None:
            raise PropError(
                "InferenceRouting",
                "gateway",
                getattr(gateway, "name", gateway),
                f"the routing of {self.name!r} has its NetworkPolicies already: call allow_ingress_only_from once",
            )
        if self.server.network_policy is None:
            self.server.allow_ingress_only_from(
                gateway=gateway, prometheus_namespace=prometheus_namespace, gateway_namespace=gateway_namespace
            )
        prometheus = prometheus_namespace or getattr(self.server, "prometheus_namespace", None) or "monitoring"
        self.endpoint_picker_policy = self._picker_policy(gateway_namespace or gateway.namespace, gateway, prometheus)
        metrics = ingress_rule(ports(self.port), [pods_peer(self.namespace, self.endpoint_picker_selector)])
        self.metrics_policy = plain_api_object(
            self,
            "ModelMetricsPolicy",
            gvk=gvk(*kubernetes.NETWORK_POLICY),
            metadata=cdk8s.ApiObjectMetadata(
                name=f"{self.name}-from-epp", namespace=self.namespace, labels=self._pool_labels
            ),
            body={"spec": network_policy_spec(self.pod_selector, [metrics])},
        )
        return self.endpoint_picker_policy

    def _picker_policy(self, envoy_namespace: str, gateway: PodPeer, prometheus: str) -> cdk8s.ApiObject:
        api_server: Json = {"ports": ports(*API_SERVER_PORTS)}
        ingress = [
            ingress_rule(ports(gie.EXT_PROC_PORT), [pods_peer(envoy_namespace, gateway.pod_selector)]),
            ingress_rule(ports(gie.METRICS_PORT), [namespace_peer(prometheus)]),
        ]
        egress = [*pods_egress([(self.namespace, self.pod_selector, self.port)]), dns_egress(), api_server]
        spec = network_policy_spec(self.endpoint_picker_selector, ingress, egress)
        return self._object("NetworkPolicy", kubernetes.NETWORK_POLICY, {"spec": spec})

    def _object(self, id: str, kind: tuple[str, str], body: Mapping[str, Any]) -> cdk8s.ApiObject:
        """One of the endpoint picker's objects, named and labelled as the picker."""
        return plain_api_object(
            self,
            id,
            gvk=gvk(*kind),
            metadata=cdk8s.ApiObjectMetadata(
                name=self.endpoint_picker_name, namespace=self.namespace, labels=dict(self._labels)
            ),
            body=body,
        )

    def _inference_pool(self) -> cdk8s.ApiObject:
        config = self.config
        return lazy_api_object(
            self,
            "Resource",
            gvk=gvk(gie.API_VERSION, gie.POOL_KIND),
            metadata=cdk8s.ApiObjectMetadata(
                name=self.inference_pool_name, namespace=self.namespace, labels=self._pool_labels
            ),
            fields=("spec",),
            produce=lambda: {
                "spec": {
                    "targetPorts": [{"number": self.port}],
                    "appProtocol": "http",
                    "selector": {"matchLabels": dict(self.pod_selector)},
                    "endpointPickerRef": {
                        "name": self.endpoint_picker_name,
                        "port": {"number": self.endpoint_picker_port},
                        "failureMode": config.failure_mode,
                    },
                }
            },
        )

    def _pod_monitor(self) -> cdk8s.ApiObject:
        """The picker's ``/metrics`` (its flow control queue), scraped every 5 s: the signal that wakes the model."""
        endpoint = {"port": "metrics", "path": vllm.METRICS_PATH, "interval": f"{QUEUE_SCRAPE_SECONDS}s"}
        return plain_api_object(
            self,
            "PodMonitor",
            gvk=gvk(prometheus_operator.API_VERSION, prometheus_operator.POD_MONITOR),
            metadata=cdk8s.ApiObjectMetadata(
                name=self.endpoint_picker_name, namespace=self.namespace, labels=dict(self._labels)
            ),
            body={"spec": {"selector": selector(self.endpoint_picker_selector), "podMetricsEndpoints": [endpoint]}},
        )

    def _config_map(self) -> cdk8s.ApiObject:
        return self._object("Config", kubernetes.CONFIG_MAP, {"data": {gie.CONFIG_FILE: picker_config(self.config)}})

    def _rbac(self) -> tuple[cdk8s.ApiObject, cdk8s.ApiObject]:
        """What the endpoint picker reads in its namespace: the pods, its pool, objectives and model rewrites."""
        read = ["get", "watch", "list"]
        rules = [
            {"apiGroups": [""], "resources": ["pods"], "verbs": read},
            {"apiGroups": [gie.GROUP], "resources": ["inferencepools"], "verbs": read},
            {
                "apiGroups": [gie.ALPHA_GROUP],
                "resources": ["inferenceobjectives", "inferencemodelrewrites"],
                "verbs": read,
            },
        ]
        role = self._object("Role", kubernetes.ROLE, {"rules": rules})
        name = self.endpoint_picker_name
        binding = self._object(
            "RoleBinding",
            kubernetes.ROLE_BINDING,
            {
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": self.namespace}],
            },
        )
        return role, binding

    def _service(self) -> cdk8s.ApiObject:
        """The Service the InferencePool's ``endpointPickerRef`` names: ext-proc and metrics (upstream's)."""
        spec = {
            "type": "ClusterIP",
            "selector": dict(self.endpoint_picker_selector),
            "ports": [
                {"name": "grpc-ext-proc", "protocol": "TCP", "port": gie.EXT_PROC_PORT},
                {"name": "http-metrics", "protocol": "TCP", "port": gie.METRICS_PORT},
            ],
        }
        return self._object("Service", kubernetes.SERVICE, {"spec": spec})

    def _args(self) -> list[str]:
        return [
            "--pool-name",
            self.inference_pool_name,
            "--pool-namespace",
            self.namespace,
            "--pool-group",
            gie.GROUP,
            "--zap-encoder",
            "json",
            "--config-file",
            f"{gie.CONFIG_MOUNT_PATH}/{gie.CONFIG_FILE}",
            "--v",
            "1",
            "--tracing=false",
            # The NetworkPolicy admits Prometheus' namespace alone; token review would need a ClusterRole.
            "--metrics-endpoint-auth=false",
        ]

    def _container(self) -> Json:
        def probe(period: int, delay: int | None = None) -> Json:
            return {
                "grpc": {"port": gie.HEALTH_PORT, "service": gie.HEALTH_SERVICE},
                "periodSeconds": period,
                "initialDelaySeconds": delay,
            }

        def field_env(name: str, path: str) -> Json:
            return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}

        return {
            "name": gie.CONTAINER_NAME,
            "image": self.config.image,
            "imagePullPolicy": "IfNotPresent",
            "args": self._args(),
            "ports": [
                {"name": "grpc", "containerPort": gie.EXT_PROC_PORT},
                {"name": "grpc-health", "containerPort": gie.HEALTH_PORT},
                {"name": "metrics", "containerPort": gie.METRICS_PORT},
            ],
            "livenessProbe": probe(10, 5),
            "readinessProbe": probe(2),
            "env": [field_env("NAMESPACE", "metadata.namespace"), field_env("POD_NAME", "metadata.name")],
            "resources": {"requests": dict(EPP_REQUESTS), "limits": dict(EPP_LIMITS)},
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            },
            "volumeMounts": [{"name": "plugins-config", "mountPath": gie.CONFIG_MOUNT_PATH}],
        }

    def _deployment(self) -> cdk8s.ApiObject:
        """One replica (upstream's recommendation: the prefix index lives in the picker's memory), replaced by
        ``Recreate``."""
        pod = {
            "serviceAccountName": self.endpoint_picker_name,
            # Upstream: as long as the longest grace period of the pool's pods.
            "terminationGracePeriodSeconds": 130,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": EPP_USER,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [self._container()],
            "volumes": [{"name": "plugins-config", "configMap": {"name": self.endpoint_picker_name}}],
        }
        spec = {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": selector(self.endpoint_picker_selector),
            "template": {"metadata": {"labels": dict(self._labels)}, "spec": pod},
        }
        return self._object("Deployment", kubernetes.DEPLOYMENT, {"spec": spec})


__all__ = ["InferenceRouting", "picker_config"]
