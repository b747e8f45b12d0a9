"""Graceful shutdown with real processes and real signals: an API replica ends its open streams
cleanly so clients resume elsewhere; an executor drains (no new turns, running ones finish within
the grace period, the rest end `cancelled` / `abandoned`), and so does the executor inside `serve`."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx
import redis

from contract_tests.test_executors import assert_one_terminal_and_no_gaps
from server.store import executors, keys
from server.store.redis import Store
from testkit.api import http_client
from testkit.processes import ApiProcess, ExecutorProcess, wait_until
from testkit.sse import BackgroundStream, read_frames

GRACE_SECONDS = 10.0  # room for a second executor to start during the drain on a loaded 2-core machine
ENV = {
    "HARNESS_HEARTBEAT_SECONDS": "0.25",
    "HARNESS_EXECUTOR_TTL_SECONDS": "2",
    "HARNESS_EXECUTOR_WAIT_SECONDS": "1",
    "HARNESS_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
}


def _env(redis_url: str) -> dict[str, str]:
    return {**ENV, "HARNESS_REDIS_URL": redis_url}


def _client(api: ApiProcess) -> httpx.Client:
    return http_client(api.base_url)


def _session(client: httpx.Client, agent: str, *, chunks: int, delay_ms: int) -> str:
    manifest = {
        "name": agent,
        "model": {"name": "scripted/echo", "params": {"chunks": chunks, "delay_ms": delay_ms}},
    }
    created = client.post("/registry/agents", json=manifest)
    assert created.status_code in (201, 409), created.text
    response = client.post("/agents/sessions", json={"agent_name": agent})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def _start_turn(client: httpx.Client, session_id: str, text: str = "a b c d e f g h") -> dict[str, Any]:
    body = {"input": [{"type": "user.message", "content": text}], "stream": False}
    response = client.post(f"/agents/sessions/{session_id}/turns", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def _wait_terminal(client: httpx.Client, session_id: str, turn_id: str, timeout: float) -> dict[str, Any]:
    state: dict[str, Any] = {}

    def terminal() -> bool:
        nonlocal state
        state = client.get(f"/agents/sessions/{session_id}/turns/{turn_id}").json()["data"]["state"]
        return state["status"] != "running"

    wait_until(terminal, timeout, f"turn {turn_id} is terminal")
    return state


def _completed_at(state: dict[str, Any]) -> float:
    return datetime.fromisoformat(state["completed_at"].replace("Z", "+00:00")).timestamp()


def test_sigterm_on_a_replica_ends_its_streams_cleanly_and_the_client_resumes_on_another(
    redis_url: str,
) -> None:
    env = _env(redis_url)
    # A long grace: were the stream killed by uvicorn's timeout instead of ended by us, it would show.
    a = ApiProcess({**env, "HARNESS_SHUTDOWN_GRACE_SECONDS": "20"}).start()
    b = ApiProcess(env).start()
    executor = ExecutorProcess("exs", env).start()
    try:
        with _client(a) as client_a, _client(b) as client_b:
            session_id = _session(client_a, "slow", chunks=30, delay_ms=100)
            text = " ".join(f"w{i}" for i in range(30))
            body = {"input": [{"type": "user.message", "content": text}]}
            stream = BackgroundStream(client_a, f"/agents/sessions/{session_id}/turns", body).start()
            stream.wait_for(4)

            a.terminate()
            signalled = time.monotonic()
            first = stream.join(timeout=10)  # raises if the stream broke instead of ending
            ended_after = time.monotonic() - signalled
            exit_code = a.wait_exit(10)
            exited_after = time.monotonic() - signalled

            assert ended_after < 2.0, f"the stream ended {ended_after:.1f}s after SIGTERM"
            assert exited_after < 5.0, f"the replica exited {exited_after:.1f}s after SIGTERM"
            assert exit_code in (0, -15), exit_code
            assert "timeout graceful shutdown exceeded" not in a.log_tail()
            assert first[-1].event != "turn.done", "the turn was meant to outlive the replica"

            rest = read_frames(
                client_b,
                "POST",
                f"/agents/sessions/{session_id}/turns/{first[0].data['turn_id']}/subscribe",
                headers={"Last-Event-ID": str(first[-1].id)},
            )
        state = assert_one_terminal_and_no_gaps(first + rest)
        assert state["status"] == "done"
        deltas = "".join(f.data.get("content", "") for f in first + rest if f.event == "model.message.delta")
        assert deltas == text
    finally:
        for process in (a, b, executor):
            process.stop()


def test_sigterm_on_an_executor_drains_it(redis_url: str, flush_redis: redis.Redis) -> None:
    env = _env(redis_url)
    api = ApiProcess(env).start()
    draining = ExecutorProcess("exd", env).start()
    other: ExecutorProcess | None = None
    try:
        with _client(api) as client:
            quick_session = _session(client, "quick", chunks=10, delay_ms=150)  # ~1.5 s, inside the grace
            long_session = _session(client, "long", chunks=100, delay_ms=300)  # ~30 s, past it
            spare_session = _session(client, "quick", chunks=10, delay_ms=150)
            quick = _start_turn(client, quick_session)
            long = _start_turn(client, long_session)
            assert quick["id"].endswith(".exd") and long["id"].endswith(".exd")
            time.sleep(0.3)

            draining.terminate()
            signalled_wall, signalled = time.time(), time.monotonic()
            # It leaves the live set at once, long before its grace period ends.
            wait_until(lambda: flush_redis.zscore(keys.executors(), "exd") is None, 1.0, "exd unregistered")
            wait_until(lambda: flush_redis.exists(keys.executor_draining("exd")), 1.0, "exd marked draining")

            # No other executor: a new turn is refused after HARNESS_EXECUTOR_WAIT_SECONDS.
            refused = client.post(
                f"/agents/sessions/{spare_session}/turns",
                json={"input": [{"type": "user.message", "content": "hi"}], "stream": False},
            )
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "no_executor"

            # With another executor up, new turns go to it while the first one drains.
            other = ExecutorProcess("exo", env).start()
            moved = _start_turn(client, spare_session)
            assert moved["id"].endswith(".exo")
            assert time.monotonic() - signalled < GRACE_SECONDS, "too slow to test during the drain"

            quick_state = _wait_terminal(client, quick_session, quick["id"], GRACE_SECONDS)
            long_state = _wait_terminal(client, long_session, long["id"], GRACE_SECONDS + 5)
            moved_state = _wait_terminal(client, spare_session, moved["id"], 10)
            exit_code = draining.wait_exit(10)

            assert quick_state["status"] == "done"
            assert moved_state["status"] == "done"
            assert long_state["status"] == "cancelled" and long_state["reason"] == "abandoned"
            ended = _completed_at(long_state) - signalled_wall
            assert GRACE_SECONDS - 0.3 <= ended <= GRACE_SECONDS + 1.5, (
                f"abandoned {ended:.2f}s after SIGTERM"
            )
            assert exit_code in (0, -15), exit_code
            for session_id, turn in ((quick_session, quick), (long_session, long)):
                frames = read_frames(
                    client, "POST", f"/agents/sessions/{session_id}/turns/{turn['id']}/subscribe", json={}
                )
                assert_one_terminal_and_no_gaps(frames)
            assert not flush_redis.exists(*(keys.lease_index(k) for k in range(keys.LEASE_SHARDS)))
    finally:
        for process in (api, draining, *([other] if other else [])):
            process.stop()


def test_serve_drains_its_in_process_executor_on_sigterm(redis_url: str) -> None:
    env = {**_env(redis_url), "HARNESS_EXECUTOR_ID": "srv"}
    serve = ApiProcess(env, with_executor=True).start()
    reader = ApiProcess(_env(redis_url)).start()
    try:
        with _client(serve) as client, _client(reader) as other:
            quick_session = _session(client, "quick", chunks=10, delay_ms=150)
            long_session = _session(client, "long", chunks=100, delay_ms=300)
            quick = _start_turn(client, quick_session)
            long = _start_turn(client, long_session)
            assert quick["id"].endswith(".srv") and long["id"].endswith(".srv")
            time.sleep(0.3)

            serve.terminate()
            signalled_wall, signalled = time.time(), time.monotonic()
            exit_code = serve.wait_exit(GRACE_SECONDS + 5)
            exited_after = time.monotonic() - signalled

            quick_state = _wait_terminal(other, quick_session, quick["id"], 1)
            long_state = _wait_terminal(other, long_session, long["id"], 1)
        assert quick_state["status"] == "done"
        assert long_state["status"] == "cancelled" and long_state["reason"] == "abandoned"
        ended = _completed_at(long_state) - signalled_wall
        assert GRACE_SECONDS - 0.3 <= ended <= GRACE_SECONDS + 1.5, f"abandoned {ended:.2f}s after SIGTERM"
        assert exited_after < GRACE_SECONDS + 3, exited_after
        assert exit_code in (0, -15), exit_code
    finally:
        serve.stop()
        reader.stop()


async def test_a_draining_executor_is_not_picked_and_is_not_registered_again(
    redis_url: str, flush_redis: redis.Redis
) -> None:
    """The drain's one step on the liveness slot: unregistered and marked, so neither the pick nor a
    later heartbeat brings it back (a turn a replica picked it for just before is still delivered,
    and the draining executor keeps reading its inbox for a Redis timeout to run it)."""
    store = await Store.open(redis_url, "g")
    listening = flush_redis.pubsub()
    listening.subscribe(keys.executor_cancel_channel("exq"))
    try:
        wait_until(
            lambda: flush_redis.pubsub_numsub(keys.executor_cancel_channel("exq"))[0][1] == 1, 5, "sub"
        )
        await executors.heartbeat(store, "exq", 5, [], 60)
        assert await executors.pick(store, ttl_seconds=5, heartbeat_seconds=1) == "exq"
        await executors.begin_drain(store, "exq", 60)
        assert await executors.pick(store, ttl_seconds=5, heartbeat_seconds=1) is None

        await executors.heartbeat(store, "exq", 5, [], 60)
        assert flush_redis.zscore(keys.executors(), "exq") is None
        await executors.end_drain(store, "exq")  # a new incarnation under the same id
        await executors.heartbeat(store, "exq", 5, [], 60)
        assert flush_redis.zscore(keys.executors(), "exq") is not None
    finally:
        listening.close()
        await store.close()
