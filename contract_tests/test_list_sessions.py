"""List sessions skips deleted and expired sessions: a page holds live sessions up to its limit
instead of coming back empty with a token for every page of dead index entries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis

from server.ids import new_session_id
from server.store import keys
from server.store import sessions as session_store
from testkit.api import TENANT


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


def test_expired_sessions_are_skipped_and_their_index_entries_dropped_but_not_a_create_in_flight(
    client: httpx.Client, echo_agent: str, flush_redis: redis.Redis
) -> None:
    """A create writes the index entry first and the session hash after: an entry without its hash
    is a create in flight (or one that died between the steps) until it is older than the grace."""
    live = _create(client, echo_agent, 3)
    index = _owner_index(flush_redis, echo_agent)
    long_ago = datetime.now(UTC) - timedelta(seconds=session_store.CREATE_GRACE_SECONDS * 2)
    gone = [new_session_id("g", long_ago - timedelta(milliseconds=n)) for n in range(300)]
    flush_redis.zadd(index, {session_id: 0 for session_id in gone})  # their hashes expired
    in_flight = [new_session_id("g") for _ in range(5)]  # step 1 only: index entry, no hash yet
    flush_redis.zadd(index, {session_id: 0 for session_id in in_flight})

    ids, token = _page(client, echo_agent, limit=10)

    assert ids == sorted(live, reverse=True)
    assert token is None
    assert sorted(flush_redis.zrange(index, 0, -1)) == sorted(live + in_flight)


def test_a_delete_that_stopped_before_its_index_step_is_reconciled_by_the_listing(
    client: httpx.Client, echo_agent: str, flush_redis: redis.Redis
) -> None:
    live, deleted = _create(client, echo_agent, 2)
    # DELETE_SESSION alone (step 1), as if the replica died before removing the index entries.
    flush_redis.hset(keys.session(TENANT, deleted), mapping={"deleted": "then"})

    ids, _ = _page(client, echo_agent, limit=10)

    assert ids == [live]
    assert flush_redis.zrange(_owner_index(flush_redis, echo_agent), 0, -1) == [live]


def test_past_the_scan_budget_a_short_page_carries_a_token_that_reaches_the_rest(
    client: httpx.Client, echo_agent: str, flush_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_store, "CREATE_GRACE_SECONDS", -3600)  # no create is in flight here
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
