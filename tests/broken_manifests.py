"""Planted defects for the validator: each case is the current default output with one thing broken.

Each case maps a name to ``(expect, plant)``: ``expect`` is ``<check> | <substring of the message>`` and
``plant`` mutates the parsed objects. Cases are planted into a temporary directory from ``dist/`` at test
time, so they never go stale when the default output changes.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
Objs = list[dict[str, Any]]


def find(objs: Objs, kind: str, name: str | None = None) -> dict[str, Any]:
    return next(o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name))


def container(objs: Objs) -> dict[str, Any]:
    return find(objs, "InferenceService")["spec"]["predictor"]["containers"][0]


def trigger(objs: Objs) -> dict[str, Any]:
    return find(objs, "ScaledObject")["spec"]["triggers"][0]["metadata"]


def set_arg(objs: Objs, flag: str, value: str) -> None:
    args = container(objs)["args"]
    args[args.index(flag) + 1] = value


def remove(objs: Objs, kind: str) -> None:
    objs.remove(find(objs, kind))


def annotations(objs: Objs, kind: str) -> dict[str, str]:
    return find(objs, kind)["metadata"].setdefault("annotations", {})


def _container(**fields: Any) -> dict[str, Any]:
    resources = {"cpu": "100m", "memory": "64Mi"}
    return {"name": "c", "image": "busybox:1.36", "resources": {"requests": resources, "limits": resources}, **fields}


def _pod_deployment(**pod: Any) -> dict[str, Any]:
    """A Deployment the stack never writes, with ``pod`` fields added to its pod spec."""
    labels = {"app": "extra"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "extra", "namespace": "kserve-inference"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [_container()], **pod}},
        },
    }


def _cron_job(**container: Any) -> dict[str, Any]:
    template = {"spec": {"restartPolicy": "Never", "containers": [_container(**container)]}}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "extra", "namespace": "kserve-inference"},
        "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}},
    }


Q = 'vllm:num_requests_waiting{model_name="llama-3-70b", namespace="kserve-inference"}'

CASES: dict[str, tuple[str, Callable[[Objs], None]]] = {
    "scaledobject-wrong-target": (
        "scaledobject-target | names Deployment 'llama-3-70b', which no InferenceService",
        lambda o: find(o, "ScaledObject")["spec"]["scaleTargetRef"].update(name="llama-3-70b"),
    ),
    "scaledobject-targets-statefulset": (
        "scaledobject-target | apps/v1 StatefulSet",
        lambda o: find(o, "ScaledObject")["spec"]["scaleTargetRef"].update(kind="StatefulSet"),
    ),
    "scaledobject-other-namespace": (
        "scaledobject-target | no InferenceService in namespace default",
        lambda o: find(o, "ScaledObject")["metadata"].update(namespace="default"),
    ),
    "knative-mode": (
        "isvc-deployment-mode | 'Knative' (Knative) owns the replicas",
        lambda o: annotations(o, "InferenceService").update({"serving.kserve.io/deploymentMode": "Knative"}),
    ),
    "rawdeployment-mode": (
        "isvc-deployment-mode | pre-v0.16 spelling",
        lambda o: annotations(o, "InferenceService").update({"serving.kserve.io/deploymentMode": "RawDeployment"}),
    ),
    "autoscaler-class-missing": (
        "isvc-autoscaler-class | is not set: set it to 'external'",
        lambda o: annotations(o, "InferenceService").pop("serving.kserve.io/autoscalerClass"),
    ),
    "query-model-label": (
        "scaledobject-query | selects label 'model'",
        lambda o: trigger(o).update(query=f"sum({Q.replace('model_name', 'model')})"),
    ),
    "query-without-sum": (
        "scaledobject-query | is not aggregated to one series",
        lambda o: trigger(o).update(query=Q),
    ),
    "query-sum-by-pod": (
        "scaledobject-query | can return several series",
        lambda o: trigger(o).update(query=f"sum by (pod) ({Q})"),
    ),
    "query-not-promql": (
        "scaledobject-query | is not valid PromQL",
        lambda o: trigger(o).update(query="sum(vllm:num_requests_waiting{model_name=)"),
    ),
    "query-wrong-metric": (
        "scaledobject-query | does not read vllm:num_requests_waiting",
        lambda o: trigger(o).update(query=f"sum({Q.replace('waiting', 'running')})"),
    ),
    "query-other-model": (
        "scaledobject-query | but the target serves 'llama-3-70b'",
        lambda o: trigger(o).update(query=f"sum({Q.replace('llama-3-70b', 'llama-3-8b')})"),
    ),
    "query-metric-name": (
        "scaledobject-query | metricName was removed",
        lambda o: trigger(o).update(metricName="waiting"),
    ),
    "tensor-parallel-mismatch": (
        "tensor-parallel | --tensor-parallel-size is 4 but the container's nvidia.com/gpu limit is 2",
        lambda o: set_arg(o, "--tensor-parallel-size", "4"),
    ),
    "no-served-model-name": (
        "served-model-name | has no --served-model-name",
        lambda o: container(o).update(
            args=[a for a in container(o)["args"] if a not in ("--served-model-name",)][:1] + container(o)["args"][3:]
        ),
    ),
    "route-model-not-served": (
        "route-model-name | matches x-ai-eg-model='Llama-3-70B'",
        lambda o: find(o, "AIGatewayRoute")["spec"]["rules"][0]["matches"][0]["headers"][0].update(value="Llama-3-70B"),
    ),
    "missing-backend": (
        "references | names Backend 'llama-3-70b', which is not in the output",
        lambda o: remove(o, "Backend"),
    ),
    "missing-aiservicebackend": (
        "references | names AIServiceBackend 'llama-3-70b'",
        lambda o: remove(o, "AIServiceBackend"),
    ),
    "missing-gateway": (
        "references | names Gateway 'llm-stack-ai-gateway', which is not in the output",
        lambda o: remove(o, "Gateway"),
    ),
    "missing-gatewayconfig": (
        "references | names GatewayConfig 'llm-stack-ai-gateway'",
        lambda o: remove(o, "GatewayConfig"),
    ),
    "missing-envoyproxy": (
        "references | names EnvoyProxy 'llm-stack-ai-gateway'",
        lambda o: remove(o, "EnvoyProxy"),
    ),
    "aiservicebackend-openai-prefix": (
        "backend-prefix | spec.schema.prefix is '/openai/v1'",
        lambda o: find(o, "AIServiceBackend")["spec"]["schema"].update(prefix="/openai/v1"),
    ),
    "backend-wrong-host": (
        "backend-fqdn | endpoint llama-3-70b.kserve-inference.svc.cluster.local:80 is not the predictor Service",
        lambda o: find(o, "Backend")["spec"]["endpoints"][0]["fqdn"].update(
            hostname="llama-3-70b.kserve-inference.svc.cluster.local"
        ),
    ),
    "backend-wrong-port": (
        "backend-fqdn | uses port 8080",
        lambda o: find(o, "Backend")["spec"]["endpoints"][0]["fqdn"].update(port=8080),
    ),
    "namespace-on-gatewayclass": (
        "schema | GatewayClass is cluster-scoped and must not carry a namespace",
        lambda o: find(o, "GatewayClass")["metadata"].update(namespace="kserve-inference"),
    ),
    "podmonitor-without-namespace": (
        "schema | PodMonitor is namespaced",
        lambda o: find(o, "PodMonitor")["metadata"].pop("namespace"),
    ),
    "unknown-field-in-isvc-spec": (
        "schema | spec.predictor.minReplica: unknown field 'minReplica'; did you mean 'minReplicas'?",
        lambda o: find(o, "InferenceService")["spec"]["predictor"].update(minReplica=1),
    ),
    "storage-uri-on-custom-container-predictor": (
        "schema | spec.predictor.storageUri: unknown field 'storageUri'",
        lambda o: find(o, "InferenceService")["spec"]["predictor"].update(storageUri="s3://bucket/model/"),
    ),
    "wrong-type-in-scaledobject": (
        "schema | spec.maxReplicaCount: '4' has the wrong type: expected integer",
        lambda o: find(o, "ScaledObject")["spec"].update(maxReplicaCount="4"),
    ),
    "enum-violation-in-route": (
        "schema | is not one of the allowed values",
        lambda o: find(o, "AIGatewayRoute")["spec"]["rules"][0]["matches"][0]["headers"][0].update(type="Prefix"),
    ),
    "scaledobject-unserved-version": (
        "schema | keda.sh/v1 is not a served version of ScaledObject: use keda.sh/v1alpha1",
        lambda o: find(o, "ScaledObject").update(apiVersion="keda.sh/v1"),
    ),
    "pdb-wrong-type": (
        "schema | spec.maxUnavailable",
        lambda o: find(o, "PodDisruptionBudget")["spec"].update(maxUnavailable=True),
    ),
    "networkpolicy-unknown-field": (
        "schema | spec.podSelectors: unknown field 'podSelectors'; did you mean 'podSelector'?",
        lambda o: find(o, "NetworkPolicy")["spec"].update(
            podSelectors=find(o, "NetworkPolicy")["spec"].pop("podSelector")
        ),
    ),
    "latest-image": (
        "image-pinned | 'vllm/vllm-openai:latest' is not pinned",
        lambda o: container(o).update(image="vllm/vllm-openai:latest"),
    ),
    "no-cpu-limit": (
        "container-resources | resources.limits has no cpu",
        lambda o: container(o)["resources"]["limits"].pop("cpu"),
    ),
    "duplicate-object": (
        "unique-objects | another object has the same kind, namespace and name",
        lambda o: o.append(copy.deepcopy(find(o, "PodMonitor"))),
    ),
    "isvc-without-cluster-local-label": (
        "isvc-visibility | label networking.kserve.io/visibility is not set: set it to 'cluster-local'",
        lambda o: find(o, "InferenceService")["metadata"]["labels"].pop("networking.kserve.io/visibility"),
    ),
    "isvc-name-starts-with-a-digit": (
        "isvc-name | name '3-llama' is refused by KServe's webhook",
        lambda o: find(o, "InferenceService")["metadata"].update(name="3-llama"),
    ),
    "isvc-with-kserve-prometheus-scraping": (
        "isvc-prometheus-annotations | serving.kserve.io/enable-prometheus-scraping makes KServe stamp a wrong",
        lambda o: annotations(o, "InferenceService").update({"serving.kserve.io/enable-prometheus-scraping": "true"}),
    ),
    "isvc-with-kserve-prometheus-port": (
        "isvc-prometheus-annotations | prometheus.kserve.io/port makes KServe stamp a wrong",
        lambda o: annotations(o, "InferenceService").update({"prometheus.kserve.io/port": "8080"}),
    ),
    "model-path-misses-pvc-sub-path": (
        "model-path | vLLM's model argument is '/mnt/models' but the weights of 'pvc://models/llama-3-70b' are at "
        "'/mnt/models/llama-3-70b'",
        lambda o: find(o, "InferenceService")["spec"]["predictor"]["storageUris"][0].update(
            uri="pvc://models/llama-3-70b"
        ),
    ),
    "model-path-escapes-the-mount": (
        "model-path | pass '/mnt/models'",
        lambda o: container(o)["args"].__setitem__(0, "/mnt/models/../weights"),
    ),
    "token-limits-on-unknown-route": (
        "references | names AIGatewayRoute 'llm-stack-ai-gateway-9', which is not in the output",
        lambda o: find(o, "BackendTrafficPolicy")["spec"]["targetRefs"][0].update(name="llm-stack-ai-gateway-9"),
    ),
    "token-cost-reads-an-unwritten-key": (
        "token-cost-key | .metadata.key is 'llm_total_tokens', but the route's llmRequestCosts write",
        lambda o: find(o, "BackendTrafficPolicy")["spec"]["rateLimit"]["global"]["rules"][0]["cost"]["response"][
            "metadata"
        ].update(key="llm_total_tokens"),
    ),
    "token-cost-in-another-namespace": (
        "token-cost-key | .metadata.namespace is 'envoy.filters.http.ext_proc'",
        lambda o: find(o, "BackendTrafficPolicy")["spec"]["rateLimit"]["global"]["rules"][0]["cost"]["response"][
            "metadata"
        ].update(namespace="envoy.filters.http.ext_proc"),
    ),
    "cluster-admin-binding": (
        "binds-cluster-admin | binds ClusterRole 'cluster-admin'",
        lambda o: o.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": "gateway-admin"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "kserve-inference"}],
            }
        ),
    ),
    "cluster-admin-role-binding": (
        "binds-cluster-admin | may do anything in the cluster",
        lambda o: o.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": "admin", "namespace": "kserve-inference"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [
                    {"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}
                ],
            }
        ),
    ),
    "wildcard-role-binding": (
        "binds-cluster-admin | grants every verb on every resource (cluster-admin by another name)",
        lambda o: o.extend(
            [
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRole",
                    "metadata": {"name": "everything"},
                    "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
                },
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": "everything"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "everything"},
                    "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "kserve-inference"}],
                },
            ]
        ),
    ),
    "anonymous-role-binding": (
        "binds-cluster-admin | subjects[0] is system:anonymous: anyone who reaches the API server",
        lambda o: o.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": "view", "namespace": "kserve-inference"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"kind": "User", "name": "system:anonymous", "apiGroup": "rbac.authorization.k8s.io"}],
            }
        ),
    ),
    "model-server-with-sys-admin": (
        "pod-privileges | securityContext.capabilities.add grants SYS_ADMIN",
        lambda o: container(o).update(securityContext={"capabilities": {"add": ["SYS_ADMIN", "NET_BIND_SERVICE"]}}),
    ),
    "privileged-kserve-model-spec": (
        "pod-privileges | spec.predictor.model.securityContext.privileged is true",
        lambda o: find(o, "InferenceService")["spec"]["predictor"].update(
            model={"modelFormat": {"name": "huggingface"}, "securityContext": {"privileged": True}}
        ),
    ),
    "windows-host-process": (
        "pod-privileges | spec.template.spec.securityContext.windowsOptions.hostProcess is true",
        lambda o: o.append(_pod_deployment(securityContext={"windowsOptions": {"hostProcess": True}})),
    ),
    "privileged-model-server": (
        "pod-privileges | spec.predictor.containers[0].securityContext.privileged is true",
        lambda o: container(o).update(securityContext={"privileged": True}),
    ),
    "model-server-on-host-network": (
        "pod-privileges | spec.predictor.hostNetwork is true",
        lambda o: find(o, "InferenceService")["spec"]["predictor"].update(hostNetwork=True),
    ),
    "gateway-deployment-host-pid": (
        "pod-privileges | spec.template.spec.hostPID is true",
        lambda o: o.append(_pod_deployment(hostPID=True)),
    ),
    "host-path-volume": (
        "pod-privileges | volumes[0] (root) is a hostPath volume",
        lambda o: o.append(_pod_deployment(volumes=[{"name": "root", "hostPath": {"path": "/"}}])),
    ),
    "privileged-cron-job": (
        "pod-privileges | spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged is true",
        lambda o: o.append(_cron_job(securityContext={"privileged": True})),
    ),
    "envoy-pdb-blocks-drain-of-one-replica": (
        "pdb-allows-drain | envoyPDB: minAvailable is 1 with 1 replica(s)",
        lambda o: find(o, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyDeployment"].update(replicas=1),
    ),
    "model-pdb-min-available-at-min-replicas": (
        "pdb-allows-drain | minAvailable is 1 with 1 replica(s): no pod may ever be evicted",
        lambda o: (
            find(o, "PodDisruptionBudget")["spec"].update(minAvailable=1, maxUnavailable=None)
            or find(o, "PodDisruptionBudget")["spec"].pop("maxUnavailable")
        ),
    ),
    "removed-vllm-flag": (
        "vllm-args | unrecognized arguments: --disable-log-requests\nrequires: vllm",
        lambda o: container(o)["args"].append("--disable-log-requests"),
    ),
}


@functools.cache
def _dist_objects() -> tuple[dict[str, Any], ...]:
    """``dist/``'s objects, parsed once per test session (each case mutates a deep copy)."""
    return tuple(d for d in yaml.safe_load_all((ROOT / "dist" / "llm-stack.k8s.yaml").read_text()) if d)


# libyaml's emitter where PyYAML has it: the planted file is input to the validator, not a fixture to compare.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def plant(name: str, out_dir: Path) -> str:
    """Write case ``name`` into ``out_dir``; returns its ``expect`` line."""
    expect, mutate = CASES[name]
    objs = copy.deepcopy(list(_dist_objects()))
    mutate(objs)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "llm-stack.k8s.yaml").write_text(yaml.dump_all(objs, Dumper=_DUMPER, sort_keys=False))
    return expect
