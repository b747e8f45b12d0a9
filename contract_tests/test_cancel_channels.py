"""The executors' cancel channels on each deployment (server/store/channels.py): a confirmed
subscription hears what is published, the publisher learns how many heard it (0 for a channel nobody
listens on: the sign of a dead executor), and a cluster uses sharded pub/sub on the channel's node."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from server.store import channels, keys
from server.store.redis import Store
from testkit.deployments import ClusterDeployment, Launched

# Plain pub/sub commands, no script: a cluster passes today.
pytestmark = pytest.mark.every_deployment


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(redis_url, "g", 2.0)
    yield opened
    await opened.close()


async def test_a_ping_on_the_subscription_answers_pong(store: Store) -> None:
    """How the executor tells a quiet channel from a dead link (worker._hear)."""
    async with channels.listen(store.zone, keys.executor_cancel_channel("chan3")) as subscription:
        await subscription.ping("probe")
        message = None
        for _ in range(5):
            if (message := await subscription.get_message(timeout=1)) is not None:
                break
        assert message is not None and message["type"] == "pong", message


async def test_a_published_cancel_reaches_the_one_listener_and_counts_it(
    store: Store, redis_deployment: Launched
) -> None:
    listening, silent = keys.executor_cancel_channel("chan1"), keys.executor_cancel_channel("chan2")
    heard: asyncio.Queue[str] = asyncio.Queue()

    async def listen(ready: asyncio.Event) -> None:
        async with channels.listen(store.zone, listening) as subscription:
            ready.set()
            while True:
                message = await subscription.get_message(timeout=1)
                if message is not None and message["type"] in channels.DELIVERED:
                    await heard.put(message["data"])

    ready = asyncio.Event()
    task = asyncio.create_task(listen(ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        assert await channels.listeners(store.zone, [listening, silent]) == [1, 0]

        assert await channels.publish(store.zone, listening, "u1 client-cancelled") == 1
        assert await asyncio.wait_for(heard.get(), 5) == "u1 client-cancelled"
        assert await channels.publish(store.zone, silent, "u2 client-cancelled") == 0
        if isinstance(redis_deployment, ClusterDeployment):
            # Redis 7: SSUBSCRIBE on the primary that owns the channel's slot, not a broadcast.
            assert store.zone.sharded_pubsub is True
            with redis_deployment.primary_for(listening).client() as client:
                assert client.execute_command("PUBSUB", "SHARDNUMSUB", listening) == [listening, 1]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
