"""Nothing the harness writes lives forever by accident (docket's rule): after a representative
workload every key has a TTL except the ones kept on purpose, and a dead executor's entries go."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import httpx
import pytest
import redis

from server.store import keys
from testkit.api import TENANT, http_client
from testkit.processes import ApiProcess, ExecutorProcess, wait_until
from testkit.redis_clients import turn_key
from testkit.sse import BackgroundStream, read_frames

# Kept until deleted, on purpose: the agent registry (`ah:{t}:agent:{name}`, `ah:{t}:agents`).
# (A running turn's keys and the leases zset are kept until the turn ends; none runs at the check.)
PERMANENT = re.compile(rf"^{keys.PREFIX}:\{{[a-z0-9][a-z0-9._-]*\}}:(agent:.+|agents)$")


def executor_id() -> str:
    return f"hk{secrets.token_hex(6)}"  # channels are server-wide: keep other runs' executors apart


def _env(redis_url: str, **settings: str) -> dict[str, str]:
    return {
        "HARNESS_REDIS_URL": redis_url,
        "HARNESS_HEARTBEAT_SECONDS": "0.2",
        "HARNESS_EXECUTOR_TTL_SECONDS": "1.5",
        "HARNESS_CANCEL_TIMEOUT_SECONDS": "3",
        "HARNESS_EXECUTOR_WAIT_SECONDS": "5",
        **settings,
    }


@pytest.fixture
def processes() -> Iterator[list[ApiProcess | ExecutorProcess]]:
    started: list[ApiProcess | ExecutorProcess] = []
    yield started
    for process in started:
        process.kill()


def _message(text: str, *, stream: bool = True) -> dict[str, object]:
    return {"input": [{"type": "user.message", "content": text}], "stream": stream}


def _status(client: httpx.Client, session_id: str, turn_id: str) -> str:
    return str(client.get(f"/agents/sessions/{session_id}/turns/{turn_id}").json()["data"]["state"]["status"])


def test_after_a_workload_every_key_expires_but_the_agent_registry(
    redis_url: str, flush_redis: redis.Redis, processes: list[ApiProcess | ExecutorProcess]
) -> None:
    env = _env(redis_url)
    api = ApiProcess(env).start()
    processes.append(api)
    workers = {name: ExecutorProcess(name, env).start() for name in (executor_id(), executor_id())}
    processes.extend(workers.values())
    with http_client(api.base_url) as c:
        for name, chunks, delay in (("echo", 1, 0), ("slow", 60, 100)):
            manifest = {
                "name": name,
                "model": {"name": "scripted/echo", "params": {"chunks": chunks, "delay_ms": delay}},
            }
            assert c.post("/registry/agents", json=manifest).status_code == 201
        sessions = [
            c.post("/agents/sessions", json={"agent_name": a}).json()["data"]["id"]
            for a in ("echo", "slow", "slow", "echo")
        ]
        done, cancelled, abandoned, deleted = sessions

        for text in ("one", "two"):
            frames = read_frames(c, "POST", f"/agents/sessions/{done}/turns", json=_message(text))
            assert frames[-1].data["state"]["status"] == "done"
        to_cancel = BackgroundStream(
            c, f"/agents/sessions/{cancelled}/turns", _message("a b c d e f")
        ).start()
        to_cancel.wait_for(3)
        assert c.post(f"/agents/sessions/{cancelled}/cancel").status_code == 200
        to_cancel.join()
        orphan = BackgroundStream(c, f"/agents/sessions/{abandoned}/turns", _message("a b c d e f")).start()
        orphan.wait_for(3)
        workers[orphan.turn_id.rsplit(".", 1)[1]].kill()  # kill -9 mid-turn: a reaper abandons it
        assert orphan.join(timeout=20)[-1].data["state"]["reason"] == "abandoned"
        assert c.delete(f"/agents/sessions/{deleted}").status_code == 204
        assert c.get("/agents/sessions", params={"agent_name": "slow"}).status_code == 200

        shards = [keys.lease_index(k) for k in range(keys.LEASE_SHARDS)]
        wait_until(lambda: not flush_redis.exists(*shards), 10, "no lease is left")
        wait_until(
            lambda: len(flush_redis.zrange(keys.executors(), 0, -1)) == 1, 20, "the dead executor is pruned"
        )
    lasting = {key: flush_redis.ttl(key) for key in flush_redis.scan_iter("*")}
    # The workload wrote every kind of key there is (a check of the check).
    for written in (
        keys.agent_sessions(TENANT, "slow"),
        keys.session(TENANT, deleted),
        turn_key(flush_redis, TENANT, orphan.turn_id, events=True),
        keys.executor_inbox(orphan.turn_id.rsplit(".", 1)[1]),
        keys.executors(),
    ):
        assert written in lasting, written
    assert any(":by:" in key for key in lasting)
    forever = sorted(key for key, ttl in lasting.items() if ttl < 0 and not PERMANENT.match(key))
    assert forever == [], f"keys without a TTL: {forever}"
    assert all(PERMANENT.match(key) for key, ttl in lasting.items() if ttl < 0)


def test_a_dead_executors_liveness_entry_and_inbox_go_away(
    redis_url: str, flush_redis: redis.Redis, processes: list[ApiProcess | ExecutorProcess]
) -> None:
    env = _env(redis_url, HARNESS_EXECUTOR_INBOX_RETENTION_SECONDS="2")
    dead, alive = executor_id(), executor_id()
    processes.extend([ExecutorProcess(dead, env).start(), ExecutorProcess(alive, env).start()])
    assert flush_redis.exists(keys.executor_inbox(dead), keys.executor_inbox(alive)) == 2

    processes[0].kill()

    # Lapsed (1.5 s) and then pruned by the other executor's heartbeat a TTL later.
    wait_until(lambda: flush_redis.zscore(keys.executors(), dead) is None, 20, "the dead executor is pruned")
    wait_until(
        lambda: not flush_redis.exists(keys.executor_inbox(dead)), 20, "the dead executor's inbox expired"
    )
    assert flush_redis.zscore(keys.executors(), alive) is not None
    assert 0 < flush_redis.ttl(keys.executor_inbox(alive)) <= 2, "a live executor's inbox is refreshed"

    processes[1].kill()  # the last one: the zset itself goes
    wait_until(lambda: not flush_redis.exists(keys.executors()), 20, "the executors zset expired")
