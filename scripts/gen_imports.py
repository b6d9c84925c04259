#!/usr/bin/env python3
"""Regenerate ``imports/`` (typed cdk8s classes) and the packaged CRD schemas.

Reads the pinned upstream CustomResourceDefinitions either from a directory laid out as
``<api group>/<kind>.yaml`` (default ``../shared/crds``) or, with ``--from-upstream``, from the
release URLs pinned below. For each API group it:

1. keeps only the kinds the stack uses,
2. keeps only the newest *served* version of each CRD (clean class names, smaller modules),
3. drops properties jsii cannot compile (``getByTitleFallback`` in External Secrets stores) and the
   subtrees in ``IMPORT_PRUNE`` that the constructs never set,
4. merges the group into one multi-document file (separate imports of one group overwrite each other),
5. runs the pinned ``cdk8s import`` on it,

and writes ``lib/llm_inference_stack/schemas/crds.json.gz``: the ``openAPIV3Schema`` and scope of every
served version, used at synth time to validate custom resources without ``../shared``.

Running it twice gives byte-identical output.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CRD_DIR = ROOT.parent / "shared" / "crds"
IMPORTS_DIR = ROOT / "imports"
SCHEMA_FILE = ROOT / "lib" / "llm_inference_stack" / "schemas" / "crds.json.gz"


def _load_pins() -> Any:
    """``lib/llm_inference_stack/pins.py`` by path (standard library only): the one home of every version."""
    spec = importlib.util.spec_from_file_location("_pins", ROOT / "lib" / "llm_inference_stack" / "pins.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# Upstream releases the CRDs are pinned to, key -> (repository, tag, commit) (mirrors shared/crds/SOURCES.md).
RELEASES: dict[str, tuple[str, str, str]] = _load_pins().RELEASES

_EG = "charts/gateway-helm/charts/crds/crds/generated/gateway.envoyproxy.io_"
_AIG = "manifests/charts/ai-gateway-crds-helm/templates/aigateway.envoyproxy.io_"

# group -> [(local file name, release key, path in the upstream repository)]
GROUPS: dict[str, list[tuple[str, str, str]]] = {
    "serving.kserve.io": [
        ("inferenceservice.yaml", "kserve", "config/crd/full/serving.kserve.io_inferenceservices.yaml"),
        ("servingruntime.yaml", "kserve", "config/crd/full/serving.kserve.io_servingruntimes.yaml"),
        (
            "clusterservingruntime.yaml",
            "kserve",
            "config/crd/full/serving.kserve.io_clusterservingruntimes.yaml",
        ),
    ],
    "keda.sh": [
        ("scaledobject.yaml", "keda", "config/crd/bases/keda.sh_scaledobjects.yaml"),
        ("triggerauthentication.yaml", "keda", "config/crd/bases/keda.sh_triggerauthentications.yaml"),
        (
            "clustertriggerauthentication.yaml",
            "keda",
            "config/crd/bases/keda.sh_clustertriggerauthentications.yaml",
        ),
    ],
    "gateway.envoyproxy.io": [
        ("backend.yaml", "envoy-gateway", _EG + "backends.yaml"),
        ("backendtrafficpolicy.yaml", "envoy-gateway", _EG + "backendtrafficpolicies.yaml"),
        ("clienttrafficpolicy.yaml", "envoy-gateway", _EG + "clienttrafficpolicies.yaml"),
        ("envoyproxy.yaml", "envoy-gateway", _EG + "envoyproxies.yaml"),
        ("securitypolicy.yaml", "envoy-gateway", _EG + "securitypolicies.yaml"),
    ],
    "aigateway.envoyproxy.io": [
        ("aigatewayroute.yaml", "ai-gateway", _AIG + "aigatewayroutes.yaml"),
        ("aiservicebackend.yaml", "ai-gateway", _AIG + "aiservicebackends.yaml"),
        ("gatewayconfig.yaml", "ai-gateway", _AIG + "gatewayconfigs.yaml"),
    ],
    "gateway.networking.k8s.io": [
        ("gatewayclass.yaml", "gateway-api", "config/crd/standard/gateway.networking.k8s.io_gatewayclasses.yaml"),
        ("gateway.yaml", "gateway-api", "config/crd/standard/gateway.networking.k8s.io_gateways.yaml"),
        ("httproute.yaml", "gateway-api", "config/crd/standard/gateway.networking.k8s.io_httproutes.yaml"),
        (
            "referencegrant.yaml",
            "gateway-api",
            "config/crd/standard/gateway.networking.k8s.io_referencegrants.yaml",
        ),
    ],
    "monitoring.coreos.com": [
        (
            "podmonitor.yaml",
            "prometheus-operator",
            "example/prometheus-operator-crd-full/monitoring.coreos.com_podmonitors.yaml",
        ),
        (
            "servicemonitor.yaml",
            "prometheus-operator",
            "example/prometheus-operator-crd-full/monitoring.coreos.com_servicemonitors.yaml",
        ),
        (
            "prometheusrule.yaml",
            "prometheus-operator",
            "example/prometheus-operator-crd-full/monitoring.coreos.com_prometheusrules.yaml",
        ),
    ],
    "inference.networking.k8s.io": [
        (
            "inferencepool.yaml",
            "inference-extension",
            "config/crd/bases/inference.networking.k8s.io_inferencepools.yaml",
        ),
    ],
    "external-secrets.io": [
        ("externalsecret.yaml", "external-secrets", "config/crds/bases/external-secrets.io_externalsecrets.yaml"),
        ("secretstore.yaml", "external-secrets", "config/crds/bases/external-secrets.io_secretstores.yaml"),
        (
            "clustersecretstore.yaml",
            "external-secrets",
            "config/crds/bases/external-secrets.io_clustersecretstores.yaml",
        ),
    ],
}

# Properties jsii cannot compile (JSII5000: a Java getter clash), as paths of property names.
JSII_INCOMPATIBLE: dict[str, list[tuple[str, ...]]] = {
    "SecretStore": [("spec", "provider", "keepersecurity", "getByTitleFallback")],
    "ClusterSecretStore": [("spec", "provider", "keepersecurity", "getByTitleFallback")],
}

# Subtrees the constructs never set, left out of the typed classes only (never out of the schemas the
# validator uses). KServe's InferenceService repeats a whole pod spec for canary, explainer, transformer and
# multi-node workers, and EnvoyProxy one for a DaemonSet: without them the generated modules are about 60%
# smaller and every synth imports faster ("import only what is used"). Manifests that need those fields
# can still set them through the escape hatch (``ApiObject.of(...).add_json_patch``).
IMPORT_PRUNE: dict[str, list[tuple[str, ...]]] = {
    "InferenceService": [
        ("spec", "canary"),
        ("spec", "explainer"),
        ("spec", "transformer"),
        ("spec", "predictor", "workerSpec"),
    ],
    "EnvoyProxy": [("spec", "provider", "kubernetes", "envoyDaemonSet")],
}

_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_rank(name: str) -> tuple[int, int, int]:
    """Kubernetes version priority: GA > beta > alpha, then by number."""
    match = _VERSION_RE.match(name)
    if not match:
        return (-1, -1, -1)
    major, stage, minor = match.groups()
    stage_rank = {"alpha": 0, "beta": 1, None: 2}[stage]
    return (int(major), stage_rank, int(minor or 0))


def upstream_url(release: str, path: str) -> str:
    repo, tag, _commit = RELEASES[release]
    return f"https://raw.githubusercontent.com/{repo}/{tag}/{path}"


def read_crd(source: Path | None, group: str, file_name: str, release: str, path: str) -> dict[str, Any]:
    if source is None:
        with urllib.request.urlopen(upstream_url(release, path), timeout=60) as response:
            text = response.read().decode()
    else:
        text = (source / group / file_name).read_text()
    docs = [d for d in yaml.safe_load_all(text) if d]
    if len(docs) != 1 or docs[0].get("kind") != "CustomResourceDefinition":
        raise SystemExit(f"{group}/{file_name}: expected exactly one CustomResourceDefinition")
    crd: dict[str, Any] = docs[0]
    return crd


def drop_property(schema: dict[str, Any], path: tuple[str, ...]) -> None:
    node = schema
    for name in path[:-1]:
        node = node["properties"][name]
    node["properties"].pop(path[-1], None)
    if path[-1] in node.get("required", []):
        node["required"].remove(path[-1])


def prepare(crd: dict[str, Any]) -> dict[str, Any]:
    """Return a copy with only the newest served version, ready for jsii."""
    kind = crd["spec"]["names"]["kind"]
    served = [v for v in crd["spec"]["versions"] if v.get("served")]
    newest = copy.deepcopy(max(served, key=lambda v: version_rank(v["name"])))
    newest["storage"] = True
    schema = newest["schema"]["openAPIV3Schema"]
    for path in JSII_INCOMPATIBLE.get(kind, []) + IMPORT_PRUNE.get(kind, []):
        drop_property(schema, path)
    prepared = copy.deepcopy(crd)
    prepared["spec"]["versions"] = [newest]
    prepared.pop("status", None)
    return prepared


def schema_entries(crd: dict[str, Any]) -> list[dict[str, Any]]:
    spec = crd["spec"]
    return [
        {
            "group": spec["group"],
            "version": v["name"],
            "kind": spec["names"]["kind"],
            "scope": spec["scope"],
            "schema": v["schema"]["openAPIV3Schema"],
        }
        for v in spec["versions"]
        if v.get("served")
    ]


def cdk8s_cli() -> list[str]:
    local = ROOT / "node_modules" / ".bin" / "cdk8s"
    if not local.exists():
        raise SystemExit("the pinned cdk8s CLI is missing: run `npm ci` in the repository root first")
    return [str(local)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--crd-dir",
        type=Path,
        default=Path(os.environ.get("CRD_DIR", DEFAULT_CRD_DIR)),
        help="directory of pinned CRDs laid out as <group>/<kind>.yaml (default: ../shared/crds or $CRD_DIR)",
    )
    where.add_argument(
        "--from-upstream", action="store_true", help="download the CRDs from their pinned upstream release URLs"
    )
    parser.add_argument(
        "--output", type=Path, default=IMPORTS_DIR, help="where to write the imports (default: imports/)"
    )
    parser.add_argument(
        "--schema-output",
        type=Path,
        default=SCHEMA_FILE,
        help=f"schema bundle to write (default: {SCHEMA_FILE.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    imports_dir: Path = args.output.resolve()
    schema_file: Path = args.schema_output.resolve()
    source = None if args.from_upstream else args.crd_dir.resolve()
    if source is not None and not source.is_dir():
        raise SystemExit(f"--crd-dir {source}: not a directory (pass --crd-dir DIR or --from-upstream)")

    schemas: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="crd-import-") as tmp:
        out = Path(tmp) / "imports"
        for group, files in GROUPS.items():
            crds = [read_crd(source, group, name, release, path) for name, release, path in files]
            for crd in crds:
                schemas.extend(schema_entries(crd))
            merged = Path(tmp) / f"{group}.yaml"
            merged.write_text(yaml.safe_dump_all([prepare(c) for c in crds], sort_keys=True))
            print(f"importing {group} ({len(crds)} kinds)", file=sys.stderr, flush=True)
            subprocess.run(
                [
                    *cdk8s_cli(),
                    "import",
                    "--no-check-upgrade",
                    "--language",
                    "python",
                    "--output",
                    str(out),
                    str(merged),
                ],
                check=True,
                cwd=tmp,
                stdout=subprocess.DEVNULL,
            )
        if imports_dir.exists():
            shutil.rmtree(imports_dir)
        shutil.copytree(out, imports_dir)

    schemas.sort(key=lambda e: (e["group"], e["kind"], e["version"]))
    schema_file.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(schemas, sort_keys=True, separators=(",", ":")).encode()
    # mtime=0 and no file name keep the archive byte-identical between runs.
    with open(schema_file, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(payload)
    print(f"wrote {imports_dir}/ and {schema_file}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
