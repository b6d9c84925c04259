"""Settings of the autoscaler: KEDA's thresholds and replica bounds, and the Prometheus it queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import SettingsError
from ._checks import check_dns_label, check_url, keda_threshold_problem, require
from .inherit import Settings


@dataclass(frozen=True, kw_only=True)
class PrometheusAuth(Settings):
    """Credentials KEDA uses to query a secured Prometheus (a TriggerAuthentication)."""

    mode: Literal["bearer", "basic"]
    """``bearer`` reads key ``bearerToken``; ``basic`` reads keys ``username`` and ``password`` (into a
    TriggerAuthentication)."""
    secret_name: str
    """Secret in the model's namespace holding those keys."""

    def __post_init__(self) -> None:
        check_dns_label("secret_name", self.secret_name, 253)


@dataclass(frozen=True, kw_only=True)
class PrometheusTls(Settings):
    """How KEDA verifies the certificate of an ``https://`` Prometheus.

    KEDA's Prometheus scaler reads a CA (``ca`` in the TriggerAuthentication) only together with an auth mode,
    so ``caSecretName`` needs ``auth``. Without this block KEDA verifies against its own system roots.
    """

    ca_secret_name: str | None = None
    """Secret in the model's namespace holding the CA certificate (PEM) that signed Prometheus' certificate
    (``ca`` in the TriggerAuthentication); needs ``auth``, as KEDA reads the CA only with an auth mode.
    Default: none."""
    ca_key: str = "ca.crt"
    """Key of the CA certificate in that Secret. Default: ca.crt."""
    insecure_skip_verify: bool = False
    """Skip certificate verification (KEDA's ``unsafeSsl: "true"``); an explicit opt-in for testing; set either
    this or ``caSecretName``. Default: false."""

    def __post_init__(self) -> None:
        require(
            (self.ca_secret_name is not None) != self.insecure_skip_verify,
            "ca_secret_name" if self.insecure_skip_verify else "insecure_skip_verify",
            "(set)" if self.insecure_skip_verify else self.insecure_skip_verify,
            lambda n: (
                f"set either {n('ca_secret_name')} (verify Prometheus' certificate with that CA) or "
                f"{n('insecure_skip_verify')}: true (no verification), not both and not neither"
            ),
        )
        if self.ca_secret_name is not None:
            check_dns_label("ca_secret_name", self.ca_secret_name, 253)
        require(
            bool(re.fullmatch(r"^[-._A-Za-z0-9]{1,253}$", self.ca_key)),
            "ca_key",
            self.ca_key,
            "use a Secret key such as 'ca.crt'",
        )


@dataclass(frozen=True, kw_only=True)
class PrometheusConfig(Settings):
    """Where KEDA reads vLLM's metrics."""

    url: str = "http://prometheus-operated.monitoring.svc.cluster.local:9090"
    """HTTP address of the Prometheus KEDA queries. Default:
    ``http://prometheus-operated.monitoring.svc.cluster.local:9090`` (the Prometheus Operator's Service in
    ``monitoring``)."""
    auth: PrometheusAuth | None = None
    """Credentials for a secured Prometheus (a TriggerAuthentication). Default: none."""
    tls: PrometheusTls | None = None
    """Certificate verification of an ``https://`` Prometheus: ``caSecretName`` or ``insecureSkipVerify: true``.
    Default: KEDA's system roots."""
    namespace: str = "monitoring"
    """Namespace of the Prometheus pods (admitted to the model pods by the NetworkPolicy). Default: monitoring."""

    def __post_init__(self) -> None:
        check_url(
            "url",
            self.url,
            appends="'/api/v1/query' (KEDA formats its query URL from it)",
            credentials=lambda n: f"set {n('auth')} (bearer or basic) with a Secret instead",
        )
        require(
            not self.url.endswith("/"),
            "url",
            self.url,
            f"remove the trailing '/': KEDA appends /api/v1/query, which would make {self.url}/api/v1/query",
        )
        check_dns_label("namespace", self.namespace)
        if self.tls is not None:
            require(
                self.url.startswith("https://"),
                "tls",
                "(set)",
                f"tls applies to an https:// Prometheus, but url is {self.url!r}: use https:// or remove tls",
            )
            if self.tls.ca_secret_name is not None and self.auth is None:
                raise SettingsError(
                    "tls.ca_secret_name",
                    self.tls.ca_secret_name,
                    "KEDA's Prometheus scaler reads a CA only with an auth mode: set auth (bearer or basic) too, "
                    "or trust a CA KEDA already has and remove tls",
                )


@dataclass(frozen=True, kw_only=True)
class AutoscalingConfig(Settings):
    """KEDA scaling of the model replicas on ``vllm:num_requests_waiting``."""

    min_replicas: int = 1
    """Fewest replicas. 0 (scale to zero when idle) needs a hold for the first requests: ``routing.mode:
    prefix-aware`` with ``routing.flowControl``, whose endpoint picker queues them and exports the queue KEDA wakes the
    model on (at zero replicas vLLM exports no metric). Default: 1."""
    max_replicas: int = 4
    """Most replicas, at least ``minReplicas``. Default: 4."""
    threshold: float = 5
    """Target queued requests per replica (desired = ceil(waiting / threshold)). Default: 5."""
    activation_threshold: float = 0
    """KEDA activation threshold: waiting requests above which the scaler is active (only matters for scaling
    from and to zero). Default: 0."""
    polling_interval: int = 15
    """Seconds between KEDA's queries. Default: 15."""
    cooldown_period: int = 300
    """Seconds after the last activity (a queued or held request) before scaling to zero; only used with
    minReplicas 0. Default: 300."""
    scale_down_stabilization_seconds: int = 600
    """HPA scale-down stabilization window; long, because a new replica takes minutes to load. Default: 600."""
    scale_up_stabilization_seconds: int = 0
    """HPA scale-up stabilization window. Default: 0 (react at once)."""
    prometheus: PrometheusConfig = PrometheusConfig()
    """Prometheus to query. Default: see ``PrometheusConfig``."""

    def __post_init__(self) -> None:
        require(self.min_replicas >= 0, "min_replicas", self.min_replicas, "use 0 or more")
        require(
            self.max_replicas >= self.min_replicas,
            "max_replicas",
            self.max_replicas,
            lambda n: f"use a value >= {n('min_replicas')} ({self.min_replicas})",
        )
        require(self.max_replicas <= 1000, "max_replicas", self.max_replicas, "use at most 1000")
        require(self.threshold > 0, "threshold", self.threshold, "use a number of waiting requests greater than 0")
        require(
            self.activation_threshold >= 0,
            "activation_threshold",
            self.activation_threshold,
            "use a number >= 0",
        )
        for name, zero_ok in (("threshold", False), ("activation_threshold", True)):
            problem = keda_threshold_problem(getattr(self, name), zero_ok=zero_ok)
            if problem is not None:
                raise SettingsError(name, getattr(self, name), problem)
        for name in ("polling_interval", "cooldown_period"):
            value = getattr(self, name)
            require(1 <= value <= 86400, name, value, "use a number of seconds from 1 to 86400")
        for name in ("scale_down_stabilization_seconds", "scale_up_stabilization_seconds"):
            value = getattr(self, name)
            require(0 <= value <= 3600, name, value, "use a number of seconds from 0 to 3600 (the HPA maximum)")
