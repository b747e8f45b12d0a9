"""server/sse.py `until`: a stream ends between two items when the process stops, never inside one,
and the source is closed (its pending read interrupted) either way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from server.sse import until


class Source:
    def __init__(self, ready: int) -> None:
        self.ready = ready
        self.closed = False

    async def items(self) -> AsyncIterator[int]:
        try:
            for i in range(self.ready):
                yield i
            await asyncio.sleep(3600)  # an idle XREAD BLOCK
            yield -1
        finally:
            self.closed = True


async def test_ends_when_stop_is_set_while_waiting_for_the_next_item() -> None:
    source, stop = Source(ready=2), asyncio.Event()
    received: list[int] = []

    async def consume() -> None:
        async for item in until(source.items(), stop):
            received.append(item)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    assert received == [0, 1] and not task.done()
    stop.set()
    await asyncio.wait_for(task, 1)
    assert received == [0, 1] and source.closed


async def test_stop_already_set_gives_nothing_unless_the_first_item_is_kept() -> None:
    stop = asyncio.Event()
    stop.set()
    assert [i async for i in until(Source(ready=3).items(), stop)] == []
    kept = Source(ready=3)
    assert [i async for i in until(kept.items(), stop, keep_first=True)] == [0]
    assert kept.closed


async def test_a_finite_source_is_passed_through_whole() -> None:
    async def three() -> AsyncIterator[int]:
        for i in range(3):
            yield i

    assert [i async for i in until(three(), asyncio.Event())] == [0, 1, 2]


async def test_a_consumer_that_stops_early_closes_the_source() -> None:
    source = Source(ready=5)
    stream = until(source.items(), asyncio.Event())
    assert await anext(stream) == 0
    await stream.aclose()  # type: ignore[attr-defined]
    assert source.closed
