"""Executor liveness and turn leases, judged by Redis's clock (see keys.py and lua.py)."""

from __future__ import annotations

import random
from typing import cast

from redis.asyncio import Redis

from server.store import keys
from server.store.lua import Scripts

_SCAN_LIMIT = 256


async def heartbeat(scripts: Scripts, executor_id: str, ttl_seconds: float, running: list[str]) -> int:
    """Mark the executor alive and extend the leases (members) of the turns it runs."""
    renewed: int = await scripts.heartbeat(
        keys=[keys.executors(), keys.leases(), keys.executor_draining(executor_id)],
        args=[executor_id, int(ttl_seconds * 1000), *running],
    )
    return renewed


async def begin_drain(redis: Redis, executor_id: str, ttl_seconds: float) -> None:
    """Stop being picked for new turns, in one step: unregister, and mark the executor draining so
    that neither START_TURN (a replica that picked it a moment ago) nor HEARTBEAT brings it back."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(keys.executor_draining(executor_id), "1", px=int(ttl_seconds * 1000))
        pipe.zrem(keys.executors(), executor_id)
        await pipe.execute()


async def end_drain(redis: Redis, executor_id: str) -> None:
    await redis.delete(keys.executor_draining(executor_id))


async def live(scripts: Scripts) -> list[str]:
    return cast(list[str], await scripts.by_clock(keys=[keys.executors()], args=["live", _SCAN_LIMIT]))


async def lapsed_leases(scripts: Scripts) -> list[tuple[str, str]]:
    """(tenant, turn id) of running turns whose executor stopped renewing their lease."""
    members = cast(list[str], await scripts.by_clock(keys=[keys.leases()], args=["lapsed", _SCAN_LIMIT]))
    return [keys.parse_lease_member(m) for m in members]


async def pick(scripts: Scripts, local: str | None = None) -> str | None:
    """An executor for a new turn: this process's own when it runs one (alive by definition), else
    a live one at random (turns are short-lived and similar, so random spreads them evenly enough)."""
    if local is not None:
        return local
    alive = await live(scripts)
    return random.choice(alive) if alive else None
