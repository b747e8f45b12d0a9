"""The API's Redis round trips for a session cancel, counted on the cancelling task alone against a
real Redis, with a stand-in executor in another task that ends the turn when it hears the push:
the session's load, CANCEL_SESSION (record, push and the log's position in one step) and the
blocking read that brings `turn.done`, with no status poll before or after it."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio.connection import AbstractConnection

from generated.models import Subject
from server.auth import Caller
from server.config import Settings
from server.domain import execution, sessions
from server.domain.context import CallContext
from server.domain.turn_state import CancelReason, cancelled
from server.store import channels, executors, keys
from server.store import turns as turn_store
from server.store.redis import Store, Zone, connect
from testkit.redis_clients import TEST_REDIS_URL as REDIS_URL
from tests.test_executor_round_trips import _running_turn

NOW = "2026-01-01T00:00:00Z"
# HGETALL of the session, CANCEL_SESSION, XREAD BLOCK from the position the script returned.
SESSION_CANCEL_ROUND_TRIPS = 3
# CANCEL_SESSION finding nothing running (and dropping the last turn's approvals in that step).
IDLE_CANCEL_ROUND_TRIPS = 2


def _open() -> Store:
    return Store(Zone("g", connect(REDIS_URL, 2.0), connect(REDIS_URL, 2.0, blocking=True)))


@pytest.fixture
async def api() -> AsyncIterator[Store]:
    opened = _open()
    if not await opened.ping():
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield opened
    await opened.close()


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[asyncio.Task[Any] | None]:
    """One entry per write to Redis (a command or a whole pipeline: one round trip each), naming
    the task that sent it, so the stand-in executor's commands can be left out."""
    sent: list[asyncio.Task[Any] | None] = []
    send: Callable[..., Awaitable[None]] = AbstractConnection.send_packed_command

    async def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        sent.append(asyncio.current_task())
        await send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent


def _context(store: Store, tenant: str, executor: str) -> CallContext:
    subject = Subject(subject_id="alice", subject_type="user", subject_slug="alice")
    caller = Caller(subject, tenant, is_admin=False)
    return CallContext(store, Settings(redis_url=REDIS_URL, executor_id=executor), tenant, caller)


async def _executor(
    store: Store, tenant: str, executor: str, session: list[str], ready: asyncio.Event
) -> None:
    """Listen on the executor's channel; on the push, record `cancelled` as a worker would."""
    async with channels.listen(store.zone, keys.executor_cancel_channel(executor)) as subscription:
        ready.set()
        while True:
            message = await subscription.get_message(timeout=5)
            if message and message["type"] in channels.DELIVERED:
                turn_id, reason = message["data"].split(" ", 1)
                state = cancelled(NOW, CancelReason(reason), None)
                await execution.finish(store, tenant, session[0], turn_id, state, 60)
                return


async def _cancel_counted(
    api: Store, round_trips: list[asyncio.Task[Any] | None], tenant: str, executor: str
) -> tuple[int, str, str]:
    """Start a turn, cancel its session while a stand-in executor listens: the cancel's round trips."""
    other = _open()
    ready, session = asyncio.Event(), list[str]()
    worker = asyncio.create_task(_executor(other, tenant, executor, session, ready))
    try:
        await ready.wait()
        session_id, turn_id = await _running_turn(api, tenant, executor)
        session.append(session_id)
        round_trips.clear()
        me = asyncio.current_task()
        assert await sessions.cancel(_context(api, tenant, executor), session_id)
        trips = sum(1 for task in round_trips if task is me)
        await asyncio.wait_for(worker, 5)
    finally:
        worker.cancel()
        await other.close()
    return trips, session_id, turn_id


async def test_a_session_cancel_answers_in_three_round_trips(
    api: Store, round_trips: list[asyncio.Task[Any] | None]
) -> None:
    tenant, executor = f"cancel-{secrets.token_hex(4)}", f"rt{secrets.token_hex(5)}"
    await _cancel_counted(api, round_trips, tenant, executor)  # warm-up: scripts loaded, pools open
    trips, session_id, turn_id = await _cancel_counted(api, round_trips, tenant, executor)

    assert trips == SESSION_CANCEL_ROUND_TRIPS
    record = await turn_store.load(api, tenant, session_id, turn_id)
    assert record is not None and record.status == "cancelled" and record.cancel == "client-cancelled"
    assert await api.redis.hget(keys.session(tenant, session_id), "running") is None
    log = await turn_store.log(api, tenant, session_id, turn_id)
    assert [e["type"] for e in log] == ["turn.created", "turn.done"]


async def test_an_idle_session_cancel_is_one_step_after_the_load(
    api: Store, round_trips: list[asyncio.Task[Any] | None]
) -> None:
    tenant, executor = f"cancel-{secrets.token_hex(4)}", f"rt{secrets.token_hex(5)}"
    await executors.heartbeat(api, executor, 5, [], 60)
    async with executors.cancel_channel(api, executor):
        session_id, turn_id = await _running_turn(api, tenant, executor)
    state = cancelled(NOW, CancelReason.CLIENT_CANCELLED, None)
    assert await execution.finish(api, tenant, session_id, turn_id, state, 60)
    await api.redis.hset(keys.turn(tenant, session_id, turn_id), "pending", '["call_1"]')
    ctx = _context(api, tenant, executor)
    assert not await sessions.cancel(ctx, session_id)  # warm-up
    await api.redis.hset(keys.turn(tenant, session_id, turn_id), "pending", '["call_1"]')
    round_trips.clear()
    assert not await sessions.cancel(ctx, session_id)

    assert len(round_trips) == IDLE_CANCEL_ROUND_TRIPS
    assert await api.redis.hget(keys.turn(tenant, session_id, turn_id), "pending") is None
