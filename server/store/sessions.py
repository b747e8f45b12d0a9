"""Session records and their per-agent indexes: every Redis command the session domain needs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

from ulid import ULID

from generated.models import Session
from server.store import keys, lua
from server.store.records import (
    LISTED_SESSION_FIELDS,
    SessionRecord,
    listed_session,
    new_session_fields,
)
from server.store.redis import Store
from server.store.topology import single_node


def index(tenant: str, agent_name: str, owner: str | None) -> str:
    """The session index a listing reads: the agent's (admins), or one owner's."""
    return (
        keys.agent_sessions(tenant, agent_name)
        if owner is None
        else keys.agent_sessions_of(tenant, agent_name, owner)
    )


async def create(
    store: Store,
    tenant: str,
    *,
    doc: dict[str, Any],
    owner: str,
    manifest_json: str,
    now: str,
    retention_seconds: int,
) -> None:
    """Two steps (ARCHITECTURE.md, "Two-step writes"): the index entries (the tenant's slot), then the
    session hash (its own): a listing meeting an entry whose hash is not there yet skips it, and
    drops it only once it is older than a create can take (`CREATE_GRACE_SECONDS`). On one node both
    go in one pipeline, executed in order."""
    session_id, agent_name = doc["id"], doc["agent_name"]
    key = keys.session(tenant, session_id)
    one_node = single_node(store)
    async with store.redis.pipeline(transaction=False) as pipe:
        # An index outlives none of its sessions: each write that extends a session's life (this,
        # START_TURN) extends the index's too, so an agent nobody uses leaves no index behind.
        for index_key in (
            keys.agent_sessions(tenant, agent_name),
            keys.agent_sessions_of(tenant, agent_name, owner),
        ):
            pipe.zadd(index_key, {session_id: 0})
            pipe.expire(index_key, retention_seconds)
        if not one_node:
            await pipe.execute()
        fields = new_session_fields(doc, owner, manifest_json, now)
        pipe.hset(key, mapping={k: v for k, v in fields.items()})
        pipe.expire(key, retention_seconds)
        await pipe.execute()


async def load(store: Store, tenant: str, session_id: str) -> SessionRecord | None:
    fields = cast(dict[str, str], await store.redis.hgetall(keys.session(tenant, session_id)))
    return SessionRecord.decode(fields) if fields else None


async def index_range(
    store: Store, index_key: str, *, descending: bool, low: str, high: str, after: str | None, count: int
) -> list[str]:
    """Up to `count` ids of an index between `low` and `high` (lexicographic bounds), after `after`."""
    redis = store.redis
    if descending:
        ids = await redis.zrevrangebylex(index_key, f"({after}" if after else high, low, start=0, num=count)
    else:
        ids = await redis.zrangebylex(index_key, f"({after}" if after else low, high, start=0, num=count)
    return cast(list[str], ids)


CREATE_GRACE_SECONDS = 60
"""An index entry whose session hash is missing is left alone this long after the session id's time:
a create writes the entry first and the hash a moment later (each step bounded by the Redis
timeout), so a younger entry may be a create in flight."""


@dataclass(frozen=True)
class Listed:
    """One page's sessions: those to list, and index entries of sessions that are gone."""

    sessions: list[Session | None]
    """In index order, None for one that is not listed (deleted, gone, or being created)."""
    stale: list[str]
    """Ids whose entries can go: deleted sessions, and sessions gone (older than the grace)."""


async def listed(store: Store, tenant: str, ids: list[str]) -> Listed:
    """The sessions as listed, in one pipelined read."""
    async with store.redis.pipeline(transaction=False) as pipe:
        for session_id in ids:
            pipe.hmget(keys.session(tenant, session_id), list(LISTED_SESSION_FIELDS))
        rows = cast(list[list[str | None]], await pipe.execute())
    sessions: list[Session | None] = []
    stale: list[str] = []
    oldest_in_flight_ms = (time.time() - CREATE_GRACE_SECONDS) * 1000
    for session_id, (doc, updated_at, deleted) in zip(ids, rows, strict=True):
        if doc is not None and updated_at is not None and deleted is None:
            sessions.append(listed_session(doc, updated_at))
            continue
        sessions.append(None)
        if deleted is not None or _created_ms(session_id) < oldest_in_flight_ms:
            stale.append(session_id)
    return Listed(sessions, stale)


def _created_ms(session_id: str) -> int:
    """When the session was created, from its ULID (`<ulid>.<zone>`)."""
    return int(ULID.from_str(session_id.split(".", 1)[0].upper()).milliseconds)


async def prune(store: Store, index_key: str, stale: list[str]) -> None:
    """Drop index entries of sessions that are gone."""
    if stale:
        await store.redis.zrem(index_key, *stale)


async def delete(
    store: Store, tenant: str, record: SessionRecord, *, retention_seconds: int, now: str
) -> list[str]:
    """DELETE_SESSION on the session's slot, then (when it answers `ok`) its index entries on the
    tenant's: safe to repeat, and entries left by a crash between the two are pruned by listings.
    Returns DELETE_SESSION's answer: {"missing"} | {"deleted"} | {"ok", running turn id or ""}."""
    result = await store.scripts.run(
        lua.DeleteSession(
            session=keys.session(tenant, record.id), retention_seconds=retention_seconds, now=now
        )
    )
    if result[0] == "ok":
        agent_name = record.session.agent_name
        async with store.redis.pipeline(transaction=False) as pipe:
            pipe.zrem(keys.agent_sessions(tenant, agent_name), record.id)
            pipe.zrem(keys.agent_sessions_of(tenant, agent_name, record.owner), record.id)
            await pipe.execute()
    return result


async def drop_pending(store: Store, tenant: str, session_id: str, turn_id: str) -> str | None:
    """DROP_PENDING of `turn_id`'s approvals while it is the session's last turn (a turn started
    after it is left alone). Returns the running turn's id instead when one runs (nothing dropped)."""
    result = await store.scripts.run(
        lua.DropPending(
            session=keys.session(tenant, session_id),
            turn=keys.turn(tenant, session_id, turn_id),
            turn_id=turn_id,
        )
    )
    return str(result[1]) if result[0] == "busy" else None
    return None
