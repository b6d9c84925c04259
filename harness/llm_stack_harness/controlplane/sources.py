"""Where the control plane's CRDs and KServe's default configuration come from.

Everything the four controllers watch, verbatim at the pinned release tags:

- in a checkout: ``../shared/controlplane/`` (controllers' CRDs, KServe's ``inferenceservice-config``) and
  ``../shared/crds/`` (Prometheus Operator and External Secrets CRDs), found from the repository root;
- anywhere: ``--crd-dir DIR`` naming a directory with the same two sub-directories (``controlplane/``,
  ``crds/``);
- an installed package without either: ``--from-upstream`` downloads the pinned files (:data:`UPSTREAM`) once into
  the cache.
"""

from __future__ import annotations

import dataclasses
import urllib.request
from pathlib import Path

from llm_inference_stack import pins
from llm_inference_stack.pins import cache_root

from ..base.errors import HarnessError

# (repository, tag) of each pinned release (pins.RELEASES); paths below are relative to the repository at that tag.
RELEASES = {
    key: (pins.RELEASES[key].repository, pins.RELEASES[key].tag)
    for key in ("kserve", "keda", "envoy-gateway", "ai-gateway", "prometheus-operator", "external-secrets")
}
_KSERVE_CRD = "config/crd/full/serving.kserve.io_{}.yaml"
_EG_CRD = "charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_{}.yaml"
_AIG_CRD = "manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_{}.yaml"
_PO_CRD = "example/prometheus-operator-crd-full/monitoring.coreos.com_{}.yaml"
_ESO_CRD = "config/crds/bases/external-secrets.io_{}.yaml"

# (release, upstream path) of every file, in install order.
UPSTREAM: tuple[tuple[str, str], ...] = (
    *(("kserve", _KSERVE_CRD.format(p)) for p in (
        "clusterservingruntimes", "clusterstoragecontainers", "inferencegraphs", "inferenceservices",
        "localmodelcaches", "localmodelnamespacecaches", "localmodelnodegroups", "localmodelnodes",
        "servingruntimes", "trainedmodels",
    )),
    ("kserve", "config/crd/full/llmisvc/serving.kserve.io_llminferenceserviceconfigs.yaml"),
    ("kserve", "config/crd/full/llmisvc/serving.kserve.io_llminferenceservices.yaml"),
    *(("keda", f"config/crd/bases/{p}.yaml") for p in (
        "eventing.keda.sh_cloudeventsources", "eventing.keda.sh_clustercloudeventsources",
        "keda.sh_clustertriggerauthentications", "keda.sh_scaledjobs", "keda.sh_scaledobjects",
        "keda.sh_triggerauthentications",
    )),
    ("envoy-gateway", "charts/gateway-helm/charts/crds/crds/gatewayapi-crds.yaml"),
    *(("envoy-gateway", _EG_CRD.format(p)) for p in (
        "backends", "backendtrafficpolicies", "clienttrafficpolicies", "envoyextensionpolicies",
        "envoypatchpolicies", "envoyproxies", "httproutefilters", "securitypolicies",
    )),
    *(("ai-gateway", _AIG_CRD.format(p)) for p in (
        "aigatewayroutes", "aiservicebackends", "backendsecuritypolicies", "gatewayconfigs", "mcproutes",
        "quotapolicies",
    )),
    *(("prometheus-operator", _PO_CRD.format(p)) for p in ("podmonitors", "servicemonitors", "prometheusrules")),
    *(("external-secrets", _ESO_CRD.format(p)) for p in ("externalsecrets", "secretstores", "clustersecretstores")),
)  # fmt: skip
KSERVE_CONFIG = ("kserve", "config/configmap/inferenceservice.yaml")


class SourcesError(HarnessError):
    """The CRDs or KServe's configuration cannot be found or fetched."""


def upstream_url(release: str, path: str) -> str:
    repo, tag = RELEASES[release]
    return f"https://raw.githubusercontent.com/{repo}/{tag}/{path}"


def checkout_shared_dir() -> Path | None:
    """``../shared`` next to this checkout's root (``harness/llm_stack_harness/controlplane`` -> root), if present."""
    root = Path(__file__).resolve().parents[3]
    shared = root.parent / "shared"
    return shared if (shared / "controlplane").is_dir() and (root / "lib").is_dir() else None


@dataclasses.dataclass(frozen=True)
class ControlPlaneSources:
    """CRD files (controllers' bundle first) and KServe's default ``inferenceservice-config``."""

    files: tuple[Path, ...]
    kserve_config_file: Path

    def crd_files(self) -> tuple[Path, ...]:
        return self.files

    def kserve_config(self) -> Path:
        return self.kserve_config_file

    @classmethod
    def from_dir(cls, shared: Path) -> ControlPlaneSources:
        """From a directory laid out like ``../shared`` (``controlplane/crds``, ``controlplane/kserve``, ``crds``)."""
        bundle = shared / "controlplane"
        config = bundle / "kserve" / "inferenceservice-config.yaml"
        if not config.is_file():
            raise SourcesError(
                f"{shared}: no controlplane/kserve/inferenceservice-config.yaml; --crd-dir must name a directory "
                "with controlplane/ and crds/ (like the repository's ../shared), or use --from-upstream"
            )
        files = sorted((bundle / "crds").rglob("*.yaml")) + sorted((shared / "crds").rglob("*.yaml"))
        return cls(files=tuple(files), kserve_config_file=config)

    @classmethod
    def from_upstream(cls, *, timeout_s: float = 60.0) -> ControlPlaneSources:
        """Download the pinned files once into ``<cache>/controlplane/sources`` (reused afterwards)."""
        target = cache_root() / "controlplane" / "sources"
        paths = []
        for release, path in (*UPSTREAM, KSERVE_CONFIG):
            repo, tag = RELEASES[release]
            local = target / repo.replace("/", "_") / tag / path
            if not local.is_file():
                url = upstream_url(release, path)
                try:
                    with urllib.request.urlopen(url, timeout=timeout_s) as response:
                        data = response.read()
                except OSError as error:
                    raise SourcesError(f"cannot download {url}: {error}") from error
                local.parent.mkdir(parents=True, exist_ok=True)
                partial = local.with_suffix(".partial")
                partial.write_bytes(data)
                partial.replace(local)
            paths.append(local)
        return cls(files=tuple(paths[:-1]), kserve_config_file=paths[-1])

    @classmethod
    def locate(cls, crd_dir: Path | None = None, *, from_upstream: bool = False) -> ControlPlaneSources:
        if crd_dir is not None:
            return cls.from_dir(crd_dir)
        if from_upstream:
            return cls.from_upstream()
        shared = checkout_shared_dir()
        if shared is None:
            raise SourcesError(
                "the control plane's CRDs were not found: outside a checkout pass --crd-dir DIR (a directory with "
                "controlplane/ and crds/) or --from-upstream (downloads the pinned release files)"
            )
        return cls.from_dir(shared)
