"""Settings of the whole stack: release, namespaces, models, shared labels, the NetworkPolicy, and GitOps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from ..errors import Fix, Namer, SettingsError
from ..facts import ai_gateway, argocd, kserve, vllm
from ._checks import (
    check_controller_keys,
    check_created_namespaces,
    check_dns1035_label,
    check_dns_label,
    check_label_map,
    require,
    service_namespace,
)
from ._vllm_flags import resolve as resolve_vllm_flag
from .gateway import MODELS_PER_ROUTE, ApiKeysConfig, GatewayConfig, RateLimitConfig, keep_alive_fix
from .gitops import GitOpsConfig
from .inherit import over
from .model import INHERIT, ModelConfig
from .observability import ObservabilityConfig
from .routing import NO_HOLD_FIX, RoutingConfig, hold_too_long, hold_too_short, startup_too_long
from .scaling import AutoscalingConfig
from .tenants import TenantBudgets, TenantConfig, check_tenants, resolve_budgets
from .typed import Typed

RESERVED_LABELS = frozenset(
    {
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/name",
        "app.kubernetes.io/component",
        kserve.VISIBILITY_LABEL,
    }
)
"""Labels the stack sets on its objects; ``commonLabels`` may not override them."""
RESERVED_ANNOTATIONS = frozenset(
    {
        kserve.DEPLOYMENT_MODE_ANNOTATION,
        kserve.AUTOSCALER_CLASS_ANNOTATION,
        ai_gateway.GATEWAY_CONFIG_ANNOTATION,
        "llm-inference-stack/config-checksum",
    }
)
"""Annotations the stack sets on its objects; ``commonAnnotations`` may not override them."""


def _phoenix_key_fix(n: Namer) -> str:
    return (
        f"{n('gateway.mode')} 'standalone' cannot send a Phoenix API key (Envoy's OTLP exporter takes headers inline "
        f"only): remove {n('auth_secret_name')}, or use {n('gateway.mode')} 'ai-gateway'"
    )


def _sync_wave_fix(n: Namer) -> str:
    return (
        f"{n('gitops.argocd.sync_waves')} gives each object the sync wave of its apply phase: remove this key, or set "
        f"{n('gitops.argocd.sync_waves')} to false to give every object this one wave"
    )


def _keys_secret_fix(what: str, keys_field: str = "api_keys.secret_name") -> Fix:
    return lambda n: (
        f"this is also {n(keys_field)}: the gateway takes every entry of that Secret for a client's API "
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


PREFIX_CACHE_DESTS = frozenset({"enable_prefix_caching", "block_size"})
"""vLLM's parser destinations of the flags a prefix-aware model's server gets from the stack."""


def _standalone_routing_fix(n: Namer) -> str:
    return (
        f"{n('gateway.mode')} 'standalone' is a plain Envoy without the endpoint picker's external processor: use "
        f"{n('gateway.mode')} 'ai-gateway', or routing mode 'service'"
    )


MODEL_INHERITS: Mapping[str, tuple[str, ...]] = {
    "autoscaling": ("autoscaling",),
    "rate_limit": ("gateway", "rate_limit"),
    "routing": ("routing",),
}
"""The model fields that inherit from the stack -> the stack field each inherits from (an attribute path): the
fields a model's block sets override that one (``settings.inherit``). The values loader merges the same pairs."""


def stack_base(stack: object, model_field: str) -> object:
    """What ``model_field`` of a model inherits from ``stack`` (``MODEL_INHERITS``)."""
    value = stack
    for name in MODEL_INHERITS[model_field]:
        value = getattr(value, name)
    return value


@dataclass(frozen=True, kw_only=True)
class NetworkPolicyConfig(Typed):
    """Who may reach the model pods."""

    enabled: bool = True
    """Emit a NetworkPolicy per model admitting only the gateway's Envoy pods and Prometheus (on the metrics port)
    to the model pods, and one for the gateway's Envoy pods: clients to the listener, Prometheus to the metrics
    ports, and egress only to the models, DNS, Phoenix and Envoy Gateway. Default: true."""
    gateway_namespace: str | None = None
    """Namespace of the Envoy pods. Default: the stack's namespace (Envoy Gateway in GatewayNamespace mode)."""

    def __post_init__(self) -> None:
        if self.gateway_namespace is not None:
            check_dns_label("gateway_namespace", self.gateway_namespace)


