"""Settings of the whole stack: release, namespaces, models, shared labels, and the NetworkPolicy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import Fix, Namer, SettingsError
from ._checks import check_dns1035_label, check_dns_label, check_label_map, require
from .gateway import ApiKeysConfig, GatewayConfig, RateLimitConfig
from .model import INHERIT, ModelConfig
from .observability import ObservabilityConfig
from .scaling import AutoscalingConfig

RESERVED_LABELS = frozenset(
    {
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/name",
        "app.kubernetes.io/component",
        "networking.kserve.io/visibility",
    }
)
"""Labels the stack sets on its objects; ``commonLabels`` may not override them."""
RESERVED_ANNOTATIONS = frozenset(
    {
        "serving.kserve.io/deploymentMode",
        "serving.kserve.io/autoscalerClass",
        "aigateway.envoyproxy.io/gateway-config",
        "llm-inference-stack/config-checksum",
    }
)
"""Annotations the stack sets on its objects; ``commonAnnotations`` may not override them."""


def _phoenix_key_fix(n: Namer) -> str:
    return (
        f"{n('gateway.mode')} 'standalone' cannot send a Phoenix API key (Envoy's OTLP exporter takes headers inline "
        f"only): remove {n('auth_secret_name')}, or use {n('gateway.mode')} 'ai-gateway'"
    )


def _keys_secret_fix(what: str) -> Fix:
    return lambda n: (
        f"this is also {n('api_keys.secret_name')}: the gateway takes every entry of that Secret for a client's API "
        f"key, so the {what} in it would be accepted as one too: give the {what} a Secret of its own"
    )


def _annotation_conflict_fix(common: str) -> Fix:
    return lambda n: (
        f"{n('common_annotations')} sets this key to {common!r} on every object, the gateway Service included: give "
        "both the same value or remove one"
    )


def _object_name_taken_fix(first: int, namespace: str) -> Fix:
    return lambda n: (
        f"models[{first}] already uses this object name (its gateway Backend lives in namespace {namespace} whatever "
        f"the model's namespace): set a distinct {n('object_name')}"
    )


@dataclass(frozen=True, kw_only=True)
class NetworkPolicyConfig:
    """Who may reach the model pods."""

    enabled: bool = True
    """Emit a NetworkPolicy that admits only the gateway (and Prometheus on the metrics port). Default: true."""
    gateway_namespace: str | None = None
    """Namespace of the Envoy pods. Default: the stack's namespace (Envoy Gateway in GatewayNamespace mode)."""

    def __post_init__(self) -> None:
        if self.gateway_namespace is not None:
            check_dns_label("gateway_namespace", self.gateway_namespace)


