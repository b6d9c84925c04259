#!/usr/bin/env python3
"""Render the synthesized Grafana dashboard's panels to a PNG from a real Prometheus (no Grafana needed).

Reads the dashboard ConfigMap (label ``grafana_dashboard: "1"``) from a directory of synthesized manifests,
substitutes the template variables as Grafana would, runs every panel query as a range query and draws the
panels in the dashboard's layout. Panels whose series the Prometheus does not have (kube-state-metrics, the AI
gateway, on a laptop) say so instead of staying blank.

    python scripts/render_dashboard.py --manifests DIR --prometheus http://127.0.0.1:9090 \\
        --namespace kserve-inference --model tiny --minutes 10 --out docs/dashboard.png

The end-to-end test (tests/e2e/test_runtime.py) renders it from its Prometheus after the load.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))

from llm_inference_stack import grafana  # noqa: E402
from llm_stack_harness import base as hb  # noqa: E402

UNIT_SCALE = {"percentunit": (100.0, "%"), "s": (1.0, "s"), "reqps": (1.0, "req/s")}


def dashboard_model(manifests: Path) -> dict[str, Any]:
    """The one dashboard JSON model among the synthesized objects."""
    stack = hb.SynthesizedStack.from_dir(manifests)
    (model,) = stack.dashboard_models()
    return model


def render(
    model: Mapping[str, Any],
    *,
    prometheus_url: str,
    variables: Sequence[tuple[str, str]],
    start: float,
    end: float,
    out: Path,
    step_s: float = 5.0,
) -> Path:
    """Draw every time-series panel of ``model`` from ``prometheus_url`` over [start, end] into ``out`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [p for p in model["panels"] if p["type"] == "timeseries"]
    columns = grafana.GRID_WIDTH // grafana.PANEL_WIDTH
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(6.4 * columns, 2.6 * rows), squeeze=False)
    ordered = sorted(panels, key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    for index, ax in enumerate(axes.flat):
        if index >= len(ordered):
            ax.axis("off")
            continue
        panel = ordered[index]
        scale, suffix = UNIT_SCALE.get(panel["fieldConfig"]["defaults"].get("unit", ""), (1.0, ""))
        drawn = 0
        for target in panel["targets"]:
            query = grafana.substitute(target["expr"], variables)
            for series in hb.query_range(prometheus_url, query, start, end, step_s):
                times = [(float(t) - start) / 60 for t, _ in series["values"]]
                values = [float(v) * scale for _, v in series["values"]]
                label = target["legendFormat"]
                for key, value in series["metric"].items():
                    label = label.replace("{{" + key + "}}", value)
                ax.plot(times, values, label=label, linewidth=1.2)
                drawn += 1
        for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1:]:
            ax.axhline(step["value"] * scale, color=step["color"], linestyle="--", linewidth=0.8)
        ax.set_title(panel["title"], fontsize=9, loc="left")
        ax.set_xlabel("minutes", fontsize=7)
        ax.set_ylabel(suffix, fontsize=7)
        ax.tick_params(labelsize=7)
        if drawn:
            ax.legend(fontsize=6, loc="upper left")
        else:
            ax.text(0.5, 0.5, "no data from this Prometheus", ha="center", va="center", fontsize=8,
                    transform=ax.transAxes, color="grey")  # fmt: skip
    figure.suptitle(model["title"], fontsize=11)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=72)
    plt.close(figure)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", type=Path, default=ROOT / "dist", help="synthesized manifests (default: dist/)")
    parser.add_argument("--prometheus", required=True, help="Prometheus base URL, e.g. http://127.0.0.1:9090")
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--model", required=True, help="served model name")
    parser.add_argument("--minutes", type=float, default=15, help="time range ending now (default: 15)")
    parser.add_argument("--rate-interval", default="1m", help="Grafana's $__rate_interval (default: 1m)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    args = parser.parse_args(argv)
    end = time.time()
    variables = [("namespace", args.namespace), ("model", args.model), ("__rate_interval", args.rate_interval)]
    out = render(
        dashboard_model(args.manifests),
        prometheus_url=args.prometheus,
        variables=variables,
        start=end - args.minutes * 60,
        end=end,
        out=args.out,
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
