"""Turn operations: create (SSE or JSON), read, list, subscribe, events."""

from __future__ import annotations

import functools
import time
from typing import Any

from connexion import context

from generated.models import GetTurnResponse, ListTurnsResponse, TokenPagination
from server import logs, metrics, sse
from server.auth import Caller
from server.domain import turns
from server.domain.events import to_dict
from server.handlers.context import call_context, runtime
from server.streams import Slot
from server.tenancy import tenant_of

JSON = {"Content-Type": "application/json"}


def _stream_slot() -> Slot:
    """A place under the stream caps for this caller, taken before anything else is done."""
    caller: Caller = context.context["token_info"]["caller"]
    return runtime().streams.caps.acquire(tenant_of(context.scope), caller.id)


def _stream(events: sse.Events, slot: Slot, *, requested_at: float | None = None) -> sse.EventStream:
    # `events` is a partial of plain values, not a closure: a closure's cells would keep the
    # handler's call context (store, caller, settings) alive as long as the stream.
    rt = runtime()
    return sse.response(events, slot, rt.streams.wheel, rt.stopping, requested_at=requested_at)


async def create_turn(
    session_id: str, body: dict[str, Any]
) -> sse.EventStream | tuple[dict[str, Any], int, dict[str, str]]:
    requested_at = time.monotonic()
    streaming = body.get("stream", True)
    # Refused over the caps before the turn exists: a turn nobody can watch is not created.
    slot = _stream_slot() if streaming else None
    try:
        ctx = call_context(session_id)
        turn = await turns.create(ctx, session_id, body)
    except BaseException:
        if slot is not None:
            slot.release()
        raise
    metrics.TURNS_STARTED.inc()
    logs.bind(turn_id=turn.id)
    if slot is not None:
        # Closing this stream does not cancel the turn: it runs on its executor regardless.
        fanout = runtime().streams.fanout(ctx.store)
        return _stream(
            functools.partial(turns.stream, fanout, ctx.tenant, session_id, turn.id, 0),
            slot,
            requested_at=requested_at,
        )
    return to_dict(GetTurnResponse(data=turn)), 200, JSON


async def list_turns(session_id: str, limit: int = 10, page_token: str | None = None) -> dict[str, Any]:
    page, next_token = await turns.list_page(call_context(session_id), session_id, page_token, limit)
    return to_dict(
        ListTurnsResponse(data=page, pagination=TokenPagination(limit=limit, next_page_token=next_token))
    )


async def get_turn(session_id: str, turn_id: str) -> dict[str, Any]:
    return to_dict(GetTurnResponse(data=await turns.get(call_context(session_id), session_id, turn_id)))


async def subscribe_turn(
    session_id: str, turn_id: str, body: dict[str, Any] | None = None
) -> sse.EventStream:
    slot = _stream_slot()
    try:
        ctx = call_context(session_id)
        await turns.open_stream(ctx, session_id, turn_id)
    except BaseException:
        slot.release()
        raise
    after = (body or {}).get("after_sequence_number")
    if after is None:
        # The spec's pattern on Last-Event-ID was checked by connexion.
        after = int(context.request.headers.get("last-event-id") or 0)
    fanout = runtime().streams.fanout(ctx.store)
    return _stream(functools.partial(turns.stream, fanout, ctx.tenant, session_id, turn_id, after), slot)


def _page(data: list[dict[str, Any]], limit: int, next_token: str | None) -> dict[str, Any]:
    return {"data": data, "pagination": to_dict(TokenPagination(limit=limit, next_page_token=next_token))}


async def list_turn_events(
    session_id: str, turn_id: str, limit: int = 25, order: str = "asc", page_token: str | None = None
) -> dict[str, Any]:
    data, next_token = await turns.list_events(
        call_context(session_id), session_id, turn_id, page_token, limit, order
    )
    return _page(data, limit, next_token)


async def list_session_events(
    session_id: str, limit: int = 100, page_token: str | None = None, last_turn_id: str | None = None
) -> dict[str, Any]:
    data, next_token = await turns.list_session_events(
        call_context(session_id), session_id, page_token, last_turn_id, limit
    )
    return _page(data, limit, next_token)
