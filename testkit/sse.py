"""Reading a turn's SSE stream in tests and the bench: frames as (id, event, data) in arrival order.

Synchronous: `read_frames` (to the end of the stream), `BackgroundStream` (read on a thread while the
test acts). Asynchronous: `aiter_events` (httpx-sse's events, data unparsed: the bench's load
generator parses only what it looks at) and `aread_frames`.

The CLI (harness_cli/streaming.py) has its own reader on the generated client, typed events and the
spec's error envelopes: it ships, and shipped code does not depend on test support.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, aconnect_sse, connect_sse


@dataclass
class Frame:
    id: int
    event: str
    data: dict[str, Any]


def read_frames(
    client: httpx.Client, method: str, url: str, *, stop_after: int | None = None, **kwargs: Any
) -> list[Frame]:
    """All frames until the server ends the stream (or `stop_after` frames, then hang up)."""
    frames: list[Frame] = []
    with connect_sse(client, method, url, **kwargs) as source:
        source.response.raise_for_status()
        for sse in source.iter_sse():
            frames.append(Frame(int(sse.id), sse.event, json.loads(sse.data)))
            if stop_after is not None and len(frames) >= stop_after:
                break
    return frames


class StreamRefused(httpx.HTTPStatusError):
    """The server answered the stream's request with an error status: its body is in the message."""

    def __init__(self, response: httpx.Response, body: bytes) -> None:
        request = response.request
        message = f"{response.status_code} from {request.method} {request.url.path}: {body[:300]!r}"
        super().__init__(message, request=request, response=response)


async def aiter_events(
    http: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> AsyncIterator[ServerSentEvent]:
    """The stream's events until the server ends it; an error status raises `StreamRefused`. A caller
    that stops early closes the generator (`contextlib.aclosing`), which hangs up."""
    async with aconnect_sse(http, method, url, **kwargs) as source:
        response = source.response
        if response.is_error:
            raise StreamRefused(response, await response.aread())
        async for event in source.aiter_sse():
            yield event


async def aread_frames(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> list[Frame]:
    """All frames until the server ends the stream."""
    return [
        Frame(int(sse.id), sse.event, json.loads(sse.data))
        async for sse in aiter_events(http, method, url, **kwargs)
    ]


@dataclass
class BackgroundStream:
    """A stream read on a thread, so a test can act (cancel, kill) while it flows."""

    client: httpx.Client
    url: str
    body: dict[str, Any]
    frames: list[Frame] = field(default_factory=list)
    error: BaseException | None = None
    _thread: threading.Thread | None = None
    _first: threading.Event = field(default_factory=threading.Event)

    def start(self) -> BackgroundStream:
        def run() -> None:
            try:
                with connect_sse(self.client, "POST", self.url, json=self.body) as source:
                    source.response.raise_for_status()
                    for sse in source.iter_sse():
                        self.frames.append(Frame(int(sse.id), sse.event, json.loads(sse.data)))
                        self._first.set()
            except BaseException as exc:  # reported by join()
                self.error = exc
            finally:
                self._first.set()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def wait_for(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(self.frames) < count:
            if self.error or time.monotonic() > deadline or (self._thread and not self._thread.is_alive()):
                raise AssertionError(f"stream gave {self.frames}, wanted {count} frames: {self.error}")
            time.sleep(0.01)

    def join(self, timeout: float = 30) -> list[Frame]:
        assert self._thread is not None
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"stream still open after {timeout}s ({len(self.frames)} frames)")
        if self.error:
            raise self.error
        return self.frames

    @property
    def turn_id(self) -> str:
        self.wait_for(1)
        return str(self.frames[0].data["turn_id"])
