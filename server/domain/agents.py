"""The agent registry: named manifests, versioned on every replace."""

from __future__ import annotations

import json
from typing import Any, cast

from generated.models import Agent, AgentManifest, AgentRuntimeConfig, Subject
from server.domain.context import CallContext
from server.errors import Conflict, Forbidden, NotFound
from server.store import keys
from server.store.redis import store_errors
from server.timestamps import now_iso


def normalise(body: dict[str, Any]) -> AgentManifest:
    """A manifest the spec accepted (its model name pattern lists what the executor can run),
    with the defaults filled in."""
    manifest = AgentManifest.model_validate(body)
    if manifest.config is None:
        manifest.config = AgentRuntimeConfig()
    return manifest


def _agent(name: str, fields: dict[str, str]) -> Agent:
    return Agent.model_validate(
        {
            "name": name,
            "version": int(fields["version"]),
            "manifest": json.loads(fields["manifest"]),
            "created_by_subject": json.loads(fields["created_by"]),
            "created_at": fields["created_at"],
            "updated_at": fields["updated_at"],
        }
    )


async def create(ctx: CallContext, body: dict[str, Any]) -> Agent:
    manifest = normalise(body)
    now = now_iso()
    async with store_errors():
        created = await ctx.store.scripts.create_agent(
            keys=[keys.agent(ctx.tenant, manifest.name), keys.agents(ctx.tenant)],
            args=[
                manifest.name,
                manifest.model_dump_json(exclude_none=True),
                ctx.caller.subject.model_dump_json(),
                now,
            ],
        )
    if not created:
        raise Conflict(f"agent {manifest.name!r} already exists", code="agent_exists", param="name")
    return await get(ctx, manifest.name)


async def _fields(ctx: CallContext, name: str) -> dict[str, str]:
    async with store_errors():
        fields = cast(dict[str, str], await ctx.store.redis.hgetall(keys.agent(ctx.tenant, name)))
    if not fields:
        raise NotFound(f"agent {name!r} not found", code="agent_not_found", param="agentName")
    return fields


async def get(ctx: CallContext, name: str, param: str = "agentName") -> Agent:
    try:
        return _agent(name, await _fields(ctx, name))
    except NotFound as exc:
        exc.param = param
        raise


async def _require_owner(ctx: CallContext, name: str) -> None:
    creator = Subject.model_validate_json((await _fields(ctx, name))["created_by"])
    if not ctx.caller.is_admin and creator.subject_id != ctx.caller.id:
        raise Forbidden(f"only the creator of agent {name!r} or an admin may change it")


async def replace(ctx: CallContext, name: str, body: dict[str, Any]) -> Agent:
    manifest = normalise(body)
    await _require_owner(ctx, name)
    # RFC 9110 names 409 for a PUT whose representation is inconsistent with the target resource.
    if manifest.name != name:
        raise Conflict(
            f"manifest name {manifest.name!r} differs from the agent {name!r} it would replace",
            code="name_mismatch",
            param="name",
        )
    async with store_errors():
        version = await ctx.store.scripts.replace_agent(
            keys=[keys.agent(ctx.tenant, name)], args=[manifest.model_dump_json(exclude_none=True), now_iso()]
        )
    if not version:
        raise NotFound(f"agent {name!r} not found", code="agent_not_found", param="agentName")
    return await get(ctx, name)


async def delete(ctx: CallContext, name: str) -> None:
    await _require_owner(ctx, name)
    async with store_errors(), ctx.store.redis.pipeline(transaction=True) as pipe:
        pipe.delete(keys.agent(ctx.tenant, name))
        pipe.zrem(keys.agents(ctx.tenant), name)
        await pipe.execute()


async def list_page(ctx: CallContext, page_token: str | None, limit: int) -> tuple[list[Agent], str | None]:
    after = page_token
    async with store_errors():
        names = cast(
            list[str],
            await ctx.store.redis.zrangebylex(
                keys.agents(ctx.tenant), f"({after}" if after else "-", "+", start=0, num=limit + 1
            ),
        )
        page = names[:limit]
        async with ctx.store.redis.pipeline(transaction=False) as pipe:
            for name in page:
                pipe.hgetall(keys.agent(ctx.tenant, name))
            rows: list[dict[str, str]] = await pipe.execute()
    agents = [_agent(name, fields) for name, fields in zip(page, rows, strict=True) if fields]
    next_token = page[-1] if len(names) > limit else None
    return agents, next_token
