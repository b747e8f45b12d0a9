"""server/executor/loop.py: a terminal-state write runs to its end whatever cancels its task."""

from __future__ import annotations

import asyncio

from server.executor.loop import _to_the_end


async def test_a_cancel_during_the_write_waits_for_it_and_is_then_dropped() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    written: list[str] = []

    async def write() -> bool:
        started.set()
        await release.wait()
        written.append("state")
        return True

    async def turn() -> bool:
        return await _to_the_end(write())

    task = asyncio.create_task(turn())
    await started.wait()
    task.cancel("abandoned")  # the shutdown abandoning what still runs
    task.cancel("abandoned")  # and a second signal
    await asyncio.sleep(0.01)
    assert not task.done()
    release.set()
    assert await task is True
    assert written == ["state"]
    assert task.cancelling() == 0


async def test_without_a_cancel_it_is_the_write_itself() -> None:
    async def write() -> int:
        return 7

    assert await _to_the_end(write()) == 7
