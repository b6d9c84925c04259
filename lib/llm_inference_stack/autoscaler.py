"""The autoscaler: a KEDA ScaledObject scaling the predictor Deployment on queued vLLM requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import cdk8s
from constructs import Construct

from ._resource import check_label, namespace_for, plain_api_object
from .config import AutoscalingConfig
from .contracts import RequestHold, Scalable, StartsFromZero, check_contract, typed_call, typed_props
from .errors import PropError
from .facts import keda
from .keda_replicas import keda_desired_replicas
from .settings.routing import hold_too_short
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
    ``current``), bounded by [max(minReplicas, 1), maxReplicas]; with minReplicas 0, 0 while ``waiting`` is at most
    ``activationThreshold`` (KEDA deactivates the workload).
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
    :param hold: what holds the first requests while the target starts from zero (any ``contracts.RequestHold``:
        ``InferenceRouting`` with flow control); needed for ``config.min_replicas`` 0. The ScaledObject gets a second
        trigger on its held requests, which wakes the target (vLLM's queue does not exist at zero replicas). Default:
        none.
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
        hold: RequestHold | None = None,
    ) -> None:
        super().__init__(scope, id)
        check_contract(
            "Autoscaler",
            "target",
            target,
            Scalable,
            "pass the ModelServer construct to scale, not its name or Deployment",
        )
        if hold is not None:
            check_contract("Autoscaler", "hold", hold, RequestHold, "pass the InferenceRouting with flow control")
        if config is None:
            config = target.autoscaling if target.autoscaling is not None else AutoscalingConfig()
        self.config = config
        self.hold = hold
        """What holds the first requests at zero replicas; None without one."""
        self._check_hold(target)
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

    def _check_hold(self, target: Scalable) -> None:
        """``min_replicas`` 0 only with a hold long enough for a start from zero."""
        if self.config.min_replicas != 0:
            return
        if self.hold is None:
            raise PropError(
                "Autoscaler",
                "config.min_replicas",
                0,
                "at zero replicas vLLM exports no metric and nothing holds the first request: pass hold= (the "
                "InferenceRouting of the model, with RoutingConfig(flow_control=FlowControl())), or use min_replicas 1",
            )
        check_contract(
            "Autoscaler",
            "target",
            target,
            StartsFromZero,
            "with min_replicas 0 the target must say how long a replica takes to start: pass the ModelServer",
        )
        if self.hold.hold_seconds == 0:
            raise PropError(
                "Autoscaler",
                "hold",
                getattr(self.hold, "name", self.hold),
                "it holds no request (an InferenceRouting without flow control): give its RoutingConfig "
                "flow_control=FlowControl()",
            )
        short = hold_too_short(
            self.hold.hold_seconds,
            polling_interval=self.config.polling_interval,
            startup_timeout_seconds=cast(StartsFromZero, target).startup_timeout_seconds,
        )
        if short is not None:
            raise PropError("Autoscaler", "hold.hold_seconds", self.hold.hold_seconds, short)

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

    def _trigger(self, name: str, query: str, activation_threshold: float) -> dict[str, Any]:
        """A Prometheus trigger on ``query``, averaged over the replicas against ``config.threshold``."""
        config, prometheus = self.config, self.config.prometheus
        metadata = {
            "serverAddress": prometheus.url,
            "query": query,
            "threshold": _number(config.threshold),
            "activationThreshold": _number(activation_threshold),
            # No series means no queue (no traffic yet); KEDA reads it as 0.
            "ignoreNullValues": "true",
        }
        trigger: dict[str, Any] = {"type": "prometheus", "name": name, "metricType": "AverageValue"}
        if prometheus.auth is not None:
            metadata["authModes"] = prometheus.auth.mode
            trigger["authenticationRef"] = {"name": f"{self.name}-prometheus", "kind": keda.TRIGGER_AUTHENTICATION}
        if prometheus.tls is not None and prometheus.tls.insecure_skip_verify:
            metadata["unsafeSsl"] = "true"
        return {**trigger, "metadata": metadata}

    def _triggers(self) -> list[dict[str, Any]]:
        """vLLM's waiting requests; with a hold, also the requests it holds: any one held request wakes the target
        (activation above 0), and they count toward the replicas as vLLM's queue does (KEDA takes the larger)."""
        triggers = [self._trigger("vllm-waiting-requests", self.query, self.config.activation_threshold)]
        if self.hold is not None:
            triggers.append(self._trigger("held-requests", self.hold.held_requests_query, 0))
        return triggers

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
            "triggers": self._triggers(),
        }
