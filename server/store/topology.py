"""What the zone's Redis deployment allows: whether one connection reaches every key, in order."""

from __future__ import annotations

from redis.asyncio.cluster import RedisCluster

from server.store.redis import Store


def single_node(store: Store) -> bool:
    """True for a standalone (or Sentinel-managed) primary: commands on different slots can share
    one pipeline, executed in the order sent, and PUBSUB NUMSUB sees every subscriber. On a cluster
    a pipeline is split by node (no order between nodes) and NUMSUB sees one node's."""
    return not isinstance(store.redis, RedisCluster)
