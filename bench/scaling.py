#!/usr/bin/env python3
"""How fast the autoscaling loop adds capacity, on the default gateway's real data path.

Runs ``llm-stack local-run --values VALUES --load step ... --json --plot PNG`` (the local control plane: KEDA, its
metrics adapter, the Prometheus Operator's Prometheus, kube-controller-manager's HPA controller at upstream's 15 s
sync, real vLLM on CPU behind Envoy and the AI Gateway), or reads the JSON of such a run (``--from``), and compares
its time to capacity with the target

    time to capacity <= pollingInterval + HPA sync period + pod readiness + 10 s

where *pod readiness* is the slowest added Pod's creation -> Ready (the API server's timestamps: scheduling, the
storage initializer, vLLM's start), measured in the same run. The rest is what the loop itself adds: the queue
reaching Prometheus (its scrape interval), KEDA's query, the metrics adapter, the HPA's sync, the Deployment and
ReplicaSet controllers, the scheduler and the Pod's first readiness probe. Prints the figures and writes the run's
JSON (``--json``) and plot (``--plot``). No assertion: machines are noisy.

Needs ``make e2e-deps controlplane-deps``. Usage:
``python bench/scaling.py [--values examples/values-autoscaling-local.yaml] [--json FILE] [--plot FILE]``
``python bench/scaling.py --from FILE`` (the figures of a saved run)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "examples" / "values-autoscaling-local.yaml"
HPA_SYNC_S = 15.0
"""kube-controller-manager's ``--horizontal-pod-autoscaler-sync-period`` default, which local-run keeps."""
SLACK_S = 10.0
"""The target's allowance for the rest of the loop (scrape, query, controllers, scheduler, first probe)."""
LOAD = ["--load", "step", "--concurrency", "6", "--duration", "300", "--output-tokens", "192", "--tail", "300"]
"""Six streams of 192 tokens for 300 s: vLLM runs two at a time (the example's ``--max-num-seqs 2``), so four wait,
twice the threshold of 2; 300 s leaves the added replica minutes to serve after its start."""


def polling_interval(values: Path) -> float:
    """The ScaledObject's ``pollingInterval`` the values give (the stack's default when unset)."""
    from llm_inference_stack import stack_config_from_mapping

    config = stack_config_from_mapping(yaml.safe_load(values.read_text()))
    return float(config.autoscaling_of(config.models[0]).polling_interval)


def figures(document: dict[str, Any], polling_s: float) -> dict[str, Any]:
    """The run's time to capacity, the added Pods' readiness and the target they give."""
    rows = document["timeline"]
    first = set(document.get("first_pods") or ())
    ready = document.get("pod_ready_seconds") or {}
    added = {name: seconds for name, seconds in ready.items() if name not in first}
    readiness = max(added.values()) if added else None
    capacity = document["summary"]["time_to_capacity_s"]
    target = None if readiness is None else polling_s + HPA_SYNC_S + readiness + SLACK_S
    return {
        "time_to_capacity_s": capacity,
        "added_pod_ready_s": added,
        "loop_s": None if capacity is None or readiness is None else round(capacity - readiness, 1),
        "target_s": target,
        "target_met": None if capacity is None or target is None else capacity <= target,
        "polling_interval_s": polling_s,
        "hpa_sync_s": HPA_SYNC_S,
        "replicas": [row["replicas"] for row in rows],
        "errors": document["summary"]["errors"],
        "requests": document["summary"]["requests"],
    }


def report(result: dict[str, Any]) -> list[str]:
    """The figures as text."""
    capacity, target = result["time_to_capacity_s"], result["target_s"]
    path = " -> ".join(str(r) for i, r in enumerate(result["replicas"]) if i == 0 or r != result["replicas"][i - 1])
    lines = [
        f"replicas: {path}; {result['requests']} requests, {result['errors']} failed",
        f"added Pods, creation to Ready: {result['added_pod_ready_s'] or 'none'}",
    ]
    if capacity is None or target is None:
        lines.append("time to capacity: never reached (no added Pod became ready): target not measurable")
        return lines
    lines += [
        f"time to capacity: {capacity:.1f} s, of which the loop (all but the Pod's own start) {result['loop_s']:.1f} s",
        f"target: <= pollingInterval {result['polling_interval_s']:g} + HPA sync {result['hpa_sync_s']:g} + pod "
        f"readiness {max(result['added_pod_ready_s'].values()):g} + {SLACK_S:g} = {target:.1f} s: "
        + ("met" if result["target_met"] else f"NOT met by {capacity - target:.1f} s"),
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scaling.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=Path, default=VALUES)
    parser.add_argument("--json", type=Path, help="write the run's JSON (local-run's, with the figures) here")
    parser.add_argument("--plot", type=Path, help="write the run's timeline as a PNG here")
    parser.add_argument("--from", dest="saved", type=Path, help="the JSON of a saved run: print its figures only")
    args = parser.parse_args(argv)
    if args.saved:
        document = json.loads(args.saved.read_text())
    else:
        command = [sys.executable, "-m", "llm_inference_stack.cli", "local-run", "--values", str(args.values), *LOAD,
                   "--json", *(["--plot", str(args.plot)] if args.plot else [])]  # fmt: skip
        run = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=3600, check=False)
        if not run.stdout.strip():
            print(f"bench/scaling.py: local-run printed no JSON (exit {run.returncode})", file=sys.stderr)
            return 1
        document = json.loads(run.stdout)
    result = figures(document, polling_interval(args.values))
    for line in report(result):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(document | {"figures": result}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
