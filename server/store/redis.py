"""Connections to the zones' Redis deployments, and the one error every store failure becomes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import cast

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.metrics import REDIS_ERRORS
from server.store.embedded import EmbeddedRedis
from server.store.lua import Scripts

log = logging.getLogger(__name__)


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


def connect(url: str) -> Redis:
    # Short timeouts so a dead Redis turns into a prompt 400 rather than a hung request; the pool
    # reconnects by itself once Redis is back.
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=None,
        health_check_interval=30,
        retry_on_timeout=False,
        # Every open SSE stream and every waiting cancel holds a connection in XREAD BLOCK; redis-py's
        # default cap of 100 would turn the 101st stream into "store unavailable" for every request.
        max_connections=MAX_CONNECTIONS,
        # After Redis restarts, each pooled connection it dropped fails once on first use; one
        # immediate retry on a fresh connection hides that, and a Redis still down fails as before.
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError],
    )


@dataclass
class Zone:
    name: str
    redis: Redis
    """Ordinary commands: each is bounded, so a hung Redis becomes a prompt StoreUnavailable."""
    blocking: Redis
    """Commands that wait on purpose (XREAD/XREADGROUP BLOCK, pub/sub): their own pool, so they
    never hold the connections ordinary requests need, with a read timeout above their block."""
    scripts: Scripts = field(init=False)

    def __post_init__(self) -> None:
        self.scripts = Scripts(self.redis)


class Store:
    """The home zone's Redis (other zones arrive with remote executors)."""

    def __init__(self, zone: Zone, embedded: EmbeddedRedis | None = None) -> None:
        self.zone = zone
        self._embedded = embedded

    @classmethod
    async def open(cls, url: str | None, zone_name: str) -> Store:
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
        return cls(Zone(zone_name, connect(url), connect(url)), embedded)

    @property
    def redis(self) -> Redis:
        return self.zone.redis

    @property
    def blocking(self) -> Redis:
        return self.zone.blocking

    @property
    def scripts(self) -> Scripts:
        return self.zone.scripts

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (RedisConnectionError, RedisTimeoutError, OSError):
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
