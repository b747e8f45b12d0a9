"""server/streams/fanout.py against a real Redis: one blocking read feeds every subscriber of the
turns it watches (up to 256), each from its own position, without gap or duplicate; a slow one
catches up from the log; a stream whose log expired, or that resumes past the end, still ends."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from server import metrics
from server.config import Settings
from server.store import keys
from server.store.redis import Store, Zone, connect
from server.streams.fanout import Fanout
from testkit.redis_clients import TEST_REDIS_URL as REDIS_URL

WAIT = 20.0

SESSION = "01jc0000000000000000000000.g"
"""The session the test logs belong to: its id hash-tags their keys."""


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = Store(Zone("g", connect(REDIS_URL, 2.0), connect(REDIS_URL, 2.0, blocking=True)))
    if not await opened.ping():
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield opened
    await opened.close()


@pytest.fixture
def tenant() -> str:
    """A tenant of the test's own: its keys collide with nobody's and are deleted after."""
    return f"fanout-{secrets.token_hex(4)}"


@pytest.fixture
async def fanout(store: Store, tenant: str) -> AsyncIterator[Fanout]:
    fan = Fanout(
        store, Settings(stream_block_seconds=0.5, stream_read_grace_seconds=1, stream_buffer_events=8)
    )
    yield fan
    await fan.close()
    found = [key async for key in store.redis.scan_iter(f"ah:{tenant}:*")]
    if found:
        await store.redis.delete(*found)


async def append(redis: Redis, tenant: str, turn: str, first: int, last: int, *, done: bool = False) -> None:
    """Events `first`..`last` of the turn's log (the last one `turn.done` when `done`), in one step:
    the next read gets them all at once."""
    async with redis.pipeline(transaction=True) as pipe:
        for n in range(first, last + 1):
            kind = "turn.done" if done and n == last else "model.message.delta"
            event = json.dumps({"type": kind, "sequence_number": n})
            pipe.xadd(keys.turn_events(tenant, SESSION, turn), {"e": event}, id=keys.event_stream_id(n))
        await pipe.execute()


async def collect(events: AsyncIterator[dict[str, Any]]) -> list[int]:
    return [event["sequence_number"] async for event in events]


def blocking_reads() -> float:
    return metrics.SSE_REDIS_READS.labels("blocking")._value.get()


def reading(fanout: Fanout) -> set[str]:
    """The logs the fan-out's reads in flight name."""
    return {key for readers in fanout._readers.values() for r in readers for key in r._reading}


async def wait_for(condition: Any, seconds: float = WAIT) -> None:
    """Polls state the fan-out keeps without signalling it (gauges, its in-flight read)."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_200_subscribers_of_one_turn_cost_one_blocking_read_and_each_gets_every_event(
    store: Store, fanout: Fanout, tenant: str
) -> None:
    await append(store.redis, tenant, "t1", 1, 3)
    before = blocking_reads()
    # Each from its own position: replayed where it is behind, live after.
    readers = [
        asyncio.create_task(collect(fanout.follow(keys.turn_events(tenant, SESSION, "t1"), n % 4, 3)))
        for n in range(200)
    ]
    await wait_for(lambda: blocking_reads() == before + 1)
    await append(store.redis, tenant, "t1", 4, 30, done=True)
    results = await asyncio.wait_for(asyncio.gather(*readers), WAIT)
    for n, got in enumerate(results):
        assert got == list(range(n % 4 + 1, 31)), f"subscriber {n} got {got}"
    await wait_for(lambda: blocking_reads() == before)


async def test_one_read_serves_many_turns_and_a_newly_watched_turn_is_read_at_once(
    store: Store, tenant: str
) -> None:
    # A block far longer than the wait below: only the wake-up can make the read name b in time.
    fanout = Fanout(store, Settings(stream_block_seconds=30))
    try:
        first = asyncio.create_task(collect(fanout.follow(keys.turn_events(tenant, SESSION, "a"), 0, 0)))
        await wait_for(lambda: reading(fanout))
        before = blocking_reads()
        second = asyncio.create_task(collect(fanout.follow(keys.turn_events(tenant, SESSION, "b"), 0, 0)))
        await wait_for(lambda: keys.turn_events(tenant, SESSION, "b") in reading(fanout), 10)
        assert blocking_reads() == before  # still one read, now naming both
        await append(store.redis, tenant, "b", 1, 2, done=True)
        assert await asyncio.wait_for(second, WAIT) == [1, 2]
        await append(store.redis, tenant, "a", 1, 1, done=True)
        assert await asyncio.wait_for(first, WAIT) == [1]
    finally:
        await fanout.close()


async def test_a_slow_subscriber_catches_up_from_the_log_without_holding_the_others(
    store: Store, fanout: Fanout, tenant: str
) -> None:
    slow = fanout.follow(keys.turn_events(tenant, SESSION, "t"), 0, 0)
    await append(store.redis, tenant, "t", 1, 1)
    assert (await anext(slow))["sequence_number"] == 1  # joined the live feed, then stops reading
    fast = asyncio.create_task(collect(fanout.follow(keys.turn_events(tenant, SESSION, "t"), 0, 1)))
    # Far more than its buffer of 8 while it reads nothing.
    await append(store.redis, tenant, "t", 2, 100, done=True)
    assert await asyncio.wait_for(fast, WAIT) == list(range(1, 101))
    assert await asyncio.wait_for(collect(slow), WAIT) == list(range(2, 101))


async def test_a_resume_past_the_end_of_a_running_turn_ends_with_the_turn(
    store: Store, fanout: Fanout, tenant: str
) -> None:
    await append(store.redis, tenant, "t", 1, 3)
    past = asyncio.create_task(collect(fanout.follow(keys.turn_events(tenant, SESSION, "t"), 100, 3)))
    await asyncio.sleep(0.2)
    assert not past.done()
    await append(store.redis, tenant, "t", 4, 5, done=True)
    assert await asyncio.wait_for(past, WAIT) == []  # turn.done (5) is before its position


async def test_a_stream_whose_log_expired_ends(store: Store, fanout: Fanout, tenant: str) -> None:
    await append(store.redis, tenant, "t", 1, 2)
    stream = asyncio.create_task(collect(fanout.follow(keys.turn_events(tenant, SESSION, "t"), 0, 2)))
    await asyncio.sleep(0.2)
    await store.redis.delete(keys.turn_events(tenant, SESSION, "t"))
    assert await asyncio.wait_for(stream, WAIT) == [1, 2]


async def test_a_finished_turn_is_replayed_from_its_log_alone(
    store: Store, fanout: Fanout, tenant: str
) -> None:
    await append(store.redis, tenant, "t", 1, 600, done=True)
    before = blocking_reads()
    assert await collect(fanout.replay(keys.turn_events(tenant, SESSION, "t"), 10)) == list(range(11, 601))
    assert blocking_reads() == before and not fanout._readers


async def test_a_resume_past_the_end_that_falls_behind_still_ends_with_the_turn(
    store: Store, fanout: Fanout, tenant: str
) -> None:
    await append(store.redis, tenant, "t", 1, 3)
    past = asyncio.create_task(collect(fanout.follow(keys.turn_events(tenant, SESSION, "t"), 1000, 3)))
    await wait_for(lambda: keys.turn_events(tenant, SESSION, "t") in reading(fanout))
    # More than its buffer of 8 at once: it re-joins, and must re-join inside the log.
    await append(store.redis, tenant, "t", 4, 50, done=True)
    assert await asyncio.wait_for(past, WAIT) == []