@dataclass(frozen=True, kw_only=True)
class StackConfig:
    """The whole stack: one gateway in front of one or more models."""

    models: tuple[ModelConfig, ...]
    """The served models (``model:`` in a values file is a one-model list)."""
    release: str = "llm-stack"
    """Release name, prefix of shared objects (``<release>-ai-gateway``). Default: llm-stack."""
    namespace: str = "kserve-inference"
    """Namespace of every namespaced object. Default: kserve-inference."""
    autoscaling: AutoscalingConfig = AutoscalingConfig()
    """Default autoscaling of every model. Default: see ``AutoscalingConfig``."""
    gateway: GatewayConfig = GatewayConfig()
    """The gateway. Default: see ``GatewayConfig``."""
    api_keys: ApiKeysConfig = ApiKeysConfig()
    """API keys. Default: see ``ApiKeysConfig``."""
    observability: ObservabilityConfig = ObservabilityConfig()
    """Tracing. Default: see ``ObservabilityConfig``."""
    network_policy: NetworkPolicyConfig = NetworkPolicyConfig()
    """NetworkPolicy. Default: see ``NetworkPolicyConfig``."""
    create_namespace: bool = False
    """Emit a Namespace object for every namespace in ``namespaces`` (values key ``namespace.create``).
    Default: false (the namespaces exist)."""
    common_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels on every object, e.g. the ``release`` label a kube-prometheus-stack Prometheus selects PodMonitors
    by. Default: none."""
    common_annotations: Mapping[str, str] = field(default_factory=dict)
    """Annotations on every object. Default: none."""

    def __post_init__(self) -> None:
        check_dns1035_label("release", self.release, 30, "the gateway Service '<release>-ai-gateway' is named from it")
        check_dns_label("namespace", self.namespace)
        require(len(self.models) >= 1, "models", list(self.models), "configure at least one model")
        check_label_map("common_labels", self.common_labels, label_values=True)
        check_label_map("common_annotations", self.common_annotations, label_values=False)
        for name, values, reserved in (
            ("common_labels", self.common_labels, RESERVED_LABELS),
            ("common_annotations", self.common_annotations, RESERVED_ANNOTATIONS),
        ):
            for key in values:
                if key in reserved:
                    raise SettingsError(
                        name,
                        values[key],
                        "the stack sets this key itself (selectors and controllers rely on it): use another key",
                        key=key,
                    )
        for key, value in self.gateway.service.annotations.items():
            if self.common_annotations.get(key, value) != value:
                raise SettingsError(
                    "gateway.service.annotations",
                    value,
                    _annotation_conflict_fix(self.common_annotations[key]),
                    key=key,
                )
        phoenix = self.observability.phoenix
        if self.gateway.mode == "standalone" and phoenix is not None and phoenix.auth_secret_name is not None:
            raise SettingsError("observability.phoenix.auth_secret_name", phoenix.auth_secret_name, _phoenix_key_fix)
        self._check_keys_secret_is_only_keys()
        seen_names: dict[str, int] = {}
        # Object names are unique across the fleet, not only per namespace: each model's Backend and
        # AIServiceBackend live in the gateway's namespace under the model's object name.
        seen_objects: dict[str, int] = {}
        for index, model in enumerate(self.models):
            if model.name in seen_names:
                raise SettingsError(
                    f"models[{index}].name",
                    model.name,
                    f"served model names must be unique; models[{seen_names[model.name]}] already serves it",
                )
            seen_names[model.name] = index
            where = model.resource_name
            if where in seen_objects:
                raise SettingsError(
                    f"models[{index}].object_name",
                    model.resource_name,
                    _object_name_taken_fix(seen_objects[where], self.namespace),
                )
            seen_objects[where] = index

    def _check_keys_secret_is_only_keys(self) -> None:
        """The API-keys Secret (in the stack's namespace) must not also hold another credential the stack reads
        there: every entry of it becomes a valid API key."""
        keys = self.api_keys.secret_name
        phoenix = self.observability.phoenix
        if phoenix is not None and phoenix.auth_secret_name == keys:
            raise SettingsError(
                "observability.phoenix.auth_secret_name", keys, _keys_secret_fix("Phoenix API key (key api-key)")
            )
        for index, model in enumerate(self.models):
            # KEDA reads the Prometheus Secrets in the model's namespace: the same Secret only there.
            if self.namespace_of(model) != self.namespace:
                continue
            where = "autoscaling" if model.autoscaling is None else f"models[{index}].autoscaling"
            prometheus = self.autoscaling_of(model).prometheus
            if prometheus.auth is not None and prometheus.auth.secret_name == keys:
                raise SettingsError(
                    f"{where}.prometheus.auth.secret_name", keys, _keys_secret_fix("Prometheus credential")
                )
            if prometheus.tls is not None and prometheus.tls.ca_secret_name == keys:
                raise SettingsError(
                    f"{where}.prometheus.tls.ca_secret_name", keys, _keys_secret_fix("Prometheus CA certificate")
                )

    def namespace_of(self, model: ModelConfig) -> str:
        return model.namespace or self.namespace

    def autoscaling_of(self, model: ModelConfig) -> AutoscalingConfig:
        return model.autoscaling or self.autoscaling

    def rate_limit_of(self, model: ModelConfig) -> RateLimitConfig | None:
        return self.gateway.rate_limit if model.rate_limit is INHERIT else model.rate_limit

    @property
    def namespaces(self) -> list[str]:
        """Every namespace the stack's objects live in: the stack's, then each model's, sorted, once."""
        return [self.namespace, *sorted({self.namespace_of(m) for m in self.models} - {self.namespace})]

    @property
    def gateway_name(self) -> str:
        return f"{self.release}-ai-gateway"
