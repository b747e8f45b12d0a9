"""Fault injection between a server and a Redis of the test's own: never the shared test Redis.

Two tools, each a context manager a test module wraps in a three-line fixture:

- `testkit.redis_server.RedisServer`: a private redis-server on a free loopback port, started and
  stopped by PID, which can be killed and restarted with its data, or paused (SIGSTOP) and resumed.
- `RedisProxy`: an asyncio TCP proxy on its own thread and event loop, put between a server process and
  a `RedisServer` (point the server at `proxy.url`). Its `mode` decides what happens to the bytes:

  ========================  ==================================================================
  `Mode.PASS`               forward both ways (the default)
  `Mode.PAUSE`              accept connections but forward nothing either way: a blackholed link.
                            Bytes wait in the sockets, as TCP would retransmit them, and flow on
                            once the mode is `PASS` again (a partition that heals)
  `Mode.RESET`              reset every open connection, and each new one as soon as it arrives
  `Mode.DROP_REPLIES`       forward requests, discard every reply: Redis runs the commands, the
                            client never learns it did
  `Mode.LOSE_ONE_REPLY`     forward requests; the next reply to a request that contains `marker`
                            (any request without one) is discarded and that connection is reset;
                            then the proxy is back to `PASS`. "The command ran, the client saw a
                            broken connection": what a retried, non-idempotent script gets wrong
  ========================  ==================================================================

  A "reply" is what one read from Redis returns. redis-py sends one command per connection at a time
  (outside pipelines), so that is the reply to the request before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import socket
import struct
import threading
from typing import Self

import httpx

from testkit.processes import free_port

_READ_SIZE = 65536


class Mode(enum.Enum):
    PASS = "pass"
    PAUSE = "pause"
    RESET = "reset"
    DROP_REPLIES = "drop replies"
    LOSE_ONE_REPLY = "lose one reply then break"


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST (SO_LINGER 0), as a peer that vanished does, rather than a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Link:
    """One client connection and its connection to Redis."""

    def __init__(self, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream = upstream
        self.armed = False
        """LOSE_ONE_REPLY: a request matching the marker went through; its reply is to be lost."""

    def reset(self) -> None:
        _reset(self.client)
        _reset(self.upstream)


class RedisProxy:
    """A TCP proxy from a free loopback port to `upstream_port`; see the module docstring."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.marker = b""
        self.lost_replies = 0
        self.accepted = 0
        """Connections accepted so far (a retried command opens a fresh one)."""
        self._mode = Mode.PASS
        self._loop = asyncio.new_event_loop()
        self._flowing = asyncio.Event()
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="redis-proxy")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def mode(self) -> Mode:
        return self._mode

    def set_mode(self, mode: Mode, marker: bytes = b"") -> None:
        """Switch mode (from the test's thread); `marker` selects the request LOSE_ONE_REPLY acts on."""
        asyncio.run_coroutine_threadsafe(self._set_mode(mode, marker), self._loop).result(10)

    def pause(self) -> None:
        self.set_mode(Mode.PAUSE)

    def resume(self) -> None:
        self.set_mode(Mode.PASS)

    def reset(self) -> None:
        self.set_mode(Mode.RESET)

    def drop_replies(self) -> None:
        self.set_mode(Mode.DROP_REPLIES)

    def lose_next_reply(self, marker: bytes = b"") -> None:
        """Lose the reply to the next request containing `marker` (say b"EVALSHA"), reset its
        connection, then pass again."""
        self.set_mode(Mode.LOSE_ONE_REPLY, marker)

    def open_connections(self) -> int:
        return len(self._links)

    async def _set_mode(self, mode: Mode, marker: bytes) -> None:
        self._mode, self.marker = mode, marker
        if mode is Mode.PAUSE:
            self._flowing.clear()
        else:
            self._flowing.set()
        if mode is Mode.RESET:
            for link in list(self._links):
                link.reset()

    async def _serve(self) -> None:
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self._mode is Mode.RESET:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            _reset(writer)  # Redis is down: the client sees its connection refused, near enough
            return
        link = _Link(writer, up_writer)
        self._links.add(link)
        try:
            await asyncio.gather(self._requests(link, reader), self._replies(link, up_reader))
        finally:
            self._links.discard(link)
            link.reset()

    async def _requests(self, link: _Link, reader: asyncio.StreamReader) -> None:
        while chunk := await self._next(reader):
            if self._mode is Mode.LOSE_ONE_REPLY and self.marker in chunk:
                link.armed = True
            link.upstream.write(chunk)
            await link.upstream.drain()
        link.reset()

    async def _replies(self, link: _Link, reader: asyncio.StreamReader) -> None:
        while chunk := await self._next(reader):
            if self._mode is Mode.DROP_REPLIES:
                continue
            if self._mode is Mode.LOSE_ONE_REPLY and link.armed:
                self.lost_replies += 1
                self._mode = Mode.PASS
                link.reset()
                return
            link.client.write(chunk)
            await link.client.drain()
        link.reset()

    async def _next(self, reader: asyncio.StreamReader) -> bytes:
        """The next chunk once bytes may flow; b"" at the end of the connection. While paused nothing
        is read, so bytes wait in the kernel's buffers as they would behind a partition."""
        await self._flowing.wait()
        try:
            chunk = await reader.read(_READ_SIZE)
        except OSError:
            return b""
        await self._flowing.wait()
        return chunk

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for link in list(self._links):
                link.reset()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def readiness(root: str) -> tuple[int, dict[str, str]]:
    """GET /readyz: its status and each zone's state. A 503 is the spec's error envelope with
    `store_unavailable`, its message naming each zone's state ("zones: g down, b up")."""
    response = httpx.get(f"{root}/readyz", timeout=30)
    body = response.json()
    if response.status_code == 503:
        assert set(body) == {"error"} and body["error"]["code"] == "store_unavailable", body
        listed = body["error"]["message"].rsplit("(zones: ", 1)[1].rstrip(")")
        return 503, dict(pair.split(" ") for pair in listed.split(", "))  # type: ignore[misc]
    assert response.status_code == 200 and body["status"] == "ok", body
    return 200, dict(body["zones"])
