"""The agent registry's records: every Redis command the agents domain needs."""

from __future__ import annotations

from typing import cast

from server.store import keys, lua
from server.store.records import AgentRecord
from server.store.redis import Store


async def create(
    store: Store, tenant: str, *, name: str, manifest_json: str, created_by: str, now: str
) -> bool:
    """CREATE_AGENT: False when the name is taken."""
    created = await store.scripts.run(
        lua.CreateAgent(
            agent=keys.agent(tenant, name),
            agents=keys.agents(tenant),
            name=name,
            manifest=manifest_json,
            created_by=created_by,
            now=now,
        )
    )
    return bool(created)


async def replace(store: Store, tenant: str, *, name: str, manifest_json: str, now: str) -> int:
    """REPLACE_AGENT: the new version, 0 when the agent does not exist."""
    return await store.scripts.run(
        lua.ReplaceAgent(agent=keys.agent(tenant, name), manifest=manifest_json, now=now)
    )


async def load(store: Store, tenant: str, name: str) -> AgentRecord | None:
    fields = cast(dict[str, str], await store.redis.hgetall(keys.agent(tenant, name)))
    return AgentRecord.decode(name, fields) if fields else None


async def delete(store: Store, tenant: str, name: str) -> None:
    async with store.redis.pipeline(transaction=True) as pipe:
        pipe.delete(keys.agent(tenant, name))
        pipe.zrem(keys.agents(tenant), name)
        await pipe.execute()


async def page(
    store: Store, tenant: str, after: str | None, limit: int
) -> tuple[list[AgentRecord], str | None]:
    """Up to `limit` agents in name order after `after`, and the name to read on after (None: the end)."""
    names = cast(
        list[str],
        await store.redis.zrangebylex(
            keys.agents(tenant), f"({after}" if after else "-", "+", start=0, num=limit + 1
        ),
    )
    names_on_page = names[:limit]
    async with store.redis.pipeline(transaction=False) as pipe:
        for name in names_on_page:
            pipe.hgetall(keys.agent(tenant, name))
        rows: list[dict[str, str]] = await pipe.execute()
    records = [
        AgentRecord.decode(name, fields) for name, fields in zip(names_on_page, rows, strict=True) if fields
    ]
    return records, names_on_page[-1] if len(names) > limit else None
