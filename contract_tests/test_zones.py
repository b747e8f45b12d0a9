"""Zones: a session id's `<zone>` names the Redis that owns it; a replica serves every configured zone."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis

from contract_tests.conftest import make_agent, settings_for
from server.store import keys
from testkit.redis_clients import second_db_url
from testkit.servers import ServerThread
from testkit.sse import BackgroundStream, read_frames


@pytest.fixture
def zones(redis_url: str) -> Iterator[tuple[httpx.Client, httpx.Client, redis.Redis, redis.Redis]]:
    eu_url = second_db_url(redis_url)
    g_db = redis.Redis.from_url(redis_url, decode_responses=True)
    eu_db = redis.Redis.from_url(eu_url, decode_responses=True)
    eu_db.flushdb()
    home_g = settings_for(redis_url, zone="g", zones={"eu": eu_url}, executor_id="zoneg")
    home_eu = settings_for(eu_url, zone="eu", zones={"g": redis_url}, executor_id="zoneeu")
    with ServerThread(home_g) as a, ServerThread(home_eu) as b:
        headers = {"Authorization": "Bearer alice"}
        with (
            httpx.Client(base_url=f"{a.base_url}/v1", headers=headers, timeout=30) as ca,
            httpx.Client(base_url=f"{b.base_url}/v1", headers=headers, timeout=30) as cb,
        ):
            yield ca, cb, g_db, eu_db
    eu_db.flushdb()
    g_db.close()
    eu_db.close()


def test_each_replica_creates_sessions_in_its_home_zone_and_serves_the_others(
    zones: tuple[httpx.Client, httpx.Client, redis.Redis, redis.Redis],
) -> None:
    a, b, g_db, eu_db = zones
    make_agent(a, "echo")
    make_agent(b, "echo")
    in_g = a.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]
    in_eu = b.post("/agents/sessions", json={"agent_name": "echo"}).json()["data"]["id"]

    assert in_g.endswith(".g") and in_eu.endswith(".eu")
    assert g_db.exists(keys.session("truefoundry", in_g)) and not eu_db.exists(
        keys.session("truefoundry", in_g)
    )
    assert eu_db.exists(keys.session("truefoundry", in_eu)) and not g_db.exists(
        keys.session("truefoundry", in_eu)
    )
    assert b.get(f"/agents/sessions/{in_g}").status_code == 200
    assert a.get(f"/agents/sessions/{in_eu}").status_code == 200

    frames = read_frames(
        b,
        "POST",
        f"/agents/sessions/{in_g}/turns",
        json={"input": [{"type": "user.message", "content": "hi"}]},
    )
    assert frames[0].data["turn_id"].split(".")[1] == "g"
    assert frames[-1].data["state"]["status"] == "done"
    assert g_db.exists(keys.turn_events("truefoundry", in_g, frames[0].data["turn_id"]))


def test_a_cancel_reaches_a_turn_in_another_zone(
    zones: tuple[httpx.Client, httpx.Client, redis.Redis, redis.Redis],
) -> None:
    a, b, _, _ = zones
    make_agent(b, "slow", chunks=50, delay_ms=100)
    in_eu = b.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
    body = {"input": [{"type": "user.message", "content": "a b c d e f"}]}
    stream = BackgroundStream(b, f"/agents/sessions/{in_eu}/turns", body).start()
    stream.wait_for(3)

    assert a.post(f"/agents/sessions/{in_eu}/cancel").status_code == 200

    assert stream.join()[-1].data["state"]["reason"] == "client-cancelled"


def test_an_id_naming_an_unknown_zone_is_a_404_naming_the_param(
    zones: tuple[httpx.Client, httpx.Client, redis.Redis, redis.Redis],
) -> None:
    a, _, _, _ = zones

    response = a.get("/agents/sessions/01arz3ndektsv4rrffq69g5fav.mars")

    # Such a session does not exist here: 404, not a malformed request.
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "sessionId"
    assert response.json()["error"]["code"] == "unknown_zone"
    assert "'mars'" in response.json()["error"]["message"]
