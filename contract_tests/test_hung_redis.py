"""A Redis that hangs rather than refuses (SIGSTOPped, or behind a blackholed link): every request
still answers within its bound, with the seed's 400 `store_unavailable` (503 from /readyz, 400 or 424
from a cancel that was waiting), and the server works again once Redis answers, with no restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from contract_tests.conftest import make_agent, settings_for
from contract_tests.faults import RedisProxy, readiness
from contract_tests.spec_support import assert_error
from testkit.api import http_client
from testkit.processes import wait_until
from testkit.redis_clients import turn_key
from testkit.redis_server import RedisServer
from testkit.servers import ServerThread

REDIS_TIMEOUT = 1.0
CANCEL_TIMEOUT = 4.0
# What a loaded, shared machine may add to a bound: the assertions are about "never hangs".
SLACK = 2.0
USER_MESSAGE = {"type": "user.message", "content": "one two three four five six seven eight"}


@dataclass
class Frozen:
    """A Redis the server reaches at `url`, and how to freeze and thaw it."""

    url: str
    direct: str
    """The same Redis, not through the fault (for the test's own reads)."""
    freeze: Callable[[], None]
    thaw: Callable[[], None]


@pytest.fixture(params=["sigstop", "blackhole"])
def frozen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Frozen]:
    with RedisServer(tmp_path) as own:
        if request.param == "sigstop":
            yield Frozen(own.url, own.url, own.pause, own.resume)
        else:
            with RedisProxy(own.port) as proxy:
                yield Frozen(proxy.url, own.url, proxy.pause, proxy.resume)


def settings(url: str, **overrides: object) -> object:
    return settings_for(
        url,
        redis_timeout_seconds=REDIS_TIMEOUT,
        cancel_timeout_seconds=CANCEL_TIMEOUT,
        heartbeat_seconds=0.2,
        executor_ttl_seconds=2.0,
        **overrides,
    )


def client(server: ServerThread) -> httpx.Client:
    # Far above every bound: a request that hangs fails the test on its elapsed time, not here.
    return http_client(server.base_url)


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def status_of(api: httpx.Client, session_id: str, turn_id: str) -> str | None:
    response = api.get(f"/agents/sessions/{session_id}/turns/{turn_id}")
    return str(response.json()["data"]["state"]["status"]) if response.status_code == 200 else None


def start_turn(api: httpx.Client, session_id: str) -> str:
    response = api.post(
        f"/agents/sessions/{session_id}/turns", json={"input": [USER_MESSAGE], "stream": False}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


def test_with_redis_frozen_get_create_turn_cancel_and_readyz_answer_within_the_bound(
    frozen: Frozen,
) -> None:
    with ServerThread(settings(frozen.url)) as server, client(server) as api:  # type: ignore[arg-type]
        make_agent(api, "echo")
        session_id = api.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]
        first = start_turn(api, session_id)
        wait_until(lambda: status_of(api, session_id, first) == "done", 10, "the first turn is done")
        frozen.freeze()
        try:
            s = f"/agents/sessions/{session_id}"
            for name, call in [
                ("get session", lambda: api.get(s)),
                (
                    "create turn",
                    lambda: api.post(f"{s}/turns", json={"input": [USER_MESSAGE], "stream": False}),
                ),
                ("cancel", lambda: api.post(f"{s}/cancel", json={})),
            ]:
                response, elapsed = timed(call)
                assert_error(response, 400, code="store_unavailable")
                assert elapsed < REDIS_TIMEOUT + SLACK, f"{name} took {elapsed:.2f}s"
            started = time.monotonic()
            assert readiness(server.root) == (503, {"g": "down"})
            elapsed = time.monotonic() - started
            assert elapsed < REDIS_TIMEOUT + SLACK, f"/readyz took {elapsed:.2f}s"
        finally:
            frozen.thaw()

        # Recovery needs no restart.
        wait_until(lambda: readiness(server.root)[0] == 200, 15, "ready again")
        wait_until(
            lambda: api.get(f"/agents/sessions/{session_id}").status_code == 200, 15, "reads work again"
        )
        again = wait_until(lambda: _try_turn(api, session_id), 15, "a new turn is accepted")
        wait_until(lambda: status_of(api, session_id, again) == "done", 15, "the new turn is done")
        assert api.post(f"/agents/sessions/{session_id}/cancel", json={}).status_code == 200


