"""Turn event streams as the load scenarios read them: parsed with arrival times (`TurnStream`), or
only counted, for fan-out rates the parsing would cap (`FrameCounter`)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.client import DELTA, DONE, STREAM_TIMEOUT
from testkit.sse import aiter_events

CREATED = "turn.created"
MODEL_PREFIX = "model."


def describe_error(exc: BaseException) -> str:
    """Type and message (httpx's timeouts have no message), short enough for a report line."""
    return f"{type(exc).__name__}: {str(exc)[:160]}".rstrip(": ")


def _status_error(response: httpx.Response, body: bytes) -> RuntimeError:
    request = response.request
    return RuntimeError(f"{response.status_code} from {request.method} {request.url.path}: {body[:300]!r}")


@dataclass
class TurnStream:
    """A streamed create-turn (or subscribe) read to the server's end of stream. Times are
    `time.perf_counter()` readings in this process; `sent_at` is taken just before the request."""

    session_id: str
    sent_at: float = 0.0
    created_at: float | None = None
    model_at: float | None = None
    """The first `model.*` event (the assistant message's base, before its first delta)."""
    delta_at: float | None = None
    done_at: float | None = None
    last_event_at: float | None = None
    events: int = 0
    deltas: int = 0
    turn_id: str | None = None
    final_state: str | None = None
    error: BaseException | None = None
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    """Set at the first event, or when the stream ends without one."""
    streaming: asyncio.Event = field(default_factory=asyncio.Event)
    """Set at the first delta, or when the stream ends without one."""
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ok(self) -> bool:
        return self.error is None and self.done_at is not None

    async def read(self, http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> TurnStream:
        self.sent_at = time.perf_counter()
        try:
            async for event in aiter_events(http, "POST", url, json=body, timeout=STREAM_TIMEOUT):
                self._seen(event.event, event.data)
        except Exception as exc:  # counted by the scenario
            self.error = exc
        finally:
            self.opened.set()
            self.streaming.set()
            self.ended.set()
        return self

    def _seen(self, kind: str, data: str) -> None:
        now = time.perf_counter()
        self.events += 1
        self.last_event_at = now
        self.opened.set()
        if kind == CREATED:
            self.created_at = now
            self.turn_id = json.loads(data)["turn_id"]
        elif kind.startswith(MODEL_PREFIX) and self.model_at is None:
            self.model_at = now
        if kind == DELTA:
            self.deltas += 1
            if self.delta_at is None:
                self.delta_at = now
                self.streaming.set()
        elif kind == DONE:
            self.done_at = now
            state = json.loads(data)["state"]
            self.final_state = f"{state['status']}/{state.get('reason', '-')}"

    def since_sent(self, at: float | None) -> float | None:
        return None if at is None else at - self.sent_at


class FrameCounter:
    """Counts SSE frames (`id:` lines) on the raw bytes and notices `turn.done`, at C speed: a
    subscriber that parsed every event in Python would cap the fan-out figure at the bench's own
    parsing rate. sse-starlette writes `id:` first in every event frame and never in a ping."""

    _FRAME = b"\nid: "
    _DONE = b"\nevent: " + DONE.encode()

    def __init__(self) -> None:
        self.frames = 0
        self.done = False
        self.ended_at: float | None = None
        self.error: BaseException | None = None
        # The stream is read as if it began with a newline, so the first frame's `id:` counts too.
        # Each pattern keeps a tail one byte shorter than itself: a match split across two chunks
        # is found, and none is counted twice.
        self._frame_tail = b"\n"
        self._done_tail = b""

    def feed(self, chunk: bytes) -> None:
        data = self._frame_tail + chunk
        self.frames += data.count(self._FRAME)
        self._frame_tail = data[-(len(self._FRAME) - 1) :]
        data = self._done_tail + chunk
        self.done = self.done or self._DONE in data
        self._done_tail = data[-(len(self._DONE) - 1) :]

    async def read(self, http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> FrameCounter:
        try:
            async with http.stream("POST", url, json=body, timeout=STREAM_TIMEOUT) as response:
                if response.is_error:
                    raise _status_error(response, await response.aread())
                async for chunk in response.aiter_raw():
                    self.feed(chunk)
        except Exception as exc:  # counted by the scenario
            self.error = exc
        finally:
            self.ended_at = time.perf_counter()
        return self
