"""List sessions skips deleted and expired sessions: a page holds live sessions up to its limit
instead of coming back empty with a token for every page of dead index entries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import redis

from contract_tests.harness import TENANT
from server.ids import new_session_id
from server.store import keys


def _create(client: httpx.Client, agent: str, count: int) -> list[str]:
    def one(_: int) -> str:
        response = client.post("/agents/sessions", json={"agent_name": agent})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def _page(client: httpx.Client, agent: str, **params: Any) -> tuple[list[str], str | None]:
    response = client.get("/agents/sessions", params={"agent_name": agent, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    return [s["id"] for s in body["data"]], body["pagination"].get("next_page_token")


def _owner_index(flush_redis: redis.Redis, agent: str) -> str:
    (index,) = list(flush_redis.scan_iter(f"{keys.agent_sessions(TENANT, agent)}:by:*"))
    return str(index)


def test_the_first_page_holds_the_live_sessions_after_the_newest_300_are_deleted(
    client: httpx.Client, echo_agent: str
) -> None:
    live = _create(client, echo_agent, 3)
    doomed = _create(client, echo_agent, 300)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for response in pool.map(lambda s: client.delete(f"/agents/sessions/{s}"), doomed):
            assert response.status_code == 204, response.text

    ids, token = _page(client, echo_agent, limit=10)

    assert ids == sorted(live, reverse=True)
    assert token is None
    assert _page(client, echo_agent, limit=2, order="asc") == (sorted(live)[:2], sorted(live)[1])


def test_expired_sessions_are_skipped_and_their_index_entries_dropped(
    client: httpx.Client, echo_agent: str, flush_redis: redis.Redis
) -> None:
    live = _create(client, echo_agent, 3)
    gone = _create(client, echo_agent, 300)
    for session_id in gone:  # as their retention would
        flush_redis.delete(keys.session(TENANT, session_id))

    ids, token = _page(client, echo_agent, limit=10)

    assert ids == sorted(live, reverse=True)
    assert token is None
    assert sorted(flush_redis.zrange(_owner_index(flush_redis, echo_agent), 0, -1)) == sorted(live)


def test_past_the_scan_budget_a_short_page_carries_a_token_that_reaches_the_rest(
    client: httpx.Client, echo_agent: str, flush_redis: redis.Redis
) -> None:
    live = _create(client, echo_agent, 2)
    index = _owner_index(flush_redis, echo_agent)
    # 2500 newer index entries whose sessions expired: more than one request reads.
    flush_redis.zadd(index, {new_session_id("g"): 0 for _ in range(2500)})

    pages = 0
    found: list[str] = []
    params: dict[str, Any] = {"limit": 10}
    while True:
        ids, token = _page(client, echo_agent, **params)
        found += ids
        pages += 1
        if token is None:
            break
        params["page_token"] = token
        assert pages < 10, "the listing does not make progress"

    assert found == sorted(live, reverse=True)
    assert pages > 1
    assert sorted(flush_redis.zrange(index, 0, -1)) == sorted(live)
