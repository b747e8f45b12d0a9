"""One timer for every open stream's keep-alive pings, and the stopping signal.

Why not a task (or a timer) per stream, as sse-starlette has: with ten thousand idle streams those
are ten thousand tasks whose only work is one comment every 15 s. Here each open stream is a `Line`
(two flags and the wake-up its fan-out subscriber waits on) in one of `SLOTS` buckets; one task
walks the buckets, a bucket per `ping_seconds / SLOTS`, and pokes each line in it: the stream's
own request task wakes up, writes its ping and waits again. A stream is pinged every `ping_seconds`
(its first within that after it opens), and the pokes are spread over the period instead of
waking every stream in one loop iteration.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars

SLOTS = 16
_SHORTEST_TICK = 0.005
"""A tiny ping period must not turn the wheel into a busy loop."""


class Wake:
    """asyncio.Event's set / clear / wait for one waiter, without its deque of waiters (most of
    an Event's size, and a held stream had three): a future exists only while someone waits."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[None] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> None:
        if self._set:
            return
        self._waiter = waiter = asyncio.get_running_loop().create_future()
        try:
            await waiter
        finally:
            if self._waiter is waiter:
                self._waiter = None


class Line:
    """One open stream's out-of-band signals, set by others and acted on by the stream itself."""

    __slots__ = ("gone", "ping_due", "wake")

    def __init__(self) -> None:
        self.wake = Wake()
        """What the stream waits on between events (shared with its fan-out subscriber)."""
        self.ping_due = False
        self.gone = False
        """The client disconnected."""

    def poke(self) -> None:
        self.wake.set()


class PingWheel:
    def __init__(self, ping_seconds: float) -> None:
        self.ping_seconds = ping_seconds
        self._slots: list[set[Line]] = [set() for _ in range(SLOTS)]
        self._hand = 0
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return sum(len(slot) for slot in self._slots)

    def add(self, line: Line) -> None:
        # Just behind the hand: pinged after a whole period, not at the next tick.
        self._slots[(self._hand - 1) % SLOTS].add(line)
        if self._task is None:
            # A context of its own: not the first stream's request (its log fields, its span).
            self._task = asyncio.create_task(
                self._turn(), name="sse-ping-wheel", context=contextvars.Context()
            )

    def remove(self, line: Line) -> None:
        for slot in self._slots:
            slot.discard(line)

    def wake_all(self) -> None:
        """Every stream looks at its signals now (the process is stopping)."""
        for slot in self._slots:
            for line in slot:
                line.poke()

    async def _turn(self) -> None:
        tick = max(self.ping_seconds / SLOTS, _SHORTEST_TICK)
        try:
            while any(self._slots):
                await asyncio.sleep(tick)
                self._hand = (self._hand + 1) % SLOTS
                for line in self._slots[self._hand]:
                    line.ping_due = True
                    line.poke()
        finally:
            self._task = None

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