def _try_turn(api: httpx.Client, session_id: str) -> str | None:
    response = api.post(
        f"/agents/sessions/{session_id}/turns", json={"input": [USER_MESSAGE], "stream": False}
    )
    return str(response.json()["data"]["id"]) if response.status_code == 200 else None


def cancel_in_background(api: httpx.Client, session_id: str) -> tuple[threading.Thread, dict[str, object]]:
    result: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        result["response"] = api.post(f"/agents/sessions/{session_id}/cancel", json={})
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def wait_for_cancel_recorded(direct_url: str, turn_id: str) -> None:
    with redis.Redis.from_url(direct_url, decode_responses=True) as probe:
        wait_until(
            lambda: probe.hget(turn_key(probe, "truefoundry", turn_id), "cancel"),
            10,
            "the cancel is recorded",
        )
    time.sleep(0.3)  # well into the wait for the terminal state


def assert_answered_within_the_cancel_bound(thread: threading.Thread, result: dict[str, object]) -> None:
    thread.join(30)
    assert not thread.is_alive(), "the cancel never answered"
    response, elapsed = result["response"], result["elapsed"]
    assert isinstance(response, httpx.Response) and isinstance(elapsed, float)
    assert response.status_code in (400, 424), response.text
    code = "store_unavailable" if response.status_code == 400 else "cancel_not_acknowledged"
    assert_error(response, response.status_code, code=code)
    assert elapsed < CANCEL_TIMEOUT + REDIS_TIMEOUT + SLACK, f"the cancel took {elapsed:.2f}s"


def test_a_cancel_waiting_when_redis_freezes_answers_within_its_bound(frozen: Frozen) -> None:
    with ServerThread(settings(frozen.url)) as server, client(server) as api:  # type: ignore[arg-type]
        # A turn that ignores its cancel for longer than the bound: the cancel waits.
        make_agent(api, "stubborn", chunks=50, delay_ms=100)
        api.put(
            "/registry/agents/stubborn",
            json={
                "name": "stubborn",
                "model": {
                    "name": "scripted/echo",
                    "params": {"chunks": 50, "delay_ms": 100, "ignore_cancel_ms": 30000},
                },
            },
        ).raise_for_status()
        session_id = api.post("/agents/sessions", json={"agent_name": "stubborn"}).json()["data"]["id"]
        turn_id = start_turn(api, session_id)
        thread, result = cancel_in_background(api, session_id)
        wait_for_cancel_recorded(frozen.direct, turn_id)
        frozen.freeze()
        try:
            assert_answered_within_the_cancel_bound(thread, result)
        finally:
            frozen.thaw()
        wait_until(lambda: readiness(server.root)[0] == 200, 15, "ready again")


def test_a_partitioned_api_replicas_waiting_cancel_answers_within_its_bound(tmp_path: Path) -> None:
    """The executor keeps its Redis; only the API replica's link is cut while its cancel waits."""
    with (
        RedisServer(tmp_path) as own,
        RedisProxy(own.port) as link,
        ServerThread(settings(own.url, executor_id="solid")) as executor_side,
        ServerThread(settings(link.url), with_executor=False) as replica,
        client(executor_side) as direct_api,
        client(replica) as api,
    ):
        direct_api.post(
            "/registry/agents",
            json={
                "name": "stubborn",
                "model": {
                    "name": "scripted/echo",
                    "params": {"chunks": 50, "delay_ms": 100, "ignore_cancel_ms": 30000},
                },
            },
        ).raise_for_status()
        session_id = direct_api.post("/agents/sessions", json={"agent_name": "stubborn"}).json()["data"]["id"]
        turn_id = start_turn(direct_api, session_id)
        thread, result = cancel_in_background(api, session_id)
        wait_for_cancel_recorded(own.url, turn_id)
        link.pause()
        try:
            assert_answered_within_the_cancel_bound(thread, result)
        finally:
            link.resume()
        wait_until(
            lambda: api.get(f"/agents/sessions/{session_id}").status_code == 200,
            15,
            "the replica serves again",
        )
