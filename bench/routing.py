#!/usr/bin/env python3
"""Prefix-aware routing against routing by Service, the same seeded workload through both, in one run.

Synthesizes ``examples/values-routing-local.yaml`` twice, as it is (``routing.mode: prefix-aware``: an InferencePool
and its endpoint picker) and with ``model.routing.mode=service``, and runs the data-path probe's routing run
(``python -m llm_stack_harness.controlplane.probe --vllm --routing ...``) over both: one local control plane, reset
between the two stacks; two vLLM Pods (CPU, the tiny model) behind the default gateway (Envoy, the AI Gateway's
external processor, the real EPP Pod for the prefix-aware stack).

The workload (:class:`llm_stack_harness.base.shared_prefix.SharedPrefixWorkload`, inference-perf's shared-prefix
shape): sessions of a long system prompt of their own and short turns, :data:`WORKLOAD`'s ``concurrency`` sessions at
a time, 4 generated tokens each so the prompt's prefill dominates. Per mode it reports, from the Pods' own vLLM
counters and the load's records: the prefix cache hit rate (tokens found in a Pod's prefix cache / prompt tokens),
time to first token p50/p95, throughput; and the gateway's added latency, paired (the same request straight to a Pod
and through the gateway, alternately), p50/p99 in ms. Compares them with the targets (:data:`TARGETS`) and prints
the gap where one is missed. No assertion: machines are noisy.

Needs ``make e2e-deps controlplane-deps``. Usage:
``python bench/routing.py [--json FILE] [--plot FILE]`` or ``python bench/routing.py --from FILE`` (a saved run).
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
VALUES = ROOT / "examples" / "values-routing-local.yaml"
SETS = ["apiKeys.existingSecret=false", "apiKeys.dummyKey=bench-key-0123456789abcdef"]
"""A key the load sends (the probe reads it from the synthesized Secret)."""
MODES = {"service": ["model.routing.mode=service"], "prefix-aware": []}
WORKLOAD = {
    "sessions": 10, "turns": 8, "systemWords": 360, "turnWords": 10, "outputTokens": 4, "concurrency": 4, "seed": 1,
}  # fmt: skip
"""10 sessions of ~370 prompt tokens (12 blocks of 32), four in flight at once: the five a Pod gets with prefix-aware
routing fit its KV cache of 64 blocks (examples/values-routing-local.yaml); all ten, which each Pod sees when the
Service spreads the requests, do not. Each session's first turn misses the cache wherever it goes."""
TARGETS = {"hit_rate": 0.8, "hit_rate_ratio": 2.0, "ttft_p50_ratio": 2.0, "added_p50_ms": 5.0, "added_p99_ms": 15.0}
TIMEOUT_S = 3600


