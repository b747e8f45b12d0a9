"""Per-turn event logs on Redis Streams.

Each event is one stream entry whose id is `0-<sequence_number>`: the stream's own order is the
sequence, so a reader resumes after sequence N with an exclusive range from `0-N` and never sees a
gap, a duplicate or a reordering, whichever replica serves it.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from server.store import keys
from server.store.redis import StreamEntry, xrange


def decode(entries: list[StreamEntry]) -> list[dict[str, Any]]:
    return [json.loads(fields["e"]) for _, fields in entries]


async def read_all(redis: Redis, tenant: str, session_id: str, turn_id: str) -> list[dict[str, Any]]:
    return decode(await xrange(redis, keys.turn_events(tenant, session_id, turn_id)))


async def exists(redis: Redis, tenant: str, session_id: str, turn_id: str) -> bool:
    return bool(await redis.exists(keys.turn_events(tenant, session_id, turn_id)))


def sequence_of(entry_id: str) -> int:
    """The sequence number an entry id `0-<n>` stands for."""
    return int(entry_id.partition("-")[2])
