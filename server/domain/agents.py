"""The agent registry: named manifests, versioned on every replace."""

from __future__ import annotations

from typing import Any

from generated.models import Agent, AgentManifest, AgentRuntimeConfig, Subject
from server.config import Settings
from server.domain.context import CallContext
from server.errors import BadRequest, Conflict, Forbidden, NotFound
from server.openapi31 import FieldProblem, check_component
from server.store import agents as agent_store
from server.store.records import AgentRecord
from server.store.redis import store_errors
from server.timestamps import now_iso

# `openai-compatible` without `model.base_url` (the spec's default).
DEFAULT_MODEL_BASE_URL = "https://api.openai.com/v1"


def normalise(body: dict[str, Any]) -> AgentManifest:
    """The manifest with the defaults filled in, once the spec accepts it (its model name pattern
    lists what the executor can run; its unknown fields are each named, retired and not-yet-supported
    ones said so: the request validator has done this for a request's body, not for a file's)."""
    try:
        check_component("AgentManifest", body)
    except FieldProblem as exc:
        raise BadRequest(exc.detail, code=exc.code, param=exc.param) from None
    manifest = AgentManifest.model_validate(body)
    if manifest.config is None:
        manifest.config = AgentRuntimeConfig()
    return manifest


def _check_url(settings: Settings, url: str, param: str) -> None:
    if refusal := settings.egress.url_refusal(url):
        raise BadRequest(
            f"{param} {url!r} {refusal} (HARNESS_EGRESS_ALLOW_NETWORKS)", code="url_refused", param=param
        )


def _check_secret(settings: Settings, name: str, url: str, param: str) -> None:
    secret = settings.declared_secrets.get(name)
    if secret is None:
        raise BadRequest(
            f"{param} names {name!r}, which this deployment does not declare (HARNESS_SECRETS)",
            code="secret_not_declared",
            param=param,
        )
    if not secret.allows(url):
        raise BadRequest(
            f"secret {name!r} may not be sent to {url!r}: it is not among the secret's allowed_urls",
            code="secret_url_not_allowed",
            param=param,
        )


def check_reach(settings: Settings, manifest: AgentManifest) -> None:
    """Refuse (400, naming the field) a manifest reaching what the deployment does not declare or
    allow: an undeclared secret or stdio server, a secret paired with a URL it may not go to, a URL
    to a refused address. The executor checks again at use, against its own settings."""
    model = manifest.model
    if model.base_url is not None or model.name.startswith("openai-compatible/"):
        base_url = model.base_url or DEFAULT_MODEL_BASE_URL
        _check_url(settings, base_url, "model.base_url")
        if model.api_key_secret is not None:
            _check_secret(settings, model.api_key_secret, base_url, "model.api_key_secret")
    elif model.api_key_secret is not None:
        _check_secret(settings, model.api_key_secret, DEFAULT_MODEL_BASE_URL, "model.api_key_secret")
    for index, server in enumerate(manifest.mcp_servers or []):
        where = f"mcp_servers[{index}]"
        if server.url is not None:
            _check_url(settings, server.url, f"{where}.url")
            if server.bearer_token_secret is not None:
                secret, param = server.bearer_token_secret, f"{where}.bearer_token_secret"
                _check_secret(settings, secret, server.url, param)
            continue
        if server.bearer_token_secret is not None:
            raise BadRequest(
                "bearer_token_secret applies to url servers only",
                code="secret_not_applicable",
                param=f"{where}.bearer_token_secret",
            )
        if server.stdio not in settings.declared_stdio_servers:
            raise BadRequest(
                f"{where}.stdio names {server.stdio!r}, which this deployment does not declare "
                "(HARNESS_MCP_STDIO_SERVERS)",
                code="stdio_server_not_declared",
                param=f"{where}.stdio",
            )


def _require_agent_admin(ctx: CallContext) -> None:
    if not ctx.caller.may_manage_agents:
        raise Forbidden(
            f"creating, replacing or deleting agents needs the {ctx.settings.agent_admin_role!r} "
            f"or {ctx.settings.admin_role!r} role"
        )


def _admitted(ctx: CallContext, body: dict[str, Any]) -> AgentManifest:
    """The manifest of a create or replace by this caller, once allowed and checked."""
    _require_agent_admin(ctx)
    manifest = normalise(body)
    check_reach(ctx.settings, manifest)
    return manifest


async def create(ctx: CallContext, body: dict[str, Any]) -> Agent:
    manifest = _admitted(ctx, body)
    now = now_iso()
    async with store_errors():
        created = await agent_store.create(
            ctx.store,
            ctx.tenant,
            name=manifest.name,
            manifest_json=manifest.model_dump_json(exclude_none=True),
            created_by=ctx.caller.subject.model_dump_json(),
            now=now,
        )
    if not created:
        raise Conflict(f"agent {manifest.name!r} already exists", code="agent_exists", param="name")
    return await get(ctx, manifest.name)


async def _record(ctx: CallContext, name: str) -> AgentRecord:
    async with store_errors():
        record = await agent_store.load(ctx.store, ctx.tenant, name)
    if record is None:
        raise NotFound(f"agent {name!r} not found", code="agent_not_found", param="agentName")
    return record


async def get(ctx: CallContext, name: str, param: str = "agentName") -> Agent:
    try:
        return (await _record(ctx, name)).agent()
    except NotFound as exc:
        exc.param = param
        raise


async def _require_owner(ctx: CallContext, name: str) -> None:
    creator = Subject.model_validate((await _record(ctx, name)).created_by)
    if not ctx.caller.is_admin and creator.subject_id != ctx.caller.id:
        raise Forbidden(f"only the creator of agent {name!r} or an admin may change it")


async def replace(ctx: CallContext, name: str, body: dict[str, Any]) -> Agent:
    manifest = _admitted(ctx, body)
    await _require_owner(ctx, name)
    # RFC 9110 names 409 for a PUT whose representation is inconsistent with the target resource.
    if manifest.name != name:
        raise Conflict(
            f"manifest name {manifest.name!r} differs from the agent {name!r} it would replace",
            code="name_mismatch",
            param="name",
        )
    async with store_errors():
        version = await agent_store.replace(
            ctx.store,
            ctx.tenant,
            name=name,
            manifest_json=manifest.model_dump_json(exclude_none=True),
            now=now_iso(),
        )
    if not version:
        raise NotFound(f"agent {name!r} not found", code="agent_not_found", param="agentName")
    return await get(ctx, name)


async def delete(ctx: CallContext, name: str) -> None:
    _require_agent_admin(ctx)
    await _require_owner(ctx, name)
    async with store_errors():
        await agent_store.delete(ctx.store, ctx.tenant, name)


async def list_page(ctx: CallContext, page_token: str | None, limit: int) -> tuple[list[Agent], str | None]:
    async with store_errors():
        records, next_token = await agent_store.page(ctx.store, ctx.tenant, page_token, limit)
    return [record.agent() for record in records], next_token
