"""Sessions streaming long turns while the cancels are timed; their SSE streams are read here."""

from __future__ import annotations

import asyncio
import time

from bench.cancels import CancelRun, concurrent_cancels, start_running_turn
from bench.client import ClientPool, Subscription


class BackgroundLoad:
    """Each stream on a small client of its own (see ClientPool); the cancels on another."""

    def __init__(self, base_urls: list[str], agent: str, text: str) -> None:
        self.base_urls = base_urls
        self.streams: ClientPool | None = None
        self.requests: ClientPool | None = None
        self.agent = agent
        self.text = text
        self.subscriptions: list[Subscription] = []
        self._mark: tuple[float, int] = (0.0, 0)

    async def start(self, sessions: int) -> None:
        self.streams, self.requests = ClientPool(sessions), ClientPool(sessions)
        started = await asyncio.gather(
            *(
                start_running_turn(self.streams.api(i, self.base_urls), self.agent, self.text)
                for i in range(sessions)
            ),
            return_exceptions=True,
        )
        self.subscriptions = [s for s in started if isinstance(s, Subscription)]
        failures = [s for s in started if isinstance(s, BaseException)]
        if failures:
            raise RuntimeError(f"{len(failures)} background turns failed to start: {failures[0]!r}")

    def deltas(self) -> int:
        return sum(s.deltas for s in self.subscriptions)

    def ended(self) -> int:
        """Streams that ended before being cancelled (should stay 0)."""
        return sum(1 for s in self.subscriptions if s.ended.is_set())

    def mark(self) -> None:
        self._mark = (time.perf_counter(), self.deltas())

    def delta_rate(self) -> float:
        """Deltas per second received over all streams since `mark()`."""
        since, count = self._mark
        return (self.deltas() - count) / max(1e-9, time.perf_counter() - since)

    async def cancel_all(self) -> CancelRun:
        assert self.requests is not None, "start() first"
        apis = [self.requests.api(i, self.base_urls) for i in range(len(self.subscriptions))]
        return await concurrent_cancels(apis, self.subscriptions)

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.subscriptions))
        for pool in (self.streams, self.requests):
            if pool is not None:
                await pool.aclose()
