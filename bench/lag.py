"""How late this process's event loop runs: the load generator's own share of any figure."""

from __future__ import annotations

import asyncio
import contextlib
import time

from bench.stats import Summary

_TICK = 0.01


class LoopLag:
    def __init__(self) -> None:
        self._lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(_TICK)
            self._lags.append(max(0.0, time.perf_counter() - start - _TICK))

    def start(self) -> None:
        self._lags.clear()
        self._task = asyncio.create_task(self._tick(), name="loop-lag")

    async def stop(self) -> Summary:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return Summary.of(self._lags)
