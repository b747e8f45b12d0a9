"""A turn's event log as Server-Sent Events: `event:` the type, `id:` the sequence number,
`data:` the event JSON (which carries the same `sequence_number`).

When the process is asked to stop, every open stream ends at a frame boundary (the response
completes normally, so the client sees a clean end of stream, not a reset) and the client resumes on
another replica with `Last-Event-ID`. We end the streams ourselves rather than let sse-starlette cancel
them: its drain cancels the response's task group, which never sends the final empty chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, TypeVar

from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.sse import AppStatus
from starlette.types import Receive, Scope, Send

from server import json_codec, metrics
from server.store.errors import RedisError
from server.store.redis import StoreUnavailable
from server.streams import Slot

log = logging.getLogger(__name__)

# Our streams end themselves on shutdown (see above); sse-starlette's own drain must not race them.
AppStatus.disable_automatic_graceful_drain()  # type: ignore[no-untyped-call]

T = TypeVar("T")


def frame(event: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(
        data=json_codec.dumps(event), event=event["type"], id=str(event["sequence_number"])
    )


async def until(
    items: AsyncIterator[T], stop: asyncio.Event, *, keep_first: bool = False
) -> AsyncIterator[T]:
    """`items` until `stop` is set: ends between two items, never inside one. With `keep_first` the
    first item is waited for regardless (a create-turn stream always tells the client its turn id)."""
    stopping = asyncio.ensure_future(stop.wait())
    step: asyncio.Future[T] | None = None
    try:
        while keep_first or not stop.is_set():
            step = asyncio.ensure_future(anext(items))
            await asyncio.wait(
                (step,) if keep_first else (step, stopping), return_when=asyncio.FIRST_COMPLETED
            )
            keep_first = False
            if not step.done():
                return
            try:
                item = await step
            except StopAsyncIteration:
                return
            yield item
    finally:
        stopping.cancel()
        if step is not None and not step.done():
            # Interrupts the read the stream waits in (an XREAD BLOCK), which is between two events.
            step.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await step
        close = getattr(items, "aclose", None)
        if close is not None:
            await close()


class _Stream(EventSourceResponse):
    """Gives its stream's slot under the caps back when the response ends, however it ends."""

    def __init__(self, content: AsyncIterator[ServerSentEvent], slot: Slot, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


def response(
    events: AsyncIterator[dict[str, Any]],
    slot: Slot,
    ping_seconds: float,
    stop: asyncio.Event,
    *,
    requested_at: float | None = None,
) -> EventSourceResponse:
    """`requested_at` (time.monotonic() when a create-turn request arrived) times its first output."""

    async def frames() -> AsyncIterator[ServerSentEvent]:
        pending_first = requested_at is not None
        try:
            with metrics.SSE_STREAMS_OPEN.track_inprogress():
                async for event in until(events, stop, keep_first=requested_at is not None):
                    if pending_first and event["sequence_number"] > 1:
                        pending_first = False
                        if event["type"] != "turn.done" and requested_at is not None:
                            metrics.TIME_TO_FIRST_EVENT.observe(time.monotonic() - requested_at)
                    yield frame(event)
        except (StoreUnavailable, RedisError, OSError) as exc:
            # The streams' reads end cleanly on their own; this is a last guard, so that a store
            # failure still ends the response after its last complete frame, not with a traceback.
            log.warning("stream ended by a store failure: %s: %s", type(exc).__name__, exc)
        finally:
            slot.release()

    return _Stream(
        frames(),
        slot,
        ping=int(max(1, ping_seconds)),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
