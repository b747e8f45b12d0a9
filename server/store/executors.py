"""Executor liveness, turn leases, inboxes and cancel channels, judged by Redis's clock (keys.py, lua.py)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from redis.exceptions import ResponseError

from server.store import channels, keys, lua
from server.store.redis import Store
from server.store.topology import single_node

_SCAN_LIMIT = 256
# How many heartbeat periods may pass before an executor stops being preferred for new turns: a
# frozen process still listens on its channel, so a late heartbeat is the first sign of it.
_RECENT_HEARTBEATS = 3


async def heartbeat(
    store: Store,
    executor_id: str,
    ttl_seconds: float,
    running: list[str],
    inbox_retention_seconds: int,
    *,
    listening: bool = True,
) -> set[str]:
    """One round trip (on a cluster, one per node): liveness (registered only while `listening` on
    its cancel channel), the inbox's expiry pushed back (a dead
    executor's inbox expires a while after its last heartbeat, but a restart under the same id
    within that time still finds its entries), and for each running turn (its lease member) the
    lease renewed on the turn and its hint moved in its shard. Returns the members renewed: a lease
    missing from it is gone (finalised, or lapsed and left to the reapers), and its turn is no longer
    this executor's to run."""
    ttl_ms = int(ttl_seconds * 1000)

    def build(batch: lua.Batch) -> None:
        batch.script(
            lua.Liveness(
                executors=keys.executors(),
                draining=keys.executor_draining(executor_id),
                executor=executor_id,
                ttl_ms=ttl_ms,
                listening="1" if listening else "0",
            )
        )
        batch.pipe.expire(keys.executor_inbox(executor_id), inbox_retention_seconds)
        for member in running:
            tenant, session_id, turn_id = keys.parse_lease_member(member)
            turn = keys.turn(tenant, session_id, turn_id)
            batch.script(lua.RenewLease(turn=turn, executor=executor_id, ttl_ms=ttl_ms))
            index = keys.lease_index_of(session_id)
            batch.script(lua.LeaseHint(index=index, member=member, ms=ttl_ms, existing_only="1"))

    replies = await store.scripts.pipelined(build)
    renewals = replies[2::2]
    return {member for member, renewed in zip(running, renewals, strict=True) if renewed}


def lease_member(tenant: str, session_id: str, turn_id: str) -> str:
    return keys.lease_member(tenant, session_id, turn_id)


async def begin_drain(store: Store, executor_id: str, ttl_seconds: float) -> None:
    """Stop being picked for new turns, in one step on the liveness slot: unregister, and mark the
    executor draining so that no heartbeat registers it again. (A replica that picked it a moment
    before may still deliver a turn: the draining executor runs what reaches its inbox until its
    final read, and a turn delivered later lapses and is finalised by a reaper.)"""
    async with store.redis.pipeline(transaction=True) as pipe:
        pipe.set(keys.executor_draining(executor_id), "1", px=int(ttl_seconds * 1000))
        pipe.zrem(keys.executors(), executor_id)
        await pipe.execute()


async def end_drain(store: Store, executor_id: str) -> None:
    await store.redis.delete(keys.executor_draining(executor_id))


async def unregister(store: Store, executor_id: str) -> None:
    await store.redis.zrem(keys.executors(), executor_id)


async def lapsed_leases(store: Store) -> list[tuple[str, str, str]]:
    """(tenant, session id, turn id) of turns whose lease hint has lapsed, from every shard in one
    round trip (on a cluster, one per node): their executor may have stopped renewing their lease.
    The hint is only a hint: the reaper's FINISH_TURN re-checks the turn's own lease."""

    def build(batch: lua.Batch) -> None:
        for shard in range(keys.LEASE_SHARDS):
            batch.script(lua.ByClock(index=keys.lease_index(shard), limit=_SCAN_LIMIT))

    shards = cast(list[list[str]], await store.scripts.pipelined(build))
    return [keys.parse_lease_member(m) for members in shards for m in members]


async def candidates(
    store: Store, ttl_seconds: float, heartbeat_seconds: float
) -> tuple[list[str], list[str]]:
    """Live executors listening for cancels: (those that heartbeat recently, the others)."""
    prefix, suffix = keys.EXECUTOR_CANCEL_CHANNEL
    recent_ms = int((ttl_seconds - min(ttl_seconds, _RECENT_HEARTBEATS * heartbeat_seconds)) * 1000)
    recent, other = await store.scripts.run(
        lua.Candidates(
            executors=keys.executors(),
            limit=_SCAN_LIMIT,
            channel_prefix=prefix,
            channel_suffix=suffix,
            recent_ms=recent_ms,
            check_listeners="1" if single_node(store) else "0",
        )
    )
    return recent, other


