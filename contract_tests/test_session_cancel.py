"""The steps a session cancel takes on approvals: CANCEL_SESSION, when it finds no turn running,
must drop the last turn's pending approvals in the same step as reading `running`; DROP_PENDING,
after a cancelled turn paused for approvals instead, must leave a turn that started after it alone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis

from server.store import keys, sessions, turns
from server.store.redis import Store

TENANT, SESSION = "t", "s1.g"
ACROSS_DEPLOYMENTS = True


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(redis_url, "g")
    yield opened
    await opened.close()


async def drop(store: Store, turn_id: str | None = None) -> list[str]:
    """As a session cancel does: given no turn, CANCEL_SESSION (the caller's view of the last turn,
    None here, is stale on purpose: the store follows the session); else DROP_PENDING of that one."""
    if turn_id is None:
        signal = await turns.cancel_running(store, TENANT, SESSION, None, "client-cancelled", lambda _: "ex")
        return ["idle"] if signal is None else ["running", signal.turn_id]
    running = await sessions.drop_pending(store, TENANT, SESSION, turn_id)
    return ["idle"] if running is None else ["running", running]


def paused(flush_redis: redis.Redis, turn_id: str) -> None:
    flush_redis.hset(keys.turn(TENANT, SESSION, turn_id), mapping={"status": "done", "pending": '["call_1"]'})
    flush_redis.hset(keys.session(TENANT, SESSION), "last_turn", turn_id)


async def test_an_idle_sessions_last_turn_loses_its_pending_approvals(
    store: Store, flush_redis: redis.Redis
) -> None:
    paused(flush_redis, "u1.g.ex")
    assert await drop(store) == ["idle"]
    assert flush_redis.hget(keys.turn(TENANT, SESSION, "u1.g.ex"), "pending") is None


async def test_a_running_turn_is_reported_and_nothing_is_dropped(
    store: Store, flush_redis: redis.Redis
) -> None:
    paused(flush_redis, "u1.g.ex")
    flush_redis.hset(keys.session(TENANT, SESSION), mapping={"running": "u2.g.ex", "last_turn": "u2.g.ex"})
    flush_redis.hset(keys.turn(TENANT, SESSION, "u2.g.ex"), mapping={"status": "running", "seq": 4})
    assert await drop(store) == ["running", "u2.g.ex"]
    assert flush_redis.hget(keys.turn(TENANT, SESSION, "u2.g.ex"), "cancel") == "client-cancelled"
    assert flush_redis.hget(keys.turn(TENANT, SESSION, "u1.g.ex"), "pending") == '["call_1"]'


async def test_a_turn_that_paused_as_it_was_cancelled_loses_its_approvals(
    store: Store, flush_redis: redis.Redis
) -> None:
    paused(flush_redis, "u2.g.ex")
    assert await drop(store, "u2.g.ex") == ["idle"]
    assert flush_redis.hget(keys.turn(TENANT, SESSION, "u2.g.ex"), "pending") is None


async def test_a_turn_started_after_the_cancel_keeps_its_approvals(
    store: Store, flush_redis: redis.Redis
) -> None:
    paused(flush_redis, "u3.g.ex")  # the session moved on past the cancelled u2
    assert await drop(store, "u2.g.ex") == ["idle"]
    assert flush_redis.hget(keys.turn(TENANT, SESSION, "u3.g.ex"), "pending") == '["call_1"]'
