"""Connections to the zones' Redis deployments, and the one error every store failure becomes."""

from __future__ import annotations

import asyncio
import logging
import sys
import types
from collections.abc import AsyncIterator, Awaitable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar, cast

from redis.asyncio import Redis
from redis.asyncio import connection as redis_connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.metrics import REDIS_ERRORS
from server.store import deployments
from server.store.deployments import Deployment
from server.store.embedded import EmbeddedRedis
from server.store.lua import Scripts

log = logging.getLogger(__name__)
T = TypeVar("T")


def _keep_cancellations_on_socket_writes() -> None:
    """redis-py bounds each socket write with `asyncio.wait_for`, which on Python 3.11 loses a task's
    cancellation when the write finishes as the cancel arrives (CPython gh-86296, fixed in 3.12 by
    building wait_for on `asyncio.timeout`). A turn's cancel landing on an executor's Redis write was
    then swallowed and the turn ran on (a 424). Its connection module gets 3.12's wait_for."""
    if sys.version_info >= (3, 12):
        return

    async def wait_for(awaitable: Awaitable[T], timeout: float | None) -> T:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            return await awaitable

    patched = {name: getattr(asyncio, name) for name in dir(asyncio) if not name.startswith("__")}
    patched["wait_for"] = wait_for
    setattr(redis_connection, "asyncio", types.SimpleNamespace(**patched))  # noqa: B010


_keep_cancellations_on_socket_writes()


# redis-py types replies as `bytes | str` whatever `decode_responses` says; these name what our
# decode_responses=True connections actually return.
StreamEntry = tuple[str, dict[str, str]]


async def xread(
    redis: Redis, streams: dict[str, str], *, block_ms: int | None = None, count: int | None = None
) -> list[tuple[str, list[StreamEntry]]]:
    reply = await redis.xread(dict(streams), block=block_ms, count=count)  # type: ignore[arg-type]
    return cast(list[tuple[str, list[StreamEntry]]], reply or [])


async def xrange(
    redis: Redis, stream: str, low: str = "-", high: str = "+", count: int | None = None
) -> list[StreamEntry]:
    return cast(list[StreamEntry], await redis.xrange(stream, min=low, max=high, count=count))


class StoreUnavailable(Exception):
    """Redis could not be reached; the API answers 400 "store unavailable" (the seed's contract)."""


MAX_CONNECTIONS = 10_000
DEFAULT_TIMEOUT_SECONDS = 2.0
LONGEST_BLOCK_MS = 10_000
"""No command on a zone's blocking client blocks longer (`Zone.blocking_read` clamps to it): its
socket timeout is this plus the ordinary timeout, a backstop for reads without a bound of their own."""


def connect(url: str | Deployment, timeout: float, *, blocking: bool = False) -> Redis:
    """A client whose every command is bounded: connecting and each reply take at most `timeout`
    (plus the longest block on a `blocking` client), so a hung Redis becomes a prompt StoreUnavailable
    rather than a hung request; the pool reconnects by itself once Redis answers again (and, in a
    cluster or behind sentinels, finds the promoted primary). `url` is any of the three forms in
    server/store/deployments.py."""
    deployment = url if isinstance(url, Deployment) else deployments.parse(url)
    read_timeout = timeout + (LONGEST_BLOCK_MS / 1000 if blocking else 0)
    # Every open SSE stream and every waiting cancel holds a connection in XREAD BLOCK; redis-py's
    # default cap of 100 would turn the 101st stream into "store unavailable" for every request.
    client = deployments.connect(deployment, timeout, read_timeout, MAX_CONNECTIONS)
    # RedisCluster has the same command methods (both come from redis.commands) but is no Redis
    # subclass; the store's callers use only commands both answer.
    return cast(Redis, client)


@asynccontextmanager
async def bounded(seconds: float, what: str = "a command") -> AsyncIterator[None]:
    """At most `seconds` for the body, whatever it awaits (a fresh connection's handshake, a reply):
    past that it raises redis-py's TimeoutError, which every caller already treats as Redis down."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        raise RedisTimeoutError(f"Redis did not answer {what} within {seconds:g}s") from exc


@dataclass
class Zone:
    name: str
    redis: Redis
    """Ordinary commands: each is bounded, so a hung Redis becomes a prompt StoreUnavailable."""
    blocking: Redis
    """Commands that wait on purpose (XREAD/XREADGROUP BLOCK, pub/sub): their own pool, so they
    never hold the connections ordinary requests need, with a read timeout above their block."""
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    """The bound on one ordinary command (`redis_timeout_seconds`)."""
    sharded_pubsub: bool | None = None
    """A cluster's: whether it has SSUBSCRIBE / SPUBLISH (Redis >= 7), learnt at first use."""
    scripts: Scripts = field(init=False)

    def __post_init__(self) -> None:
        self.scripts = Scripts(self.redis)

    def bound(self, block_ms: int = 0, what: str = "a command") -> AbstractAsyncContextManager[None]:
        """The bound on one command that blocks `block_ms` on purpose: its block plus the timeout."""
        return bounded(block_ms / 1000 + self.timeout, what)

    async def blocking_read(
        self, streams: dict[str, str], *, block_ms: int, count: int | None = None
    ) -> list[tuple[str, list[StreamEntry]]]:
        """XREAD BLOCK on the blocking client, bounded by its block plus the timeout."""
        block_ms = max(1, min(block_ms, LONGEST_BLOCK_MS))
        async with self.bound(block_ms, "a blocking read"):
            return await xread(self.blocking, streams, block_ms=block_ms, count=count)


class Store:
    """The home zone's Redis (other zones arrive with remote executors)."""

    def __init__(self, zone: Zone, embedded: EmbeddedRedis | None = None) -> None:
        self.zone = zone
        self._embedded = embedded

    @classmethod
    async def open(
        cls, url: str | None, zone_name: str, command_timeout: float = DEFAULT_TIMEOUT_SECONDS
    ) -> Store:
        """Clients for the zone's Redis. Nothing is sent yet: redis-py connects on first use, so a zone
        whose Redis is down opens all the same and starts working when it comes back."""
        embedded = None
        if url is None:
            embedded = EmbeddedRedis()
            await embedded.start()
            url = embedded.url
            log.warning(
                "HARNESS_REDIS_URL is unset: using an embedded redis-server (%s); "
                "its data is lost when the server stops",
                url,
            )
        deployment = deployments.parse(url)
        blocking = connect(deployment, command_timeout, blocking=True)
        zone = Zone(zone_name, connect(deployment, command_timeout), blocking, command_timeout)
        return cls(zone, embedded)

    @property
    def redis(self) -> Redis:
        return self.zone.redis

    @property
    def blocking(self) -> Redis:
        return self.zone.blocking

    @property
    def scripts(self) -> Scripts:
        return self.zone.scripts

    @property
    def name(self) -> str:
        return self.zone.name

    async def ping(self) -> bool:
        """Whether the zone's Redis answers, within the ordinary timeout (never longer)."""
        try:
            async with self.zone.bound(what="PING"):
                return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self.redis.aclose()
        await self.zone.blocking.aclose()
        if self._embedded:
            await self._embedded.stop()


@asynccontextmanager
async def store_errors() -> AsyncIterator[None]:
    """Turn every way of not reaching Redis into StoreUnavailable."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError) as exc:
        REDIS_ERRORS.labels("request").inc()
        raise StoreUnavailable(str(exc)) from exc
