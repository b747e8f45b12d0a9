"""Remote executors with real processes: two API replicas and two executors share one Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis
from redis.cluster import RedisCluster

from server.store import keys
from testkit.api import http_client
from testkit.processes import ApiProcess, ExecutorProcess, wait_until
from testkit.sse import BackgroundStream, Frame, read_frames

ACROSS_DEPLOYMENTS = True
TTL_SECONDS = 2.0
ENV = {
    "HARNESS_HEARTBEAT_SECONDS": "0.25",
    "HARNESS_EXECUTOR_TTL_SECONDS": str(TTL_SECONDS),
    "HARNESS_CANCEL_TIMEOUT_SECONDS": "1.5",
    "HARNESS_EXECUTOR_WAIT_SECONDS": "5",
    "HARNESS_LOG_LEVEL": "info",
}


COUNT_RUNNING = """
local n = 0
for _, key in ipairs(redis.call('KEYS', 'ah:*:turn:*')) do
  if redis.call('TYPE', key).ok == 'hash' and redis.call('HGET', key, 'status') == 'running' then
    n = n + 1
  end
end
return n
"""


def running_turns(client: Any) -> int:
    """COUNT_RUNNING on every primary, summed. One script on one Redis is a true snapshot; on a cluster
    a session's turns share its slot (slot-safe keys), so one session's count is one node's."""
    if isinstance(client, RedisCluster):
        found = client.execute_command("EVAL", COUNT_RUNNING, 0, target_nodes=RedisCluster.PRIMARIES)
        return sum(int(n) for n in found.values())
    return int(client.eval(COUNT_RUNNING, 0))


class Cluster:
    def __init__(self, redis_url: str) -> None:
        env = {**ENV, "HARNESS_REDIS_URL": redis_url}
        self.env = env
        self.apis = [ApiProcess(env), ApiProcess(env)]
        self.executors = {name: ExecutorProcess(name, env) for name in ("exa", "exb")}

    def start(self) -> Cluster:
        for api in self.apis:
            api.start()
        for executor in self.executors.values():
            executor.start()
        return self

    def ensure_executors(self) -> None:
        """Restart any executor a previous test killed (the autouse flush also unregistered them)."""
        for name, executor in list(self.executors.items()):
            if executor.popen is None or executor.popen.poll() is not None:
                self.executors[name] = ExecutorProcess(name, self.env).start()

    def stop(self) -> None:
        for process in [*self.apis, *self.executors.values()]:
            process.stop()

    def client(self, index: int, token: str = "alice") -> httpx.Client:
        return http_client(self.apis[index].base_url, token)


@pytest.fixture(scope="module")
def cluster(redis_url: str) -> Iterator[Cluster]:
    running = Cluster(redis_url).start()
    yield running
    running.stop()


@pytest.fixture
def clients(cluster: Cluster, flush_redis: redis.Redis) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    cluster.ensure_executors()
    # The flush removed the executors' registrations: wait for their next heartbeat.
    wait_until(
        lambda: set(flush_redis.zrange(keys.executors(), 0, -1)) == set(cluster.executors),
        10,
        "both executors are registered again",
    )
    a, b = cluster.client(0), cluster.client(1)
    yield a, b
    a.close()
    b.close()


def new_session(client: httpx.Client, *, chunks: int = 40, delay_ms: int = 100, **params: int) -> str:
    manifest = {
        "name": "slow",
        "model": {"name": "scripted/echo", "params": {"chunks": chunks, "delay_ms": delay_ms, **params}},
    }
    created = client.post("/registry/agents", json=manifest)
    assert created.status_code in (201, 409), created.text
    response = client.post("/agents/sessions", json={"agent_name": "slow"})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def stream_turn(
    client: httpx.Client, session_id: str, text: str = "a b c d e f g h i j k l m n o p"
) -> BackgroundStream:
    body = {"input": [{"type": "user.message", "content": text}]}
    return BackgroundStream(client, f"/agents/sessions/{session_id}/turns", body).start()


def assert_one_terminal_and_no_gaps(frames: list[Frame]) -> dict[str, Any]:
    assert [f.id for f in frames] == list(range(1, len(frames) + 1)), "sequence numbers have a gap or repeat"
    assert [f.data["sequence_number"] for f in frames] == [f.id for f in frames]
    assert frames[0].event == "turn.created"
    assert [f.event for f in frames].count("turn.done") == 1
    assert frames[-1].event == "turn.done"
    return dict(frames[-1].data["state"])


