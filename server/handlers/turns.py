"""Turn operations: create (SSE or JSON), read, list, subscribe, events."""

from __future__ import annotations

import time
from typing import Any

from connexion import context
from sse_starlette import EventSourceResponse

from generated.models import GetTurnResponse, ListTurnsResponse, TokenPagination
from server import logs, metrics, sse
from server.domain import turns
from server.domain.events import to_dict
from server.handlers.context import call_context, runtime

JSON = {"Content-Type": "application/json"}


async def create_turn(
    session_id: str, body: dict[str, Any]
) -> EventSourceResponse | tuple[dict[str, Any], int, dict[str, str]]:
    requested_at = time.monotonic()
    ctx = call_context(session_id)
    turn = await turns.create(ctx, session_id, body)
    metrics.TURNS_STARTED.inc()
    logs.bind(turn_id=turn.id)
    if body.get("stream", True):
        # Closing this stream does not cancel the turn: it runs on its executor regardless.
        return sse.response(
            ctx.store,
            ctx.tenant,
            turn.id,
            0,
            ctx.settings.sse_ping_seconds,
            runtime().stopping,
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
) -> EventSourceResponse:
    ctx = call_context(session_id)
    await turns.open_stream(ctx, session_id, turn_id)
    after = (body or {}).get("after_sequence_number")
    if after is None:
        # The spec's pattern on Last-Event-ID was checked by connexion.
        after = int(context.request.headers.get("last-event-id") or 0)
    return sse.response(
        ctx.store, ctx.tenant, turn_id, after, ctx.settings.sse_ping_seconds, runtime().stopping
    )


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
