"""The autoscaler: a KEDA ScaledObject scaling the predictor Deployment on queued vLLM requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cdk8s
from constructs import Construct

from ._resource import check_label, namespace_for, plain_api_object
from .config import AutoscalingConfig
from .contracts import Scalable, check_contract, typed_call, typed_props
from .errors import PropError
from .facts import keda
from .keda_replicas import keda_desired_replicas
from .validation import ChartValidation
from .vllm_metrics import WAITING, model_selector

WAITING_METRIC = WAITING

_SCALED: dict[int, tuple[Scalable, Autoscaler]] = {}
"""``id(target)`` -> (the target, the Autoscaler scaling it): KEDA's admission webhook refuses a second
ScaledObject on a workload that one already scales, so a second Autoscaler of one target is refused at
construction. (Two targets writing one Deployment are two objects written twice, which synthesis refuses.)"""


@typed_call
def waiting_requests_query(served_model_name: str, namespace: str) -> str:
    """PromQL for the queued requests of one model: one series (``sum``), by a label vLLM exports."""
    return f"sum({WAITING_METRIC}{{{model_selector(served_model_name, namespace)}}})"


@typed_call
def desired_replicas(waiting: float, config: AutoscalingConfig, current: int | None = None) -> int:
    """Replicas KEDA's HPA settles on for a steady ``waiting`` value, from ``current`` replicas (``None``: from
    none yet): ``keda_replicas.keda_desired_replicas``.

    desired = ceil(waiting / threshold), unless ``current`` is within the HPA's 10% tolerance of it (then
    ``current``), bounded by [minReplicas, maxReplicas]. With minReplicas >= 1 (enforced by the configuration)
    KEDA never deactivates the workload, so ``activationThreshold`` changes nothing here: it only decides scaling
    from and to zero.
    """
    return keda_desired_replicas(waiting, config, current)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@typed_props
class Autoscaler(Construct):
    """A KEDA ScaledObject on a model server's predictor Deployment, with a Prometheus trigger on waiting requests.

    The ScaledObject is ``node.default_child``; it lives in the target's namespace (a ScaledObject scales a
    Deployment of its own namespace only). The target's ``min_replicas`` (the replicas KServe creates before KEDA
    takes over) is set to ``config.min_replicas``, and its ``prometheus_namespace`` (admitted by its NetworkPolicy)
    to the namespace of ``config.prometheus``.

    :param target: the model server to scale (its Deployment ``<isvc>-predictor``), or any ``contracts.Scalable``.
    :param config: thresholds, replica bounds and Prometheus; given, it wins over the model's. Default: the
        target's own (``ModelConfig.autoscaling`` of its model), else ``AutoscalingConfig()``.
    :param name: name of the ScaledObject (and of the HPA KEDA creates). Default: the target's name.
    :param labels: extra labels. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        target: Scalable,
        config: AutoscalingConfig | None = None,
        name: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        check_contract(
            "Autoscaler",
            "target",
            target,
            Scalable,
            "pass the ModelServer construct to scale, not its name or Deployment",
        )
        if config is None:
            config = target.autoscaling if target.autoscaling is not None else AutoscalingConfig()
        self.config = config
        self.target = target
        self.name = name or target.name
        # KEDA labels the HPA with the ScaledObject's name: a label value, so a DNS-1123 label of 63 at most.
        check_label("Autoscaler", "name", self.name)
        self.target_deployment = target.predictor_name
        self.namespace = namespace_for(self, target.namespace)
        self._claim_target()
        self.hpa_name = self.name
        """Name of the HorizontalPodAutoscaler KEDA creates (``advanced.horizontalPodAutoscalerConfig.name``; KEDA's
        own default, ``keda-hpa-<ScaledObject>``, is not used)."""
        self.query = waiting_requests_query(target.served_model_name, self.namespace)
        target.min_replicas = config.min_replicas
        target.prometheus_namespace = config.prometheus.namespace
        self._labels = {"app.kubernetes.io/component": "autoscaler", **(labels or {})}
        ChartValidation.own(self, scope)
        self.trigger_authentication = self._trigger_authentication()
        """The TriggerAuthentication with the Prometheus credentials; None without ``prometheus.auth``."""
        self.scaled_object = plain_api_object(
            self,
            "Resource",
            gvk=cdk8s.GroupVersionKind(api_version=keda.API_VERSION, kind=keda.SCALED_OBJECT),
            metadata=cdk8s.ApiObjectMetadata(name=self.name, namespace=self.namespace, labels=self._labels),
            body={"spec": self._spec()},
        )
        """The ScaledObject (``node.default_child``)."""

    def _claim_target(self) -> None:
        """One Autoscaler per target (``PropError`` naming the one that has it)."""
        _, owner = _SCALED.setdefault(id(self.target), (self.target, self))
        if owner is not self:
            raise PropError(
                "Autoscaler",
                "target",
                self.target.name,
                f"Deployment {self.namespace}/{self.target_deployment} is already scaled by the Autoscaler at "
                f"{owner.node.path!r}: KEDA's webhook refuses a second ScaledObject on one workload. Give each model "
                "server one Autoscaler (change the first one's config instead)",
            )

    def _trigger_authentication(self) -> cdk8s.ApiObject | None:
        prometheus = self.config.prometheus
        if prometheus.auth is None:
            return None
        keys = ["bearerToken"] if prometheus.auth.mode == "bearer" else ["username", "password"]
        refs = [{"name": prometheus.auth.secret_name, "key": key, "parameter": key} for key in keys]
        if prometheus.tls is not None and prometheus.tls.ca_secret_name is not None:
            # KEDA's Prometheus scaler verifies the server with the CA in parameter "ca" (PEM).
            refs.append({"name": prometheus.tls.ca_secret_name, "key": prometheus.tls.ca_key, "parameter": "ca"})
        return plain_api_object(
            self,
            "TriggerAuthentication",
            gvk=cdk8s.GroupVersionKind(api_version=keda.API_VERSION, kind=keda.TRIGGER_AUTHENTICATION),
            metadata=cdk8s.ApiObjectMetadata(
                name=f"{self.name}-prometheus", namespace=self.namespace, labels=self._labels
            ),
            body={"spec": {"secretTargetRef": refs}},
        )

    def _trigger(self) -> dict[str, Any]:
        """The Prometheus trigger on the model's waiting requests."""
        config, prometheus = self.config, self.config.prometheus
        metadata = {
            "serverAddress": prometheus.url,
            "query": self.query,
            "threshold": _number(config.threshold),
            "activationThreshold": _number(config.activation_threshold),
            # No series means no queue (no traffic yet); KEDA reads it as 0.
            "ignoreNullValues": "true",
        }
        trigger: dict[str, Any] = {"type": "prometheus", "name": "vllm-waiting-requests", "metricType": "AverageValue"}
        if prometheus.auth is not None:
            metadata["authModes"] = prometheus.auth.mode
            trigger["authenticationRef"] = {"name": f"{self.name}-prometheus", "kind": keda.TRIGGER_AUTHENTICATION}
        if prometheus.tls is not None and prometheus.tls.insecure_skip_verify:
            metadata["unsafeSsl"] = "true"
        return {**trigger, "metadata": metadata}

    def _spec(self) -> dict[str, Any]:
        """``spec`` of the ScaledObject, as plain JSON (fields by their schema names)."""
        config = self.config
        behavior = {
            "scaleDown": {
                "stabilizationWindowSeconds": config.scale_down_stabilization_seconds,
                "selectPolicy": "Min",
                # One replica at a time: each one took minutes to load.
                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}],
            },
            "scaleUp": {
                "stabilizationWindowSeconds": config.scale_up_stabilization_seconds,
                "selectPolicy": "Max",
                "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}],
            },
        }
        return {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": self.target_deployment},
            "minReplicaCount": config.min_replicas,
            "maxReplicaCount": config.max_replicas,
            "pollingInterval": config.polling_interval,
            "cooldownPeriod": config.cooldown_period,
            "advanced": {"horizontalPodAutoscalerConfig": {"name": self.hpa_name, "behavior": behavior}},
            "triggers": [self._trigger()],
        }
