"""The cancel scenarios: sequential cancels on an idle deployment, under streaming load, and the load's own
mass cancel. Each runs with a CPU meter and this process's loop-lag probe."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench.background import BackgroundLoad
from bench.cancels import CancelRun, cancel_floor, sequential_cancels
from bench.config import SLOW_AGENT, STREAM_AGENT, CancelSizes
from bench.deployment import STREAM_PARAMS, Deployment
from bench.lag import LoopLag
from bench.stats import Summary

SLOW_TEXT = "bench " * 40
# One character per chunk: 10k deltas at 20 ms, longer than the loaded scenario lasts.
STREAM_TEXT = "streaming " * 1000
SETTLE_SECONDS = 2.0
MASS_CANCEL_NOTE = "includes bench-side time: a hundred requests sent and answered at once; see the loop lag"


@dataclass
class ScenarioResult:
    name: str
    run: CancelRun
    cpu: dict[str, float]
    lag: Summary
    notes: list[str] = field(default_factory=list)


async def measured(
    name: str, deployment: Deployment, body: Callable[[], Awaitable[CancelRun]]
) -> ScenarioResult:
    meter, lag = deployment.cpu_meter(), LoopLag()
    meter.start()
    lag.start()
    try:
        run = await body()
    finally:
        lag_summary = await lag.stop()
    deployment.check_alive()
    return ScenarioResult(name, run, meter.percent(), lag_summary)


async def _floor_note(deployment: Deployment, config: CancelSizes) -> str:
    floor = await cancel_floor(deployment.api, SLOW_AGENT, config.iterations)
    return (
        f"same endpoint with nothing running (no executor involved): p50 {floor.p50:.1f} ms, "
        f"p99 {floor.p99:.1f} ms, max {floor.max:.1f} ms"
    )


async def idle_cancels(name: str, deployment: Deployment, config: CancelSizes) -> ScenarioResult:
    api = deployment.api
    await sequential_cancels(api, SLOW_AGENT, SLOW_TEXT, config.warmup)
    floor = await _floor_note(deployment, config)
    result = await measured(
        name, deployment, lambda: sequential_cancels(api, SLOW_AGENT, SLOW_TEXT, config.iterations)
    )
    result.notes.append(floor)
    return result


def _load_note(load: BackgroundLoad, sessions: int) -> str:
    nominal = sessions * 1000 / STREAM_PARAMS[1]
    return (
        f"background: {load.delta_rate():.0f} deltas/s received over {len(load.subscriptions)} streams "
        f"(nominal {nominal:.0f}/s); {load.ended()} ended before their cancel"
    )


async def loaded_cancels(name: str, deployment: Deployment, config: CancelSizes) -> list[ScenarioResult]:
    """Cancels while `background_sessions` turns stream; then the background turns cancelled at once."""
    api, sessions = deployment.api, config.background
    load = BackgroundLoad(deployment.base_urls, STREAM_AGENT, STREAM_TEXT)
    try:
        await load.start(sessions)
        await asyncio.sleep(SETTLE_SECONDS)
        await sequential_cancels(api, SLOW_AGENT, SLOW_TEXT, config.warmup)
        floor = await _floor_note(deployment, config)
        load.mark()
        loaded = await measured(
            name, deployment, lambda: sequential_cancels(api, SLOW_AGENT, SLOW_TEXT, config.iterations)
        )
        loaded.notes += [floor, _load_note(load, sessions)]
        mass = await measured(f"  then its {sessions} streams cancelled at once", deployment, load.cancel_all)
        mass.notes.append(MASS_CANCEL_NOTE)
    finally:
        await load.close()
    return [loaded, mass]
