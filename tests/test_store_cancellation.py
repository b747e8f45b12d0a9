"""A cancel that lands as a Redis write finishes is kept (server/store/redis.py patches redis-py's
wait_for on Python 3.11, whose own loses it: CPython gh-86296)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import connection as redis_connection

import server.store.redis  # noqa: F401  (applies the patch)


async def _cancelled_as_it_completes(wait_for: Callable[[Awaitable[Any], float], Awaitable[Any]]) -> bool:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def write() -> None:
        await wait_for(done, 5)

    task = asyncio.ensure_future(write())
    await asyncio.sleep(0)  # the write waits
    done.set_result(None)  # the socket write finishes...
    task.cancel()  # ...as the turn's cancel arrives
    try:
        await task
    except asyncio.CancelledError:
        return True
    return False


async def test_redis_writes_keep_a_cancel_that_lands_as_they_finish() -> None:
    assert await _cancelled_as_it_completes(redis_connection.asyncio.wait_for)


async def test_the_stdlib_wait_for_this_guards_against_drops_it() -> None:
    import sys

    if sys.version_info >= (3, 12):
        pytest.skip("fixed in CPython 3.12: nothing to guard against")
    assert not await _cancelled_as_it_completes(asyncio.wait_for)