def run(work: Path) -> dict[str, Any]:
    """Synthesize both stacks into ``work`` and run the probe's routing run over them; the reports by mode."""
    from llm_inference_stack.config import load_values
    from llm_inference_stack.synth import manifests

    directories = []
    for mode, sets in MODES.items():
        directory = work / mode
        directory.mkdir(parents=True, exist_ok=True)
        objects = manifests(load_values(VALUES, sets=[*SETS, *sets]))
        (directory / "stack.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
        directories.append(directory)
    command = [
        sys.executable, "-m", "llm_stack_harness.controlplane.probe", *map(str, directories), "--vllm", "--json",
        "--routing", json.dumps({"workload": WORKLOAD}),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    (work / "probe-stderr.txt").write_text(done.stderr)
    if not done.stdout.strip().startswith("["):
        raise SystemExit(f"the probe gave no report (exit {done.returncode}):\n{done.stderr[-4000:]}")
    reports = json.loads(done.stdout)
    out: dict[str, Any] = {}
    for mode, report in zip(MODES, reports, strict=False):
        if report.get("error") or "routing" not in report["details"]:
            raise SystemExit(f"{mode}: {report.get('error')}\n{done.stderr[-4000:]}")
        out[mode] = report["details"]["routing"] | {"checks": report["checks"]}
    return out


def figures(runs: dict[str, Any]) -> dict[str, Any]:
    """The issue's document: per mode hit rate and TTFT, the gateway's added latency per mode, and the ratios."""
    doc: dict[str, Any] = {
        mode: {
            "hit_rate": r["hit_rate"], "ttft_p50_s": r["ttft_p50_s"], "ttft_p95_s": r["ttft_p95_s"],
            "throughput_rps": r["throughput_rps"], "requests": r["requests"], "failed": len(r["failed"]),
            "served": r.get("served"), "epp_prefix_hit_ratio": r.get("epp_prefix_hit_ratio"),
        }
        for mode, r in runs.items()
    }  # fmt: skip
    doc["added_latency_ms"] = {
        mode: {k: r["added_latency_ms"][k] for k in ("p50", "p99", "pairs")} for mode, r in runs.items()
    }
    service, prefix = doc["service"], doc["prefix-aware"]
    doc["ratios"] = {
        "hit_rate": _ratio(prefix["hit_rate"], service["hit_rate"]),
        "ttft_p50_service_over_prefix_aware": _ratio(service["ttft_p50_s"], prefix["ttft_p50_s"]),
    }
    doc["workload"] = WORKLOAD
    return doc


def _ratio(top: float | None, bottom: float | None) -> float | None:
    if top is None or not bottom:
        return None
    return round(top / bottom, 2)


def verdicts(doc: dict[str, Any]) -> list[tuple[str, bool, str]]:
    prefix, ratios, added = doc["prefix-aware"], doc["ratios"], doc["added_latency_ms"]
    rows = [
        ("prefix-aware hit rate >= 0.8", (prefix["hit_rate"] or 0) >= TARGETS["hit_rate"], f"{prefix['hit_rate']}"),
        ("hit rate prefix-aware / service >= 2", (ratios["hit_rate"] or 0) >= TARGETS["hit_rate_ratio"],
         f"{ratios['hit_rate']}"),
        ("TTFT p50 service / prefix-aware >= 2", (ratios["ttft_p50_service_over_prefix_aware"] or 0)
         >= TARGETS["ttft_p50_ratio"], f"{ratios['ttft_p50_service_over_prefix_aware']}"),
    ]  # fmt: skip
    for mode, latency in added.items():
        rows.append((f"{mode}: added latency p50 <= 5 ms", (latency["p50"] or 1e9) <= TARGETS["added_p50_ms"],
                     f"{latency['p50']} ms"))  # fmt: skip
        rows.append((f"{mode}: added latency p99 <= 15 ms", (latency["p99"] or 1e9) <= TARGETS["added_p99_ms"],
                     f"{latency['p99']} ms"))  # fmt: skip
    return rows


def report(doc: dict[str, Any]) -> list[str]:
    lines = [f"workload: {json.dumps(doc['workload'])}"]
    for mode in MODES:
        m, a = doc[mode], doc["added_latency_ms"][mode]
        lines.append(
            f"{mode:>12}: hit rate {m['hit_rate']}, TTFT p50 {m['ttft_p50_s']} s p95 {m['ttft_p95_s']} s, "
            f"{m['throughput_rps']} req/s, {m['requests']} requests ({m['failed']} failed), per Pod {m['served']}; "
            f"added latency p50 {a['p50']} ms p99 {a['p99']} ms ({a['pairs']} pairs)"
        )
    lines += [f"{'met ' if ok else 'MISS'} {name}: {value}" for name, ok, value in verdicts(doc)]
    return lines


def plot(doc: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(MODES)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    panels = (
        ("prefix cache hit rate", [doc[m]["hit_rate"] or 0 for m in modes]),
        ("TTFT p50 (ms)", [1000 * (doc[m]["ttft_p50_s"] or 0) for m in modes]),
        ("gateway added latency p50 (ms)", [doc["added_latency_ms"][m]["p50"] or 0 for m in modes]),
    )
    for axis, (title, values) in zip(axes, panels, strict=True):
        axis.bar(modes, values, color=["#999999", "#1f77b4"])
        axis.set_title(title, fontsize=10)
        for index, value in enumerate(values):
            axis.text(index, value, f"{value:.2f}", ha="center", va="bottom", fontsize=9)
    fig.suptitle("bench/routing.py: the same shared-prefix workload, two vLLM Pods (CPU, tiny model)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/routing.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures (and each mode's whole run) here")
    parser.add_argument("--plot", type=Path, help="write a bar chart of the figures as a PNG here")
    parser.add_argument("--from", dest="saved", type=Path, help="the JSON of a saved run: print its figures only")
    parser.add_argument("--work-dir", type=Path, help="keep the manifests and the probe's log here")
    args = parser.parse_args(argv)
    if args.saved:
        doc = json.loads(args.saved.read_text())
    else:
        work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-routing-"))
        runs = run(work)
        doc = figures(runs) | {"runs": runs}
    print("\n".join(report(doc)))
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2))
    if args.plot:
        plot(doc, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
