#!/usr/bin/env python3
"""Benchmark synthesis as whole processes: wall time, CPU time and peak memory, against a cdk8s floor.

Cases (each a fresh process, exactly as a user runs it):

* ``default``: ``python main.py`` on the repository's ``values.yaml`` into a temporary directory;
* ``fleet-N``: the same with a generated values file of N models (``--fleets``, default 10 and 100);
* ``floor-K``: ``bench/floor_app.py``, a bare cdk8s app writing K plain ``cdk8s.ApiObject``s, K being the
  object count of each case above (counted in its output).

The cases run round-robin (``--runs`` rounds, after ``--warmup`` unrecorded rounds), so machine noise hits
all of them alike. Per run:

* wall time: ``time.perf_counter`` around the child, from spawn to exit;
* CPU time and largest process: ``os.wait4`` on the child gives that child's own ``rusage`` (user + system
  CPU of it and of every descendant it waited for: the jsii kernel's two Node.js processes; ``ru_maxrss`` is
  the peak of the *largest single* process). ``getrusage(RUSAGE_CHILDREN)`` is not used: its ``ru_maxrss``
  is a maximum over all children ever waited for, so it cannot be split per run;
* peak tree RSS: a sampler thread sums the RSS of the child and all its descendants (Python + Node.js)
  every ``--interval`` ms from ``/proc``; this is the memory the synth really needs at once.

Usage: ``python bench/synth.py [--runs 5] [--fleets 10,100] [--json out.json] [--profile fleet-100] [--baseline DIR]``

``--baseline DIR`` also runs every stack case with another checkout (``DIR/main.py`` on ``DIR/lib``), each right
after the same case of this one, and reports the paired ratios and whether both wrote the same bytes.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"
PAGE = os.sysconf("SC_PAGE_SIZE")

# The project's targets (docs/performance.md; 2 cores, bytecode compiled, validation included).
TARGET_DEFAULT_RATIO = 2.0
WANTED_DEFAULT_RATIO = 1.5
TARGET_FLEET_RATIO = 3.0
TARGET_FLEET_RSS_MB = 600.0
TARGET_MS_PER_MODEL = 25.0
"""Marginal wall time of one more model, between the smallest and the largest fleet."""


# --- values files ------------------------------------------------------------------------------


def fleet_values(base: dict[str, Any], count: int) -> dict[str, Any]:
    """``base`` (a values document) with ``model:`` replaced by ``count`` models.

    Deterministic and a little varied, like a real fleet: every model has its own name and weights,
    every 4th one its own token limit, every 10th one its own namespace, every 5th one 2 GPUs.
    """
    values = copy.deepcopy(base)
    template = values.pop("model", None) or {}
    values.pop("models", None)
    models = []
    for i in range(count):
        model: dict[str, Any] = {
            "name": f"fleet-model-{i:03d}",
            "storageUri": f"s3://bench-models/fleet-model-{i:03d}/",
            "runtime": {**template.get("runtime", {}), "gpuCount": 2 if i % 5 == 0 else 1},
        }
        if "serviceAccountName" in template:
            model["serviceAccountName"] = template["serviceAccountName"]
        if i % 4 == 1:
            model["rateLimit"] = {"tokensPerMinute": 10_000 * (i + 1)}
        if i % 10 == 3:
            model["namespace"] = f"team-{i:03d}"
        models.append(model)
    values["models"] = models
    return values


# --- measuring one process ---------------------------------------------------------------------


def _tree_rss(root: int) -> int:
    """Bytes of resident memory of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rpartition(b")")[2].split()
        pid, ppid = int(entry.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


@dataclass
class Run:
    wall: float
    cpu: float
    max_rss: int
    """ru_maxrss of the largest single process, bytes."""
    tree_rss: int
    """Peak sum of the RSS of the process tree, bytes (sampled)."""


def measure(argv: Sequence[str], env: dict[str, str], interval: float) -> Run:
    peak = [0]
    done = threading.Event()
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(child.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert child.stderr is not None
    stderr = child.stderr.read()  # drains the pipe; returns at the child's exit
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}):\n{stderr.decode(errors='replace')}")
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        max_rss=usage.ru_maxrss * 1024,
        tree_rss=peak[0],
    )


