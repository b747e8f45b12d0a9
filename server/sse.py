"""A turn's event log as Server-Sent Events: `id:` the sequence number, `event:` the type, `data:`
the event JSON (which carries the same `sequence_number`); a `: ping` comment every
`sse_ping_seconds` keeps proxies from closing an idle stream.

Why our own ASGI response rather than sse-starlette's: it runs every response in an anyio task
group of four tasks (the body, a ping loop, a disconnect listener, a shutdown listener), which is
most of what an idle held stream costs. Here the request's own task writes the frames and waits on
one event between them (`Line.wake`, shared with the stream's fan-out subscriber), which is set by
a new entry, by the replica's one ping timer (server/streams/wheel.py), by the shutdown, or by the
one small task per stream that waits for the client's disconnect (ASGI says nothing of a closed
connection except through `receive`).

When the process is asked to stop, every open stream ends at a frame boundary (the response
completes normally, so the client sees a clean end of stream, not a reset) and the client resumes on
another replica with `Last-Event-ID`. A create-turn stream still sends its first event (the client
learns its turn id).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from server import json_codec, metrics, stream_host
from server.store.errors import RedisError
from server.store.redis import StoreUnavailable
from server.streams import Slot
from server.streams.wheel import Line, PingWheel, Wake

log = logging.getLogger(__name__)

Event = dict[str, Any]
Feed = AsyncGenerator[Event | None, None]
"""A stream's events; None when woken with no event (see Fanout.follow)."""
Events = Callable[[Wake], Awaitable[Feed | None]]
"""Given the stream's wake-up, its feed, None when there is nothing to send. Awaited rather than
an async generator of its own: a generator wrapping the feed would be kept (with its frame and
the awaitables of its wait) as long as the stream."""

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
]
PING = b": ping\r\n\r\n"


def frame(event: Event) -> bytes:
    # The JSON encoder escapes newlines, so `data:` is always one line.
    return b"id: %d\r\nevent: %s\r\ndata: %s\r\n\r\n" % (
        event["sequence_number"],
        event["type"].encode(),
        json_codec.dumps_bytes(event),
    )


async def _listen(receive: Receive, line: Line) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    line.gone = True
    line.poke()


class EventStream(Response):
    """The SSE response of one stream; gives its slot under the caps back however it ends. A
    Response (for connexion to pass it through) whose constructor is not called: it would add a
    `content-length: 0`."""

    def __init__(
        self,
        events: Events,
        slot: Slot,
        wheel: PingWheel,
        stop: asyncio.Event,
        requested_at: float | None,
    ) -> None:
        self.status_code = 200
        self.raw_headers = list(HEADERS)
        self.background = None
        self.events: Events | None = events
        self.slot = slot
        self.wheel = wheel
        self.stop = stop
        self.requested_at = requested_at
        """time.monotonic() when a create-turn request arrived: times its first output, and its
        first event is sent even when the process is stopping."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = stream_host.host_of(scope)
        try:
            # A list of its own: a middleware may add to it in place.
            await send({"type": "http.response.start", "status": 200, "headers": list(HEADERS)})
        except BaseException:
            self.abandon()
            raise
        if host is not None:
            host.stream = self  # the body goes outside the middleware chain (server/stream_host.py)
        else:
            await self.run_body(receive, send)

    def abandon(self) -> None:
        self.slot.release()

    async def run_body(self, receive: Receive, send: Send) -> None:
        line = Line()
        listener = asyncio.create_task(_listen(receive, line))
        self.wheel.add(line)
        metrics.SSE_STREAMS_OPEN.inc()  # by hand: a tracker object would be kept per stream
        try:
            await self._frames(line, send)
            if not line.gone:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            metrics.SSE_STREAMS_OPEN.dec()
            self.wheel.remove(line)
            listener.cancel()
            self.slot.release()

    def _ended(self, line: Line, keep_first: bool) -> bool:
        return line.gone or (self.stop.is_set() and not keep_first)

    async def _frames(self, line: Line, send: Send) -> None:
        keep_first = pending_first = self.requested_at is not None
        if self.events is None:
            raise RuntimeError("a stream's body runs once")
        feed, self.events = self.events, None  # what makes the events is not needed again
        events: Feed | None = None
        try:
            if self._ended(line, keep_first):
                return
            events = await feed(line.wake)
            del feed
            if events is None:
                return
            async for event in events:
                if event is not None:
                    keep_first = False
                    if pending_first and event["sequence_number"] > 1:
                        pending_first = False
                        if event["type"] != "turn.done" and self.requested_at is not None:
                            metrics.TIME_TO_FIRST_EVENT.observe(time.monotonic() - self.requested_at)
                    await _body(send, frame(event), line)
                    event = None  # not kept through an idle wait
                if self._ended(line, keep_first):
                    return  # between two frames; closing `events` interrupts its read
                if line.ping_due:
                    line.ping_due = False
                    await _body(send, PING, line)
        except (StoreUnavailable, RedisError, OSError) as exc:
            # The streams' reads end cleanly on their own; this is a last guard, so that a store
            # failure still ends the response after its last complete frame, not with a traceback.
            log.warning("stream ended by a store failure: %s: %s", type(exc).__name__, exc)
        finally:
            if events is not None:
                await events.aclose()


async def _body(send: Send, chunk: bytes, line: Line) -> None:
    message: Message = {"type": "http.response.body", "body": chunk, "more_body": True}
    try:
        await send(message)
    except OSError:  # a server that says so when the client has gone (uvicorn drops the write)
        line.gone = True


def response(
    events: Events,
    slot: Slot,
    wheel: PingWheel,
    stop: asyncio.Event,
    *,
    requested_at: float | None = None,
) -> EventStream:
    return EventStream(events, slot, wheel, stop, requested_at)
