"""``llm-stack verify``: apply synthesized manifests to a real control plane and report what it did.

The outer process (:func:`main`) loads the manifests (or synthesizes them from ``--values``), builds the pinned
binaries on first use, and runs :func:`run_inner` inside :mod:`.sandbox`, where :class:`.cluster.LocalControlPlane`
starts etcd, kube-apiserver and the four controllers. The inner process server-side applies every object, waits
(bounded) for the controllers to settle, then runs :data:`CHECKS` against what the API server holds, and writes a
JSON report the outer process prints as a table (or as JSON with ``--json``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .kube import ApiError, JsonDict, KubeClient

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_ERROR = 0, 1, 2, 3
SETTLE_TIMEOUT_S = 120.0
STABLE_S = 20.0  # findings unchanged this long (and no pass) end the wait early
MIN_SETTLE_S = 30.0


# ----------------------------------------------------------------------------------------------------------------
# Report


@dataclasses.dataclass
class Finding:
    """One line of the report: what the real system did with (or because of) an object."""

    kind: str
    name: str
    namespace: str | None
    check: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Report:
    findings: list[Finding] = dataclasses.field(default_factory=list)
    prerequisites: list[str] = dataclasses.field(default_factory=list)
    control_plane: dict[str, Any] = dataclasses.field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(f.ok for f in self.findings)

    def add(self, obj: Mapping[str, Any], check: str, ok: bool, detail: str) -> None:
        meta = obj.get("metadata", {})
        self.findings.append(
            Finding(obj.get("kind", "?"), meta.get("name", "?"), meta.get("namespace"), check, ok, detail)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "error": self.error,
            "prerequisites": self.prerequisites,
            "findings": [f.as_dict() for f in self.findings],
            "controlPlane": self.control_plane,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        return cls(
            findings=[Finding(**f) for f in data.get("findings", [])],
            prerequisites=list(data.get("prerequisites", [])),
            control_plane=dict(data.get("controlPlane", {})),
            error=data.get("error"),
        )

    def table(self) -> str:
        rows = [("RESULT", "KIND", "NAMESPACE/NAME", "CHECK", "DETAIL")]
        for f in self.findings:
            where = f"{f.namespace}/{f.name}" if f.namespace else f.name
            rows.append(("ok" if f.ok else "FAIL", f.kind, where, f.check, f.detail))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in rows]
        if self.prerequisites:
            lines += ["", "Created by verify (prerequisites a cluster has before `kubectl apply -f`):"]
            lines += [f"  - {p}" for p in self.prerequisites]
        failed = sum(not f.ok for f in self.findings)
        if self.error:
            lines += ["", f"error: {self.error}"]
        lines += ["", f"{len(self.findings) - failed} passed, {failed} failed" if self.findings else "no checks ran"]
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------
# Helpers on objects


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _dig(obj: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int):
            if not isinstance(obj, list) or key >= len(obj):
                return None
            obj = obj[key]
        else:
            if not isinstance(obj, Mapping):
                return None
            obj = obj.get(key)
    return obj


def _conditions(obj: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    return {c["type"]: c for c in _dig(obj, "status", "conditions") or [] if isinstance(c, Mapping)}


def _condition_text(condition: Mapping[str, Any] | None) -> str:
    if not condition:
        return "no condition"
    return f"{condition.get('type')}={condition.get('status')} ({condition.get('reason')}: {condition.get('message')})"


def _selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes label selector semantics (matchLabels and matchExpressions)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _owned_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    uid = _meta(owner).get("uid")
    return any(ref.get("uid") == uid for ref in _meta(obj).get("ownerReferences") or [])


# ----------------------------------------------------------------------------------------------------------------
# Prerequisites: namespaces and Secrets made outside the stack


def _secret_refs(obj: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    """(Secret name, key or None) that ``obj`` reads, in its own namespace."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "SecurityPolicy":
        for ref in _dig(spec, "apiKeyAuth", "credentialRefs") or []:
            if ref.get("kind", "Secret") == "Secret":
                yield ref["name"], None
    if kind == "TriggerAuthentication":
        for ref in spec.get("secretTargetRef") or []:
            yield ref["name"], ref.get("key")
    if kind == "ExternalSecret":
        yield (
            str(_dig(spec, "target", "name") or _meta(obj).get("name")),
            None,
        )  # written by External Secrets Operator, which does not run here
    containers: list[Any] = []
    if kind == "InferenceService":
        containers = _dig(spec, "predictor", "containers") or []
    if kind == "Deployment":
        containers = _dig(spec, "template", "spec", "containers") or []
    if kind == "GatewayConfig":
        containers = [{"env": _dig(spec, "extProc", "kubernetes", "env") or []}]
    for container in containers:
        for env in container.get("env") or []:
            ref = _dig(env, "valueFrom", "secretKeyRef")
            if isinstance(ref, Mapping) and not ref.get("optional"):
                yield ref["name"], ref.get("key")


