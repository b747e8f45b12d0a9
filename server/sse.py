"""A turn's event log as Server-Sent Events: `event:` the type, `id:` the sequence number,
`data:` the event JSON (which carries the same `sequence_number`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent

from server.domain import turns
from server.store.redis import Store

IDLE_CHECK_MS = 5000


def frame(event: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(
        data=json.dumps(event, separators=(",", ":")), event=event["type"], id=str(event["sequence_number"])
    )


def response(store: Store, tenant: str, turn_id: str, after: int, ping_seconds: float) -> EventSourceResponse:
    async def frames() -> AsyncIterator[ServerSentEvent]:
        async for event in turns.stream(store, tenant, turn_id, after, IDLE_CHECK_MS):
            yield frame(event)

    return EventSourceResponse(
        frames(),
        ping=int(max(1, ping_seconds)),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
