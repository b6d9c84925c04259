"""The model server: a KServe InferenceService running the vLLM OpenAI server on GPUs.

Also emits what belongs to the model pods: a PodMonitor for vLLM's ``/metrics`` and a
PodDisruptionBudget. KServe (Standard mode) derives the predictor Deployment and Service from the
InferenceService: both are named ``<isvc>-predictor`` and the Service maps port 80 to 8080.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import cdk8s
from constructs import Construct

from ._resource import gvk, lazy_api_object, namespace_for, plain_api_object
from .config import (
    AutoscalingConfig,
    EnvFromSecret,
    Inherit,
    ModelConfig,
    PhoenixConfig,
    PrometheusConfig,
    RateLimitConfig,
)
from .contracts import PodPeer, check_contract, typed_call, typed_props
from .errors import PropError
from .facts import kserve, kubernetes, prometheus_operator, vllm
from .kube_expansion import escape
from .network_policy import ingress_rule, namespace_peer, network_policy_spec, pods_peer, ports
from .redaction import credential_warnings
from .settings._vllm_flags import resolve as resolve_vllm_flag
from .settings.stack import PREFIX_CACHE_DESTS
from .tracing_env import otlp_env
from .tracing_env import project_name as trace_project
from .validation import ChartValidation

CONTAINER_NAME = kserve.CONTAINER_NAME
"""KServe's name for the first predictor container."""
SERVING_PORT = kserve.CONTAINER_PORT
"""vLLM's HTTP port; KServe's predictor Service maps port 80 to it."""
PORT_NAME = "http"
MODEL_MOUNT_PATH = kserve.MODEL_MOUNT_PATH
"""Where KServe's storage initializer puts the weights."""
API_PREFIX = vllm.API_PREFIX
"""vLLM serves the OpenAI API under ``/v1`` (not ``/openai/v1`` like KServe's huggingface runtime)."""
METRICS_PATH = vllm.METRICS_PATH
HEALTH_PATH = vllm.HEALTH_PATH
SCRAPE_INTERVAL = "15s"
_DEFAULT_PROMETHEUS = PrometheusConfig()
_INFERENCE_SERVICE = cdk8s.GroupVersionKind(api_version=kserve.API_VERSION, kind=kserve.KIND)
_POD_MONITOR = cdk8s.GroupVersionKind(api_version=prometheus_operator.API_VERSION, kind=prometheus_operator.POD_MONITOR)


def model_path(storage_uri: str) -> str:
    """Where vLLM finds the weights of ``storage_uri`` in the container (a ``pvc://`` sub-path included)."""
    return kserve.weights_path(storage_uri, MODEL_MOUNT_PATH)


@typed_call
def vllm_args(
    model: ModelConfig,
    *,
    otlp_traces_endpoint: str | None = None,
    prefix_cache_block_size: int | None = None,
) -> list[str]:
    """The ``vllm serve`` arguments for ``model`` as vLLM receives them: generated flags first, then
    ``extraArgs``. The container spec holds them escaped (``kube_expansion.escape``). With
    ``prefix_cache_block_size``, prefix caching on with that block size (what prefix-aware routing scores)."""
    runtime = model.runtime
    args = [
        model_path(model.storage_uri),
        "--served-model-name",
        model.name,
        "--host",
        "0.0.0.0",
        "--port",
        str(SERVING_PORT),
        "--tensor-parallel-size",
        str(runtime.gpu_count),
        "--gpu-memory-utilization",
        str(runtime.gpu_memory_utilization),
    ]
    if runtime.max_model_len is not None:
        args += ["--max-model-len", str(runtime.max_model_len)]
    args += ["--shutdown-timeout", str(runtime.shutdown_timeout_seconds)]
    if prefix_cache_block_size is not None:
        args += ["--enable-prefix-caching", "--block-size", str(prefix_cache_block_size)]
    if otlp_traces_endpoint is not None:
        args += ["--otlp-traces-endpoint", otlp_traces_endpoint]
    return args + list(runtime.extra_args)


