"""Executors fence themselves: one that cannot renew a turn's lease before it lapses, or learns the
lease is gone, cancels the turn's work itself (here a slow MCP tool call, which records when it
started and how it ended) before any reaper may finalise the turn, and writes nothing for it after.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from contract_tests.conftest import settings_for
from contract_tests.faults import RedisProxy
from testkit.api import TENANT, http_client
from testkit.fakes import mcp_server
from testkit.processes import wait_until
from testkit.redis_clients import turn_key
from testkit.redis_server import RedisServer
from testkit.servers import AppThread, ServerThread

HEARTBEAT = 0.25
TTL = 2.0
# The fence falls at the last renewal + TTL - margin; the margin in force is a quarter of this TTL.
FENCE_AFTER = TTL - TTL / 4
TOOL_SECONDS = 6.0
SLACK = 1.5


def settings(url: str, **overrides: Any) -> Any:
    return settings_for(
        url, heartbeat_seconds=HEARTBEAT, executor_ttl_seconds=TTL, redis_timeout_seconds=1.0, **overrides
    )


def wall(monotonic: float) -> float:
    """A `time.monotonic()` reading (the tool's log) as wall-clock time (`completed_at`'s clock)."""
    return time.time() - time.monotonic() + monotonic


@dataclass
class Rig:
    api: httpx.Client
    direct: redis.Redis
    tools_root: str

    def start_sleeping_turn(self) -> str:
        model = {
            "name": "scripted/script",
            "params": {
                "script": [
                    {"tool_calls": [{"name": "sleep", "arguments": {"seconds": TOOL_SECONDS}}]},
                    {"content": "slept"},
                ]
            },
        }
        mcp = [{"name": "tools", "url": f"{self.tools_root}/mcp"}]
        assert self.api.post(
            "/registry/agents", json={"name": "sleeper", "model": model, "mcp_servers": mcp}
        ).is_success
        session_id = self.api.post("/agents/sessions", json={"agent_name": "sleeper"}).json()["data"]["id"]
        response = self.api.post(
            f"/agents/sessions/{session_id}/turns",
            json={"input": [{"type": "user.message", "content": "nap"}], "stream": False},
        )
        assert response.status_code == 200, response.text
        wait_until(lambda: mcp_server.LOG.of("sleep") == ["started"], 15, "the tool call runs")
        return str(response.json()["data"]["id"])

    def status(self, turn_id: str) -> str | None:
        return self.direct.hget(turn_key(self.direct, TENANT, turn_id), "status")  # type: ignore[return-value]

    def log(self, turn_id: str) -> list[dict[str, Any]]:
        entries = self.direct.xrange(turn_key(self.direct, TENANT, turn_id, events=True))
        return [json.loads(fields["e"]) for _, fields in entries]  # type: ignore[union-attr]


@pytest.fixture
def tools() -> Iterator[AppThread]:
    mcp_server.LOG.clear()
    with AppThread(mcp_server.build().streamable_http_app()) as running:
        yield running


def client(server: ServerThread) -> httpx.Client:
    return http_client(server.base_url)


def assert_cancelled_before_the_recorded_end(rig: Rig, turn_id: str) -> dict[str, Any]:
    """The tool call was cancelled, and before `turn.done`; the turn's end is the reapers' one."""
    wait_until(lambda: "cancelled" in mcp_server.LOG.of("sleep"), 5, "the tool call is cancelled")
    log = rig.log(turn_id)
    done = log[-1]
    assert done["type"] == "turn.done" and [e["type"] for e in log].count("turn.done") == 1
    assert (done["state"]["status"], done["state"]["reason"]) == ("cancelled", "abandoned"), done
    cancelled_at = mcp_server.LOG.when("sleep", "cancelled")
    assert cancelled_at is not None
    completed_at = datetime.fromisoformat(done["state"]["completed_at"]).timestamp()
    # `completed_at` is written in whole milliseconds, rounded down.
    assert wall(cancelled_at) < completed_at + 0.005, (wall(cancelled_at), completed_at)
    return done


def assert_nothing_follows(rig: Rig, turn_id: str, started_at: float) -> None:
    """Past the time the tool would have finished, it has not, and nothing was written after the end."""
    before = rig.log(turn_id)
    time.sleep(max(0.0, started_at + TOOL_SECONDS + 1.0 - time.monotonic()))
    assert "finished" not in mcp_server.LOG.of("sleep")
    assert rig.log(turn_id) == before
    assert [e["type"] for e in before if e["type"] == "tool.response"] == []


def test_an_executor_partitioned_past_its_ttl_cancels_its_tool_call_before_the_reaper_ends_the_turn(
    tmp_path: Path, tools: AppThread
) -> None:
    with (
        RedisServer(tmp_path) as own,
        RedisProxy(own.port) as link,
        ServerThread(settings(link.url, executor_id="fenced")),
        ServerThread(settings(own.url), with_executor=False) as replica,
        client(replica) as api,
        redis.Redis.from_url(own.url, decode_responses=True) as direct,
    ):
        rig = Rig(api, direct, tools.root)
        turn_id = rig.start_sleeping_turn()
        started_at = mcp_server.LOG.when("sleep", "started")
        assert started_at is not None
        partitioned_at = time.monotonic()
        link.pause()
        try:
            # The replica's reaper ends it once the lease lapses (a TTL after the last renewal).
            wait_until(lambda: rig.status(turn_id) not in (None, "running"), TTL + 10, "the turn is reaped")
            assert_cancelled_before_the_recorded_end(rig, turn_id)
            cancelled_at = mcp_server.LOG.when("sleep", "cancelled")
            assert cancelled_at is not None
            # The last renewal came before the partition: the fence fell within FENCE_AFTER of it.
            assert cancelled_at - partitioned_at < FENCE_AFTER + SLACK
        finally:
            link.resume()
        assert_nothing_follows(rig, turn_id, started_at)


def test_an_executor_told_its_lease_is_gone_cancels_its_tool_call_and_then_ends_the_turn(
    tmp_path: Path, tools: AppThread
) -> None:
    with (
        RedisServer(tmp_path) as own,
        ServerThread(settings(own.url)) as server,
        client(server) as api,
        redis.Redis.from_url(own.url, decode_responses=True) as direct,
    ):
        rig = Rig(api, direct, tools.root)
        turn_id = rig.start_sleeping_turn()
        started_at = mcp_server.LOG.when("sleep", "started")
        assert started_at is not None
        # As if a reaper had taken the turn: no lease, so the next heartbeat renews nothing.
        assert direct.hdel(turn_key(direct, TENANT, turn_id), "lease") == 1
        removed_at = time.monotonic()
        wait_until(lambda: rig.status(turn_id) not in (None, "running"), 10, "the turn ends")
        assert_cancelled_before_the_recorded_end(rig, turn_id)
        cancelled_at = mcp_server.LOG.when("sleep", "cancelled")
        assert cancelled_at is not None and cancelled_at - removed_at < HEARTBEAT + SLACK
        assert_nothing_follows(rig, turn_id, started_at)
