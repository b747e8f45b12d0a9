"""Redis going away and coming back, against a redis-server of the test's own: while it is down every
operation answers promptly with 400 and the `store_unavailable` envelope (the seed's contract) and
/readyz says 503; once it is back the server recovers by itself, with no restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests import faults
from contract_tests.conftest import make_agent, settings_for
from contract_tests.spec_support import assert_error
from testkit.processes import wait_until
from testkit.redis_server import RedisServer
from testkit.servers import ServerThread

# Well under the clients' 30 s timeout: a dead store must not turn into hung requests.
PROMPT_SECONDS = 2.0
USER_MESSAGE = {"type": "user.message", "content": "one two three four five six seven eight"}


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path) as server:
        yield server


@pytest.fixture
def harness(own_redis: RedisServer) -> Iterator[ServerThread]:
    settings = settings_for(
        own_redis.url, cancel_timeout_seconds=5, heartbeat_seconds=0.2, executor_ttl_seconds=1.0
    )
    with ServerThread(settings) as running:
        yield running


@pytest.fixture
def api(harness: ServerThread) -> Iterator[httpx.Client]:
    limits = httpx.Limits(max_connections=32)
    with httpx.Client(
        base_url=f"{harness.base_url}/v1",
        headers={"Authorization": "Bearer alice"},
        timeout=30,
        limits=limits,
    ) as c:
        yield c


@pytest.fixture
def session_and_turn(api: httpx.Client) -> tuple[str, str]:
    make_agent(api, "echo")
    make_agent(api, "slow", chunks=50, delay_ms=100)
    session_id: str = api.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]
    turn = api.post(f"/agents/sessions/{session_id}/turns", json={"input": [USER_MESSAGE], "stream": False})
    turn_id: str = turn.json()["data"]["id"]
    wait_until(lambda: status_of(api, session_id, turn_id) == "done", 10, "the first turn is done")
    return session_id, turn_id


def status_of(api: httpx.Client, session_id: str, turn_id: str) -> str | None:
    response = api.get(f"/agents/sessions/{session_id}/turns/{turn_id}")
    if response.status_code != 200:
        return None
    status: str = response.json()["data"]["state"]["status"]
    return status


def readiness(harness: ServerThread) -> int:
    return httpx.get(f"{harness.root}/readyz", timeout=5).status_code


def every_operation(session_id: str, turn_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    s, t = f"/agents/sessions/{session_id}", f"/agents/sessions/{session_id}/turns/{turn_id}"
    manifest = {"name": "echo", "model": {"name": "scripted/echo"}}
    return [
        ("POST", "/agents/sessions", {"json": {"agent_name": "echo"}}),
        ("GET", "/agents/sessions", {"params": {"agent_name": "echo"}}),
        ("GET", s, {}),
        ("POST", f"{s}/turns", {"json": {"input": [USER_MESSAGE], "stream": False}}),
        ("POST", f"{s}/turns", {"json": {"input": [USER_MESSAGE]}}),
        ("GET", f"{s}/turns", {}),
        ("GET", t, {}),
        ("POST", f"{t}/subscribe", {"json": {}}),
        ("GET", f"{t}/events", {}),
        ("GET", f"{s}/events", {}),
        ("POST", f"{s}/cancel", {"json": {}}),
        ("DELETE", s, {}),
        ("POST", "/registry/agents", {"json": {**manifest, "name": "another"}}),
        ("GET", "/registry/agents", {}),
        ("GET", "/registry/agents/echo", {}),
        ("PUT", "/registry/agents/echo", {"json": manifest}),
        ("DELETE", "/registry/agents/echo", {}),
    ]


def burst(api: httpx.Client, path: str, n: int = 16) -> list[int]:
    """n concurrent requests: enough to take every connection of the server's Redis pool."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: api.get(path).status_code, range(n)))


def wait_for_recovery(api: httpx.Client, harness: ServerThread, path: str) -> None:
    """/readyz is 200 again and concurrent reads all succeed."""
    wait_until(lambda: readiness(harness) == 200, 10, "/readyz is 200 again")
    wait_until(lambda: set(burst(api, path)) == {200}, 10, "reads succeed again")


