"""Zones fail alone: with zone b's Redis down (killed) or hung (a blackholed link), a replica whose
home is zone g keeps serving g and stays ready, says b is down, answers b's requests 400
`store_unavailable` within the bound; a replica started during the outage starts all the same, and
serves b (its executor included) once b's Redis is back."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from contract_tests.conftest import make_agent, settings_for
from contract_tests.faults import RedisProxy, readiness
from contract_tests.spec_support import assert_error
from server.store import keys
from testkit.api import http_client
from testkit.processes import wait_until
from testkit.redis_server import RedisServer
from testkit.servers import ServerThread

REDIS_TIMEOUT = 1.0
SLACK = 2.0  # what a loaded machine may add: the assertions are about "never hangs"
USER_MESSAGE = {"type": "user.message", "content": "hello from one zone"}


@dataclass
class ZoneB:
    url: str
    """What the replicas are configured with."""
    direct: str
    """The Redis itself, for the test's own reads."""
    _fail: Callable[[], None]
    _recover: Callable[[], None]
    down: bool = False

    def fail(self) -> None:
        self._fail()
        self.down = True

    def recover(self) -> None:
        """Bring b back (again is a no-op)."""
        if self.down:
            self._recover()
            self.down = False


@pytest.fixture(params=["killed", "blackholed"])
def zone_b(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ZoneB]:
    with RedisServer(tmp_path) as own:
        if request.param == "killed":
            yield ZoneB(own.url, own.url, own.kill, own.start)
        else:
            with RedisProxy(own.port) as link:
                yield ZoneB(link.url, own.url, link.pause, link.resume)


def settings(home_url: str, home: str, other: str, other_url: str, executor_id: str) -> Any:
    return settings_for(
        home_url,
        zone=home,
        zones={other: other_url},
        executor_id=executor_id,
        redis_timeout_seconds=REDIS_TIMEOUT,
        heartbeat_seconds=0.2,
        executor_ttl_seconds=1.0,
        zone_probe_seconds=0.5,
    )


@contextlib.contextmanager
def api(server: ServerThread) -> Iterator[httpx.Client]:
    with http_client(server.base_url) as client:
        yield client


def run_turn(client: httpx.Client, session_id: str) -> str:
    """A turn runs to its end: the status it ended with."""
    body = {"input": [USER_MESSAGE], "stream": False}
    response = client.post(f"/agents/sessions/{session_id}/turns", json=body)
    assert response.status_code == 200, response.text
    turn = f"/agents/sessions/{session_id}/turns/{response.json()['data']['id']}"

    def ended() -> str | None:
        status = str(client.get(turn).json()["data"]["state"]["status"])
        return None if status == "running" else status

    return wait_until(ended, 15, "the turn ends")


def zone_up_gauge(server: ServerThread, zone: str) -> float:
    text = httpx.get(f"{server.root}/metrics", timeout=30).text
    line = next(
        line for line in text.splitlines() if line.startswith(f'agent_harness_zone_up{{zone="{zone}"}}')
    )
    return float(line.rsplit(" ", 1)[1])


def assert_serves_g_but_not_b(server: ServerThread, client: httpx.Client, in_g: str, in_b: str) -> None:
    assert readiness(server.root) == (200, {"g": "up", "b": "down"})
    assert client.get(f"/agents/sessions/{in_g}").status_code == 200
    assert run_turn(client, in_g) == "done"
    started = time.monotonic()
    assert_error(client.get(f"/agents/sessions/{in_b}"), 400, code="store_unavailable")
    elapsed = time.monotonic() - started
    assert elapsed < REDIS_TIMEOUT + SLACK, f"a request for zone b took {elapsed:.2f}s"
    assert zone_up_gauge(server, "b") == 0 and zone_up_gauge(server, "g") == 1


def test_a_zone_that_is_down_fails_alone_and_serves_again_when_it_returns(
    redis_url: str, zone_b: ZoneB
) -> None:
    # A session in zone b, created by a replica whose home is b.
    with ServerThread(settings(zone_b.url, "b", "g", redis_url, "homeb")) as b_home, api(b_home) as client:
        make_agent(client, "echo")
        in_b = client.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]

    with ServerThread(settings(redis_url, "g", "b", zone_b.url, "early")) as early, api(early) as client:
        make_agent(client, "echo")
        in_g = client.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]
        zone_b.fail()
        try:
            assert_serves_g_but_not_b(early, client, in_g, in_b)

            # A replica started during the outage starts, and serves zone g.
            fresh_settings = settings(redis_url, "g", "b", zone_b.url, "fresh")
            with ServerThread(fresh_settings) as fresh, api(fresh) as fresh_client:
                assert_serves_g_but_not_b(fresh, fresh_client, in_g, in_b)
                zone_b.recover()

                wait_until(lambda: readiness(fresh.root)[1] == {"g": "up", "b": "up"}, 15, "zone b is up")
                with redis.Redis.from_url(zone_b.direct) as b_db:
                    # Its executor for zone b, down when it started, has begun working there.
                    wait_until(
                        lambda: b_db.zscore(keys.executors(), "fresh"), 15, "fresh's executor serves b"
                    )
                assert fresh_client.get(f"/agents/sessions/{in_b}").status_code == 200
                assert run_turn(fresh_client, in_b) == "done"
                wait_until(lambda: zone_up_gauge(fresh, "b") == 1, 15, "the gauge says b is up")
        finally:
            zone_b.recover()
        assert client.get(f"/agents/sessions/{in_b}").status_code == 200


def test_a_replica_whose_home_zone_is_down_starts_not_ready_and_serves_once_it_returns(
    tmp_path: Path,
) -> None:
    with RedisServer(tmp_path) as home:
        home.kill()
        home_settings = settings_for(
            home.url, redis_timeout_seconds=REDIS_TIMEOUT, heartbeat_seconds=0.2, zone_probe_seconds=0.5
        )
        with ServerThread(home_settings) as server, api(server) as client:
            assert readiness(server.root) == (503, {"g": "down"})
            assert_error(client.get("/registry/agents"), 400, code="store_unavailable")
            home.start()
            wait_until(lambda: readiness(server.root) == (200, {"g": "up"}), 15, "the replica is ready")
            make_agent(client, "echo")
            session_id = client.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]
            assert run_turn(client, session_id) == "done"  # its executor started once Redis answered
