#!/usr/bin/env python3
"""Scale from zero: how much the held requests wait beyond the moment their model's Pod is ready.

Synthesizes ``examples/values-scale-from-zero-local.yaml`` (``minReplicas: 0``, prefix-aware routing, the endpoint
picker's flow control) and runs the data-path probe's scaling run on it (``python -m
llm_stack_harness.controlplane.probe --vllm --scaling ...``): one local control plane with KEDA, the Prometheus
Operator and Prometheus, the default gateway (Envoy, the AI Gateway's external processor, the real EPP Pod), vLLM on
CPU with the tiny model. From zero replicas, :data:`HELD` concurrent requests are held by the picker while KEDA wakes
the model. It reports, paired on one monotonic clock: when the Pod was ready (after the load began) and each held
request's first token after that readiness, p50/p99/max (vLLM's prefill of the batch included, so an upper bound of
what the hold adds), against the target of 1 s p99; the requests held, answered, failed; the return to zero. No
assertion: machines are noisy.

Needs ``make e2e-deps controlplane-deps``. Usage: ``python bench/scale_from_zero.py [--json FILE]`` or
``python bench/scale_from_zero.py --from FILE`` (a saved run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "examples" / "values-scale-from-zero-local.yaml"
SETS = ["apiKeys.existingSecret=false", "apiKeys.dummyKey=bench-key-0123456789abcdef"]
"""A key the load sends (the probe reads it from the synthesized Secret)."""
HELD = 20
LOAD = {
    "concurrency": HELD, "durationSeconds": 1, "outputTokens": 4, "tailSeconds": 300, "pollSeconds": 5,
    "hpaSyncPeriodSeconds": 5, "requestTimeoutSeconds": 330,
}  # fmt: skip
TARGET_P99_S = 1.0
TIMEOUT_S = 2400


def run(work: Path) -> dict[str, Any]:
    """Synthesize the stack into ``work`` and run the probe's scaling run on it; the run's details and checks."""
    from llm_inference_stack.config import load_values
    from llm_inference_stack.synth import manifests

    work.mkdir(parents=True, exist_ok=True)
    (work / "stack.yaml").write_text(yaml.safe_dump_all(manifests(load_values(VALUES, sets=SETS)), sort_keys=False))
    command = [
        sys.executable, "-m", "llm_stack_harness.controlplane.probe", str(work), "--vllm", "--json",
        "--scaling", json.dumps(LOAD),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    (work / "probe-stderr.txt").write_text(done.stderr)
    if not done.stdout.strip().startswith("["):
        raise SystemExit(f"the probe gave no report (exit {done.returncode}):\n{done.stderr[-4000:]}")
    report = json.loads(done.stdout)[0]
    if report.get("error") or "wake" not in report["details"].get("scaling", {}):
        raise SystemExit(f"{report.get('error')}\n{done.stderr[-4000:]}")
    scaling = report["details"]["scaling"]
    return {"wake": scaling["wake"], "timeline": scaling["timeline"], "checks": report["checks"], "load": LOAD}


def report(doc: dict[str, Any]) -> list[str]:
    wake, overhead = doc["wake"], doc["wake"]["wake_overhead_s"]
    replicas = [row["replicas"] for row in doc["timeline"]]
    p99 = overhead["p99"]
    lines = [
        f"load: {json.dumps(doc['load'])}",
        f"replicas: first {replicas[0]}, most {max(r or 0 for r in replicas)}, last {replicas[-1]}",
        f"held {wake['held']}, answered {wake['succeeded']}, failed {len(wake.get('failed') or [])}; queue before "
        f"readiness at most {wake['held_before_ready_max']}",
        f"Pod ready {wake['pod_ready_after_load_start_s']} s after the load began",
        f"first token after readiness: p50 {overhead['p50']:.3f} s, p99 {p99:.3f} s, max {overhead['max']:.3f} s "
        f"({overhead['n']} requests)"
        if p99 is not None
        else "first token after readiness: no request answered",
        f"{'met ' if p99 is not None and p99 <= TARGET_P99_S else 'MISS'} wake overhead p99 <= {TARGET_P99_S:g} s",
    ]
    lines += [f"{'ok  ' if c['ok'] else 'FAIL'} {c['name']}" for c in doc["checks"]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scale_from_zero.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures and the run's timeline here")
    parser.add_argument("--from", dest="saved", type=Path, help="the JSON of a saved run: print its figures only")
    parser.add_argument("--work-dir", type=Path, help="keep the manifests and the probe's log here")
    args = parser.parse_args(argv)
    doc = (
        json.loads(args.saved.read_text())
        if args.saved
        else run(args.work_dir or Path(tempfile.mkdtemp(prefix="bench-scale-from-zero-")))
    )
    print("\n".join(report(doc)))
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