def test_every_operation_answers_400_store_unavailable_promptly_while_redis_is_down(
    own_redis: RedisServer, harness: ServerThread, api: httpx.Client, session_and_turn: tuple[str, str]
) -> None:
    own_redis.kill()
    for method, path, kwargs in every_operation(*session_and_turn):
        started = time.monotonic()
        response = api.request(method, path, **kwargs)
        elapsed = time.monotonic() - started
        assert_error(response, 400, code="store_unavailable")
        assert elapsed < PROMPT_SECONDS, f"{method} {path} took {elapsed:.2f}s"
    assert faults.readiness(harness.root) == (503, {"g": "down"})
    assert httpx.get(f"{harness.root}/healthz", timeout=5).json() == {"status": "ok"}


def test_the_server_recovers_by_itself_when_redis_returns(
    own_redis: RedisServer, harness: ServerThread, api: httpx.Client, session_and_turn: tuple[str, str]
) -> None:
    session_id, turn_id = session_and_turn
    own_redis.kill()
    assert readiness(harness) == 503
    assert_error(api.get(f"/agents/sessions/{session_id}"), 400, code="store_unavailable")

    own_redis.start()
    wait_for_recovery(api, harness, f"/agents/sessions/{session_id}")
    assert status_of(api, session_id, turn_id) == "done"

    # The executor takes turns again: a streamed turn runs to turn.done.
    body = {"input": [USER_MESSAGE]}
    with api.stream("POST", f"/agents/sessions/{session_id}/turns", json=body) as response:
        assert response.status_code == 200
        events = [line.removeprefix("event: ") for line in response.iter_lines() if line.startswith("event:")]
    assert events[0] == "turn.created" and events[-1] == "turn.done"

    # Cancellation works again: a slow turn is cancelled promptly, by the client.
    slow = api.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
    slow_turn = api.post(f"/agents/sessions/{slow}/turns", json={"input": [USER_MESSAGE], "stream": False})
    assert slow_turn.status_code == 200, slow_turn.text
    started = time.monotonic()
    assert api.post(f"/agents/sessions/{slow}/cancel", json={}).status_code == 200
    assert time.monotonic() - started < PROMPT_SECONDS
    state = api.get(f"/agents/sessions/{slow}/turns/{slow_turn.json()['data']['id']}").json()["data"]["state"]
    assert state["status"] == "cancelled" and state["reason"] == "client-cancelled"


def test_a_turn_running_when_redis_died_is_not_left_running_once_redis_returns(
    own_redis: RedisServer, harness: ServerThread, api: httpx.Client, session_and_turn: tuple[str, str]
) -> None:
    slow = api.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
    turn = api.post(f"/agents/sessions/{slow}/turns", json={"input": [USER_MESSAGE], "stream": False})
    turn_id = turn.json()["data"]["id"]
    with api.stream("POST", f"/agents/sessions/{slow}/turns/{turn_id}/subscribe", json={}) as response:
        # The executor is running it once its first delta is out.
        next(line for line in response.iter_lines() if line == "event: model.message.delta")
    own_redis.kill()
    # Nothing observable marks the executor's failed write, so the outage simply outlasts a few of
    # the turn's 100 ms steps.
    time.sleep(0.5)
    own_redis.start()
    wait_for_recovery(api, harness, f"/agents/sessions/{slow}")

    def terminal() -> str | None:
        status = status_of(api, slow, turn_id)
        return None if status in (None, "running") else status

    assert wait_until(terminal, 15, "the interrupted turn is terminal") in ("done", "cancelled", "error")
    again = api.post(f"/agents/sessions/{slow}/turns", json={"input": [USER_MESSAGE], "stream": False})
    assert again.status_code == 200, again.text
    assert api.post(f"/agents/sessions/{slow}/cancel", json={}).status_code == 200


def test_no_request_fails_once_redis_answers_again(
    own_redis: RedisServer, harness: ServerThread, api: httpx.Client, session_and_turn: tuple[str, str]
) -> None:
    path = f"/agents/sessions/{session_and_turn[0]}/turns"
    assert set(burst(api, path)) == {200}  # the pool now holds several idle connections
    own_redis.kill()
    assert set(burst(api, path)) == {400}
    own_redis.start()
    wait_until(lambda: readiness(harness) == 200, 10, "/readyz is 200 again")
    assert burst(api, path) == [200] * 16
