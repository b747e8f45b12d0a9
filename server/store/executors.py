"""Executor liveness and turn leases, judged by Redis's clock (see keys.py and lua.py)."""

from __future__ import annotations

import random
from typing import cast

from redis.asyncio import Redis

from server.store import keys
from server.store.lua import Scripts

_SCAN_LIMIT = 256
# How many heartbeat periods may pass before an executor stops being preferred for new turns: a
# frozen process still listens on its channel, so a late heartbeat is the first sign of it.
_RECENT_HEARTBEATS = 3


async def heartbeat(
    scripts: Scripts, executor_id: str, ttl_seconds: float, running: list[str], inbox_retention_seconds: int
) -> set[str]:
    """Mark the executor alive, extend the leases (members) of the turns it runs and push back its
    inbox's expiry. Returns the members extended: a lease missing from it is gone (finalised, or
    lapsed and left to the reapers), and its turn is no longer this executor's to run."""
    renewed = await scripts.heartbeat(
        keys=[
            keys.executors(),
            keys.leases(),
            keys.executor_draining(executor_id),
            keys.executor_inbox(executor_id),
        ],
        args=[executor_id, int(ttl_seconds * 1000), inbox_retention_seconds, *running],
    )
    return set(cast(list[str], renewed))


async def begin_drain(redis: Redis, executor_id: str, ttl_seconds: float) -> None:
    """Stop being picked for new turns, in one step: unregister, and mark the executor draining so
    that neither START_TURN (a replica that picked it a moment ago) nor HEARTBEAT brings it back."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(keys.executor_draining(executor_id), "1", px=int(ttl_seconds * 1000))
        pipe.zrem(keys.executors(), executor_id)
        await pipe.execute()


async def end_drain(redis: Redis, executor_id: str) -> None:
    await redis.delete(keys.executor_draining(executor_id))


async def lapsed_leases(scripts: Scripts) -> list[tuple[str, str]]:
    """(tenant, turn id) of running turns whose executor stopped renewing their lease."""
    members = cast(list[str], await scripts.by_clock(keys=[keys.leases()], args=[_SCAN_LIMIT]))
    return [keys.parse_lease_member(m) for m in members]


async def candidates(
    scripts: Scripts, ttl_seconds: float, heartbeat_seconds: float
) -> tuple[list[str], list[str]]:
    """Live executors listening for cancels: (those that heartbeat recently, the others)."""
    prefix, suffix = keys.EXECUTOR_CANCEL_CHANNEL
    recent_ms = int((ttl_seconds - min(ttl_seconds, _RECENT_HEARTBEATS * heartbeat_seconds)) * 1000)
    recent, other = cast(
        list[list[str]],
        await scripts.candidates(keys=[keys.executors()], args=[_SCAN_LIMIT, prefix, suffix, recent_ms]),
    )
    return recent, other


async def pick(
    scripts: Scripts, *, ttl_seconds: float, heartbeat_seconds: float, local: str | None = None
) -> str | None:
    """An executor for a new turn: this process's own when it runs one (alive by definition), else
    one at random among those that listen (turns are short-lived and similar, so random spreads
    them evenly enough), preferring those whose heartbeat is recent."""
    if local is not None:
        return local
    recent, other = await candidates(scripts, ttl_seconds, heartbeat_seconds)
    pool = recent or other
    return random.choice(pool) if pool else None


async def live_count(redis: Redis) -> int:
    """Executors whose registration has not lapsed, by Redis's clock (draining ones are unregistered)."""
    seconds, micros = await redis.time()
    now_ms = seconds * 1000 + micros // 1000
    return int(await redis.zcount(keys.executors(), f"({now_ms}", "+inf"))
