"""A counting TCP proxy between one server process and Redis: the round trips its connections make
and the top-level commands they send, by name, read off the RESP the client writes.

A round trip is counted when a connection sends after it has heard from Redis (or for the first
time): what a client writes before it reads the answer (one command, a pipeline, a request split
over several TCP segments) is one trip; a blocking XREAD that waits a second is still one. Commands
that scripts run inside Redis never cross the wire: `INFO commandstats` counts those
(`bench/redis_cost.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from server.store import lua

_READ = 65536
# Commands whose first argument names what they do (CLIENT ID, XGROUP CREATE): counted as the pair.
_CONTAINERS = frozenset(
    {"CLIENT", "CONFIG", "XGROUP", "XINFO", "SCRIPT", "PUBSUB", "OBJECT", "MEMORY", "CLUSTER"}
)


def script_names() -> dict[str, str]:
    """SHA1 → name of every script in `server.store.lua` (its `ALL` script classes, whose `lua()`
    is what the store registers), so an EVALSHA is reported as the script it runs."""
    return {hashlib.sha1(cls.lua().encode()).hexdigest(): cls.__name__ for cls in lua.ALL}


@dataclass(frozen=True)
class TapCounts:
    round_trips: int = 0
    commands: Counter[str] = field(default_factory=Counter)

    def __sub__(self, other: TapCounts) -> TapCounts:
        commands = Counter(self.commands)
        commands.subtract(other.commands)
        return TapCounts(self.round_trips - other.round_trips, commands)

    def __add__(self, other: TapCounts) -> TapCounts:
        return TapCounts(self.round_trips + other.round_trips, self.commands + other.commands)


class _RespCommands:
    """Incremental parser of the client side of RESP: arrays of bulk strings (all redis-py sends)."""

    def __init__(self, scripts: dict[str, str]) -> None:
        self.buffer = bytearray()
        self.scripts = scripts

    def feed(self, data: bytes) -> list[str]:
        self.buffer += data
        names: list[str] = []
        while (parsed := self._one()) is not None:
            names.append(parsed)
        return names

    def _one(self) -> str | None:
        buf = self.buffer
        end = buf.find(b"\r\n")
        if end < 0:
            return None
        if buf[:1] != b"*":  # an inline command: the line is the command
            line = bytes(buf[:end]).split()
            del buf[: end + 2]
            return line[0].decode().upper() if line else None
        count, pos = int(buf[1:end]), end + 2
        args: list[bytes] = []
        for _ in range(count):
            line_end = buf.find(b"\r\n", pos)
            if line_end < 0:
                return None
            size = int(buf[pos + 1 : line_end])
            start, pos = line_end + 2, line_end + 2 + size + 2
            if pos > len(buf):
                return None
            if len(args) < 2:
                args.append(bytes(buf[start : start + size]))
        del buf[:pos]
        return self._name(args)

    def _name(self, args: list[bytes]) -> str:
        name = args[0].decode().upper()
        if name == "EVALSHA" and len(args) > 1:
            sha = args[1].decode()
            return f"EVALSHA {self.scripts.get(sha, sha[:8])}"
        if name in _CONTAINERS and len(args) > 1:
            return f"{name} {args[1].decode().upper()}"
        return name


class RedisTap:
    """Listens on a free loopback port; every connection is relayed to `upstream` and counted."""

    def __init__(self, upstream_host: str, upstream_port: int, scripts: dict[str, str] | None = None) -> None:
        """`scripts`: SHA1 → the name an EVALSHA of it is counted under (default: the server's)."""
        self.upstream = (upstream_host, upstream_port)
        self.round_trips = 0
        self.commands: Counter[str] = Counter()
        self.scripts = script_names() if scripts is None else scripts
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def counts(self) -> TapCounts:
        return TapCounts(self.round_trips, Counter(self.commands))

    async def start(self) -> RedisTap:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        """Closes every relayed connection (their relays end on the EOF: a cancelled connection
        callback would be logged by asyncio as an error)."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        up_writer: asyncio.StreamWriter | None = None
        try:
            self._writers.add(writer)
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            self._writers.add(up_writer)
            waiting = [False]  # the connection has sent and not yet heard back
            await asyncio.gather(
                self._client_to_redis(reader, up_writer, waiting),
                self._redis_to_client(up_reader, writer, waiting),
            )
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            for stream in (writer, up_writer):
                if stream is not None:
                    self._writers.discard(stream)
                    stream.close()

    async def _client_to_redis(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, waiting: list[bool]
    ) -> None:
        parser = _RespCommands(self.scripts)
        while data := await reader.read(_READ):
            if not waiting[0]:
                self.round_trips += 1
                waiting[0] = True
            self.commands.update(parser.feed(data))
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()

    async def _redis_to_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, waiting: list[bool]
    ) -> None:
        while data := await reader.read(_READ):
            waiting[0] = False
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()
