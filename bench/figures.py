"""What a load scenario reports: named figures for the table, and the detail needed to read them
(CPU use per process, the load generator's own event-loop lag, notes)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from bench.deployment import Deployment
from bench.lag import LoopLag
from bench.stats import Summary

T = TypeVar("T")
Kind = Literal["ms", "rate", "bytes", "count"]


@dataclass(frozen=True)
class Figure:
    key: str
    """Stable across topologies: rows of the comparison table are matched by it."""
    label: str
    value: float
    kind: Kind

    def formatted(self) -> str:
        value = self.value
        if math.isnan(value):
            return "n/a"
        if self.kind == "count" or abs(value) >= 100:
            return f"{value:,.0f}"
        if self.kind == "ms" or abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"


@dataclass
class Outcome:
    """One scenario on one topology."""

    scenario: str
    figures: list[Figure] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    lag: Summary | None = None
    notes: list[str] = field(default_factory=list)
    samples: dict[str, list[float]] = field(default_factory=dict)
    """Latency samples in ms by what they time, for the pictures (bench/plots.py)."""

    def add(self, key: str, label: str, value: float, kind: Kind) -> None:
        self.figures.append(Figure(key, label, value, kind))

    def add_latency(self, key: str, label: str, summary: Summary) -> None:
        """Two rows, p50 and p99, of a latency in milliseconds."""
        self.add(f"{key}.p50", f"{label} p50 (ms)", summary.p50, "ms")
        self.add(f"{key}.p99", f"{label} p99 (ms)", summary.p99, "ms")


async def metered(outcome: Outcome, deployment: Deployment, body: Callable[[], Awaitable[T]]) -> T:
    """Run `body` with the CPU meter and the loop-lag probe on; their readings go to `outcome`."""
    meter, lag = deployment.cpu_meter(), LoopLag()
    meter.start()
    lag.start()
    try:
        result = await body()
    finally:
        outcome.lag = await lag.stop()
        outcome.cpu = meter.percent()
    deployment.check_alive()
    return result


def median_rate(outcome: Outcome, what: str, rates: list[float]) -> float:
    """The median of the rounds' rates; every round's rate goes to the notes."""
    if len(rates) > 1:
        outcome.notes.append(f"{what} per round: " + ", ".join(f"{r:,.0f}" for r in rates))
    return statistics.median(rates) if rates else math.nan