# --- cases -------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    argv: list[str]
    env: dict[str, str]
    outdir: Path
    objects: int = 0
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)


def count_objects(outdir: Path) -> int:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    count = 0
    for path in sorted(outdir.rglob("*.yaml")):
        count += sum(1 for doc in yaml.load_all(path.read_text(), Loader=loader) if doc)
    return count


def stack_case(name: str, python: str, values: Path, work: Path, root: Path = ROOT) -> Case:
    """``root/main.py`` on ``values``; ``root`` other than this checkout: its own library (``--baseline``)."""
    outdir = work / "out" / name
    env = {**os.environ, "CDK8S_OUTDIR": str(outdir), "LLM_STACK_VALUES": str(values)}
    if root != ROOT:
        env["PYTHONPATH"] = os.pathsep.join(str(root / part) for part in ("lib", "harness"))
    return Case(name, [python, str(root / "main.py")], env, outdir)


BASE = "@base"
"""Suffix of the ``--baseline`` cases."""


def same_output(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)


def floor_case(count: int, python: str, work: Path) -> Case:
    outdir = work / "out" / f"floor-{count}"
    return Case(f"floor-{count}", [python, str(FLOOR_APP), str(count), str(outdir)], dict(os.environ), outdir)


def run_round(cases: Sequence[Case], interval: float, record: bool) -> None:
    for case in cases:
        if case.outdir.exists():
            shutil.rmtree(case.outdir)
        result = measure(case.argv, case.env, interval)
        if record:
            case.runs.append(result)


# --- report ------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    bytecode = ROOT / "imports" / "io" / "kserve" / "serving" / "__pycache__"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "bytecode": "compiled" if bytecode.is_dir() and any(bytecode.iterdir()) else "NOT compiled",
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def mb(value: float) -> str:
    return f"{value / 2**20:.0f}"


def report(
    stacks: Sequence[Case], floors: dict[int, Case], fleet_sizes: dict[str, int], bases: Sequence[Case] = ()
) -> list[str]:
    lines = []
    head = (
        f"{'case':<12} {'objects':>7} {'wall s':>7} {'min s':>6} {'cpu s':>6} "
        f"{'floor s':>7} {'x floor':>7} {'cpu x':>6} {'tree MB':>7} {'max MB':>6}  target"
    )
    lines += [head, "-" * len(head)]
    for case in [*stacks, *bases]:
        floor = floors[case.objects]
        ratio = case.median("wall") / floor.median("wall")
        cpu_ratio = case.median("cpu") / floor.median("cpu")
        tree = max(r.tree_rss for r in case.runs)
        name = case.name.removesuffix(BASE)
        if name == "default":
            verdict = "met" if ratio <= TARGET_DEFAULT_RATIO else "NOT met"
            target = f"<= {TARGET_DEFAULT_RATIO}x ({WANTED_DEFAULT_RATIO}x wanted): {verdict}"
        else:
            ok = ratio <= TARGET_FLEET_RATIO and tree / 2**20 <= TARGET_FLEET_RSS_MB
            target = f"<= {TARGET_FLEET_RATIO}x, < {TARGET_FLEET_RSS_MB:.0f} MB: {'met' if ok else 'NOT met'}"
            if fleet_sizes[name] < 100:
                target = "(no target)"
        lines.append(
            f"{case.name:<12} {case.objects:>7} {case.median('wall'):>7.2f} {min(r.wall for r in case.runs):>6.2f} "
            f"{case.median('cpu'):>6.2f} {floor.median('wall'):>7.2f} {ratio:>7.2f} {cpu_ratio:>6.2f} "
            f"{mb(tree):>7} {mb(max(r.max_rss for r in case.runs)):>6}  {target}"
        )
    for floor in sorted(floors.values(), key=lambda c: c.objects):
        lines.append(
            f"{floor.name:<12} {floor.objects:>7} {floor.median('wall'):>7.2f} {min(r.wall for r in floor.runs):>6.2f} "
            f"{floor.median('cpu'):>6.2f} {'':>7} {'':>7} {'':>6} "
            f"{mb(max(r.tree_rss for r in floor.runs)):>7} {mb(max(r.max_rss for r in floor.runs)):>6}"
        )

    lines += growth(stacks, floors, fleet_sizes)
    if bases:
        lines += ["", f"baseline ({BASE}), same rounds:"]
        lines += growth(bases, floors, fleet_sizes)
        lines += ["", "paired, this checkout / baseline (median of the per-round ratios):"]
        by_name = {c.name: c for c in stacks}
        for base in bases:
            case = by_name[base.name.removesuffix(BASE)]
            wall = statistics.median(r.wall / b.wall for r, b in zip(case.runs, base.runs, strict=True))
            cpu = statistics.median(r.cpu / b.cpu for r, b in zip(case.runs, base.runs, strict=True))
            lines.append(
                f"  {case.name:<12} wall x{wall:.2f}  cpu x{cpu:.2f}  "
                f"({base.median('wall'):.2f} s -> {case.median('wall'):.2f} s wall, "
                f"{base.median('cpu'):.2f} s -> {case.median('cpu'):.2f} s cpu)"
            )
    return lines


