"""The store's clients across a failover, on their own (no scripts, so a cluster needs no slot-safe keys):
while the killed primary's replica is not yet promoted every command fails fast as a broken connection
(the API's 400 "store unavailable"), after it the same clients work again, and the cancel channel
resubscribes on the promoted node and hears what is published there."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from server.store import channels, keys
from server.store.deployments import Mode
from server.store.redis import Store
from testkit.deployments import Launched

TIMEOUT_SECONDS = 1.0
SLACK_SECONDS = 1.5

pytestmark = pytest.mark.parametrize(
    "redis_deployment",
    [pytest.param(Mode.SENTINEL, id="sentinel"), pytest.param(Mode.CLUSTER, id="cluster")],
    indirect=True,
    scope="module",
)


@pytest.fixture
async def store(redis_url: str, redis_deployment: Launched) -> AsyncIterator[Store]:
    opened = await Store.open(redis_url, "g", TIMEOUT_SECONDS)
    yield opened
    await opened.close()
    await asyncio.to_thread(redis_deployment.heal)


async def test_commands_fail_fast_in_the_gap_and_work_after_the_promotion(
    store: Store, redis_deployment: Launched
) -> None:
    # A key named as the channel is: the same slot, so a cluster's kill hits both.
    channel = key = keys.executor_cancel_channel("failover")
    await store.redis.set(key, "before")
    redis_deployment.kill_primary(key)
    killed_at = time.monotonic()

    failures: list[float] = []
    while True:
        # Keys of the other primaries too: a cluster in `fail` state answers CLUSTERDOWN for them.
        for other in ("a", "b", "c", "d"):
            try:
                await store.redis.get(other)
            except RedisError as exc:
                assert isinstance(exc, RedisConnectionError), repr(exc)
        started = time.monotonic()
        try:
            await store.redis.set(key, "after")
            break
        except RedisError as exc:
            assert isinstance(exc, RedisConnectionError), repr(exc)  # what store_errors makes a 400
            failures.append(time.monotonic() - started)
        assert time.monotonic() - killed_at < 30, "no replica was promoted"
        await asyncio.sleep(0.05)
    recovered = time.monotonic() - killed_at

    assert failures, "the kill did not reach the key's primary"
    assert max(failures) < TIMEOUT_SECONDS + SLACK_SECONDS, failures
    assert await store.redis.get(key) == "after"
    mode, slowest = redis_deployment.mode.value, max(failures)
    print(f"{mode}: {len(failures)} failed, slowest {slowest:.3f}s, ok after {recovered:.2f}s")

    heard: asyncio.Queue[str] = asyncio.Queue()

    async def listen(ready: asyncio.Event) -> None:
        async with channels.listen(store.zone, channel) as subscription:
            ready.set()
            while True:
                message = await subscription.get_message(timeout=1)
                if message is not None and message["type"] in channels.DELIVERED:
                    await heard.put(message["data"])

    ready = asyncio.Event()
    task = asyncio.create_task(listen(ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        assert await channels.publish(store.zone, channel, "u1 client-cancelled") == 1
        assert await asyncio.wait_for(heard.get(), 5) == "u1 client-cancelled"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