@typed_props
class ModelServer(Construct):
    """A vLLM InferenceService in KServe Standard mode, scaled by an external autoscaler (KEDA).

    The InferenceService is ``node.default_child``; its spec is computed at synthesis, so ``add_tracing`` (or an
    ``Autoscaler`` setting the replicas) after construction is in the output.

    :param model: the model to serve.
    :param namespace: namespace of the objects. Default: ``model.namespace``, else the chart's namespace, else
        ``kserve-inference``.
    :param tracing: Phoenix to send vLLM's spans to (same as calling ``add_tracing``). Default: no vLLM tracing.
    :param project_name: Phoenix project of the spans. Default: ``tracing_env.project_name``: the Phoenix settings'
        ``project_name``, else the default release name.
    :param min_replicas: replicas KServe creates before the autoscaler takes over (0 only with an ``Autoscaler``
        given a ``hold``). Default: 1 (an ``Autoscaler`` targeting this server sets its own ``min_replicas``).
    :param labels: extra labels on every object. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model: ModelConfig,
        namespace: str | None = None,
        tracing: PhoenixConfig | None = None,
        project_name: str | None = None,
        min_replicas: int = 1,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not isinstance(min_replicas, int) or min_replicas < 0:
            raise PropError("ModelServer", "min_replicas", min_replicas, "use an integer of 0 or more")
        self.model = model
        self.namespace = namespace_for(self, namespace or model.namespace)
        self.name = model.resource_name
        self.served_model_name = model.name
        self.predictor_name = kserve.predictor_name(self.name)
        """Name of the Deployment and Service KServe creates for the predictor."""
        self.port = SERVING_PORT
        self.service_port = kserve.PREDICTOR_SERVICE_PORT
        self.api_prefix = API_PREFIX
        self.pod_selector = kserve.predictor_pod_labels(self.name)
        """Labels KServe puts on the predictor pods."""
        self.labels = {
            "app.kubernetes.io/name": self.name,
            "app.kubernetes.io/component": "model-server",
            **(labels or {}),
        }
        self.min_replicas = min_replicas
        """``spec.predictor.minReplicas``, read at synthesis."""
        self.startup_timeout_seconds = model.runtime.startup_timeout_seconds
        """The longest a replica may take to start (its startup probe's budget)."""
        self.autoscaling: AutoscalingConfig | None = model.autoscaling
        """The model's own autoscaling, which an ``Autoscaler`` given no ``config`` uses."""
        self.rate_limit: RateLimitConfig | Inherit | None = model.rate_limit
        """The model's own token limits, which a gateway's ``add_model`` given no ``rate_limit`` uses."""
        prometheus = model.autoscaling.prometheus if model.autoscaling else _DEFAULT_PROMETHEUS
        self.prometheus_namespace = prometheus.namespace
        """Namespace of the Prometheus that scrapes the pods (an ``Autoscaler`` sets its own)."""
        self.network_policy: cdk8s.ApiObject | None = None
        """The NetworkPolicy admitting only the gateway and Prometheus (``allow_ingress_only_from``, or a
        gateway's ``add_model``); None until then."""
        self.tracing: PhoenixConfig | None = None
        """Where vLLM sends its spans (``add_tracing``); None: no vLLM tracing."""
        self.prefix_cache_block_size: int | None = None
        """vLLM's ``--block-size`` with ``--enable-prefix-caching`` (``enable_prefix_caching``); None: vLLM's
        defaults."""
        self.connection_lifetime_seconds = 0
        """The longest a gateway keeps a connection to the predictor Service (``drain_connections``); 0 until a
        gateway says."""
        self._project_name = project_name
        self.warnings: list[str] = credential_warnings(
            where=f"model {self.name}", args=model.runtime.extra_args, env=model.runtime.env
        )
        """Plain-text credentials in ``extra_args`` or ``env``; for the caller to show (constructs never print)."""
        ChartValidation.own(self, scope)
        self.inference_service = self._inference_service()
        """The InferenceService (``node.default_child``): a plain ``ApiObject``, so a ``JsonPatch`` reaches every
        field."""
        if tracing is not None:
            self.add_tracing(tracing, project_name=project_name)
        self.pod_monitor_name = self.name
        self.pod_monitor = self._pod_monitor()
        self.disruption_budget = plain_api_object(
            self,
            "DisruptionBudget",
            gvk=gvk(*kubernetes.POD_DISRUPTION_BUDGET),
            metadata=cdk8s.ApiObjectMetadata(name=self.name, namespace=self.namespace, labels=self.labels),
            body={"spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(self.pod_selector)}}},
        )
        """The PodDisruptionBudget of the model pods: a plain ``ApiObject``."""

    def _inference_service(self) -> cdk8s.ApiObject:
        return lazy_api_object(
            self,
            "Resource",
            gvk=_INFERENCE_SERVICE,
            metadata=cdk8s.ApiObjectMetadata(
                name=self.name,
                namespace=self.namespace,
                # cluster-local: no KServe Ingress or HTTPRoute; the API-key gateway is the only way in.
                labels={**self.labels, kserve.VISIBILITY_LABEL: kserve.CLUSTER_LOCAL},
                annotations={
                    # Standard (formerly RawDeployment): a plain Deployment that KEDA can scale.
                    kserve.DEPLOYMENT_MODE_ANNOTATION: kserve.STANDARD_MODE,
                    # KEDA owns the replicas; KServe must not create an HPA of its own.
                    kserve.AUTOSCALER_CLASS_ANNOTATION: kserve.EXTERNAL_AUTOSCALER,
                    # No KServe Prometheus annotations: they stamp the queue-proxy's prometheus.io/port on the
                    # pods; the PodMonitor is the scrape path.
                },
            ),
            fields=("spec",),
            produce=lambda: {"spec": self._spec()},
            inputs=lambda: (self.tracing, self.project_name, self.min_replicas, self.prefix_cache_block_size),
        )

    def _pod_monitor(self) -> cdk8s.ApiObject:
        """vLLM's ``/metrics`` scraped from the predictor pods: a plain ``ApiObject``."""
        endpoint = {"port": PORT_NAME, "path": METRICS_PATH, "interval": SCRAPE_INTERVAL}
        return plain_api_object(
            self,
            "PodMonitor",
            gvk=_POD_MONITOR,
            metadata=cdk8s.ApiObjectMetadata(name=self.pod_monitor_name, namespace=self.namespace, labels=self.labels),
            body={"spec": {"selector": {"matchLabels": dict(self.pod_selector)}, "podMetricsEndpoints": [endpoint]}},
        )

    def allow_ingress_only_from(
        self,
        *,
        gateway: PodPeer,
        prometheus_namespace: str | None = None,
        gateway_namespace: str | None = None,
    ) -> cdk8s.ApiObject:
        """Admit traffic to the model pods from ``gateway``'s pods (any ``contracts.PodPeer``: a gateway) and from
        Prometheus only; returns the
        NetworkPolicy (also ``network_policy``). A gateway's ``add_model`` calls this unless the server has its
        policy already (call this first to choose the namespaces) or ``add_model(..., network_policy=False)``.

        vLLM serves the API and ``/metrics`` on one port, so Prometheus is admitted on that port.
        Kubelet probes are not subject to NetworkPolicy. Needs a CNI that enforces NetworkPolicy.

        :param prometheus_namespace: namespace of the Prometheus that scrapes the pods (and that KEDA queries).
            Default: ``prometheus_namespace`` (the model's autoscaling Prometheus, or the one of the ``Autoscaler``
            targeting this server; ``monitoring`` by default).
        :param gateway_namespace: namespace of the Envoy pods. Default: the gateway's namespace (Envoy Gateway's
            GatewayNamespace mode, and the standalone gateway); with Envoy Gateway's default mode, its controller
            namespace (e.g. ``envoy-gateway-system``).
        """
        check_contract("ModelServer.allow_ingress_only_from", "gateway", gateway, PodPeer, "pass the gateway construct")
        if self.network_policy is not None:
            raise PropError(
                "ModelServer",
                "gateway",
                getattr(gateway, "name", gateway),
                f"model server {self.name!r} already has its NetworkPolicy (one policy admits one gateway): call "
                "allow_ingress_only_from once, before the gateway's add_model (or pass add_model(..., "
                "network_policy=False))",
            )
        gateway_namespace = gateway_namespace or gateway.namespace
        prometheus_namespace = prometheus_namespace or self.prometheus_namespace
        port = ports(SERVING_PORT)
        spec = network_policy_spec(
            self.pod_selector,
            ingress=[
                ingress_rule(port, [pods_peer(gateway_namespace, gateway.pod_selector)]),
                ingress_rule(port, [namespace_peer(prometheus_namespace)]),
            ],
        )
        self.network_policy = plain_api_object(
            self,
            "NetworkPolicy",
            gvk=gvk(*kubernetes.NETWORK_POLICY),
            metadata=cdk8s.ApiObjectMetadata(name=self.name, namespace=self.namespace, labels=self.labels),
            body={"spec": spec},
        )
        return self.network_policy

    def add_tracing(self, phoenix: PhoenixConfig, *, project_name: str | None = None) -> None:
        """Send vLLM's own spans to ``phoenix`` (OTLP gRPC), unless its ``trace_vllm`` is off.

        :param project_name: Phoenix project of the spans. Default: the value given at construction, else
            ``tracing_env.project_name(phoenix)``.
        """
        if not phoenix.trace_vllm:
            return
        self.tracing = phoenix
        self._project_name = project_name or self._project_name

    def enable_prefix_caching(self, *, block_size: int) -> None:
        """Run vLLM with ``--enable-prefix-caching --block-size <block_size>`` (what an endpoint picker's prefix cache
        scorer assumes: ``InferenceRouting`` calls this). Once per server.

        :param block_size: tokens per KV-cache block, a multiple of 16 from 16 to 256.
        """
        if self.prefix_cache_block_size is not None:
            raise PropError(
                "ModelServer.enable_prefix_caching",
                "block_size",
                block_size,
                f"model server {self.name!r} has prefix caching on already (one endpoint picker per model)",
            )
        if not (16 <= block_size <= 256 and block_size % 16 == 0):
            raise PropError(
                "ModelServer.enable_prefix_caching", "block_size", block_size, "use a multiple of 16 from 16 to 256"
            )
        for arg in self.model.runtime.extra_args:
            if arg == "--":
                break
            if resolve_vllm_flag(arg).dest in PREFIX_CACHE_DESTS:
                raise PropError(
                    "ModelServer.enable_prefix_caching",
                    "block_size",
                    block_size,
                    f"model {self.name!r} sets {arg} in runtime.extra_args: the routing sets the prefix cache's "
                    "flags itself; remove it from extra_args",
                )
        self.prefix_cache_block_size = block_size

    def drain_connections(self, *, lifetime_seconds: int) -> None:
        """Keep a stopping replica serving until a gateway whose connections to the predictor Service live at most
        ``lifetime_seconds`` has closed every one it opened to it: its container's ``preStop`` sleep
        (:attr:`pre_stop_seconds`), before vLLM gets SIGTERM. Behind the Service's ClusterIP, kube-proxy picks a Pod
        per connection, so the gateway's open connections keep reaching a terminating Pod until they are renewed
        (``ResilienceConfig.upstream_max_connection_seconds``). A gateway's ``add_model`` calls this; the longest
        lifetime asked for holds.

        :param lifetime_seconds: seconds, at least 0.
        """
        if not isinstance(lifetime_seconds, int) or isinstance(lifetime_seconds, bool) or lifetime_seconds < 0:
            raise PropError(
                "ModelServer.drain_connections", "lifetime_seconds", lifetime_seconds, "give a number of seconds >= 0"
            )
        self.connection_lifetime_seconds = max(self.connection_lifetime_seconds, lifetime_seconds)

    @property
    def pre_stop_seconds(self) -> int:
        """The vLLM container's ``preStop`` sleep: the gateways' connection lifetime (``drain_connections``) plus the
        time the cluster takes to stop opening new connections to a terminating Pod
        (``facts.kubernetes.ENDPOINT_PROPAGATION_SECONDS``). Read at synthesis."""
        return self.connection_lifetime_seconds + kubernetes.ENDPOINT_PROPAGATION_SECONDS

    @property
    def termination_grace_seconds(self) -> int:
        """The Pod's ``terminationGracePeriodSeconds``: the ``preStop`` sleep, then vLLM's ``--shutdown-timeout``
        for the requests it runs (``runtime.shutdown_timeout_seconds``), then a margin before the SIGKILL."""
        return self.pre_stop_seconds + self.model.runtime.shutdown_timeout_seconds + kubernetes.SIGKILL_MARGIN_SECONDS

    @property
    def project_name(self) -> str:
        """Phoenix project of vLLM's spans."""
        return self._project_name or trace_project(self.tracing)

    def _spec(self) -> dict[str, Any]:
        """``spec`` of the InferenceService, as plain JSON (fields by their schema names; None: left out)."""
        model = self.model
        runtime = model.runtime
        shared_memory = {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": runtime.shm_size}}
        return {
            "predictor": {
                "containers": [self._container()],
                "storageUris": [{"uri": model.storage_uri, "mountPath": MODEL_MOUNT_PATH}],
                "serviceAccountName": model.service_account_name,
                "minReplicas": self.min_replicas,
                "nodeSelector": dict(runtime.node_selector) or None,
                "tolerations": [
                    _without_none({"key": t.key, "operator": t.operator, "value": t.value, "effect": t.effect})
                    for t in runtime.tolerations
                ]
                or None,
                "volumes": [shared_memory] if runtime.gpu_count > 1 else None,
                "deploymentStrategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {
                        "maxSurge": runtime.rollout_max_surge,
                        "maxUnavailable": runtime.rollout_max_unavailable,
                    },
                },
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                # The preStop sleep, then vLLM's drain of the generations it runs.
                "terminationGracePeriodSeconds": self.termination_grace_seconds,
            }
        }

    def _container(self) -> dict[str, Any]:
        """The vLLM container."""
        model = self.model
        runtime = model.runtime
        otlp = self.tracing.otlp_grpc_endpoint if self.tracing else None
        return {
            "name": CONTAINER_NAME,
            "image": runtime.image,
            "command": ["vllm", "serve"],
            # Escaped: the kubelet would expand "$(NAME)" in a model name or flag into another variable's value.
            "args": [
                escape(a)
                for a in vllm_args(
                    model, otlp_traces_endpoint=otlp, prefix_cache_block_size=self.prefix_cache_block_size
                )
            ],
            "env": self._env(),
            "ports": [{"containerPort": SERVING_PORT, "name": PORT_NAME, "protocol": "TCP"}],
            "resources": self._resources(),
            **self._probes(),
            # Serving on while the gateways' connections to the Pod close (drain_connections), then SIGTERM.
            "lifecycle": {"preStop": {"sleep": {"seconds": self.pre_stop_seconds}}},
            # The vLLM image runs as root and writes caches under its home directory, so neither
            # runAsNonRoot nor a read-only root filesystem is possible with the upstream image.
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}] if runtime.gpu_count > 1 else None,
        }

    def _resources(self) -> dict[str, Any]:
        """CPU, memory and ephemeral storage from the settings, and the GPUs."""
        runtime = self.model.runtime
        gpus = {runtime.gpu_resource_name: str(runtime.gpu_count)}  # a quantity string, as the server holds it
        return {
            "requests": {**runtime.resources.requests.quantities(), **gpus},
            "limits": {**runtime.resources.limits.quantities(), **gpus},
        }

    def _probes(self) -> dict[str, Any]:
        """The startup, readiness and liveness probes on vLLM's ``/health``, as container fields."""
        runtime = self.model.runtime
        http_get = {"path": HEALTH_PATH, "port": SERVING_PORT}
        return {
            "startupProbe": {
                "httpGet": http_get,
                "periodSeconds": 10,
                "timeoutSeconds": 5,
                "failureThreshold": math.ceil(runtime.startup_timeout_seconds / 10),
            },
            "readinessProbe": {"httpGet": http_get, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3},
            "livenessProbe": {"httpGet": http_get, "periodSeconds": 15, "timeoutSeconds": 10, "failureThreshold": 6},
        }

    @property
    def predictor_service_host(self) -> str:
        """Cluster DNS name of the predictor Service (port 80)."""
        return kserve.predictor_host(self.name, self.namespace)

    def _env(self) -> list[dict[str, Any]]:
        """The container's environment. Literal values are escaped (they reach vLLM exactly as written); only the
        trace header refers to another variable, on purpose."""
        literal: dict[str, str] = {
            # Weights come from the storage initializer; never reach for a model hub at run time.
            "HF_HUB_OFFLINE": "1",
            "VLLM_NO_USAGE_STATS": "1",
            "DO_NOT_TRACK": "1",
        }
        entries: dict[str, dict[str, Any]] = {}
        tracing = (
            otlp_env(self.tracing, service_name=self.name, project_name=self.project_name, exporter="vllm")
            if self.tracing is not None
            else []
        )
        for var in tracing:
            if var.secret_name is not None:
                entries[var.name] = _secret_env(var.name, var.secret_name, var.secret_key)
        for name, value in literal.items():
            entries[name] = {"name": name, "value": escape(value)}
        for var in tracing:
            if var.secret_name is None:
                entries[var.name] = _without_none({"name": var.name, "value": var.value})
        for name, user_value in self.model.runtime.env.items():
            entries[name] = (
                _secret_env(name, user_value.secret_key_ref.name, user_value.secret_key_ref.key)
                if isinstance(user_value, EnvFromSecret)
                else {"name": name, "value": escape(user_value)}
            )
        return list(entries.values())


def _secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}