def growth(stacks: Sequence[Case], floors: dict[int, Case], fleet_sizes: dict[str, int]) -> list[str]:
    lines: list[str] = []
    size = {c.name: fleet_sizes[c.name.removesuffix(BASE)] for c in stacks if c.name.removesuffix(BASE) in fleet_sizes}
    fleets = sorted((c for c in stacks if c.name in size), key=lambda c: size[c.name])
    if len(fleets) >= 2:
        lines += ["", "growth (linear check), between consecutive fleet sizes:"]
        for small, large in itertools.pairwise(fleets):
            n_small, n_large = size[small.name], size[large.name]
            d_wall = large.median("wall") - small.median("wall")
            d_cpu = large.median("cpu") - small.median("cpu")
            d_obj = large.objects - small.objects
            f_small, f_large = floors[small.objects], floors[large.objects]
            d_floor = f_large.median("wall") - f_small.median("wall")
            lines.append(
                f"  {small.name} -> {large.name}: time x{large.median('wall') / small.median('wall'):.2f} "
                f"for models x{n_large / n_small:.1f} and objects x{large.objects / small.objects:.2f}; "
                f"{1000 * d_wall / (n_large - n_small):.1f} ms wall ({1000 * d_cpu / (n_large - n_small):.1f} ms cpu) "
                f"per added model, {1000 * d_wall / d_obj:.2f} ms per added object "
                f"(floor: {1000 * d_floor / d_obj:.2f} ms per object)"
            )
        if len(fleets) >= 3:
            slopes = []
            for small, large in itertools.pairwise(fleets):
                n = size[large.name] - size[small.name]
                slopes.append((large.median("wall") - small.median("wall")) / n)
            lines.append(
                "  per-model slope "
                + " -> ".join(f"{1000 * s:.1f} ms" for s in slopes)
                + " (equal slopes: linear; rising: super-linear)"
            )
        first, last = fleets[0], fleets[-1]
        per_model = 1000 * (last.median("wall") - first.median("wall")) / (size[last.name] - size[first.name])
        verdict = "met" if per_model <= TARGET_MS_PER_MODEL else "NOT met"
        lines.append(f"  {per_model:.1f} ms wall per added model: <= {TARGET_MS_PER_MODEL:.0f} ms: {verdict}")
    return lines


