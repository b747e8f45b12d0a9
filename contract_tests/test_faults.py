"""The fault fixtures do what they say, and the store's bounds hold against them: a command on a hung
link times out once (not retried into twice its bound), a broken connection is retried, a blocking
read is bounded by its block plus the timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from contract_tests.faults import RedisProxy
from server.store.redis import Store
from testkit.redis_server import RedisServer

TIMEOUT = 0.5
SLACK = 2.0


@pytest.fixture
def own(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path) as server:
        yield server


@pytest.fixture
def proxy(own: RedisServer) -> Iterator[RedisProxy]:
    with RedisProxy(own.port) as running:
        yield running


@pytest.fixture
async def store(proxy: RedisProxy) -> AsyncIterator[Store]:
    opened = await Store.open(proxy.url, "g", TIMEOUT)
    yield opened
    await opened.close()


def direct(own: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(own.url, decode_responses=True)


def test_a_sigstopped_redis_accepts_but_never_answers_until_resumed(own: RedisServer) -> None:
    own.pause()
    with redis.Redis.from_url(own.url, socket_timeout=0.3) as client, pytest.raises(redis.TimeoutError):
        client.ping()
    own.resume()
    assert own.answers()


async def test_a_paused_link_times_out_once_and_flows_again_when_resumed(
    store: Store, proxy: RedisProxy
) -> None:
    assert await store.ping()
    proxy.pause()
    started, before = time.monotonic(), proxy.accepted
    with pytest.raises(RedisTimeoutError):
        await store.redis.set("k", "v")
    assert time.monotonic() - started < TIMEOUT + SLACK
    # The timed-out command was not retried on a fresh connection (which would double the bound).
    assert proxy.accepted == before
    assert not await store.ping()
    proxy.resume()
    assert await store.redis.set("k", "v")


async def test_a_broken_connection_is_retried_on_a_fresh_one(store: Store, proxy: RedisProxy) -> None:
    await store.redis.set("k", "v")  # leaves a pooled connection
    proxy.reset()
    proxy.resume()
    assert await store.redis.get("k") == "v"  # the reset pooled one failed once, the retry worked


async def test_a_reset_link_refuses_every_command(store: Store, proxy: RedisProxy) -> None:
    proxy.reset()
    with pytest.raises(RedisConnectionError):
        await store.redis.get("k")


async def test_dropped_replies_leave_the_command_run_but_unanswered(
    store: Store, proxy: RedisProxy, own: RedisServer
) -> None:
    assert await store.ping()  # a pooled connection: its handshake's replies are not the ones dropped
    proxy.drop_replies()
    with pytest.raises(RedisTimeoutError):
        await store.redis.set("dropped", "1")
    assert direct(own).get("dropped") == "1"


async def test_losing_one_reply_breaks_that_connection_once_then_passes(
    store: Store, proxy: RedisProxy, own: RedisServer
) -> None:
    await store.redis.set("n", 0)
    proxy.lose_next_reply(b"INCR")
    # The INCR ran; its reply was lost and the connection reset: redis-py's retry runs it again.
    # (That second run is the bug idempotent scripts must close; here it shows the fault works.)
    assert await store.redis.incr("n") == 2
    assert proxy.lost_replies == 1 and direct(own).get("n") == "2"
    assert await store.redis.incr("n") == 3


async def test_a_blocking_read_is_bounded_by_its_block_plus_the_timeout(
    store: Store, proxy: RedisProxy
) -> None:
    assert await store.zone.blocking_read({"s": "0-0"}, block_ms=200) == []
    proxy.pause()
    started = time.monotonic()
    with pytest.raises(RedisTimeoutError):
        await store.zone.blocking_read({"s": "0-0"}, block_ms=200)
    assert time.monotonic() - started < 0.2 + TIMEOUT + SLACK


async def test_readiness_ping_is_bounded_on_a_hung_link(store: Store, proxy: RedisProxy) -> None:
    proxy.pause()
    started = time.monotonic()
    assert not await asyncio.wait_for(store.ping(), 10)
    assert time.monotonic() - started < TIMEOUT + SLACK