def standin_secrets(objects: Sequence[JsonDict]) -> list[JsonDict]:
    """Secrets the objects read that are not among them (existing, or written by External Secrets)."""
    present = {(_meta(o).get("namespace"), _meta(o).get("name")) for o in objects if o.get("kind") == "Secret"}
    wanted: dict[tuple[str | None, str], set[str]] = {}
    for obj in objects:
        namespace = _meta(obj).get("namespace")
        for name, key in _secret_refs(obj):
            if (namespace, name) not in present:
                wanted.setdefault((namespace, name), set()).update([key] if key else [])
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace},
            "type": "Opaque",
            "stringData": {key: "stand-in" for key in sorted(keys)} or {"verify-client": "stand-in-api-key"},
        }
        for (namespace, name), keys in sorted(wanted.items(), key=lambda item: (item[0][0] or "", item[0][1]))
    ]


# ----------------------------------------------------------------------------------------------------------------
# Checks: each looks at what the API server holds after the controllers settled


@dataclasses.dataclass
class Context:
    client: KubeClient
    objects: list[JsonDict]  # as admitted (the server's answer, defaults and webhooks applied)
    report: Report
    originals: list[JsonDict] = dataclasses.field(default_factory=list)  # as written in the manifests

    def written(self, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """``obj`` as the manifests wrote it (comparisons with what controllers made start from our text)."""
        key = (obj.get("kind"), _meta(obj).get("namespace"), _meta(obj).get("name"))
        for original in self.originals:
            if (original.get("kind"), _meta(original).get("namespace"), _meta(original).get("name")) == key:
                return original
        return obj

    def of_kind(self, kind: str) -> list[JsonDict]:
        return [o for o in self.objects if o.get("kind") == kind]

    def get(self, api_version: str, kind: str, name: str, namespace: str | None) -> JsonDict | None:
        try:
            return self.client.get(api_version, kind, name, namespace)
        except ApiError:
            return None

    def list(self, api_version: str, kind: str, namespace: str | None) -> list[JsonDict]:
        try:
            return self.client.list(api_version, kind, namespace)
        except ApiError:
            return []  # kind not served (e.g. Istio VirtualService without Istio's CRDs)


def predictor_name(isvc: Mapping[str, Any]) -> str:
    """KServe Standard mode: ``<isvc>-predictor``, or ``<isvc>-<predictor name>-predictor`` when named."""
    name = str(_meta(isvc).get("name"))
    component = _dig(isvc, "spec", "predictor", "name")
    return f"{name}-{component}-predictor" if component else f"{name}-predictor"


def _container(pod_spec: Any, name: str) -> JsonDict | None:
    for container in _dig(pod_spec, "containers") or []:
        if container.get("name") == name:
            return dict(container)
    return None


def _subset_problems(ours: Any, theirs: Any, path: str) -> list[str]:
    """Where ``theirs`` (what a controller made) lacks or changes what ``ours`` (what we wrote) says.

    Server-side defaults (``scheme: HTTP``, ``successThreshold``) and additions (KServe's model volume mount) are
    fine; lists of named items are matched by name, other lists element by element.
    """
    if isinstance(ours, Mapping):
        if not isinstance(theirs, Mapping):
            return [f"{path}: ours {ours!r}, theirs {theirs!r}"]
        return [p for key, value in ours.items() for p in _subset_problems(value, theirs.get(key), f"{path}.{key}")]
    if isinstance(ours, list):
        if not isinstance(theirs, list):
            return [f"{path}: ours {ours!r}, theirs {theirs!r}"]
        if all(isinstance(item, Mapping) and "name" in item for item in ours):
            named = {item.get("name"): item for item in theirs if isinstance(item, Mapping)}
            return [
                p for item in ours for p in _subset_problems(item, named.get(item["name"]), f"{path}[{item['name']}]")
            ]
        if len(ours) != len(theirs):
            return [f"{path}: ours {ours!r}, theirs {theirs!r}"]
        return [
            p for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) for p in _subset_problems(a, b, f"{path}[{i}]")
        ]
    if ours != theirs and str(ours) != str(theirs):
        return [f"{path}: ours {ours!r}, theirs {theirs!r}"]
    return []


def _storage_summary(pod_spec: Any) -> str:
    """What KServe does with the weights: its storage-initializer's source and target, or the mounted PVC."""
    for init in _dig(pod_spec, "initContainers") or []:
        if init.get("name") == "storage-initializer":
            return f"weights: storage-initializer {' -> '.join(map(str, init.get('args') or []))}"
    claims = [
        v["persistentVolumeClaim"]["claimName"] for v in _dig(pod_spec, "volumes") or [] if "persistentVolumeClaim" in v
    ]
    return f"weights: PVC {', '.join(claims)}" if claims else "weights: no storage initializer and no PVC"


