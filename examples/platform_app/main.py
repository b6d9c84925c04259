"""A platform repository's cdk8s app: the stack, and the platform's own objects in the same chart.

Run ``python main.py [OUTDIR]`` (default ``dist/`` here), or ``cdk8s synth`` in this directory. The stack's checks
apply to the stack's objects; the Argo CD ``Application`` and the cert-manager ``Certificate`` are the platform's
and pass through as written (no CRD import needed: plain ``cdk8s.ApiObject``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cdk8s

from llm_inference_stack import LlmInferenceStack, load_values

HERE = Path(__file__).resolve().parent


def platform_object(
    scope: cdk8s.Chart, id: str, *, api_version: str, kind: str, name: str, namespace: str, spec: dict[str, object]
) -> cdk8s.ApiObject:
    """An object of a kind the platform owns, written as given."""
    obj = cdk8s.ApiObject(
        scope, id, api_version=api_version, kind=kind, metadata=cdk8s.ApiObjectMetadata(name=name, namespace=namespace)
    )
    obj.add_json_patch(cdk8s.JsonPatch.add("/spec", spec))
    return obj


def build(app: cdk8s.App) -> LlmInferenceStack:
    stack = LlmInferenceStack(app, "llm-stack", config=load_values([HERE / "values.yaml"]))
    platform_object(
        stack,
        "ArgoApplication",
        api_version="argoproj.io/v1alpha1",
        kind="Application",
        name="team-llm",
        namespace="argocd",
        spec={
            "project": "default",
            "source": {"repoURL": "https://git.example.com/platform.git", "path": "dist", "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "team-llm"},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        },
    )
    platform_object(
        stack,
        "GatewayCertificate",
        api_version="cert-manager.io/v1",
        kind="Certificate",
        name="team-llm-gateway",
        namespace="team-llm",
        spec={
            "secretName": "team-llm-gateway-tls",
            "dnsNames": ["llm.example.com"],
            "issuerRef": {"kind": "ClusterIssuer", "name": "letsencrypt"},
        },
    )
    # Argo CD applies the stack after the platform's objects: one sync wave on every object the stack wrote.
    for obj in stack.api_objects:
        obj.metadata.add_annotation("argocd.argoproj.io/sync-wave", "1")
    return stack


if __name__ == "__main__":
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CDK8S_OUTDIR", str(HERE / "dist"))
    app = cdk8s.App(outdir=outdir)
    build(app)
    app.synth()
