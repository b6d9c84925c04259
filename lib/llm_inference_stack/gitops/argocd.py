"""Argo CD health checks for the stack's kinds that Argo CD does not assess itself, and the ``argocd-cm`` patch.

Argo CD (:data:`..pins.ARGO_CD_VERSION`) assesses Deployments, Services, InferenceServices, ScaledObjects, Gateways
and a few more itself (:mod:`..facts.argocd`); the Envoy Gateway, Envoy AI Gateway and Inference Extension kinds
have no health there, so a sync wave would count them done as soon as they are applied. The scripts in
``argocd_health/`` read what those controllers really write into ``status`` (each script's header says what, and
from which upstream source); ``tests/test_argocd_health.py`` runs them with Lua 5.1, as Argo CD's gopher-lua does,
without the standard libraries Argo CD withholds, on status objects recorded from the real controllers.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import yaml

from ..errors import ValuesError
from ..facts import argocd
from ..facts.ai_gateway import API_VERSION as AI_GATEWAY_API_VERSION
from ..facts.envoy_gateway import API_VERSION as ENVOY_GATEWAY_API_VERSION
from ..names import DNS1123_LABEL

INFERENCE_POOL_API_VERSION = "inference.networking.k8s.io/v1"


@dataclass(frozen=True)
class HealthCheck:
    """One kind's custom health check: the script (a file of ``argocd_health/``) and the status it reads."""

    group: str
    kind: str
    script: str
    """File name in ``argocd_health/``; kinds whose controller writes the same status shape share one."""
    reads: str
    """The status the script reads, for the documentation."""

    @property
    def key(self) -> str:
        """The ``argocd-cm`` key: ``resource.customizations.health.<group>_<Kind>``."""
        return argocd.health_key(self.group, self.kind)

    def lua(self) -> str:
        """The script's text."""
        return resources.files(__package__).joinpath("argocd_health", self.script).read_text(encoding="utf-8")


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


_AI_GATEWAY = _group(AI_GATEWAY_API_VERSION)
_ENVOY_GATEWAY = _group(ENVOY_GATEWAY_API_VERSION)
_INFERENCE = _group(INFERENCE_POOL_API_VERSION)
_AI_CONDITIONS = "status.conditions: Accepted (True) or NotAccepted (False)"
_ANCESTORS = "status.ancestors[].conditions: Accepted, with observedGeneration"

HEALTH_CHECKS: tuple[HealthCheck, ...] = (
    HealthCheck(_AI_GATEWAY, "AIGatewayRoute", "aigateway_conditions.lua", _AI_CONDITIONS),
    HealthCheck(_AI_GATEWAY, "AIServiceBackend", "aigateway_conditions.lua", _AI_CONDITIONS),
    HealthCheck(_ENVOY_GATEWAY, "Backend", "envoy_gateway_backend.lua", "status.conditions, with observedGeneration"),
    HealthCheck(_ENVOY_GATEWAY, "SecurityPolicy", "envoy_gateway_ancestors.lua", _ANCESTORS),
    HealthCheck(_ENVOY_GATEWAY, "BackendTrafficPolicy", "envoy_gateway_ancestors.lua", _ANCESTORS),
    HealthCheck(_ENVOY_GATEWAY, "ClientTrafficPolicy", "envoy_gateway_ancestors.lua", _ANCESTORS),
    HealthCheck(_ENVOY_GATEWAY, "EnvoyProxy", "envoy_gateway_ancestors.lua", _ANCESTORS),
    HealthCheck(
        _INFERENCE, "InferencePool", "inference_pool.lua", "status.parents[].conditions: Accepted and ResolvedRefs"
    ),
)
"""Every shipped check, one per kind."""


def health_check(group: str, kind: str) -> HealthCheck | None:
    """The shipped check for ``group``/``kind``, or None."""
    return next((c for c in HEALTH_CHECKS if (c.group, c.kind) == (group, kind)), None)


Format = Literal["configmap", "helm-values"]
FORMATS: tuple[Format, ...] = ("configmap", "helm-values")


def health_data() -> dict[str, str]:
    """The ``argocd-cm`` data: one ``resource.customizations.health.<group>_<Kind>`` key per shipped check."""
    return {check.key: check.lua() for check in HEALTH_CHECKS}


def config_map_patch(*, namespace: str = argocd.NAMESPACE) -> dict[str, Any]:
    """``argocd-cm`` with only the health keys, for ``kubectl patch`` or a kustomize patch.

    :param namespace: Argo CD's namespace. Default: ``argocd``.
    """
    if not (DNS1123_LABEL.fullmatch(namespace) and len(namespace) <= 63):
        fix = "Argo CD's namespace: a DNS-1123 label (lower-case letters, digits, '-'; at most 63)"
        raise ValuesError("namespace", namespace, fix)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": argocd.CONFIG_MAP,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/name": argocd.CONFIG_MAP, "app.kubernetes.io/part-of": "argocd"},
        },
        "data": health_data(),
    }


def helm_values() -> dict[str, Any]:
    """The same keys as values of Argo CD's Helm chart (``configs.cm`` becomes ``argocd-cm``)."""
    return {"configs": {"cm": health_data()}}


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (the scripts) as literal blocks, so the output reads like the Lua files."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _represent_str)


def render(output_format: Format = "configmap", *, namespace: str = argocd.NAMESPACE) -> str:
    """The checks as YAML: the ``argocd-cm`` patch, or Helm values of Argo CD's chart."""
    document = config_map_patch(namespace=namespace) if output_format == "configmap" else helm_values()
    text: str = yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=1000)
    return text