def check_kserve(ctx: Context) -> None:
    for isvc in ctx.of_kind("InferenceService"):
        namespace = _meta(isvc).get("namespace")
        live = ctx.get("serving.kserve.io/v1beta1", "InferenceService", _meta(isvc)["name"], namespace) or isvc
        name = predictor_name(isvc)
        deployment = ctx.get("apps/v1", "Deployment", name, namespace)
        if deployment is None:
            ready = _conditions(live)
            ctx.report.add(
                isvc,
                "KServe Deployment",
                False,
                f"KServe created no Deployment {name}; InferenceService status: "
                f"{'; '.join(_condition_text(c) for c in ready.values()) or 'none'}",
            )
        else:
            pod_spec = _dig(deployment, "spec", "template", "spec")
            written = ctx.written(isvc)
            ours = _container(_dig(written, "spec", "predictor"), "kserve-container") or {}
            theirs = _container(pod_spec, "kserve-container")
            if theirs is None:
                problems = ["no kserve-container in the Deployment"]
            else:
                problems = _subset_problems(ours, theirs, "kserve-container")
            problems += _subset_problems(
                _dig(written, "spec", "predictor", "volumes") or [], _dig(pod_spec, "volumes") or [], "volumes"
            )
            storage = _storage_summary(pod_spec)
            same = f"Deployment {name}: container, args, GPUs, volumes, probes as synthesized; {storage}"
            ctx.report.add(isvc, "KServe Deployment", not problems, "; ".join(problems) or same)
        service = ctx.get("v1", "Service", name, namespace)
        ctx.report.add(
            isvc,
            "KServe Service",
            service is not None,
            f"Service {name} ports {[p.get('port') for p in _dig(service, 'spec', 'ports') or []]}"
            if service
            else f"KServe created no Service {name}",
        )
        bypass = []
        for api_version, kind in (
            ("networking.k8s.io/v1", "Ingress"),
            ("gateway.networking.k8s.io/v1", "HTTPRoute"),
            ("networking.istio.io/v1beta1", "VirtualService"),
        ):
            bypass += [
                f"{kind} {_meta(o)['name']}" for o in ctx.list(api_version, kind, namespace) if _owned_by(o, live)
            ]
        # KServe publishes routes only for a ready predictor: the verdict counts once its ingress stage ran.
        ingress_stage = _conditions(live).get("IngressReady")
        if bypass:
            ok, detail = (
                False,
                (
                    f"KServe published the model outside the API-key gateway: {', '.join(bypass)} (label the "
                    "InferenceService networking.kserve.io/visibility: cluster-local)"
                ),
            )
        elif ingress_stage is None or ingress_stage.get("status") != "True":
            ok, detail = False, f"KServe has not run its ingress stage yet: {_condition_text(ingress_stage)}"
        else:
            ok, detail = True, "KServe ran its ingress stage on the ready predictor and created no Ingress, HTTPRoute "
            detail += "or VirtualService"
        ctx.report.add(isvc, "no route around the gateway", ok, detail)
        hpas = [o for o in ctx.list("autoscaling/v2", "HorizontalPodAutoscaler", namespace) if _owned_by(o, live)]
        ctx.report.add(
            isvc,
            "no KServe autoscaler",
            not hpas,
            f"KServe created HPA {_meta(hpas[0])['name']}, which fights KEDA for replicas"
            if hpas
            else "KServe created no HPA (autoscalerClass external)",
        )
        if deployment is not None:
            check_selectors(ctx, isvc, deployment)


def check_selectors(ctx: Context, isvc: Mapping[str, Any], deployment: Mapping[str, Any]) -> None:
    namespace = _meta(deployment).get("namespace")
    labels = _dig(deployment, "spec", "template", "metadata", "labels") or {}
    isvc_name = _meta(isvc).get("name")
    for kind, path in (
        ("PodMonitor", ("spec", "selector")),
        ("PodDisruptionBudget", ("spec", "selector")),
        ("NetworkPolicy", ("spec", "podSelector")),
    ):
        for obj in ctx.of_kind(kind):
            if _meta(obj).get("name") != isvc_name and str(isvc_name) not in str(_dig(obj, *path)):
                continue
            ns_ok = _meta(obj).get("namespace") == namespace or (
                kind == "PodMonitor" and namespace in (_dig(obj, "spec", "namespaceSelector", "matchNames") or [])
            )
            matches = ns_ok and _selector_matches(_dig(obj, *path), labels)
            ctx.report.add(
                obj,
                "selects the model pods",
                matches,
                f"matches the pod labels of Deployment {_meta(deployment)['name']}"
                if matches
                else f"selector {_dig(obj, *path)} does not select the pod labels {labels} of the Deployment "
                f"KServe created in {namespace}",
            )


