"""Session records and their per-agent indexes: every Redis command the session domain needs."""

from __future__ import annotations

import json
from typing import Any, cast

from generated.models import Session
from server.store import keys, lua
from server.store.records import (
    LISTED_SESSION_FIELDS,
    SessionField,
    SessionRecord,
    listed_session,
    new_session_fields,
)
from server.store.redis import Store


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
    session_id, agent_name = doc["id"], doc["agent_name"]
    key = keys.session(tenant, session_id)
    async with store.redis.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping={k: v for k, v in new_session_fields(doc, owner, manifest_json, now).items()})
        pipe.expire(key, retention_seconds)
        # An index outlives none of its sessions: each write that extends a session's life (this,
        # START_TURN) extends the index's too, so an agent nobody uses leaves no index behind.
        for index_key in (
            keys.agent_sessions(tenant, agent_name),
            keys.agent_sessions_of(tenant, agent_name, owner),
        ):
            pipe.zadd(index_key, {session_id: 0})
            pipe.expire(index_key, retention_seconds)
        await pipe.execute()


async def load(store: Store, tenant: str, session_id: str) -> SessionRecord | None:
    fields = cast(dict[str, str], await store.redis.hgetall(keys.session(tenant, session_id)))
    return SessionRecord.decode(fields) if fields else None


async def manifest(store: Store, tenant: str, session_id: str) -> dict[str, Any]:
    """The manifest snapshot a session's turns run with ({} for a session gone)."""
    raw = cast(str | None, await store.redis.hget(keys.session(tenant, session_id), SessionField.MANIFEST))
    return cast(dict[str, Any], json.loads(raw)) if raw else {}


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


async def listed(store: Store, tenant: str, ids: list[str]) -> list[Session | None]:
    """The sessions as listed, None for one that expired or was deleted (one pipelined read)."""
    async with store.redis.pipeline(transaction=False) as pipe:
        for session_id in ids:
            pipe.hmget(keys.session(tenant, session_id), list(LISTED_SESSION_FIELDS))
        rows = cast(list[list[str | None]], await pipe.execute())
    return [
        listed_session(doc, updated_at)
        if doc is not None and updated_at is not None and deleted is None
        else None
        for doc, updated_at, deleted in rows
    ]


async def prune(store: Store, index_key: str, stale: list[str]) -> None:
    """Drop index entries of sessions that are gone."""
    if stale:
        await store.redis.zrem(index_key, *stale)


async def delete(
    store: Store, tenant: str, record: SessionRecord, *, retention_seconds: int, now: str
) -> list[str]:
    """DELETE_SESSION: {"missing"} | {"deleted"} | {"ok", running turn id or ""}."""
    agent_name = record.session.agent_name
    return await store.scripts.run(
        lua.DeleteSession(
            session=keys.session(tenant, record.id),
            agent_index=keys.agent_sessions(tenant, agent_name),
            owner_index=keys.agent_sessions_of(tenant, agent_name, record.owner),
            retention_seconds=retention_seconds,
            now=now,
            session_id=record.id,
        )
    )


async def drop_pending(store: Store, tenant: str, session_id: str, turn_id: str | None) -> str | None:
    """DROP_PENDING of the last turn (or of `turn_id` while it is the last); the running turn's id
    instead when one runs (nothing dropped then)."""
    result = await store.scripts.run(
        lua.DropPending(
            session=keys.session(tenant, session_id),
            turn_prefix=keys.turn_prefix(tenant),
            turn_id=turn_id or "",
        )
    )
    return str(result[1]) if result[0] == "busy" else None
