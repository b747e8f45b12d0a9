"""New turns go only to executors that are listening: a killed executor's subscription to its
cancel channel ends with its connection, long before its liveness entry lapses, and no turn is
created on it meanwhile; a frozen one (still subscribed) stops being preferred once its heartbeats
stop coming."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
import redis

from server.store import executors, keys, turns
from server.store.redis import Store
from testkit.api import http_client
from testkit.processes import ApiProcess, ExecutorProcess, wait_until

TTL_SECONDS = 30.0  # far longer than the test: a dead executor stays "live" by its TTL throughout
ENV = {
    "HARNESS_HEARTBEAT_SECONDS": "0.25",
    "HARNESS_EXECUTOR_TTL_SECONDS": str(TTL_SECONDS),
    "HARNESS_EXECUTOR_WAIT_SECONDS": "5",
}


def executor_id() -> str:
    # Pub/sub channels are server-wide, not per logical DB: ids of our own keep other test runs
    # on the shared Redis from listening on our executors' channels.
    return f"lx{secrets.token_hex(6)}"


def listeners(client: redis.Redis, executor: str) -> int:
    channel = keys.executor_cancel_channel(executor)
    return int(dict(client.pubsub_numsub(channel))[channel])


@pytest.fixture
def replica(redis_url: str) -> Iterator[ApiProcess]:
    api = ApiProcess({**ENV, "HARNESS_REDIS_URL": redis_url}).start()
    yield api
    api.stop()


def test_after_a_kill_new_turns_go_only_to_the_live_executor(
    redis_url: str, replica: ApiProcess, flush_redis: redis.Redis
) -> None:
    env = {**ENV, "HARNESS_REDIS_URL": redis_url}
    dead, alive = executor_id(), executor_id()
    processes = [ExecutorProcess(dead, env).start(), ExecutorProcess(alive, env).start()]
    try:
        with http_client(replica.base_url) as client:
            manifest = {"name": "echo", "model": {"name": "scripted/echo", "params": {"chunks": 1}}}
            assert client.post("/registry/agents", json=manifest).status_code == 201
            processes[0].kill()
            wait_until(
                lambda: listeners(flush_redis, dead) == 0, 10, "the killed executor's subscription ended"
            )
            assert flush_redis.zscore(keys.executors(), dead) is not None, "its liveness entry has not lapsed"

            owners = []
            for i in range(8):
                session = client.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]
                body = {"input": [{"type": "user.message", "content": f"hi {i}"}], "stream": False}
                response = client.post(f"/agents/sessions/{session}/turns", json=body)
                assert response.status_code == 200, response.text
                owners.append(response.json()["data"]["id"].rsplit(".", 1)[1])
        assert owners == [alive] * 8
        assert flush_redis.xlen(keys.executor_inbox(dead)) == 0
    finally:
        for process in processes:
            process.kill()


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(redis_url, "g")
    yield opened
    await opened.close()


def root_turn(executor: str, turn: str) -> turns.NewTurn:
    """A root turn of session s1.g (agent bot, owner alice) on `executor`."""
    return turns.NewTurn(
        tenant="t",
        session_id="s1.g",
        turn_id=turn,
        executor=executor,
        doc_json="{}",
        state_json='{"status":"running"}',
        created_event='{"type":"turn.created"}',
        expected_last=None,
        parent_id=None,
        parent_pending="",
        consume_pending=False,
        ancestry=[],
        agent_name="bot",
        owner="alice",
        now="now",
        trace="",
    )


async def start(store: Store, executor: str, turn: str) -> list[str]:
    return await turns.start(store, root_turn(executor, turn), retention_seconds=60, lease_ms=5000)


async def test_start_turn_refuses_an_executor_nobody_listens_for(
    store: Store, flush_redis: redis.Redis
) -> None:
    """The race the pick cannot close alone: the executor dies between the pick and START_TURN."""
    executor, session = executor_id(), keys.session("t", "s1.g")
    flush_redis.hset(session, "doc", "{}")
    flush_redis.zadd(keys.agent_sessions("t", "bot"), {"s1.g": 0})
    await executors.heartbeat(store, executor, 30, [], 60)
    turn = f"u1.g.{executor}"

    refused = await start(store, executor, turn)

    assert refused == ["gone"]
    # No turn, log or lease hint; on one node the inbox entry went in the same pipeline, pointing at
    # a turn that does not exist (the executor skips it).
    assert not flush_redis.exists(
        keys.turn("t", "s1.g", turn), keys.turn_events("t", "s1.g", turn), keys.lease_index_of("s1.g")
    )
    assert flush_redis.hget(session, "running") is None

    listening = flush_redis.pubsub()
    listening.subscribe(keys.executor_cancel_channel(executor))
    try:
        wait_until(lambda: listeners(flush_redis, executor) == 1, 5, "subscribed")
        started = await start(store, executor, turn)
        assert started == ["ok"]
        assert flush_redis.hget(session, "running") == turn
        # The session's index lives as long as the session now does.
        assert 0 < flush_redis.ttl(keys.agent_sessions("t", "bot")) <= 60
    finally:
        listening.close()


async def test_the_pick_skips_silent_executors_and_prefers_recent_heartbeats(
    store: Store, flush_redis: redis.Redis
) -> None:
    recent, frozen, dead = executor_id(), executor_id(), executor_id()
    ttl, heartbeat = 10.0, 1.0
    await executors.heartbeat(store, recent, ttl, [], 60)
    await executors.heartbeat(store, dead, ttl, [], 60)
    # Last heard from 5 s ago: still live by its TTL, but past three heartbeat periods.
    seconds, micros = flush_redis.time()
    flush_redis.zadd(keys.executors(), {frozen: seconds * 1000 + micros // 1000 + 5000})
    listening = flush_redis.pubsub()
    listening.subscribe(*(keys.executor_cancel_channel(e) for e in (recent, frozen)))
    try:
        wait_until(lambda: listeners(flush_redis, frozen) == 1, 5, "subscribed")

        assert await executors.candidates(store, ttl, heartbeat) == ([recent], [frozen])
        picks = {await executors.pick(store, ttl_seconds=ttl, heartbeat_seconds=heartbeat) for _ in range(20)}
        assert picks == {recent}
        flush_redis.zrem(keys.executors(), recent)
        assert await executors.pick(store, ttl_seconds=ttl, heartbeat_seconds=heartbeat) == frozen
        # The local executor is taken as it is: it is this very process.
        assert await executors.pick(store, ttl_seconds=ttl, heartbeat_seconds=heartbeat, local="me") == "me"
    finally:
        listening.close()