def check_keda(ctx: Context) -> None:
    for scaled in ctx.of_kind("ScaledObject"):
        namespace = _meta(scaled).get("namespace")
        spec = scaled.get("spec") or {}
        hpa_name = (
            _dig(spec, "advanced", "horizontalPodAutoscalerConfig", "name") or f"keda-hpa-{_meta(scaled)['name']}"
        )
        hpa = ctx.get("autoscaling/v2", "HorizontalPodAutoscaler", hpa_name, namespace)
        if hpa is None:
            live = ctx.get("keda.sh/v1alpha1", "ScaledObject", _meta(scaled)["name"], namespace)
            conditions = _conditions(live)
            ctx.report.add(
                scaled, "KEDA HPA", False, f"KEDA created no HPA {hpa_name}: {_condition_text(conditions.get('Ready'))}"
            )
            continue
        hspec = hpa.get("spec") or {}
        target = spec.get("scaleTargetRef") or {}
        problems = []
        if _dig(hspec, "scaleTargetRef", "name") != target.get("name"):
            problems.append(f"target {_dig(hspec, 'scaleTargetRef', 'name')!r} != {target.get('name')!r}")
        if hspec.get("minReplicas") != spec.get("minReplicaCount", 0) or hspec.get("maxReplicas") != spec.get(
            "maxReplicaCount", 100
        ):
            problems.append(
                f"min/max {hspec.get('minReplicas')}/{hspec.get('maxReplicas')} != "
                f"{spec.get('minReplicaCount')}/{spec.get('maxReplicaCount')}"
            )
        behavior = _dig(spec, "advanced", "horizontalPodAutoscalerConfig", "behavior")
        if behavior is not None:
            for direction, wanted in behavior.items():
                got = (hspec.get("behavior") or {}).get(direction) or {}
                for key, value in wanted.items():
                    if got.get(key) != value:
                        problems.append(f"behavior.{direction}.{key}: HPA {got.get(key)!r}, ours {value!r}")
        metrics = [m for m in hspec.get("metrics") or [] if m.get("type") == "External"]
        if not metrics:
            problems.append("no External metric")
        deployment = ctx.get("apps/v1", "Deployment", str(target.get("name", "")), namespace)
        if deployment is None:
            problems.append(f"the target Deployment {target.get('name')!r} does not exist (KServe did not create it)")
        detail = "; ".join(problems) or (
            f"HPA {hpa_name} -> {target.get('name')} min {hspec.get('minReplicas')} max {hspec.get('maxReplicas')}, "
            f"external metric {_dig(metrics[0], 'external', 'metric', 'name')}"
        )
        ctx.report.add(scaled, "KEDA HPA", not problems, detail)


