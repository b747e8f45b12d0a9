"""Writes that span two hash slots are two steps (ARCHITECTURE.md, "Two-step writes"). A process can
die between them: each test does only the first step(s) against a real Redis, then checks that what
runs next (the reapers, the executor) reconciles it, with exactly one `turn.done` per turn."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from contract_tests.conftest import settings_for
from server.executor.reaper import LeaseReaper
from server.ids import new_session_id, new_turn_id
from server.store import executors, keys, lua
from server.store import turns as turn_store
from server.store.redis import Store
from testkit.api import TENANT
from testkit.processes import wait_until
from testkit.redis_server import RedisServer

EXECUTOR = "twostep"
LEASE_MS = 300


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(redis_url, "g")
    yield opened
    await opened.close()


def _new_turn(session_id: str) -> turn_store.NewTurn:
    return turn_store.NewTurn(
        tenant=TENANT,
        session_id=session_id,
        turn_id=new_turn_id(session_id, EXECUTOR),
        executor=EXECUTOR,
        doc_json=json.dumps({"session_id": session_id}),
        state_json='{"status":"running"}',
        created_event='{"type":"turn.created","sequence_number":1}',
        expected_last=None,
        parent_id=None,
        parent_pending="",
        consume_pending=False,
        ancestry=[],
        agent_name="bot",
        owner="alice",
        now="2026-01-01T00:00:00Z",
        trace="",
    )


def _session(flush_redis: redis.Redis) -> str:
    session_id = new_session_id("g")
    flush_redis.hset(keys.session(TENANT, session_id), mapping={"doc": "{}", "owner": "alice"})
    return session_id


async def _hint_and_start(store: Store, turn: turn_store.NewTurn) -> None:
    """Steps 1 and 2 of a create-turn, and not its third (the inbox entry): the API died there."""
    await store.scripts.run(turn_store._hint(turn, LEASE_MS))
    started = await store.scripts.run(
        turn_store._start(turn, LEASE_MS, retention_seconds=60, check_listeners=False)
    )
    assert started == ["ok"]


def _hint_of(flush_redis: redis.Redis, turn: turn_store.NewTurn) -> float | None:
    return flush_redis.zscore(keys.lease_index_of(turn.session_id), turn.lease_member)


def _done_events(flush_redis: redis.Redis, turn: turn_store.NewTurn) -> list[dict[str, Any]]:
    entries: Any = flush_redis.xrange(keys.turn_events(TENANT, turn.session_id, turn.turn_id))
    return [e for e in (json.loads(fields["e"]) for _, fields in entries) if e["type"] == "turn.done"]


def _reaper(redis_url: str, store: Store) -> LeaseReaper:
    return LeaseReaper(store, settings_for(redis_url))


async def test_a_turn_started_but_never_delivered_is_reaped_with_one_turn_done(
    redis_url: str, store: Store, flush_redis: redis.Redis
) -> None:
    turn = _new_turn(_session(flush_redis))
    await _hint_and_start(store, turn)
    reaper = _reaper(redis_url, store)
    assert await reaper.reap_once() == 0, "not before the lease lapses"

    await asyncio.sleep(LEASE_MS / 1000 + 0.2)

    await reaper.reap_once()  # this one, or another process's reaper, ends it
    assert await reaper.reap_once() == 0
    (done,) = _done_events(flush_redis, turn)
    assert (done["state"]["status"], done["state"]["reason"]) == ("cancelled", "abandoned")
    assert flush_redis.hget(keys.session(TENANT, turn.session_id), "running") is None
    assert _hint_of(flush_redis, turn) is None


async def test_a_lease_hint_whose_turn_never_started_is_dropped(
    redis_url: str, store: Store, flush_redis: redis.Redis
) -> None:
    turn = _new_turn(_session(flush_redis))
    await store.scripts.run(turn_store._hint(turn, LEASE_MS))  # step 1 only
    await asyncio.sleep(LEASE_MS / 1000 + 0.2)

    assert await _reaper(redis_url, store).reap_once() == 0
    assert _hint_of(flush_redis, turn) is None
    assert not flush_redis.exists(keys.turn(TENANT, turn.session_id, turn.turn_id))


async def test_a_lease_renewed_behind_a_stale_hint_is_not_reaped_and_the_hint_moves(
    redis_url: str, store: Store, flush_redis: redis.Redis
) -> None:
    turn = _new_turn(_session(flush_redis))
    await _hint_and_start(store, turn)
    turn_key = keys.turn(TENANT, turn.session_id, turn.turn_id)
    # The renewal ran; the hint's move (the same heartbeat's other step) was lost.
    assert await store.scripts.run(lua.RenewLease(turn=turn_key, executor=EXECUTOR, ttl_ms=10_000)) == 1
    await asyncio.sleep(LEASE_MS / 1000 + 0.2)

    assert await _reaper(redis_url, store).reap_once() == 0
    assert flush_redis.hget(turn_key, "status") == "running"
    assert _hint_of(flush_redis, turn) == float(flush_redis.hget(turn_key, "lease"))  # type: ignore[arg-type]


async def test_a_finish_whose_hint_step_was_lost_leaves_a_hint_the_reaper_drops(
    redis_url: str, store: Store, flush_redis: redis.Redis
) -> None:
    turn = _new_turn(_session(flush_redis))
    await _hint_and_start(store, turn)
    finish = lua.FinishTurn(
        turn=keys.turn(TENANT, turn.session_id, turn.turn_id),
        events=keys.turn_events(TENANT, turn.session_id, turn.turn_id),
        session=keys.session(TENANT, turn.session_id),
        status="done", state='{"status":"done"}', done_event='{"type":"turn.done","state":{"status":"done"}}',
        turn_id=turn.turn_id, retention_seconds=60, now="n", lapsed_only="0", pending="", token="t1",
    )  # fmt: skip
    assert await store.scripts.run(finish) == 2  # FINISH_TURN alone: the hint stays
    await asyncio.sleep(LEASE_MS / 1000 + 0.2)

    assert await _reaper(redis_url, store).reap_once() == 0
    assert _hint_of(flush_redis, turn) is None
    assert len(_done_events(flush_redis, turn)) == 1


def test_a_turn_delivered_twice_runs_once(
    client: httpx.Client, redis_url: str, flush_redis: redis.Redis
) -> None:
    """The inbox step is safe to repeat: a second entry for a running turn is skipped."""
    manifest = {"name": "twice", "model": {"name": "scripted/echo", "params": {"chunks": 5, "delay_ms": 100}}}
    assert client.post("/registry/agents", json=manifest).status_code == 201
    session_id = client.post("/agents/sessions", json={"agent_name": "twice"}).json()["data"]["id"]
    body = {"input": [{"type": "user.message", "content": "a b c d e"}], "stream": False}
    turn = client.post(f"/agents/sessions/{session_id}/turns", json=body).json()["data"]
    executor = turn["id"].rsplit(".", 1)[1]

    async def deliver_again() -> None:
        opened = await Store.open(redis_url, "g")
        try:
            await opened.scripts.run(
                lua.Deliver(
                    inbox=keys.executor_inbox(executor),
                    group=keys.EXECUTOR_GROUP,
                    tenant=TENANT,
                    session_id=session_id,
                    turn_id=turn["id"],
                )
            )
        finally:
            await opened.close()

    asyncio.run(deliver_again())

    def state() -> dict[str, Any]:
        return dict(client.get(f"/agents/sessions/{session_id}/turns/{turn['id']}").json()["data"]["state"])

    wait_until(lambda: state()["status"] != "running", 20, "the turn ends")
    assert state()["status"] == "done", state()
    events = client.get(f"/agents/sessions/{session_id}/turns/{turn['id']}/events").json()["data"]
    assert [e["type"] for e in events].count("model.message") == 1
    wait_until(lambda: flush_redis.xlen(keys.executor_inbox(executor)) == 0, 10, "both entries acked")


async def test_a_batch_of_scripts_loads_them_again_after_redis_forgot_them(tmp_path: Path) -> None:
    """Batches send EVALSHA without redis-py's per-pipeline SCRIPT EXISTS; a Redis that lost its
    scripts (restarted, flushed) answers NOSCRIPT, and the batch loads them and goes again."""
    with RedisServer(tmp_path) as server:
        opened = await Store.open(server.url, "g")
        try:
            assert await executors.heartbeat(opened, "flushed", 5, [], 60) == set()
            await opened.redis.script_flush()
            assert await executors.heartbeat(opened, "flushed", 5, [], 60) == set()
            assert await opened.redis.zscore(keys.executors(), "flushed") is not None
        finally:
            await opened.close()