async def pick(
    store: Store, *, ttl_seconds: float, heartbeat_seconds: float, local: str | None = None
) -> str | None:
    """An executor for a new turn: this process's own when it runs one (alive by definition), else
    one at random among those that listen (turns are short-lived and similar, so random spreads
    them evenly enough), preferring those whose heartbeat is recent."""
    if local is not None:
        return local
    recent, other = await candidates(store, ttl_seconds, heartbeat_seconds)
    if single_node(store):  # CANDIDATES kept only those that listen (PUBSUB NUMSUB in the script)
        pool = recent or other
        return random.choice(pool) if pool else None
    # A cluster's channels are sharded on other nodes than the liveness zset, so the script could
    # not count listeners: ask each candidate's node, in the same preference order. A killed
    # executor's subscription ends with its connection, its liveness entry only a TTL later.
    for pool in (recent, other):
        for executor_id in random.sample(pool, len(pool)):
            (heard,) = await channels.listeners(store.zone, [keys.executor_cancel_channel(executor_id)])
            if heard:
                return executor_id
    return None


async def live_count(store: Store) -> int:
    """Executors whose registration has not lapsed, by Redis's clock (draining ones are unregistered)."""
    seconds, micros = await store.redis.time()
    now_ms = seconds * 1000 + micros // 1000
    return int(await store.redis.zcount(keys.executors(), f"({now_ms}", "+inf"))


# The inbox: a stream read through a consumer group, an entry pending until its turn is terminal.


@dataclass(frozen=True)
class Assignment:
    """One inbox entry: a turn given to this executor."""

    entry_id: str
    tenant: str
    session_id: str
    turn_id: str


class InboxGone(ResponseError):
    """The inbox or its consumer group is gone (a flushed or restarted Redis): recreate the group."""


async def ensure_inbox(store: Store, executor_id: str) -> None:
    """The executor's inbox and consumer group (idempotent)."""
    try:
        await store.redis.xgroup_create(
            keys.executor_inbox(executor_id), keys.EXECUTOR_GROUP, id="0", mkstream=True
        )
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_inbox(store: Store, executor_id: str, *, new: bool, block_ms: int | None) -> list[Assignment]:
    """New entries (`new`, waiting up to `block_ms`), or those this consumer already holds."""
    start = ">" if new else "0"
    try:
        async with store.zone.bound(block_ms or 0, "XREADGROUP"):
            reply = await store.blocking.xreadgroup(
                keys.EXECUTOR_GROUP,
                executor_id,
                {keys.executor_inbox(executor_id): start},
                count=64,
                block=block_ms,
            )
    except ResponseError as exc:
        raise InboxGone(str(exc)) from exc
    streams = cast(list[tuple[str, list[tuple[str, dict[str, str] | None]]]], reply or [])
    # A pending entry deleted meanwhile comes back with no fields: nothing to run.
    return [
        Assignment(entry_id, fields["tenant"], fields["session"], fields["turn"])
        for _, entries in streams
        for entry_id, fields in entries
        if fields
    ]


async def ack(store: Store, executor_id: str, entry_id: str) -> None:
    """The entry's turn is over: out of the pending list and the stream."""
    inbox = keys.executor_inbox(executor_id)
    async with store.redis.pipeline(transaction=True) as pipe:
        pipe.xack(inbox, keys.EXECUTOR_GROUP, entry_id)
        pipe.xdel(inbox, entry_id)
        await pipe.execute()


# The cancel channel: pub/sub, so its messages are pushed the moment REQUEST_CANCEL publishes.


class CancelChannel:
    """This executor's subscription to its cancel channel (sharded on a cluster: store/channels.py)."""

    def __init__(self, subscription: channels.Subscription) -> None:
        self._subscription = subscription

    async def next_message(self, wait_seconds: float) -> dict[str, Any] | None:
        return await self._subscription.get_message(wait_seconds)

    async def ping(self, message: str) -> None:
        await self._subscription.ping(message)


DELIVERED = channels.DELIVERED
"""The message types of `next_message` that carry a cancel (`<turn id> <reason>`)."""


@asynccontextmanager
async def cancel_channel(store: Store, executor_id: str) -> AsyncIterator[CancelChannel]:
    """Subscribe (bounded by the Redis timeout, confirmation included): from the moment this yields, a
    publish to the executor's channel reaches the subscriber."""
    async with channels.listen(store.zone, keys.executor_cancel_channel(executor_id)) as subscription:
        yield CancelChannel(subscription)