def _ancestor_accepted(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
    """Envoy Gateway policies: status.ancestors[].conditions Accepted."""
    ancestors = _dig(obj, "status", "ancestors") or []
    if not ancestors:
        return False, "no status from Envoy Gateway (not reconciled: does it target an accepted Gateway?)"
    for ancestor in ancestors:
        accepted = {c["type"]: c for c in ancestor.get("conditions") or []}.get("Accepted")
        if not accepted or accepted.get("status") != "True":
            return False, _condition_text(accepted)
    return True, "Accepted by Envoy Gateway"


def check_envoy_gateway(ctx: Context) -> None:
    for obj in ctx.of_kind("GatewayClass"):
        live = ctx.get("gateway.networking.k8s.io/v1", "GatewayClass", _meta(obj)["name"], None)
        accepted = _conditions(live).get("Accepted")
        ctx.report.add(obj, "accepted", bool(accepted and accepted["status"] == "True"), _condition_text(accepted))
    for obj in ctx.of_kind("Gateway"):
        namespace = _meta(obj).get("namespace")
        live = ctx.get("gateway.networking.k8s.io/v1", "Gateway", _meta(obj)["name"], namespace)
        accepted = _conditions(live).get("Accepted")
        ctx.report.add(obj, "accepted", bool(accepted and accepted["status"] == "True"), _condition_text(accepted))
        check_envoy_workload(ctx, obj)
    for kind in ("SecurityPolicy", "BackendTrafficPolicy", "ClientTrafficPolicy"):
        for obj in ctx.of_kind(kind):
            live = ctx.get("gateway.envoyproxy.io/v1alpha1", kind, _meta(obj)["name"], _meta(obj).get("namespace"))
            ok, detail = _ancestor_accepted(live)
            ctx.report.add(obj, "accepted", ok, detail)


def _envoy_proxy_of(ctx: Context, gateway: Mapping[str, Any]) -> JsonDict | None:
    ref = _dig(gateway, "spec", "infrastructure", "parametersRef")
    if ref is None:
        for gateway_class in ctx.of_kind("GatewayClass"):
            if _meta(gateway_class).get("name") == _dig(gateway, "spec", "gatewayClassName"):
                ref = _dig(gateway_class, "spec", "parametersRef")
    for proxy in ctx.of_kind("EnvoyProxy"):
        if ref and _meta(proxy).get("name") == ref.get("name"):
            return proxy
    return None


def check_envoy_workload(ctx: Context, gateway: Mapping[str, Any]) -> None:
    """Envoy Gateway (GatewayNamespace mode) creates the Envoy Deployment and Service in the Gateway's namespace."""
    namespace = _meta(gateway).get("namespace")
    proxy = _envoy_proxy_of(ctx, gateway)
    kube = _dig(proxy, "spec", "provider", "kubernetes") or {}
    service_name = _dig(kube, "envoyService", "name")
    deployment_name = _dig(kube, "envoyDeployment", "name")
    owned = {"gateway.envoyproxy.io/owning-gateway-name": _meta(gateway)["name"]}
    services = [
        s
        for s in ctx.list("v1", "Service", namespace)
        if _selector_matches({"matchLabels": owned}, _meta(s).get("labels") or {})
    ]
    deployments = [
        d
        for d in ctx.list("apps/v1", "Deployment", namespace)
        if _selector_matches({"matchLabels": owned}, _meta(d).get("labels") or {})
    ]
    listener_ports = sorted({int(listener["port"]) for listener in _dig(gateway, "spec", "listeners") or []})
    if not services:
        ctx.report.add(
            gateway, "Envoy Service", False, f"Envoy Gateway created no Service for the Gateway in {namespace}"
        )
    for service in services:
        ports = sorted(int(p["port"]) for p in _dig(service, "spec", "ports") or [])
        problems = []
        if service_name and _meta(service)["name"] != service_name:
            problems.append(f"named {_meta(service)['name']!r}, not {service_name!r}")
        if ports != listener_ports:
            problems.append(f"ports {ports} != listener ports {listener_ports}")
        problems += _exposure_problems(_dig(kube, "envoyService") or {}, service)
        summary = f"Service {_meta(service)['name']} ({_exposure_summary(service)}) ports {ports}"
        ctx.report.add(gateway, "Envoy Service", not problems, "; ".join(problems) or summary)
    if not deployments:
        ctx.report.add(gateway, "Envoy Deployment", False, f"Envoy Gateway created no Deployment in {namespace}")
    for deployment in deployments:
        problems = []
        if deployment_name and _meta(deployment)["name"] != deployment_name:
            problems.append(f"named {_meta(deployment)['name']!r}, not {deployment_name!r}")
        replicas = _dig(kube, "envoyDeployment", "replicas")
        if replicas is not None and _dig(deployment, "spec", "replicas") != replicas:
            problems.append(f"replicas {_dig(deployment, 'spec', 'replicas')} != {replicas}")
        summary = f"Deployment {_meta(deployment)['name']} replicas {_dig(deployment, 'spec', 'replicas')}"
        ctx.report.add(gateway, "Envoy Deployment", not problems, "; ".join(problems) or summary)


ENVOY_GATEWAY_DEFAULT_SERVICE_TYPE = "LoadBalancer"
ENVOY_GATEWAY_DEFAULT_TRAFFIC_POLICY = "Local"
"""Envoy Gateway v1.9.0's defaults for an EnvoyProxy that sets no ``envoyService.type`` / ``externalTrafficPolicy``
(``api/v1alpha1``, ``DefaultKubernetesServiceExternalTrafficPolicy``)."""


def _exposure_problems(asked: Mapping[str, Any], service: Mapping[str, Any]) -> list[str]:
    """How the Service Envoy Gateway created differs from the exposure the EnvoyProxy's ``envoyService`` asks for."""
    problems = []
    spec = service.get("spec") or {}
    wanted_type = asked.get("type") or ENVOY_GATEWAY_DEFAULT_SERVICE_TYPE
    if spec.get("type") != wanted_type:
        problems.append(f"type {spec.get('type')} != {wanted_type}")
    annotations = _meta(service).get("annotations") or {}
    for key, value in (asked.get("annotations") or {}).items():
        if annotations.get(key) != value:
            problems.append(f"annotation {key}={annotations.get(key)!r}, asked {value!r}")
    wanted_ranges = list(asked.get("loadBalancerSourceRanges") or [])
    if list(spec.get("loadBalancerSourceRanges") or []) != wanted_ranges:
        problems.append(f"loadBalancerSourceRanges {spec.get('loadBalancerSourceRanges') or []} != {wanted_ranges}")
    wanted_policy = (
        asked.get("externalTrafficPolicy") or ENVOY_GATEWAY_DEFAULT_TRAFFIC_POLICY
        if wanted_type in ("LoadBalancer", "NodePort")
        else None
    )
    if spec.get("externalTrafficPolicy") != wanted_policy:
        problems.append(f"externalTrafficPolicy {spec.get('externalTrafficPolicy')} != {wanted_policy}")
    return problems


def _exposure_summary(service: Mapping[str, Any]) -> str:
    spec = service.get("spec") or {}
    parts = [str(spec.get("type"))]
    if spec.get("externalTrafficPolicy"):
        parts.append(f"externalTrafficPolicy {spec['externalTrafficPolicy']}")
    if spec.get("loadBalancerSourceRanges"):
        parts.append(f"sources {', '.join(spec['loadBalancerSourceRanges'])}")
    annotations = _meta(service).get("annotations") or {}
    if annotations:
        parts.append(f"{len(annotations)} annotations")
    return ", ".join(parts)


def check_ai_gateway(ctx: Context) -> None:
    backends = {(_meta(b).get("namespace"), _meta(b)["name"]) for b in ctx.of_kind("Backend")}
    for route in ctx.of_kind("AIGatewayRoute"):
        namespace = _meta(route).get("namespace")
        live = ctx.get("aigateway.envoyproxy.io/v1beta1", "AIGatewayRoute", _meta(route)["name"], namespace)
        accepted = _conditions(live).get("Accepted")
        ctx.report.add(route, "accepted", bool(accepted and accepted["status"] == "True"), _condition_text(accepted))
        http_routes = [
            r for r in ctx.list("gateway.networking.k8s.io/v1", "HTTPRoute", namespace) if _owned_by(r, live or route)
        ]
        if not http_routes:
            ctx.report.add(route, "HTTPRoute", False, "the AI Gateway controller created no HTTPRoute for it")
            continue
        for http_route in http_routes:
            refs = {
                (r.get("namespace", namespace), r["name"])
                for rule in _dig(http_route, "spec", "rules") or []
                for r in rule.get("backendRefs") or []
                if r.get("kind") == "Backend"
            }
            parents = _dig(http_route, "status", "parents") or []
            not_accepted = [
                _condition_text({c["type"]: c for c in p.get("conditions") or []}.get("Accepted"))
                for p in parents
                if {c["type"]: c for c in p.get("conditions") or []}.get("Accepted", {}).get("status") != "True"
            ]
            problems = []
            if not parents:
                problems.append("no status from Envoy Gateway")
            problems += not_accepted
            if not refs & backends:
                problems.append(f"backendRefs {sorted(refs)} name none of our Backends {sorted(backends)}")
            ctx.report.add(
                route,
                "HTTPRoute",
                not problems,
                "; ".join(problems)
                or f"HTTPRoute {_meta(http_route)['name']} accepted, backends {', '.join(n for _, n in sorted(refs))}",
            )


CHECKS: tuple[Callable[[Context], None], ...] = (check_kserve, check_keda, check_envoy_gateway, check_ai_gateway)


# ----------------------------------------------------------------------------------------------------------------
# Inner: inside the sandbox


def _apply_order(obj: Mapping[str, Any]) -> int:
    order = ["Namespace", "Secret", "ConfigMap", "ServiceAccount", "GatewayClass", "EnvoyProxy", "GatewayConfig"]
    return order.index(obj["kind"]) if obj.get("kind") in order else len(order)


def apply_all(client: KubeClient, objects: Sequence[JsonDict], report: Report) -> list[JsonDict]:
    namespaces = sorted({_meta(o)["namespace"] for o in objects if _meta(o).get("namespace")})
    declared = {_meta(o)["name"] for o in objects if o.get("kind") == "Namespace"}
    for namespace in namespaces:
        if namespace not in declared and client.ensure_namespace(namespace):
            report.prerequisites.append(f"Namespace {namespace}")
    for secret in standin_secrets(objects):
        client.apply(secret)
        report.prerequisites.append(
            f"Secret {secret['metadata']['namespace']}/{secret['metadata']['name']} (stand-in: the manifests read "
            "it but do not create it)"
        )
    admitted = []
    for obj in sorted(objects, key=_apply_order):
        try:
            result = client.apply(obj)
        except ApiError as error:
            report.add(obj, "admitted", False, f"the API server refused it: {error.message}")
            continue
        report.add(obj, "admitted", True, "admitted by the API server (schema, CEL, webhooks)")
        admitted.append(result)
    return admitted


def mark_predictors_available(ctx: Context) -> None:
    """Stand in for kube-controller-manager and the kubelet: once KServe created a predictor Deployment, report it
    Available (status subresource), as a Deployment whose pods became ready is. KServe's next stages (status,
    routes) only run for a ready predictor."""
    for isvc in ctx.of_kind("InferenceService"):
        namespace = _meta(isvc).get("namespace")
        name = predictor_name(isvc)
        deployment = ctx.get("apps/v1", "Deployment", name, namespace)
        if deployment is None or _conditions(deployment).get("Available", {}).get("status") == "True":
            continue
        replicas = _dig(deployment, "spec", "replicas") or 1
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        status = {
            "observedGeneration": _meta(deployment).get("generation", 1),
            "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": replicas,
            "availableReplicas": replicas,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability.", "lastTransitionTime": now, "lastUpdateTime": now},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": "ReplicaSet has successfully progressed.", "lastTransitionTime": now,
                 "lastUpdateTime": now},
            ],
        }  # fmt: skip
        path = ctx.client.path("apps/v1", "Deployment", namespace, name) + "/status"
        ctx.client.request("PATCH", path, {"status": status}, content_type="application/merge-patch+json")


