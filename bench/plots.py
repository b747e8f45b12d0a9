"""Latency distributions as PNG files (matplotlib's Agg backend: no screen needed): one empirical
CDF per scenario, each series a system or topology, so a tail shows as what it is rather than as
one p99 figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # after choosing the backend

DEFAULT_DIR = Path("docs/bench")


def cdf_png(path: Path, title: str, series: Mapping[str, Sequence[float]], xlabel: str = "ms") -> Path | None:
    """Write the CDF of each non-empty series (values in ms) to `path`; None when all are empty."""
    drawn = {label: sorted(values) for label, values in series.items() if values}
    if not drawn:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
    try:
        for label, values in drawn.items():
            # From 0 at the smallest sample, up 1/n at each: the empirical CDF.
            fractions = [i / len(values) for i in range(len(values) + 1)]
            axes.step([values[0], *values], fractions, where="post", label=f"{label} (n={len(values)})")
        low, high = min(v[0] for v in drawn.values()), max(v[-1] for v in drawn.values())
        if low > 0 and high > 20 * low:  # a tail or a peer an order of magnitude away
            axes.set_xscale("log")
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.set_ylabel("fraction of samples ≤ x")
        axes.set_ylim(0, 1.02)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(loc="lower right", fontsize="small")
        figure.tight_layout()
        figure.savefig(path)
    finally:
        plt.close(figure)
    return path
