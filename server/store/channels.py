"""The executors' cancel channels over each deployment: subscribe, publish, count listeners.

One Redis (or behind sentinels, the primary): ordinary SUBSCRIBE / PUBLISH / PUBSUB NUMSUB on the
zone's clients. A cluster: sharded pub/sub (SSUBSCRIBE / SPUBLISH / PUBSUB SHARDNUMSUB, Redis 7 and
Valkey) on the primary that owns the channel's slot, so a cancel costs one node, not a broadcast over
the cluster bus, and the receiver count a cancel relies on ("nobody heard it: the executor is dead")
counts every listener. Before Redis 7 a cluster gets ordinary pub/sub, pinned to that same node for
both the subscriber and the publisher so the counts stay exact.

A cluster's subscription ends when its node dies (the connection breaks) or loses the slot (Redis
sends `sunsubscribe`): both raise a broken connection here, and the executor resubscribes on the
primary the refreshed slot map names.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterNode
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import SlotNotCoveredError

from server.store.deployments import BoundedCluster
from server.store.redis import Zone

DELIVERED = ("message", "smessage")
"""The message types that carry a published payload (ordinary, sharded)."""
_PUBSUB_TYPES = {*DELIVERED, "pong", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe"}


def _cluster(client: Redis) -> BoundedCluster | None:
    return client if isinstance(client, BoundedCluster) else None


async def _sharded(zone: Zone, cluster: BoundedCluster) -> bool:
    """Whether the cluster has sharded pub/sub (Redis >= 7); asked once per zone."""
    if zone.sharded_pubsub is None:
        node = cluster.get_default_node()
        info = await cluster.info("server", target_nodes=node)
        version = str(info.get("redis_version", "0"))
        zone.sharded_pubsub = int(version.split(".")[0]) >= 7
    return zone.sharded_pubsub


async def _owner(cluster: BoundedCluster, channel: str, *, refresh: bool = False) -> ClusterNode:
    if refresh:  # after a failover the cached map still names the dead primary
        await cluster.refresh_slots()
    else:
        await cluster.initialize()
    try:
        node = cluster.get_node_from_key(channel)
    except SlotNotCoveredError as exc:  # mid-failover: as if the node were down
        raise RedisConnectionError(str(exc)) from exc
    assert node is not None
    return node


class Subscription:
    """A confirmed subscription: from its first `get_message` on, a publish to the channel reaches it."""

    def __init__(self, pubsub: PubSub, sharded: bool) -> None:
        self._pubsub = pubsub
        self._sharded = sharded

    async def get_message(self, timeout: float) -> dict[str, Any] | None:  # noqa: ASYNC109
        """The next message (a payload, a confirmation, a PING's `pong`), None after `timeout`."""
        message = cast(dict[str, Any] | None, await self._pubsub.get_message(timeout=timeout))
        if message is None:
            return None
        if message["type"] in ("sunsubscribe", "unsubscribe"):
            # Nobody here unsubscribes: the node gave the channel's slot away (or was demoted).
            raise RedisConnectionError("the cancel channel's node dropped the subscription")
        if message["type"] not in _PUBSUB_TYPES:
            # Redis 7.0 answers a PING after SSUBSCRIBE with a plain reply, not the subscribed
            # ["pong", ...] that redis-py recognises, so redis-py reads its letters as a message.
            return {"type": "pong", "channel": None, "pattern": None, "data": None}
        return message

    async def ping(self, message: str) -> None:
        await self._pubsub.ping(message)


@asynccontextmanager
async def listen(zone: Zone, channel: str) -> AsyncIterator[Subscription]:
    """Subscribe to `channel` and wait for the confirmation, all within the zone's bound."""
    cluster = _cluster(zone.blocking)
    node_client: Redis | None = None
    if cluster is None:
        pubsub, sharded = zone.blocking.pubsub(), False
    else:
        async with zone.bound(what="the cancel channel's node"):
            sharded = await _sharded(zone, cluster)
            node = await _owner(cluster, channel, refresh=True)
        pool = ConnectionPool(
            connection_class=node.connection_class, max_connections=1, **node.connection_kwargs
        )
        node_client = Redis.from_pool(pool)
        pubsub = node_client.pubsub()
    try:
        async with pubsub:
            async with zone.bound(what="SUBSCRIBE"):
                await (pubsub.ssubscribe if sharded else pubsub.subscribe)(channel)
                while (await pubsub.get_message(timeout=zone.timeout)) is None:
                    pass  # the confirmation
            yield Subscription(pubsub, sharded)
    finally:
        if node_client is not None:
            await node_client.aclose()


async def publish(zone: Zone, channel: str, message: str) -> int:
    """Publish to the channel's listeners; how many heard it (0: nobody listens)."""
    cluster = _cluster(zone.redis)
    if cluster is None:
        return int(await zone.redis.publish(channel, message))
    if await _sharded(zone, cluster):
        return int(await cluster.execute_command("SPUBLISH", channel, message))
    node = await _owner(cluster, channel)
    return int(await cluster.execute_command("PUBLISH", channel, message, target_nodes=node))


async def listeners(zone: Zone, channels: list[str]) -> list[int]:
    """How many subscribers each channel has, in order."""
    if not channels:
        return []
    cluster = _cluster(zone.redis)
    if cluster is None:
        counts = await zone.redis.pubsub_numsub(*channels)
        return [int(n) for _, n in counts]
    command = "PUBSUB SHARDNUMSUB" if await _sharded(zone, cluster) else "PUBSUB NUMSUB"

    async def count(channel: str) -> int:
        node = await _owner(cluster, channel)
        reply = await cluster.execute_command(command, channel, target_nodes=node)
        return _count(reply, channel)

    # Each on the node that owns it, all at once: one round trip's time for a handful of executors.
    return list(await asyncio.gather(*(count(channel) for channel in channels)))


def _count(reply: Any, channel: str) -> int:
    """PUBSUB (SHARD)NUMSUB's reply, parsed ([(channel, n)]) or raw ([channel, n]), for one channel."""
    if isinstance(reply, dict):  # keyed by node when redis-py merges a reply
        reply = next(iter(reply.values()), [])
    if reply and not isinstance(reply[0], (list, tuple)):
        reply = list(zip(reply[::2], reply[1::2], strict=False))
    pairs = reply
    return int(dict(pairs).get(channel, 0))
