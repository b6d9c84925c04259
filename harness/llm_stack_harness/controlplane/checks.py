"""The checks of ``llm-stack verify``: each reads what the API server holds after the controllers settled and
adds findings to the report (what KServe, KEDA, Envoy Gateway and the AI Gateway controller made of the objects)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from llm_inference_stack.facts import ai_gateway, envoy_gateway, gateway_api, keda, kserve

from .kube import ApiError, JsonDict, KubeClient
from .report import Report


def meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def dig(obj: Any, *path: str | int) -> Any:
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


def conditions(obj: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    return {c["type"]: c for c in dig(obj, "status", "conditions") or [] if isinstance(c, Mapping)}


def condition_true(obj: Mapping[str, Any] | None, kind: str) -> bool:
    """Whether ``obj`` has the condition ``kind`` with status True (a Pod's ``Ready``, a pool's ``Accepted``)."""
    return (conditions(obj).get(kind) or {}).get("status") == "True"


def condition_text(condition: Mapping[str, Any] | None) -> str:
    if not condition:
        return "no condition"
    return f"{condition.get('type')}={condition.get('status')} ({condition.get('reason')}: {condition.get('message')})"


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
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


def owned_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    uid = meta(owner).get("uid")
    return any(ref.get("uid") == uid for ref in meta(obj).get("ownerReferences") or [])


# ----------------------------------------------------------------------------------------------------------------
# Checks: each looks at what the API server holds after the controllers settled


@dataclasses.dataclass
class Context:
    client: KubeClient
    objects: list[JsonDict]  # as admitted (the server's answer, defaults and webhooks applied)
    report: Report
    originals: list[JsonDict] = dataclasses.field(default_factory=list)  # as written in the manifests
    node_agent: Any = None  # the .agent.NodeAgent running the bound Pods (None: no nodes, nothing to serve)

    def written(self, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """``obj`` as the manifests wrote it (comparisons with what controllers made start from our text)."""
        key = (obj.get("kind"), meta(obj).get("namespace"), meta(obj).get("name"))
        for original in self.originals:
            if (original.get("kind"), meta(original).get("namespace"), meta(original).get("name")) == key:
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
    name = str(meta(isvc).get("name"))
    component = dig(isvc, "spec", "predictor", "name")
    return kserve.predictor_name(name, str(component) if component else None)


def _container(pod_spec: Any, name: str) -> JsonDict | None:
    for container in dig(pod_spec, "containers") or []:
        if container.get("name") == name:
            return dict(container)
    return None


def subset_problems(ours: Any, theirs: Any, path: str) -> list[str]:
    """Where ``theirs`` (what a controller made) lacks or changes what ``ours`` (what we wrote) says.

    Server-side defaults (``scheme: HTTP``, ``successThreshold``) and additions (KServe's model volume mount) are
    fine; lists of named items are matched by name, other lists element by element.
    """
    if isinstance(ours, Mapping):
        if not isinstance(theirs, Mapping):
            return [f"{path}: ours {ours!r}, theirs {theirs!r}"]
        return [p for key, value in ours.items() for p in subset_problems(value, theirs.get(key), f"{path}.{key}")]
    if isinstance(ours, list):
        if not isinstance(theirs, list):
            return [f"{path}: ours {ours!r}, theirs {theirs!r}"]
        if all(isinstance(item, Mapping) and "name" in item for item in ours):
            named = {item.get("name"): item for item in theirs if isinstance(item, Mapping)}
            return [
                p for item in ours for p in subset_problems(item, named.get(item["name"]), f"{path}[{item['name']}]")
            ]
        if len(ours) != len(theirs):
            return [f"{path}: ours {ours!r}, theirs {theirs!r}"]
        return [
            p for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) for p in subset_problems(a, b, f"{path}[{i}]")
        ]
    if ours != theirs and str(ours) != str(theirs):
        return [f"{path}: ours {ours!r}, theirs {theirs!r}"]
    return []


def _storage_summary(pod_spec: Any) -> str:
    """What KServe does with the weights: its storage-initializer's source and target, or the mounted PVC."""
    for init in dig(pod_spec, "initContainers") or []:
        if init.get("name") == kserve.STORAGE_INITIALIZER:
            return f"weights: {kserve.STORAGE_INITIALIZER} {' -> '.join(map(str, init.get('args') or []))}"
    claims = [
        v["persistentVolumeClaim"]["claimName"] for v in dig(pod_spec, "volumes") or [] if "persistentVolumeClaim" in v
    ]
    return f"weights: PVC {', '.join(claims)}" if claims else "weights: no storage initializer and no PVC"


def check_kserve(ctx: Context) -> None:
    for isvc in ctx.of_kind("InferenceService"):
        namespace = meta(isvc).get("namespace")
        live = ctx.get(kserve.API_VERSION, "InferenceService", meta(isvc)["name"], namespace) or isvc
        name = predictor_name(isvc)
        deployment = ctx.get("apps/v1", "Deployment", name, namespace)
        if deployment is None:
            ready = conditions(live)
            ctx.report.add(
                isvc,
                "KServe Deployment",
                False,
                f"KServe created no Deployment {name}; InferenceService status: "
                f"{'; '.join(condition_text(c) for c in ready.values()) or 'none'}",
            )
        else:
            pod_spec = dig(deployment, "spec", "template", "spec")
            written = ctx.written(isvc)
            ours = _container(dig(written, "spec", "predictor"), kserve.CONTAINER_NAME) or {}
            theirs = _container(pod_spec, kserve.CONTAINER_NAME)
            if theirs is None:
                problems = [f"no {kserve.CONTAINER_NAME} in the Deployment"]
            else:
                problems = subset_problems(ours, theirs, kserve.CONTAINER_NAME)
            problems += subset_problems(
                dig(written, "spec", "predictor", "volumes") or [], dig(pod_spec, "volumes") or [], "volumes"
            )
            storage = _storage_summary(pod_spec)
            same = f"Deployment {name}: container, args, GPUs, volumes, probes as synthesized; {storage}"
            ctx.report.add(isvc, "KServe Deployment", not problems, "; ".join(problems) or same)
        service = ctx.get("v1", "Service", name, namespace)
        ctx.report.add(
            isvc,
            "KServe Service",
            service is not None,
            f"Service {name} ports {[p.get('port') for p in dig(service, 'spec', 'ports') or []]}"
            if service
            else f"KServe created no Service {name}",
        )
        bypass = []
        for api_version, kind in (
            ("networking.k8s.io/v1", "Ingress"),
            (gateway_api.API_VERSION, "HTTPRoute"),
            ("networking.istio.io/v1beta1", "VirtualService"),
        ):
            bypass += [f"{kind} {meta(o)['name']}" for o in ctx.list(api_version, kind, namespace) if owned_by(o, live)]
        # KServe publishes routes only for a ready predictor: the verdict counts once its ingress stage ran.
        ingress_stage = conditions(live).get("IngressReady")
        if bypass:
            ok, detail = (
                False,
                (
                    f"KServe published the model outside the API-key gateway: {', '.join(bypass)} (label the "
                    f"InferenceService {kserve.VISIBILITY_LABEL}: {kserve.CLUSTER_LOCAL})"
                ),
            )
        elif ingress_stage is None or ingress_stage.get("status") != "True":
            ok, detail = False, f"KServe has not run its ingress stage yet: {condition_text(ingress_stage)}"
        else:
            ok, detail = True, "KServe ran its ingress stage on the ready predictor and created no Ingress, HTTPRoute "
            detail += "or VirtualService"
        ctx.report.add(isvc, "no route around the gateway", ok, detail)
        hpas = [o for o in ctx.list("autoscaling/v2", "HorizontalPodAutoscaler", namespace) if owned_by(o, live)]
        ctx.report.add(
            isvc,
            "no KServe autoscaler",
            not hpas,
            f"KServe created HPA {meta(hpas[0])['name']}, which fights KEDA for replicas"
            if hpas
            else "KServe created no HPA (autoscalerClass external)",
        )
        if deployment is not None:
            check_selectors(ctx, isvc, deployment)


def _scheduler_message(ctx: Context, pod: Mapping[str, Any]) -> str:
    """Why the scheduler left ``pod`` unbound, in its own words: the PodScheduled condition, else the newest
    FailedScheduling event."""
    scheduled = conditions(pod).get("PodScheduled")
    if scheduled and scheduled.get("message"):
        return f"{scheduled.get('reason')}: {scheduled['message']}"
    namespace = meta(pod).get("namespace")
    try:
        field_selector = f"involvedObject.name={meta(pod).get('name')},reason=FailedScheduling"
        events = ctx.client.list("v1", "Event", namespace, fieldSelector=field_selector)
    except ApiError:
        events = []
    if events:
        newest = max(events, key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
        return f"FailedScheduling: {newest.get('message')}"
    return "not bound to a node yet (the scheduler has said nothing)"


def _no_pod_message(ctx: Context, deployment: Mapping[str, Any]) -> str:
    """Why the ReplicaSet controller created no Pod (its ReplicaFailure condition), or the Deployment's condition."""
    namespace = meta(deployment).get("namespace")
    replica_sets = [r for r in ctx.list("apps/v1", "ReplicaSet", namespace) if owned_by(r, deployment)]
    for replica_set in replica_sets:
        failure = conditions(replica_set).get("ReplicaFailure")
        if failure and failure.get("status") == "True":
            return f"ReplicaSet {meta(replica_set)['name']}: {failure.get('reason')}: {failure.get('message')}"
    if not replica_sets:
        progressing = condition_text(conditions(deployment).get("Progressing"))
        return f"the Deployment controller created no ReplicaSet; {progressing}"
    return "the ReplicaSet controller created no Pod yet"


def predictor_pods(ctx: Context, isvc: Mapping[str, Any]) -> tuple[JsonDict, list[JsonDict]] | None:
    """The predictor Deployment KServe made for ``isvc`` and its Pods that are not being deleted (those its selector
    matches); None when there is no such Deployment (the KServe Deployment check says why)."""
    namespace = meta(isvc).get("namespace")
    deployment = ctx.get("apps/v1", "Deployment", predictor_name(isvc), namespace)
    if deployment is None:
        return None
    selector = dig(deployment, "spec", "selector")
    pods = [
        p
        for p in ctx.list("v1", "Pod", namespace)
        if selector_matches(selector, meta(p).get("labels") or {}) and not meta(p).get("deletionTimestamp")
    ]
    return deployment, pods


def check_scheduling(ctx: Context) -> None:
    """The Pods the Deployment and ReplicaSet controllers created for each predictor, as kube-scheduler left them:
    bound to a node, or Pending with the scheduler's reason."""
    for isvc in ctx.of_kind("InferenceService"):
        found = predictor_pods(ctx, isvc)
        if found is None:
            continue  # the KServe Deployment check says why
        deployment, pods = found
        replicas = dig(deployment, "spec", "replicas")
        if not pods:
            ok = replicas == 0
            detail = "the Deployment has 0 replicas: no Pod to schedule" if ok else _no_pod_message(ctx, deployment)
            ctx.report.add(isvc, "scheduled", ok, detail)
            continue
        unbound = [p for p in pods if not dig(p, "spec", "nodeName")]
        if unbound:
            pod = unbound[0]
            detail = f"Pod {meta(pod)['name']} is Pending: {_scheduler_message(ctx, pod)}"
            if len(unbound) > 1:
                detail += f" (and {len(unbound) - 1} more Pending)"
            ctx.report.add(isvc, "scheduled", False, detail)
            continue
        nodes = sorted({str(dig(p, "spec", "nodeName")) for p in pods})
        ctx.report.add(isvc, "scheduled", True, f"kube-scheduler bound {len(pods)} Pod(s) to {', '.join(nodes)}")


def is_for_inference_service(obj: Mapping[str, Any], selector: Any, isvc_name: str) -> bool:
    """Whether ``obj`` (a PodMonitor, PodDisruptionBudget or NetworkPolicy) is meant for the pods of InferenceService
    ``isvc_name``: its selector names that InferenceService in KServe's pod label (exactly; ``llama`` is not
    ``llama-3-70b``), or the object has its name (then a selector that lost the label is checked, and fails)."""
    if meta(obj).get("name") == isvc_name:
        return True
    if not isinstance(selector, Mapping):
        return False
    if (selector.get("matchLabels") or {}).get(kserve.INFERENCE_SERVICE_LABEL) == isvc_name:
        return True
    return any(
        e.get("key") == kserve.INFERENCE_SERVICE_LABEL
        and e.get("operator") == "In"
        and isvc_name in (e.get("values") or [])
        for e in selector.get("matchExpressions") or []
    )


def check_selectors(ctx: Context, isvc: Mapping[str, Any], deployment: Mapping[str, Any]) -> None:
    namespace = meta(deployment).get("namespace")
    labels = dig(deployment, "spec", "template", "metadata", "labels") or {}
    isvc_name = meta(isvc).get("name")
    for kind, path in (
        ("PodMonitor", ("spec", "selector")),
        ("PodDisruptionBudget", ("spec", "selector")),
        ("NetworkPolicy", ("spec", "podSelector")),
    ):
        for obj in ctx.of_kind(kind):
            if not is_for_inference_service(obj, dig(obj, *path), str(isvc_name)):
                continue
            ns_ok = meta(obj).get("namespace") == namespace or (
                kind == "PodMonitor" and namespace in (dig(obj, "spec", "namespaceSelector", "matchNames") or [])
            )
            matches = ns_ok and selector_matches(dig(obj, *path), labels)
            ctx.report.add(
                obj,
                "selects the model pods",
                matches,
                f"matches the pod labels of Deployment {meta(deployment)['name']}"
                if matches
                else f"selector {dig(obj, *path)} does not select the pod labels {labels} of the Deployment "
                f"KServe created in {namespace}",
            )


def check_keda(ctx: Context) -> None:
    for scaled in ctx.of_kind("ScaledObject"):
        namespace = meta(scaled).get("namespace")
        spec = scaled.get("spec") or {}
        hpa_name = keda.hpa_name(meta(scaled)["name"], dig(spec, "advanced", "horizontalPodAutoscalerConfig", "name"))
        hpa = ctx.get("autoscaling/v2", "HorizontalPodAutoscaler", hpa_name, namespace)
        if hpa is None:
            live = ctx.get(keda.API_VERSION, "ScaledObject", meta(scaled)["name"], namespace)
            ready = conditions(live).get("Ready")
            ctx.report.add(scaled, "KEDA HPA", False, f"KEDA created no HPA {hpa_name}: {condition_text(ready)}")
            continue
        hspec = hpa.get("spec") or {}
        target = spec.get("scaleTargetRef") or {}
        problems = []
        if dig(hspec, "scaleTargetRef", "name") != target.get("name"):
            problems.append(f"target {dig(hspec, 'scaleTargetRef', 'name')!r} != {target.get('name')!r}")
        if hspec.get("minReplicas") != spec.get("minReplicaCount", 0) or hspec.get("maxReplicas") != spec.get(
            "maxReplicaCount", 100
        ):
            problems.append(
                f"min/max {hspec.get('minReplicas')}/{hspec.get('maxReplicas')} != "
                f"{spec.get('minReplicaCount')}/{spec.get('maxReplicaCount')}"
            )
        behavior = dig(spec, "advanced", "horizontalPodAutoscalerConfig", "behavior")
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
            f"external metric {dig(metrics[0], 'external', 'metric', 'name')}"
        )
        ctx.report.add(scaled, "KEDA HPA", not problems, detail)


def _ancestor_accepted(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
    """Envoy Gateway policies: status.ancestors[].conditions Accepted."""
    ancestors = dig(obj, "status", "ancestors") or []
    if not ancestors:
        return False, "no status from Envoy Gateway (not reconciled: does it target an accepted Gateway?)"
    for ancestor in ancestors:
        accepted = {c["type"]: c for c in ancestor.get("conditions") or []}.get("Accepted")
        if not accepted or accepted.get("status") != "True":
            return False, condition_text(accepted)
    return True, "Accepted by Envoy Gateway"


def check_envoy_gateway(ctx: Context) -> None:
    for obj in ctx.of_kind("GatewayClass"):
        live = ctx.get(gateway_api.API_VERSION, "GatewayClass", meta(obj)["name"], None)
        accepted = conditions(live).get("Accepted")
        ctx.report.add(obj, "accepted", bool(accepted and accepted["status"] == "True"), condition_text(accepted))
    for obj in ctx.of_kind("Gateway"):
        namespace = meta(obj).get("namespace")
        live = ctx.get(gateway_api.API_VERSION, "Gateway", meta(obj)["name"], namespace)
        accepted = conditions(live).get("Accepted")
        ctx.report.add(obj, "accepted", bool(accepted and accepted["status"] == "True"), condition_text(accepted))
        check_listeners(ctx, obj, live)
        check_envoy_workload(ctx, obj)
    for kind in ("SecurityPolicy", "BackendTrafficPolicy", "ClientTrafficPolicy"):
        for obj in ctx.of_kind(kind):
            live = ctx.get(envoy_gateway.API_VERSION, kind, meta(obj)["name"], meta(obj).get("namespace"))
            ok, detail = _ancestor_accepted(live)
            ctx.report.add(obj, "accepted", ok, detail)


NO_ADDRESS_REASON = "AddressNotAssigned"
"""The Gateway's ``Programmed`` reason while its Service has no address (a LoadBalancer no controller served)."""


def check_listeners(ctx: Context, gateway: Mapping[str, Any], live: Mapping[str, Any] | None) -> None:
    """Every listener ``Programmed`` as Envoy Gateway reports it (``status.listeners[].conditions``): its
    configuration translated and sent to Envoy. The Gateway's own ``Programmed`` is shown beside it: it is False
    with ``AddressNotAssigned`` while a LoadBalancer Service has no address, which no load-balancer controller
    assigns here (in a cluster, the cloud's does)."""
    by_name = {str(listener.get("name")): listener for listener in dig(live, "status", "listeners") or []}
    problems, names = [], []
    for listener in dig(gateway, "spec", "listeners") or []:
        name = str(listener.get("name"))
        names.append(name)
        programmed = {c.get("type"): c for c in by_name.get(name, {}).get("conditions") or []}.get("Programmed")
        if not programmed or programmed.get("status") != "True":
            problems.append(f"listener {name}: {condition_text(programmed)}")
    overall = conditions(live).get("Programmed")
    note = ""
    if overall and overall.get("status") != "True":
        note = f"; the Gateway: {condition_text(overall)}"
        if overall.get("reason") == NO_ADDRESS_REASON:
            note += " (no load-balancer controller runs here)"
    detail = "; ".join(problems) or f"listeners {', '.join(names)} Programmed by Envoy Gateway"
    ctx.report.add(gateway, "listeners programmed", not problems, detail + note)


def _envoy_proxy_of(ctx: Context, gateway: Mapping[str, Any]) -> JsonDict | None:
    ref = dig(gateway, "spec", "infrastructure", "parametersRef")
    if ref is None:
        for gateway_class in ctx.of_kind("GatewayClass"):
            if meta(gateway_class).get("name") == dig(gateway, "spec", "gatewayClassName"):
                ref = dig(gateway_class, "spec", "parametersRef")
    for proxy in ctx.of_kind("EnvoyProxy"):
        if ref and meta(proxy).get("name") == ref.get("name"):
            return proxy
    return None


def check_envoy_workload(ctx: Context, gateway: Mapping[str, Any]) -> None:
    """Envoy Gateway (GatewayNamespace mode) creates the Envoy Deployment and Service in the Gateway's namespace."""
    namespace = meta(gateway).get("namespace")
    proxy = _envoy_proxy_of(ctx, gateway)
    kube = dig(proxy, "spec", "provider", "kubernetes") or {}
    service_name = dig(kube, "envoyService", "name")
    deployment_name = dig(kube, "envoyDeployment", "name")
    owned = {envoy_gateway.OWNING_GATEWAY_LABEL: meta(gateway)["name"]}
    services = [
        s
        for s in ctx.list("v1", "Service", namespace)
        if selector_matches({"matchLabels": owned}, meta(s).get("labels") or {})
    ]
    deployments = [
        d
        for d in ctx.list("apps/v1", "Deployment", namespace)
        if selector_matches({"matchLabels": owned}, meta(d).get("labels") or {})
    ]
    listener_ports = sorted({int(listener["port"]) for listener in dig(gateway, "spec", "listeners") or []})
    if not services:
        ctx.report.add(
            gateway, "Envoy Service", False, f"Envoy Gateway created no Service for the Gateway in {namespace}"
        )
    for service in services:
        ports = sorted(int(p["port"]) for p in dig(service, "spec", "ports") or [])
        problems = []
        if service_name and meta(service)["name"] != service_name:
            problems.append(f"named {meta(service)['name']!r}, not {service_name!r}")
        if ports != listener_ports:
            problems.append(f"ports {ports} != listener ports {listener_ports}")
        problems += _exposure_problems(dig(kube, "envoyService") or {}, service)
        summary = f"Service {meta(service)['name']} ({_exposure_summary(service)}) ports {ports}"
        ctx.report.add(gateway, "Envoy Service", not problems, "; ".join(problems) or summary)
    if not deployments:
        ctx.report.add(gateway, "Envoy Deployment", False, f"Envoy Gateway created no Deployment in {namespace}")
    for deployment in deployments:
        problems = []
        if deployment_name and meta(deployment)["name"] != deployment_name:
            problems.append(f"named {meta(deployment)['name']!r}, not {deployment_name!r}")
        replicas = dig(kube, "envoyDeployment", "replicas")
        if replicas is not None and dig(deployment, "spec", "replicas") != replicas:
            problems.append(f"replicas {dig(deployment, 'spec', 'replicas')} != {replicas}")
        summary = f"Deployment {meta(deployment)['name']} replicas {dig(deployment, 'spec', 'replicas')}"
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
    annotations = meta(service).get("annotations") or {}
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
    annotations = meta(service).get("annotations") or {}
    if annotations:
        parts.append(f"{len(annotations)} annotations")
    return ", ".join(parts)


def check_ai_gateway(ctx: Context) -> None:
    backends = {(meta(b).get("namespace"), meta(b)["name"]) for b in ctx.of_kind("Backend")}
    for route in ctx.of_kind("AIGatewayRoute"):
        namespace = meta(route).get("namespace")
        live = ctx.get(ai_gateway.API_VERSION, "AIGatewayRoute", meta(route)["name"], namespace)
        accepted = conditions(live).get("Accepted")
        ctx.report.add(route, "accepted", bool(accepted and accepted["status"] == "True"), condition_text(accepted))
        http_routes = [
            r for r in ctx.list(gateway_api.API_VERSION, "HTTPRoute", namespace) if owned_by(r, live or route)
        ]
        if not http_routes:
            ctx.report.add(route, "HTTPRoute", False, "the AI Gateway controller created no HTTPRoute for it")
            continue
        for http_route in http_routes:
            refs = {
                (r.get("namespace", namespace), r["name"])
                for rule in dig(http_route, "spec", "rules") or []
                for r in rule.get("backendRefs") or []
                if r.get("kind") == "Backend"
            }
            parents = dig(http_route, "status", "parents") or []
            problems = [] if parents else ["no status from Envoy Gateway"]
            for parent in parents:  # Accepted by the Gateway, and every backendRef resolved (ResolvedRefs)
                by_type = {c["type"]: c for c in parent.get("conditions") or []}
                problems += [
                    f"{kind}: {condition_text(by_type.get(kind))}"
                    for kind in ("Accepted", "ResolvedRefs")
                    if by_type.get(kind, {}).get("status") != "True"
                ]
            if not refs & backends:
                problems.append(f"backendRefs {sorted(refs)} name none of our Backends {sorted(backends)}")
            ctx.report.add(
                route,
                "HTTPRoute",
                not problems,
                "; ".join(problems)
                or f"HTTPRoute {meta(http_route)['name']} accepted, refs resolved, backends "
                f"{', '.join(n for _, n in sorted(refs))}",
            )


def check_serving(ctx: Context) -> None:
    """The served predictor Pods' storage initializer and vLLM readiness (:mod:`.serving_checks`)."""
    from .serving_checks import check_serving as check

    check(ctx)


def check_traffic(ctx: Context) -> None:
    """The port chain from each gateway backend to vLLM, and the NetworkPolicies on the way (:mod:`.traffic_checks`)."""
    from .traffic_checks import check_traffic as check

    check(ctx)


CHECKS: tuple[Callable[[Context], None], ...] = (
    check_kserve, check_scheduling, check_serving, check_keda, check_envoy_gateway, check_ai_gateway, check_traffic,
)  # fmt: skip
