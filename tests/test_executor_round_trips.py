"""The executor's Redis round trips for a trivial turn (zero-delay, one-chunk `scripted/echo`), run
by the agent loop against a real Redis and counted on this test's own client: the model's base
message and both deltas are produced together, so they go in one APPEND_EVENTS call, not three, in
the same round trip as the terminal state."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio.connection import AbstractConnection

from server import ids
from server.config import Settings
from server.executor.loop import run_turn
from server.executor.providers import Providers
from server.store import executors, keys
from server.store import sessions as session_store
from server.store import turns as turn_store
from server.store.redis import Store, Zone, connect
from testkit.redis_clients import TEST_REDIS_URL as REDIS_URL

NOW = "2026-01-01T00:00:00Z"
MANIFEST = {"model": {"name": "scripted/echo", "params": {"chunks": 1, "delay_ms": 0}}}
# The turn and its session's manifest (one pipeline), its history (no ancestors: no read), then its
# three events, terminal state and lease hint (one pipeline: APPEND_EVENTS, FINISH_TURN, ZREM).
TRIVIAL_TURN_ROUND_TRIPS = 2


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = Store(Zone("g", connect(REDIS_URL, 2.0), connect(REDIS_URL, 2.0, blocking=True)))
    if not await opened.ping():
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield opened
    await opened.close()


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per write to Redis (a command or a whole pipeline: one round trip each), naming
    the connection it went on; only this test's clients run in the process."""
    sent: list[int] = []
    send: Callable[..., Awaitable[None]] = AbstractConnection.send_packed_command

    async def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        sent.append(id(self))
        await send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent


async def _running_turn(store: Store, tenant: str, executor: str) -> tuple[str, str]:
    session_id = f"{ids.new_ulid()}.g"
    turn_id = ids.new_turn_id(session_id, executor)
    session_doc = {"id": session_id, "agent_name": "bot", "type": "session", "agent_version": 1,
                   "created_at": NOW, "created_by_subject": {"subject_id": "alice", "subject_type": "user",
                                                             "subject_slug": "alice"}}  # fmt: skip
    await session_store.create(
        store, tenant, doc=session_doc, owner="alice", manifest_json=json.dumps(MANIFEST), now=NOW,
        retention_seconds=60,
    )  # fmt: skip
    turn_doc = {"id": turn_id, "session_id": session_id, "previous_turn_id": None,
                "input": [{"type": "user.message", "content": "hello there"}]}  # fmt: skip
    new = turn_store.NewTurn(
        tenant=tenant, session_id=session_id, turn_id=turn_id, executor=executor,
        doc_json=json.dumps(turn_doc), state_json='{"status":"running"}',
        created_event='{"sequence_number":1,"type":"turn.created"}', expected_last=None, parent_id=None,
        parent_pending="", consume_pending=False, ancestry=[], agent_name="bot", owner="alice", now=NOW,
        trace="",
    )  # fmt: skip
    await executors.heartbeat(store, executor, 5, [], 60)
    assert await turn_store.start(store, new, retention_seconds=60, lease_ms=5000) == ["ok"]
    return session_id, turn_id


async def test_a_trivial_turn_appends_its_events_with_its_terminal_state_in_one_round_trip(
    store: Store, round_trips: list[int]
) -> None:
    tenant, executor = f"trips-{secrets.token_hex(4)}", f"rt{secrets.token_hex(5)}"
    settings = Settings(redis_url=REDIS_URL, executor_id=executor)
    providers = Providers(settings)
    # START_TURN refuses a turn for an executor nobody listens for.
    async with executors.cancel_channel(store, executor):
        try:
            session_id, turn_id = await _running_turn(store, tenant, executor)
            await run_turn(store, settings, providers, tenant, session_id, turn_id, stopping=False)  # warm-up
            session_id, turn_id = await _running_turn(store, tenant, executor)
            round_trips.clear()
            await run_turn(store, settings, providers, tenant, session_id, turn_id, stopping=False)
            trips = len(round_trips)
        finally:
            await providers.aclose()

    assert trips == TRIVIAL_TURN_ROUND_TRIPS
    log = await store.redis.xrange(keys.turn_events(tenant, session_id, turn_id))
    events = [json.loads(fields["e"]) for _, fields in log]
    assert [(e["sequence_number"], e["type"]) for e in events] == [
        (1, "turn.created"),
        (2, "model.message"),
        (3, "model.message.delta"),
        (4, "model.message.delta"),
        (5, "turn.done"),
    ]
    assert events[2]["content"] == "hello there"
    assert events[-1]["state"]["status"] == "done"
    assert events[-1]["state"]["output"]["content"] == "hello there"


async def test_last_events_the_log_refuses_leave_the_turn_running_and_indexed(store: Store) -> None:
    """FINISH_TURN after APPEND_EVENTS in one pipeline records nothing when the events were refused
    (here numbered past the log's end), so a `turn.done` never hides a gap; the turn keeps its lease
    hint, for a reaper to find it if its executor dies before recording the error."""
    tenant, executor = f"trips-{secrets.token_hex(4)}", f"rt{secrets.token_hex(5)}"
    async with executors.cancel_channel(store, executor):
        session_id, turn_id = await _running_turn(store, tenant, executor)
    ending = turn_store.Ending(status="done", state_json="{}", done_event='{"type":"turn.done"}',
                               pending="", now=NOW, token="k")  # fmt: skip
    appended, sequence = await turn_store.finish(
        store, tenant, session_id, turn_id, ending, retention_seconds=60, lapsed_only=False,
        events=['{"type":"model.message"}'], first=3,
    )  # fmt: skip
    assert (appended, sequence) == (-1, -2)
    record = await turn_store.load(store, tenant, session_id, turn_id)
    assert record is not None and record.status == "running" and record.seq == 1
    member = keys.lease_member(tenant, session_id, turn_id)
    assert await store.redis.zscore(keys.lease_index_of(session_id), member) is not None
