"""Checks of the model server: KServe mode, GPUs against tensor parallelism, the served name."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping

from ...facts.kserve import weights_path
from ...names import DNS1035_LABEL
from ..manifests import Manifests, annotations_of, dig, labels_of, shown
from .kserve import (
    AUTOSCALER_CLASS,
    CLUSTER_LOCAL,
    DEFAULT_MOUNT_PATH,
    DEPLOYMENT_MODE,
    KSERVE_PROMETHEUS_PREFIX,
    PROMETHEUS_SCRAPING_ANNOTATION,
    VISIBILITY_LABEL,
    args_of,
    flag_values,
    gpu_limit,
    inference_services,
    model_argument,
    model_container,
    served_names,
)
from .registry import Problem, check

# KServe's webhook (v1beta1 InferenceService validator): names must be DNS-1035 labels, since KServe derives
# Service names (``<name>-predictor``) from them.
ISVC_NAME = DNS1035_LABEL


@check("isvc-name")
def inference_service_name_is_dns_1035(manifests: Manifests) -> Iterator[Problem]:
    """KServe's admission webhook refuses names that do not start with a letter (the API server alone accepts them)."""
    for isvc in inference_services(manifests):
        name = str(dig(isvc, "metadata", "name"))
        if not ISVC_NAME.fullmatch(name):
            yield Problem(
                isvc,
                f"name {name!r} is refused by KServe's webhook: use lower-case letters, digits and '-', starting "
                "with a letter and ending with a letter or digit (a DNS-1035 label)",
            )


@check("isvc-deployment-mode")
def deployment_mode_is_standard(manifests: Manifests) -> Iterator[Problem]:
    """KEDA can scale only Standard mode: Knative owns replicas and names Deployments per revision."""
    for isvc in inference_services(manifests):
        mode = annotations_of(isvc).get(DEPLOYMENT_MODE)
        if mode == "Standard":
            continue
        if mode == "RawDeployment":
            fix = "'RawDeployment' is the pre-v0.16 spelling the webhook rewrites (GitOps drift): use 'Standard'"
        elif mode in ("Serverless", "Knative"):
            fix = (
                f"{mode!r} (Knative) owns the replicas itself, so the ScaledObject has no stable Deployment: "
                "use 'Standard'"
            )
        else:
            fix = "set it to 'Standard' so KServe creates the plain Deployment '<name>-predictor' that KEDA scales"
        yield Problem(isvc, f"annotation {DEPLOYMENT_MODE} is {shown(mode)}: {fix}")


@check("isvc-autoscaler-class")
def autoscaler_class_is_external(manifests: Manifests) -> Iterator[Problem]:
    """Without ``external`` KServe creates its own HPA, which fights KEDA (and KEDA rejects the ScaledObject)."""
    for isvc in inference_services(manifests):
        value = annotations_of(isvc).get(AUTOSCALER_CLASS)
        if value != "external":
            yield Problem(
                isvc,
                f"annotation {AUTOSCALER_CLASS} is {shown(value)}: set it to 'external' so KServe creates no HPA of "
                "its own and the KEDA ScaledObject alone owns the replicas",
            )


@check("served-model-name")
def served_model_name_is_set(manifests: Manifests) -> Iterator[Problem]:
    """The gateway routes and the autoscaler selects by the served name: it must be explicit and unique."""
    owners: dict[str, str] = {}
    for isvc in inference_services(manifests):
        names = served_names(isvc)
        if not names:
            yield Problem(
                isvc,
                "the model container has no --served-model-name: vLLM would serve the model under its path "
                f"({DEFAULT_MOUNT_PATH}), which neither the gateway route nor the autoscaler query selects; add it",
            )
        for name in names:
            if name in owners:
                yield Problem(
                    isvc, f"served model name {name!r} is also served by {owners[name]}: names must be unique"
                )
            owners.setdefault(name, manifests.where(isvc))


@check("tensor-parallel")
def tensor_parallel_matches_gpus(manifests: Manifests) -> Iterator[Problem]:
    """``--tensor-parallel-size`` must equal the GPUs of the pod: fewer wastes GPUs, more never starts."""
    for isvc in inference_services(manifests):
        container = model_container(isvc)
        if container is None:
            yield Problem(isvc, "spec.predictor.containers is empty: the vLLM container is missing")
            continue
        gpus = gpu_limit(container)
        values = flag_values(args_of(container), "--tensor-parallel-size")
        size = values[0] if values else "1"
        if gpus is None:
            yield Problem(isvc, "the model container has no GPU limit (e.g. nvidia.com/gpu): vLLM needs GPUs; set one")
            continue
        resource, limit = gpus
        if str(size) != str(limit):
            yield Problem(
                isvc,
                f"--tensor-parallel-size is {size} but the container's {resource} limit is {limit}: "
                f"they must be equal (set --tensor-parallel-size {limit}, or the limit to {size})",
            )


@check("isvc-visibility")
def inference_service_is_cluster_local(manifests: Manifests) -> Iterator[Problem]:
    """Without the label KServe (Standard mode) creates an Ingress (or HTTPRoute) per InferenceService that
    reaches the model without the API-key gateway."""
    for isvc in inference_services(manifests):
        value = labels_of(isvc).get(VISIBILITY_LABEL)
        if value != CLUSTER_LOCAL:
            yield Problem(
                isvc,
                f"label {VISIBILITY_LABEL} is {shown(value)}: set it to {CLUSTER_LOCAL!r}, or KServe creates an "
                "Ingress for the model that bypasses the API-key gateway",
            )


@check("isvc-prometheus-annotations")
def no_kserve_prometheus_annotations(manifests: Manifests) -> Iterator[Problem]:
    """KServe's scraping annotations stamp the queue-proxy's ``prometheus.io/port`` (unused in Standard mode) on
    the pods; the PodMonitor scrapes vLLM."""
    for isvc in inference_services(manifests):
        for key in annotations_of(isvc):
            if key == PROMETHEUS_SCRAPING_ANNOTATION or str(key).startswith(KSERVE_PROMETHEUS_PREFIX):
                yield Problem(
                    isvc,
                    f"annotation {key} makes KServe stamp a wrong prometheus.io/port on the pods: remove it "
                    "(the PodMonitor scrapes vLLM's /metrics)",
                )


@check("model-path")
def model_path_is_inside_the_weights(manifests: Manifests) -> Iterator[Problem]:
    """vLLM's model argument must be where the storage initializer put the weights (a ``pvc://`` sub-path
    included: KServe mounts the claim's root)."""
    for isvc in inference_services(manifests):
        uris = dig(isvc, "spec", "predictor", "storageUris")
        if not isinstance(uris, list) or not uris or not isinstance(uris[0], Mapping):
            continue
        expected = weights_path(str(uris[0].get("uri", "")), str(uris[0].get("mountPath") or DEFAULT_MOUNT_PATH))
        path = model_argument(args_of(model_container(isvc)))
        normalized = posixpath.normpath(path) if path else None
        if normalized is None or not (normalized == expected or normalized.startswith(expected + "/")):
            yield Problem(
                isvc,
                f"vLLM's model argument is {path!r} but the weights of {uris[0].get('uri')!r} are at {expected!r}: "
                f"pass {expected!r}",
            )