def settle(ctx: Context, control_plane: Any, *, timeout_s: float, stable_s: float = STABLE_S) -> None:
    """Re-run the checks until they all pass, or their findings stopped changing for ``stable_s`` (after at least
    ``stable_s``), or ``timeout_s``; the last run's findings stay in the report."""
    base = list(ctx.report.findings)
    started = last_change = time.monotonic()
    previous: list[tuple[bool, str]] = []
    while True:
        control_plane.check_alive()
        mark_predictors_available(ctx)
        ctx.report.findings = list(base)
        for check in CHECKS:
            check(ctx)
        now = time.monotonic()
        current = [(f.ok, f.detail) for f in ctx.report.findings]
        if current != previous:
            previous, last_change = current, now
        if all(f.ok for f in ctx.report.findings) or now - started > timeout_s:
            return
        if now - last_change > stable_s and now - started > MIN_SETTLE_S:
            return
        time.sleep(2.0)


# Kinds verify never deletes between two runs on one control plane (bookkeeping of the API server itself).
_KEEP_KINDS = {"Event", "Namespace", "Lease", "EndpointSlice", "Endpoints"}


def reset(client: KubeClient, applied: Sequence[JsonDict], namespaces: Sequence[str], timeout_s: float = 120.0) -> None:
    """Remove what one run left (ours, the stand-ins, what controllers made) so the next starts from the same state.

    There is no garbage collector or namespace controller (no kube-controller-manager): objects the controllers
    created are deleted explicitly, after ours are gone (their finalizers are the controllers' to remove).
    """

    def delete(obj: Mapping[str, Any]) -> None:
        meta = _meta(obj)
        try:
            namespace = meta.get("namespace") if client.namespaced(obj["apiVersion"], obj["kind"]) else None
            client.request("DELETE", client.path(obj["apiVersion"], obj["kind"], namespace, meta["name"]))
        except ApiError as error:
            if error.status != 404:
                raise

    def remaining() -> list[JsonDict]:
        left = []
        for obj in applied:
            if client.get(obj["apiVersion"], obj["kind"], _meta(obj)["name"], _meta(obj).get("namespace")):
                left.append(obj)
        return left

    for obj in applied:
        delete(obj)
    _wait_gone(remaining, timeout_s, "the applied objects")
    namespaced = [(api_version, kind) for (api_version, kind), (_plural, ns) in client.resources().items()
                  if ns and kind not in _KEEP_KINDS]  # fmt: skip

    def leftovers() -> list[JsonDict]:
        found = []
        for namespace in namespaces:
            for api_version, kind in namespaced:
                try:
                    found += client.list(api_version, kind, namespace)
                except ApiError:
                    continue  # not listable
        return found

    for obj in leftovers():
        delete(obj)
    _wait_gone(leftovers, timeout_s, "what the controllers created")