def profile(case: Case, work: Path, top: int) -> None:
    target = work / f"{case.name}.prof"
    argv = [case.argv[0], "-m", "cProfile", "-o", str(target), *case.argv[1:]]
    subprocess.run(argv, env=case.env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    import pstats

    for key in ("cumulative", "tottime"):
        print(f"\n--- cProfile of {case.name}, by {key} (profiler overhead inflates Python-side times) ---")
        pstats.Stats(str(target)).sort_stats(key).print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="recorded rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded rounds first (default 1)")
    parser.add_argument("--fleets", default="10,100", help="fleet sizes, comma-separated (default 10,100)")
    parser.add_argument("--values", type=Path, default=ROOT / "values.yaml", help="default stack's values")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the synth (default: this one)")
    parser.add_argument("--interval", type=float, default=20, help="RSS sampling interval, ms (default 20)")
    parser.add_argument("--json", type=Path, help="also write the raw runs to this file")
    parser.add_argument("--profile", metavar="CASE", help="instead: cProfile one run of CASE (default, fleet-N)")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile (default 30)")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also run every stack case with the checkout in DIR (e.g. `git worktree add DIR <commit>`), in the "
        "same rounds, and compare (its cases are named NAME@base)",
    )
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.fleets.split(",") if s.strip()]
    base = yaml.safe_load(args.values.read_text())
    info = machine()
    with tempfile.TemporaryDirectory(prefix="llm-stack-bench-") as tmp:
        work = Path(tmp)
        stacks = [stack_case("default", args.python, args.values.resolve(), work)]
        fleet_sizes: dict[str, int] = {}
        for n in sizes:
            path = work / f"fleet-{n}.yaml"
            path.write_text(yaml.safe_dump(fleet_values(base, n), sort_keys=False))
            stacks.append(stack_case(f"fleet-{n}", args.python, path, work))
            fleet_sizes[f"fleet-{n}"] = n

        if args.profile:
            (case,) = [c for c in stacks if c.name == args.profile] or [None]
            if case is None:
                parser.error(f"--profile: no case {args.profile!r}; cases: {', '.join(c.name for c in stacks)}")
            profile(case, work, args.top)
            return 0

        bases: list[Case] = []
        if args.baseline:
            root = args.baseline.resolve()
            bases = [
                stack_case(c.name + BASE, args.python, Path(c.env["LLM_STACK_VALUES"]), work, root) for c in stacks
            ]

        # One synth of each case first: it gives the object counts the floors must match.
        for case in [*stacks, *bases]:
            measure(case.argv, case.env, args.interval / 1000)
            case.objects = count_objects(case.outdir)
        identical = {
            b.name: same_output(b.outdir, next(c for c in stacks if c.name + BASE == b.name).outdir) for b in bases
        }
        floors = {
            count: floor_case(count, args.python, work) for count in sorted({c.objects for c in [*stacks, *bases]})
        }
        # A case and its baseline run back to back, so that their per-round ratio is a paired measure.
        paired = [c for case in stacks for c in [case, *(b for b in bases if b.name == case.name + BASE)]]
        everything = [*paired, *floors.values()]
        for _ in range(max(0, args.warmup - 1)):
            run_round(everything, args.interval / 1000, record=False)
        for floor in floors.values():  # the floors' warm-up
            measure(floor.argv, floor.env, args.interval / 1000)
            floor.objects = count_objects(floor.outdir)
            assert floor.objects == int(floor.name.split("-")[1]), floor.name
        for i in range(args.runs):
            print(f"round {i + 1}/{args.runs} ...", file=sys.stderr)
            run_round(everything, args.interval / 1000, record=True)
        info["loadavg after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    print(
        f"nproc {info['nproc']} | {info['cpu']} | Python {info['python']} | bytecode {info['bytecode']} | "
        f"load avg before {info['loadavg']}, after {info['loadavg after']}"
    )
    print(f"{args.runs} runs per case (medians; 'min s' is the fastest run); cpu = user+sys of all processes\n")
    if bases:
        print(
            f"baseline: {args.baseline} ({BASE}); same output bytes as this checkout: "
            + ", ".join(f"{name.removesuffix(BASE)} {'yes' if same else 'NO'}" for name, same in identical.items())
            + "\n"
        )
    for line in report(stacks, floors, fleet_sizes, bases):
        print(line)
    if args.json:
        raw = {
            "machine": info,
            "cases": {
                c.name: {"objects": c.objects, "runs": [vars(r) for r in c.runs]} for c in [*stacks, *floors.values()]
            },
        }
        args.json.write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