def test_cancel_through_the_replica_that_did_not_create_the_turn(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = clients
    session_id = new_session(a)
    stream = stream_turn(a, session_id)
    stream.wait_for(4)  # turn.created, model.message, two deltas

    started = time.monotonic()
    response = b.post(f"/agents/sessions/{session_id}/cancel")
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.text
    assert elapsed < 1.0
    state = assert_one_terminal_and_no_gaps(stream.join())
    assert state["status"] == "cancelled" and state["reason"] == "client-cancelled"
    assert any(f.event == "model.message.delta" for f in stream.frames)
    # The turn's state was recorded before the 200: any replica reads it at once.
    turn = b.get(f"/agents/sessions/{session_id}/turns/{stream.turn_id}").json()["data"]
    assert turn["state"]["status"] == "cancelled"
    assert b.post(f"/agents/sessions/{session_id}/cancel").status_code == 200


def test_killed_executor_turn_is_finalised_and_the_session_usable_again(
    cluster: Cluster, clients: tuple[httpx.Client, httpx.Client]
) -> None:
    a, b = clients
    session_id = new_session(a)
    stream = stream_turn(a, session_id)
    stream.wait_for(3)
    owner = stream.turn_id.rsplit(".", 1)[1]

    cluster.executors[owner].kill()
    killed_at = time.monotonic()
    frames = stream.join(timeout=TTL_SECONDS * 5)

    state = assert_one_terminal_and_no_gaps(frames)
    assert state == {**state, "status": "cancelled", "reason": "abandoned"}
    # Lease TTL plus one reaper period, with slack for a loaded machine.
    assert time.monotonic() - killed_at < TTL_SECONDS * 4
    next_turn = b.post(
        f"/agents/sessions/{session_id}/turns",
        json={"input": [{"type": "user.message", "content": "again"}], "stream": False},
    )
    assert next_turn.status_code == 200, next_turn.text


def test_cancel_of_a_dead_executor_turn_finalises_it_and_answers_200(
    cluster: Cluster, clients: tuple[httpx.Client, httpx.Client]
) -> None:
    a, b = clients
    session_id = new_session(a)
    stream = stream_turn(a, session_id)
    stream.wait_for(3)
    cluster.executors[stream.turn_id.rsplit(".", 1)[1]].kill()

    response = b.post(f"/agents/sessions/{session_id}/cancel")

    assert response.status_code == 200, response.text
    state = assert_one_terminal_and_no_gaps(stream.join())
    assert state["status"] == "cancelled" and state["reason"] == "client-cancelled"


def test_unacknowledged_cancel_answers_424_then_the_turn_is_cancelled(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = clients
    session_id = new_session(a, chunks=5, delay_ms=1000, ignore_cancel_ms=3000)
    stream = stream_turn(a, session_id)
    stream.wait_for(2)

    response = b.post(f"/agents/sessions/{session_id}/cancel")

    assert response.status_code == 424, response.text
    assert response.json()["error"]["code"] == "cancel_not_acknowledged"
    state = assert_one_terminal_and_no_gaps(stream.join())
    assert state["status"] == "cancelled" and state["reason"] == "client-cancelled"
    assert b.post(f"/agents/sessions/{session_id}/cancel").status_code == 200


def test_subscribe_with_last_event_id_on_another_replica_resumes_exactly(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = clients
    session_id = new_session(a, chunks=10, delay_ms=50)
    body = {"input": [{"type": "user.message", "content": "resume me across replicas please"}]}
    first = read_frames(a, "POST", f"/agents/sessions/{session_id}/turns", json=body, stop_after=4)
    turn_id = first[0].data["turn_id"]

    rest = read_frames(
        b,
        "POST",
        f"/agents/sessions/{session_id}/turns/{turn_id}/subscribe",
        headers={"Last-Event-ID": str(first[-1].id)},
    )

    state = assert_one_terminal_and_no_gaps(first + rest)
    assert state["status"] == "done"
    text = "".join(f.data.get("content", "") for f in first + rest if f.event == "model.message.delta")
    assert text == "resume me across replicas please"


def test_concurrent_turns_and_cancels_on_one_session_keep_the_invariants(
    clients: tuple[httpx.Client, httpx.Client], flush_redis: redis.Redis
) -> None:
    a, b = clients
    session_id = new_session(a, chunks=4, delay_ms=20)
    seen_running: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        # The session's one-running-turn lock: never two turns running at once. A Lua script reads
        # every turn's status in one atomic step, a true snapshot (a SCAN would not be one).
        while not stop.is_set():
            seen_running.append(running_turns(flush_redis))

    def create(i: int) -> int:
        client = (a, b)[i % 2]
        body = {"input": [{"type": "user.message", "content": f"turn {i}"}], "stream": False}
        response = client.post(f"/agents/sessions/{session_id}/turns", json=body)
        assert response.status_code in (200, 409), response.text
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "turn_running"
        return response.status_code

    def cancel(i: int) -> int:
        response = (b, a)[i % 2].post(f"/agents/sessions/{session_id}/cancel")
        assert response.status_code == 200, response.text
        return response.status_code

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: create(i) if i % 3 else cancel(i), range(90)))
    wait_until(lambda: a.post(f"/agents/sessions/{session_id}/cancel").status_code == 200, 10, "idle")
    stop.set()
    watcher.join()

    assert results.count(200) >= 30 and max(seen_running) <= 1
    turns: list[dict[str, Any]] = []
    page: dict[str, Any] = {"limit": 25}
    while True:
        listing = a.get(f"/agents/sessions/{session_id}/turns", params=page).json()
        turns += listing["data"]
        if not listing["pagination"].get("next_page_token"):
            break
        page["page_token"] = listing["pagination"]["next_page_token"]
    created = sum(1 for r, i in zip(results, range(90), strict=True) if i % 3 and r == 200)
    assert len(turns) == created
    for turn in turns:
        events = a.get(f"/agents/sessions/{session_id}/turns/{turn['id']}/events", params={"limit": 25})
        assert events.status_code == 200, events.text
        assert turn["state"]["status"] in ("done", "cancelled")
        frames = read_frames(
            a, "POST", f"/agents/sessions/{session_id}/turns/{turn['id']}/subscribe", json={}
        )
        assert_one_terminal_and_no_gaps(frames)
        assert events.json()["data"] or turn["state"]["status"] == "cancelled"
