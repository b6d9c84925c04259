"""Commands run against verify's API server: etcd and kube-apiserver with every CRD the controllers watch
(:class:`llm_stack_harness.controlplane.cluster.LocalControlPlane` started without controllers), in the sandbox, as
``llm-stack verify`` runs them.

:func:`run_steps` (outside) writes a job file and starts the sandbox; :func:`main` (inside) starts the API server,
creates the namespaces, then runs each step in order: a command (its exit code and output recorded, with
``KUBECONFIG`` naming the API server) or a ``get`` of one object as the API server stores it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Step = Mapping[str, Any]
"""``{"run": [argv...]}`` or ``{"get": [apiVersion, kind, namespace, name]}``."""


def run_steps(
    steps: Sequence[Step], *, namespaces: Sequence[str], work: Path, env: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Each step's result, in order: ``{"code", "stdout", "stderr"}`` for a command, ``{"object"}`` (None when
    absent) for a get. ``env`` is added to the commands' environment. Needs the etcd and kube-apiserver builds."""
    from llm_stack_harness.base.sandbox import ROOT_ENV, sandbox_argv
    from llm_stack_harness.controlplane.build import ensure_binaries
    from llm_stack_harness.controlplane.sources import ControlPlaneSources

    built = ensure_binaries(["etcd", "kube-apiserver"], log=lambda line: print(line, file=sys.stderr))
    sources = ControlPlaneSources.locate()
    work.mkdir(parents=True, exist_ok=True)
    job = {
        "binaries": {name: str(path) for name, path in built.items()},
        "sources": {"files": [str(p) for p in sources.files], "kserve_config": str(sources.kserve_config_file)},
        "work_dir": str(work / "control-plane"),
        "namespaces": list(namespaces),
        "steps": [dict(s) for s in steps],
        "env": dict(env or {}),
        "results": str(work / "results.json"),
    }
    job_file = work / "job.json"
    job_file.write_text(json.dumps(job))
    root = work / "sandbox-root"
    root.mkdir(exist_ok=True)
    sandbox_env = dict(os.environ) | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), ROOT_ENV: str(root)}
    completed = subprocess.run(
        sandbox_argv(__name__, [str(job_file)]),
        env=sandbox_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    results_file = Path(job["results"])
    assert completed.returncode == 0 and results_file.is_file(), (
        f"the API server session failed (exit {completed.returncode}):\n{completed.stderr[-4000:]}"
    )
    results: list[dict[str, Any]] = json.loads(results_file.read_text())
    return results


def main(argv: Sequence[str]) -> int:
    """Inside the sandbox: the API server, the namespaces, the steps; the results as JSON."""
    from llm_stack_harness.controlplane.cluster import Binaries, LocalControlPlane
    from llm_stack_harness.controlplane.sources import ControlPlaneSources

    job = json.loads(Path(argv[0]).read_text())
    sources = ControlPlaneSources(
        files=tuple(Path(p) for p in job["sources"]["files"]), kserve_config_file=Path(job["sources"]["kserve_config"])
    )
    built = {name: Path(path) for name, path in job["binaries"].items()}
    plane = LocalControlPlane(
        Binaries.from_build(built),
        sources,
        work_dir=Path(job["work_dir"]),
        log=lambda line: print(f"api server: {line}", file=sys.stderr, flush=True),
    )
    results: list[dict[str, Any]] = []
    try:
        plane.start(controllers=())  # etcd, kube-apiserver and the CRDs; no controller, so no webhook either
        for namespace in job["namespaces"]:
            plane.client.ensure_namespace(namespace)
        env = dict(os.environ) | {"KUBECONFIG": str(plane.kubeconfig)} | job["env"]
        for step in job["steps"]:
            if "run" in step:
                done = subprocess.run(step["run"], env=env, capture_output=True, text=True, timeout=300, check=False)
                results.append({"code": done.returncode, "stdout": done.stdout, "stderr": done.stderr})
            else:
                api_version, kind, namespace, name = step["get"]
                results.append({"object": plane.client.get(api_version, kind, name, namespace)})
    finally:
        plane.close()
    Path(job["results"]).write_text(json.dumps(results))
    return 0