def _wait_gone(remaining: Callable[[], list[JsonDict]], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while (left := remaining()) and time.monotonic() < deadline:
        time.sleep(0.5)
    if left:
        names = ", ".join(f"{o['kind']} {_meta(o).get('name')}" for o in left[:5])
        raise RuntimeError(f"could not remove {what} between two runs: {names}")


def verify_objects(plane: Any, objects: list[JsonDict], timeout_s: float) -> tuple[Report, list[JsonDict]]:
    """Apply ``objects``, let the controllers settle, check; returns the report and what was applied."""
    report = Report()
    admitted = apply_all(plane.client, objects, report)
    ctx = Context(plane.client, admitted, report, originals=objects)
    settle(ctx, plane, timeout_s=timeout_s)
    applied = admitted + standin_secrets(objects)
    return report, applied


def run_inner(job_file: Path, timeout_s: float) -> int:
    """Inside the sandbox: one control plane, each manifest set of ``job_file`` verified in turn."""
    from .cluster import SUBSTITUTIONS, Binaries, LocalControlPlane
    from .sources import ControlPlaneSources

    job = json.loads(job_file.read_text())
    sources = ControlPlaneSources(
        files=tuple(Path(p) for p in job["sources"]["files"]), kserve_config_file=Path(job["sources"]["kserve_config"])
    )
    built = {name: Path(path) for name, path in job["binaries"].items()}
    plane = LocalControlPlane(Binaries.from_build(built), sources, work_dir=Path(job["work_dir"]), log=_progress)
    reports: list[Report] = []

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    error = None
    try:
        with plane:
            for index, entry in enumerate(job["sets"]):
                objects: list[JsonDict] = entry["objects"]
                _progress(f"{entry['name']}: applying {len(objects)} objects")
                report, applied = verify_objects(plane, objects, timeout_s)
                reports.append(report)
                if index + 1 < len(job["sets"]):
                    namespaces = sorted({_meta(o)["namespace"] for o in applied if _meta(o).get("namespace")})
                    reset(plane.client, applied, namespaces)
    except KeyboardInterrupt:
        error = "interrupted"
    except Exception as failure:  # reported with the component's log tail
        error = f"{type(failure).__name__}: {failure}"
    if error is not None:
        reports.append(Report(error=error))
    described = plane.describe() | {"substitutions": [f"{what} ({why})" for what, why in SUBSTITUTIONS]}
    for report in reports:
        report.control_plane = described
    Path(job["report_file"]).write_text(json.dumps([r.as_dict() for r in reports], indent=2))
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILED


def _progress(message: str) -> None:
    print(f"llm-stack verify: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------------------------
# Outer: the command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-stack verify",
        description="Apply manifests to a local kube-apiserver with the real KServe, KEDA, Envoy Gateway and Envoy "
        "AI Gateway controllers (built from their pinned Go modules on first use; needs Go) and report what they "
        "did. Several directories are verified one after the other on one control plane.",
    )
    parser.add_argument("directories", nargs="*", type=Path, help="directories of manifests, e.g. dist/")
    parser.add_argument("--values", "-f", type=Path, help="synthesize this values file and verify the result")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--crd-dir", type=Path, help="directory with controlplane/ and crds/ (default: ../shared)")
    parser.add_argument("--from-upstream", action="store_true", help="download the CRDs from the pinned releases")
    parser.add_argument(
        "--timeout", type=float, default=SETTLE_TIMEOUT_S, help="seconds to wait for the controllers to settle"
    )
    parser.add_argument("--work-dir", type=Path, help="keep the control plane's files and logs here")
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    return parser


def _manifest_sets(args: argparse.Namespace) -> list[tuple[str, list[JsonDict]]]:
    from ..errors import ManifestError, ValuesError
    from ..local_run import load_manifests

    sets = []
    if args.values is not None:
        from ..config import load_values
        from ..synth import manifests

        try:
            sets.append((str(args.values), manifests(load_values(args.values))))
        except (ValuesError, ManifestError) as error:
            raise _Exit(f"invalid values: {error}", EXIT_INVALID) from None
    for directory in args.directories:
        if not directory.is_dir():
            raise _Exit(f"{directory} is not a directory of manifests", EXIT_INVALID)
        objects = load_manifests(directory)
        if not objects:
            raise _Exit(f"{directory} holds no Kubernetes objects", EXIT_INVALID)
        sets.append((str(directory), objects))
    if not sets:
        raise _Exit("give a directory of manifests (e.g. dist/) or --values FILE", EXIT_INVALID)
    return sets


class _Exit(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.inner:
        return run_inner(args.inner, args.timeout)
    work = Path(tempfile.mkdtemp(prefix="llm-stack-verify-")) if args.work_dir is None else args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _run(args, work)
    except _Exit as failure:
        print(f"llm-stack verify: {failure}", file=sys.stderr)
        return failure.code
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> int:
    from .build import ControlPlaneBuildError, ensure_binaries
    from .sandbox import ROOT_ENV, SandboxError, sandbox_argv
    from .sources import ControlPlaneSources, SourcesError

    sets = _manifest_sets(args)
    try:
        sources = ControlPlaneSources.locate(args.crd_dir, from_upstream=args.from_upstream)
    except SourcesError as error:
        raise _Exit(str(error), EXIT_INVALID) from None
    try:
        built = ensure_binaries(log=_progress)
    except ControlPlaneBuildError as error:
        raise _Exit(str(error), EXIT_ERROR) from None
    report_file = work / "report.json"
    job = {
        "sets": [{"name": name, "objects": objects} for name, objects in sets],
        "binaries": {name: str(path) for name, path in built.items()},
        "sources": {"files": [str(p) for p in sources.files], "kserve_config": str(sources.kserve_config_file)},
        "work_dir": str(work / "control-plane"),
        "report_file": str(report_file),
    }
    job_file = work / "job.json"
    job_file.write_text(json.dumps(job))
    try:
        command = sandbox_argv(__name__, ["--inner", str(job_file), "--timeout", str(args.timeout)])
    except SandboxError as error:
        raise _Exit(str(error), EXIT_ERROR) from None
    root = work / "sandbox-root"
    root.mkdir(exist_ok=True)
    env = dict(os.environ) | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), ROOT_ENV: str(root)}
    _progress(f"starting the control plane for {len(sets)} manifest set(s)")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the sandbox handles Ctrl-C and cleans up
    try:
        code = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=False).returncode
    finally:
        signal.signal(signal.SIGINT, previous)
    if not report_file.is_file():
        raise _Exit(f"the control plane stopped without a report (exit {code})", EXIT_ERROR)
    reports = [Report.from_dict(r) for r in json.loads(report_file.read_text())]
    names = [name for name, _ in sets] + ["control plane"] * (len(reports) - len(sets))
    if args.json:
        data = [{"source": name} | report.as_dict() for name, report in zip(names, reports, strict=False)]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        for name, report in zip(names, reports, strict=False):
            print(f"== {name}\n{report.table()}\n")
    return EXIT_OK if all(r.ok for r in reports) and len(reports) == len(sets) else EXIT_FAILED
