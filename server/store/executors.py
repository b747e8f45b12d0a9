"""The registry of live executors: each holds a lease it renews by heartbeat."""

from __future__ import annotations

import random
import time
from typing import cast

from redis.asyncio import Redis

from server.store import keys


def _now_ms() -> int:
    return int(time.time() * 1000)


async def heartbeat(redis: Redis, executor_id: str, ttl_seconds: float) -> None:
    await redis.zadd(keys.executors(), {executor_id: _now_ms() + int(ttl_seconds * 1000)})


async def deregister(redis: Redis, executor_id: str) -> None:
    await redis.zrem(keys.executors(), executor_id)


async def live(redis: Redis) -> list[str]:
    return cast(list[str], await redis.zrangebyscore(keys.executors(), _now_ms(), "+inf"))


async def pick(redis: Redis, local: str | None = None) -> str | None:
    """An executor for a new turn: this process's own when it runs one (alive by definition), else
    a live one at random."""
    if local is not None:
        return local
    alive = await live(redis)
    return random.choice(alive) if alive else None
