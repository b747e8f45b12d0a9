"""A primary SIGKILLed mid-turn while clients stream, and its replica promoted (by the sentinels, or by
the cluster itself): requests in the gap answer 400 "store unavailable" within the bound, the same
server and executor work again after the promotion, every running turn ends with exactly one
`turn.done`, no session stays locked, and the executor's liveness is rebuilt by its heartbeats."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract_tests.conftest import make_agent, settings_for
from contract_tests.spec_support import assert_error
from server.store import keys
from server.store.deployments import Mode
from testkit.api import TENANT, http_client
from testkit.deployments import FULL_MATRIX, Launched
from testkit.processes import wait_until
from testkit.servers import ServerThread
from testkit.sse import BackgroundStream, Frame, read_frames

REDIS_TIMEOUT_SECONDS = 1.0
SLACK_SECONDS = 1.5
"""A loaded machine's scheduling on top of the bound (connect refused answers at once anyway)."""
EXECUTOR = "failover"

# About 20 s a mode: `make test` kills a cluster primary (slot moves, sharded channels, readers per
# node); the sentinel case runs under `make test-cluster`, and test_failover_store keeps a sentinel
# promotion in every run.
pytestmark = pytest.mark.parametrize(
    "redis_deployment",
    [
        *([pytest.param(Mode.SENTINEL, id="sentinel")] if FULL_MATRIX else []),
        pytest.param(Mode.CLUSTER, id="cluster"),
    ],
    indirect=True,
    scope="module",
)


@pytest.fixture(scope="module")
def failover_server(redis_url: str) -> Iterator[ServerThread]:
    settings = settings_for(
        redis_url,
        executor_id=EXECUTOR,
        redis_timeout_seconds=REDIS_TIMEOUT_SECONDS,
        heartbeat_seconds=0.25,
        # Longer than a promotion (about 2 s here), so a turn can outlive the gap; a longer gap
        # fences the turn and a reaper ends it `abandoned`: either way one `turn.done`.
        executor_ttl_seconds=5,
        cancel_timeout_seconds=5,
        stream_block_seconds=1,
        stream_read_grace_seconds=1,
    )
    with ServerThread(settings) as running:
        yield running


@pytest.fixture
def api(failover_server: ServerThread, redis_deployment: Launched) -> Iterator[httpx.Client]:
    with http_client(failover_server.base_url) as client:
        yield client
    redis_deployment.heal()  # the next test gets three nodes (or primary and replica) again


def _turn(api: httpx.Client, session_id: str) -> BackgroundStream:
    body = {"input": [{"type": "user.message", "content": " ".join(f"w{i}" for i in range(30))}]}
    return BackgroundStream(api, f"/agents/sessions/{session_id}/turns", body).start()


def _to_the_end(api: httpx.Client, session_id: str, stream: BackgroundStream) -> list[Frame]:
    """The stream's frames, resumed with Last-Event-ID when the lost Redis ended it early."""
    try:
        frames = list(stream.join(timeout=30))
    except httpx.HTTPError:
        frames = list(stream.frames)
    while not frames or frames[-1].event != "turn.done":
        headers = {"Last-Event-ID": str(frames[-1].id)} if frames else {}
        url = f"/agents/sessions/{session_id}/turns/{stream.turn_id}/subscribe"
        try:
            frames += read_frames(api, "POST", url, headers=headers, json={})
        except httpx.HTTPError:
            time.sleep(0.2)
    return frames


def test_a_primary_killed_mid_turn_is_replaced_and_every_turn_ends_once(
    api: httpx.Client, redis_deployment: Launched, flush_redis: Any
) -> None:
    make_agent(api, "slow", chunks=30, delay_ms=150)
    sessions = [
        api.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"] for _ in range(3)
    ]
    streams = [_turn(api, session_id) for session_id in sessions]
    for stream in streams:
        stream.wait_for(3)

    redis_deployment.kill_primary(keys.session(TENANT, sessions[0]))
    killed_at = time.monotonic()
    gap: list[tuple[float, httpx.Response]] = []
    while True:
        started = time.monotonic()
        response = api.get(f"/agents/sessions/{sessions[0]}")
        if response.status_code != 400:
            # Back, with the session: a 404 would mean the promoted replica had lost it.
            assert response.status_code == 200, response.text
            break
        gap.append((time.monotonic() - started, response))
        assert time.monotonic() - killed_at < 30, "the store never came back"
        time.sleep(0.05)
    recovered_after = time.monotonic() - killed_at

    assert gap, "no request fell in the gap: the kill did not reach the session's primary"
    for seconds, response in gap:
        assert_error(response, 400, code="store_unavailable")
        assert seconds < REDIS_TIMEOUT_SECONDS + SLACK_SECONDS, f"a request in the gap took {seconds:.2f}s"
    print(f"recovered {recovered_after:.2f}s after the kill, {len(gap)} requests answered 400 in the gap")

    for session_id, stream in zip(sessions, streams, strict=True):
        frames = _to_the_end(api, session_id, stream)
        events = [f.event for f in frames]
        assert events.count("turn.done") == 1 and events[-1] == "turn.done", events
        ids = [f.id for f in frames]
        assert ids == sorted(set(ids)), f"a resumed stream repeated or reordered events: {ids}"
        turn = api.get(f"/agents/sessions/{session_id}/turns/{stream.turn_id}").json()["data"]
        assert turn["state"]["status"] in ("done", "cancelled", "error"), turn
        print(session_id, turn["state"]["status"], turn["state"].get("reason"), f"{len(frames)} frames")
        # No session is left locked: a new turn starts and runs to its end.
        again = api.post(
            f"/agents/sessions/{session_id}/turns",
            json={"input": [{"type": "user.message", "content": "again"}], "stream": False},
        )
        assert again.status_code == 200, again.text
        rest = read_frames(
            api,
            "POST",
            f"/agents/sessions/{session_id}/turns/{again.json()['data']['id']}/subscribe",
            json={},
        )
        assert [f.event for f in rest].count("turn.done") == 1

    # Liveness is rebuilt by the heartbeats on the new primary (if the last one was lost with the old).
    wait_until(
        lambda: flush_redis.zscore(keys.executors(), EXECUTOR) is not None, 5, "the executor is registered"
    )
