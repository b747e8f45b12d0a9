"""Sessions: created from a registered agent (keeping that manifest version), owned by their creator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from generated.models import Session
from server import timestamps
from server.auth import SUBJECT_TYPES
from server.domain import agents
from server.domain import cancel as cancellation
from server.domain.context import CallContext
from server.domain.turn_state import CancelReason, Status
from server.errors import BadRequest, Forbidden, NotFound, SessionNotUsable
from server.ids import new_session_id, ulid_ceiling, ulid_floor
from server.store import sessions as session_store
from server.store.records import SessionRecord
from server.store.redis import store_errors
from server.timestamps import now_iso, to_ms

__all__ = ["SessionRecord"]


async def create(ctx: CallContext, agent_name: str) -> Session:
    if ctx.caller.subject.subject_type not in SUBJECT_TYPES:
        raise BadRequest(
            f"unsupported caller subject type {ctx.caller.subject.subject_type!r}",
            code="unsupported_subject_type",
        )
    agent = await agents.get(ctx, agent_name, param="agent_name")
    moment = timestamps.now()
    session_id = new_session_id(ctx.settings.zone, moment)
    now = timestamps.iso(moment)
    doc = {
        "type": "session",
        "id": session_id,
        "agent_name": agent.name,
        "agent_version": agent.version,
        "title": None,
        "created_by_subject": agent_subject(ctx),
        "created_at": now,
    }
    async with store_errors():
        await session_store.create(
            ctx.store,
            ctx.tenant,
            doc=doc,
            owner=ctx.caller.id,
            manifest_json=agent.manifest.model_dump_json(exclude_none=True),
            now=now,
            retention_seconds=ctx.settings.session_retention_seconds,
        )
    return Session.model_validate({**doc, "updated_at": now})


def agent_subject(ctx: CallContext) -> dict[str, Any]:
    return ctx.caller.subject.model_dump()


async def load(ctx: CallContext, session_id: str, *, usable: bool = True) -> SessionRecord:
    """The session, if this caller may see it: 404 unknown (or another tenant's), 403 not theirs,
    412 deleted (unless `usable` is False)."""
    async with store_errors():
        record = await session_store.load(ctx.store, ctx.tenant, session_id)
    if record is None:
        raise NotFound(f"session {session_id!r} not found", code="session_not_found", param="sessionId")
    if not ctx.caller.is_admin and record.owner != ctx.caller.id:
        raise Forbidden("this session belongs to another caller", param="sessionId")
    if usable and record.deleted:
        raise SessionNotUsable(
            f"session {session_id!r} was deleted and is no longer usable", param="sessionId"
        )
    return record


async def get(ctx: CallContext, session_id: str) -> Session:
    return (await load(ctx, session_id)).session


async def list_page(
    ctx: CallContext,
    agent_name: str,
    limit: int,
    order: str,
    page_token: str | None,
    start: datetime | None,
    end: datetime | None,
) -> tuple[list[Session], str | None]:
    """Keyset pagination over ULID-ordered ids: lexicographic order is creation order, so a page
    token is just the last id returned, and time bounds become id bounds.

    Index entries of sessions that expired or were deleted are skipped (and removed), reading on
    until the page is full or the index ends, but at most `_LIST_SCAN_IDS` ids per request: past
    that the page comes back short with a token to read on from."""
    await agents.get(ctx, agent_name, param="agent_name")
    index = session_store.index(ctx.tenant, agent_name, None if ctx.caller.is_admin else ctx.caller.id)
    low = f"[{ulid_floor(to_ms(start))}" if start else "-"
    high = f"[{ulid_ceiling(to_ms(end))}~" if end else "+"
    after = page_token
    found: list[tuple[str, Session]] = []
    scanned, ended = 0, False
    async with store_errors():
        while len(found) <= limit and scanned < _LIST_SCAN_IDS:
            chunk = min(max(limit + 1 - len(found), _LIST_CHUNK), _LIST_SCAN_IDS - scanned)
            ids = await session_store.index_range(
                ctx.store, index, descending=order == "desc", low=low, high=high, after=after, count=chunk
            )
            scanned += len(ids)
            listed = await session_store.listed(ctx.store, ctx.tenant, ids)
            found += [(i, session) for i, session in zip(ids, listed.sessions, strict=True) if session]
            await session_store.prune(ctx.store, index, listed.stale)
            if len(ids) < chunk:
                ended = True
                break
            after = ids[-1]
    if len(found) > limit:
        return [session for _, session in found[:limit]], found[limit - 1][0]
    # A short page: the index ended, or the scan budget ran out and more may follow the last id read.
    return [session for _, session in found], None if ended else after


# Ids read per round while filling a page, and at most per request (deleted or expired sessions'
# entries are skipped, so a page may need more ids than it holds).
_LIST_CHUNK = 32
_LIST_SCAN_IDS = 1000


async def cancel(ctx: CallContext, session_id: str) -> bool:
    """Cancel the session's running turn and return once it is terminal; True when one was running.
    A last turn paused for approvals has its pending tool calls dropped (they never run)."""
    record = await load(ctx, session_id)
    ended = await cancellation.cancel_session(
        ctx.store, ctx.tenant, session_id, record.last_turn, CancelReason.CLIENT_CANCELLED, _bounds(ctx)
    )
    if ended is None:
        return False
    if ended.status is not Status.CANCELLED:  # it may have paused for approvals as the cancel came
        async with store_errors():
            await session_store.drop_pending(ctx.store, ctx.tenant, session_id, ended.turn_id)
    return True


async def cancel_turn(
    ctx: CallContext, session_id: str, turn_id: str, reason: CancelReason = CancelReason.CLIENT_CANCELLED
) -> None:
    """Cancel one turn and return once its terminal state is recorded (424 past the bound)."""
    await cancellation.request_and_wait(ctx.store, ctx.tenant, session_id, turn_id, reason, _bounds(ctx))


def _bounds(ctx: CallContext) -> cancellation.Bounds:
    return cancellation.Bounds(
        wait_seconds=ctx.settings.cancel_timeout_seconds,
        lease_check_seconds=ctx.settings.heartbeat_seconds,
        retention_seconds=ctx.settings.event_retention_seconds,
    )


async def delete(ctx: CallContext, session_id: str) -> None:
    """Mark the session unusable (atomically with reading its running turn), then cancel that turn."""
    record = await load(ctx, session_id)
    async with store_errors():
        result = await session_store.delete(
            ctx.store,
            ctx.tenant,
            record,
            retention_seconds=ctx.settings.session_retention_seconds,
            now=now_iso(),
        )
    match result:
        case ["missing"]:
            raise NotFound(f"session {session_id!r} not found", code="session_not_found", param="sessionId")
        case ["deleted"]:
            raise SessionNotUsable(
                f"session {session_id!r} was deleted and is no longer usable", param="sessionId"
            )
        case ["ok", running] if running:
            await cancel_turn(ctx, session_id, running)