@dataclass(frozen=True, kw_only=True)
class StackConfig(Typed):
    """The whole stack: one gateway in front of one or more models."""

    models: tuple[ModelConfig, ...]
    """The served models. A values file sets ``model:`` (one served model) or ``models:`` (a list of models with
    the same keys: a fleet behind one gateway)."""
    release: str = "llm-stack"
    """Release name, prefix of shared objects (``<release>-ai-gateway``, a Service name); a DNS-1035 label (starts
    with a letter) of at most 30 characters. Default: llm-stack."""
    namespace: str = "kserve-inference"
    """Namespace of every namespaced object; in a values file also the long form ``{name, create}``.
    Default: kserve-inference."""
    autoscaling: AutoscalingConfig = AutoscalingConfig()
    """Default autoscaling of every model. Default: see ``AutoscalingConfig``."""
    gateway: GatewayConfig = GatewayConfig()
    """The gateway in front of the models. Default: see ``GatewayConfig``."""
    api_keys: ApiKeysConfig = ApiKeysConfig()
    """Where the gateway's API keys come from. Default: see ``ApiKeysConfig``."""
    observability: ObservabilityConfig = ObservabilityConfig()
    """Tracing, alerts and dashboards. Default: see ``ObservabilityConfig``."""
    network_policy: NetworkPolicyConfig = NetworkPolicyConfig()
    """Who may reach the model pods. Default: see ``NetworkPolicyConfig``."""
    routing: RoutingConfig = RoutingConfig()
    """Default routing of every model: through its Service, or prefix-aware. Default: see ``RoutingConfig``."""
    gitops: GitOpsConfig = GitOpsConfig()
    """What the output tells a GitOps controller (Argo CD's sync waves). Default: see ``GitOpsConfig``."""
    create_namespace: bool = False
    """Emit a Namespace object for every namespace in ``namespaces`` (the stack's and each model's), first in
    the output (values key ``namespace.create``); refused for namespaces the stack does not own (``default``,
    ``kube-*``, the controllers', Prometheus' and Phoenix's). Default: false (the namespaces exist)."""
    common_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels on every object, e.g. ``release: <kube-prometheus-stack release>``, which its Prometheus selects
    PodMonitors by; keys and values as Kubernetes checks labels; the stack's own keys are refused. Default: none."""
    common_annotations: Mapping[str, str] = field(default_factory=dict)
    """Annotations on every object; keys are qualified names; the stack's own keys are refused. Default: none."""
    tenants: tuple[TenantConfig, ...] = ()
    """Teams sharing the gateway, each with its own keys (a Secret of its own), budgets and models; clients of no
    tenant (the keys of ``apiKeys``) keep ``gateway.rateLimit``. Default: none."""

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
        check_controller_keys("common_labels", self.common_labels)
        check_controller_keys("common_annotations", self.common_annotations)
        wave = argocd.SYNC_WAVE_ANNOTATION
        if self.gitops.argocd.sync_waves and wave in self.common_annotations:
            raise SettingsError(
                "common_annotations",
                self.common_annotations[wave],
                _sync_wave_fix,
                key=wave,
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
            try:
                self.autoscaling_of(model)
            except SettingsError as error:
                raise error.under_field(f"models[{index}].autoscaling") from None
            self._check_routing(index, model)
            self._check_scale_from_zero(index, model)
            self._check_keep_alive(index, model)
        if self.tenants:
            check_tenants(
                self.tenants,
                served=[m.name for m in self.models],
                default_keys=self.api_keys,
                mode=self.gateway.mode,
                default_limit=self.gateway.rate_limit,
                models_per_route=MODELS_PER_ROUTE,
            )
        # After the models' autoscaling is known to fit: this check reads each model's Prometheus credentials.
        self._check_keys_secret_is_only_keys()
        if self.create_namespace:
            check_created_namespaces(self._namespace_fields(), self._shared_namespaces())

    def _namespace_fields(self) -> list[tuple[str, str]]:
        """``(field, namespace)`` of every namespace ``create_namespace`` would emit, named by its first user."""
        out = {self.namespace: "namespace"}
        for index, model in enumerate(self.models):
            out.setdefault(self.namespace_of(model), f"models[{index}].namespace")
        return [(name, namespace) for namespace, name in out.items()]

    def _shared_namespaces(self) -> dict[str, str]:
        """Namespaces the configuration names as another component's, with what lives there."""
        shared = {self.autoscaling_of(m).prometheus.namespace: "Prometheus' namespace" for m in self.models}
        shared.setdefault(self.autoscaling.prometheus.namespace, "Prometheus' namespace")
        phoenix = self.observability.phoenix
        if phoenix is not None:
            for url in (phoenix.endpoint, phoenix.grpc_endpoint):
                namespace = service_namespace(url) if url else None
                if namespace is not None:
                    shared.setdefault(namespace, "Phoenix's namespace")
        gateway = self.network_policy.gateway_namespace
        if gateway is not None and gateway != self.namespace:
            shared.setdefault(gateway, "the namespace of the Envoy pods (the gateway controller's)")
        return shared

    def _check_keys_secret_is_only_keys(self) -> None:
        """The API-keys Secrets (in the stack's namespace: the gateway's and each tenant's) must not also hold another
        credential the stack reads there: every entry of them becomes a valid API key."""
        key_secrets = [("api_keys.secret_name", self.api_keys.secret_name)] + [
            (f"tenants[{i}].api_keys.secret_name", t.keys.secret_name) for i, t in enumerate(self.tenants)
        ]
        for keys_field, keys in key_secrets:
            self._check_keys_secret(keys_field, keys)

    def _check_keys_secret(self, keys_field: str, keys: str) -> None:
        phoenix = self.observability.phoenix
        if phoenix is not None and phoenix.auth_secret_name == keys:
            raise SettingsError(
                "observability.phoenix.auth_secret_name",
                keys,
                _keys_secret_fix("Phoenix API key (key api-key)", keys_field),
            )
        for index, model in enumerate(self.models):
            # KEDA reads the Prometheus Secrets in the model's namespace: the same Secret only there.
            if self.namespace_of(model) != self.namespace:
                continue
            where = "autoscaling" if model.autoscaling is None else f"models[{index}].autoscaling"
            prometheus = self.autoscaling_of(model).prometheus
            if prometheus.auth is not None and prometheus.auth.secret_name == keys:
                raise SettingsError(
                    f"{where}.prometheus.auth.secret_name", keys, _keys_secret_fix("Prometheus credential", keys_field)
                )
            if prometheus.tls is not None and prometheus.tls.ca_secret_name == keys:
                raise SettingsError(
                    f"{where}.prometheus.tls.ca_secret_name",
                    keys,
                    _keys_secret_fix("Prometheus CA certificate", keys_field),
                )

    def _check_keep_alive(self, index: int, model: ModelConfig) -> None:
        """A model whose ``env`` shortens vLLM's keep-alive: the gateway's upstream idle timeout stays below it."""
        value = model.runtime.env.get(vllm.HTTP_KEEP_ALIVE_ENV)
        if not isinstance(value, str) or not value.strip().isdigit():
            return
        idle = self.gateway.resilience.upstream_idle_timeout_seconds
        if idle >= int(value):
            raise SettingsError(
                "gateway.resilience.upstream_idle_timeout_seconds",
                idle,
                f"models[{index}] sets {vllm.HTTP_KEEP_ALIVE_ENV} to {value.strip()}: "
                + (keep_alive_fix(int(value)) if int(value) > 1 else f"raise {vllm.HTTP_KEEP_ALIVE_ENV} above 1"),
            )

    def _check_routing(self, index: int, model: ModelConfig) -> None:
        """A prefix-aware model: an AI Gateway in its namespace, and no vLLM flag of the prefix cache of its own."""
        routing = self.routing_of(model)
        if not routing.prefix_aware:
            return
        mode_field = "routing.mode" if model.routing is None else f"models[{index}].routing.mode"
        if self.gateway.mode == "standalone":
            raise SettingsError(mode_field, routing.mode, _standalone_routing_fix)
        if self.namespace_of(model) != self.namespace:
            raise SettingsError(
                f"models[{index}].namespace",
                model.namespace,
                lambda n: (
                    f"a prefix-aware model's InferencePool lives with its pods, and the AIGatewayRoute sends to it "
                    f"only in its own namespace ({self.namespace}): remove {n('namespace')} here, or set "
                    f"{n(mode_field)} 'service'"
                ),
            )
        for arg_index, arg in enumerate(model.runtime.extra_args):
            if arg == "--":
                break
            if resolve_vllm_flag(arg).dest in PREFIX_CACHE_DESTS:
                raise SettingsError(
                    f"models[{index}].runtime.extra_args[{arg_index}]",
                    arg,
                    lambda n: (
                        f"with {n(mode_field)} 'prefix-aware' the stack sets --enable-prefix-caching and --block-size "
                        f"(from {n('routing.block_size')}, the endpoint picker's block size too): remove it from "
                        f"{n('extra_args')}"
                    ),
                )

    def _check_scale_from_zero(self, index: int, model: ModelConfig) -> None:
        """``minReplicas: 0`` needs a hold (prefix-aware routing with flow control); a hold covers a start from zero
        and ends before the gateway's request timeout."""
        scaling, routing = self.autoscaling_of(model), self.routing_of(model)
        hold = routing.flow_control if routing.prefix_aware else None
        if scaling.min_replicas == 0 and hold is None:
            own = model.autoscaling is not None and model.autoscaling.min_replicas == 0
            where = f"models[{index}].autoscaling.min_replicas" if own else "autoscaling.min_replicas"
            raise SettingsError(where, 0, NO_HOLD_FIX)
        if hold is None:
            return
        hold_field = "routing.flow_control.hold_seconds"
        if model.routing is not None and model.routing.flow_control is not None:
            hold_field = f"models[{index}].{hold_field}"
        if scaling.min_replicas == 0:
            slow = startup_too_long(
                polling_interval=scaling.polling_interval,
                startup_timeout_seconds=model.runtime.startup_timeout_seconds,
                request_timeout_seconds=self.gateway.request_timeout_seconds,
            )
            if slow is not None:
                where = f"models[{index}].runtime.startup_timeout_seconds"
                raise SettingsError(where, model.runtime.startup_timeout_seconds, slow)
            short = hold_too_short(
                hold.hold_seconds,
                polling_interval=scaling.polling_interval,
                startup_timeout_seconds=model.runtime.startup_timeout_seconds,
            )
            if short is not None:
                raise SettingsError(hold_field, hold.hold_seconds, short)
        long = hold_too_long(hold.hold_seconds, request_timeout_seconds=self.gateway.request_timeout_seconds)
        if long is not None:
            raise SettingsError(hold_field, hold.hold_seconds, long)

    def routing_of(self, model: ModelConfig) -> RoutingConfig:
        """The model's routing: the fields its ``routing`` sets over the stack's (``settings.inherit``)."""
        merged = over(cast(RoutingConfig, stack_base(self, "routing")), model.routing)
        assert merged is not None
        return merged

    def namespace_of(self, model: ModelConfig) -> str:
        return model.namespace or self.namespace

    def autoscaling_of(self, model: ModelConfig) -> AutoscalingConfig:
        """The model's autoscaling: the fields its ``autoscaling`` sets over the stack's (``settings.inherit``)."""
        merged = over(cast(AutoscalingConfig, stack_base(self, "autoscaling")), model.autoscaling)
        assert merged is not None
        return merged

    def rate_limit_of(self, model: ModelConfig) -> RateLimitConfig | None:
        """The model's token limits: the gateway's (``INHERIT``), none (None), or the fields its ``rate_limit``
        sets over the gateway's."""
        base = cast(RateLimitConfig | None, stack_base(self, "rate_limit"))
        if model.rate_limit is INHERIT:
            return base
        return None if model.rate_limit is None else over(base, model.rate_limit)

    def budgets_of(self, tenant: TenantConfig) -> TenantBudgets:
        """The tenant's budgets with ``per_client`` resolved (``INHERIT``: ``gateway.rateLimit``)."""
        return resolve_budgets(tenant.budgets, self.gateway.rate_limit)

    @property
    def namespaces(self) -> list[str]:
        """Every namespace the stack's objects live in: the stack's, then each model's, sorted, once."""
        return [self.namespace, *sorted({self.namespace_of(m) for m in self.models} - {self.namespace})]

    @property
    def gateway_name(self) -> str:
        return f"{self.release}-ai-gateway"
