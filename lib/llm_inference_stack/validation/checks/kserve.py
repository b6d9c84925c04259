"""What KServe derives from an InferenceService, and what the vLLM container in it serves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...facts import kserve, vllm
from ...kube_expansion import expanded_args
from ...names import is_gpu_resource_name
from ..manifests import Manifests, Obj, dig, name_of, namespace_of

CONTAINER_NAME = kserve.CONTAINER_NAME
DEPLOYMENT_MODE = kserve.DEPLOYMENT_MODE_ANNOTATION
AUTOSCALER_CLASS = kserve.AUTOSCALER_CLASS_ANNOTATION
PREDICTOR_SERVICE_PORT = kserve.PREDICTOR_SERVICE_PORT
VLLM_API_PREFIX = vllm.API_PREFIX
VISIBILITY_LABEL = kserve.VISIBILITY_LABEL
CLUSTER_LOCAL = kserve.CLUSTER_LOCAL
PROMETHEUS_SCRAPING_ANNOTATION = kserve.PROMETHEUS_SCRAPING_ANNOTATION
KSERVE_PROMETHEUS_PREFIX = kserve.PROMETHEUS_ANNOTATION_PREFIX
DEFAULT_MOUNT_PATH = kserve.MODEL_MOUNT_PATH
"""``storageUris[].mountPath`` when it is not set."""


def predictor_name(isvc: Obj) -> str:
    """Name of the Deployment and Service KServe (Standard mode) creates for the predictor."""
    component = dig(isvc, "spec", "predictor", "name")
    return kserve.predictor_name(name_of(isvc), str(component) if component else None)


def predictor_host(isvc: Obj) -> str:
    component = dig(isvc, "spec", "predictor", "name")
    return kserve.predictor_host(name_of(isvc), namespace_of(isvc), str(component) if component else None)


def model_container(isvc: Obj) -> Mapping[str, Any] | None:
    containers = dig(isvc, "spec", "predictor", "containers")
    if not isinstance(containers, list) or not containers:
        return None
    named = [c for c in containers if isinstance(c, Mapping) and c.get("name") == CONTAINER_NAME]
    first = named[0] if named else containers[0]
    return first if isinstance(first, Mapping) else None


def args_of(container: Mapping[str, Any] | None) -> list[str]:
    """The container's ``args`` as the process receives them: after the kubelet's ``$(VAR)`` expansion."""
    return expanded_args(container) if container else []


def flag_values(args: Sequence[str], flag: str) -> list[str] | None:
    """Values of ``flag`` (``--flag a b`` or ``--flag=a``), the last occurrence winning; None when absent."""
    found: list[str] | None = None
    for index, arg in enumerate(args):
        if arg == flag:
            values = []
            for value in args[index + 1 :]:
                if value.startswith("-"):
                    break
                values.append(value)
            found = values
        elif arg.startswith(flag + "="):
            found = [arg.split("=", 1)[1]]
    return found


def model_argument(args: Sequence[str]) -> str | None:
    """The model vLLM serves: ``--model`` if given, else the first positional argument of ``vllm serve``."""
    model = flag_values(args, "--model")
    if model:
        return model[0]
    return args[0] if args and not args[0].startswith("-") else None


def served_names(isvc: Obj) -> list[str]:
    return flag_values(args_of(model_container(isvc)), "--served-model-name") or []


def gpu_limit(container: Mapping[str, Any] | None) -> tuple[str, Any] | None:
    """The container's GPU limit ``(resource name, quantity)``: its limit of an extended resource, by the rule
    the settings check ``gpu_resource_name`` with (``names.is_gpu_resource_name``)."""
    limits = dig(container, "resources", "limits")
    if not isinstance(limits, Mapping):
        return None
    for name, value in limits.items():
        if is_gpu_resource_name(str(name)):
            return str(name), value
    return None


def inference_services(manifests: Manifests) -> list[Obj]:
    return manifests.of_kind("InferenceService")


def _by_deployment(manifests: Manifests) -> dict[tuple[str | None, str], Obj]:
    return {(namespace_of(i), predictor_name(i)): i for i in reversed(inference_services(manifests))}


def _by_host(manifests: Manifests) -> dict[str, Obj]:
    return {predictor_host(i): i for i in reversed(inference_services(manifests))}


def isvc_for_deployment(manifests: Manifests, namespace: str | None, deployment: str) -> Obj | None:
    """The InferenceService whose predictor Deployment is ``namespace/deployment``."""
    index: dict[tuple[str | None, str], Obj] = manifests.memo("isvc-by-deployment", lambda: _by_deployment(manifests))
    return index.get((namespace, deployment))


def isvc_for_host(manifests: Manifests, host: str) -> Obj | None:
    """The InferenceService whose predictor Service has the cluster DNS name ``host``."""
    index: dict[str, Obj] = manifests.memo("isvc-by-host", lambda: _by_host(manifests))
    return index.get(host)


def predictors_in(manifests: Manifests, namespace: str | None) -> list[str]:
    """Predictor Deployment names of the InferenceServices in ``namespace``."""
    index: dict[tuple[str | None, str], Obj] = manifests.memo("isvc-by-deployment", lambda: _by_deployment(manifests))
    return [name for (ns, name) in index if ns == namespace]
