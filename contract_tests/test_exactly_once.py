"""Every store write is safe to repeat: a reply lost under each state-changing script, then a broken
connection (redis-py sends the same EVALSHA again on a fresh one), changes nothing a client can see.

One server (API and executor in one process) reaches a private Redis through a `RedisProxy`; the test
reads that Redis directly. Each test first runs a turn so every script is loaded (otherwise the lost
reply would be a harmless NOSCRIPT), then arms the proxy to lose the reply to one request: the one
carrying a marker only that script's call contains.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import prometheus_client
import pytest
import redis

from contract_tests.conftest import settings_for
from contract_tests.faults import RedisProxy
from server.store import keys, lua
from testkit.api import TENANT, http_client
from testkit.fakes import mcp_server, openai_server
from testkit.fakes.openai_server import Recorder
from testkit.processes import wait_until
from testkit.redis_clients import turn_key
from testkit.redis_server import RedisServer
from testkit.servers import AppThread, ServerThread

KEY_ENV = "EXACTLY_ONCE_TEST_MODEL_KEY"
SECRET = "model_key"
# Eight words, eight chunks: each delta is one word and a space, so one delta's JSON is unique.
TEXT = "aaaa bbbb cccc dddd eeee ffff gggg hhhh"


def sha(script: type[lua.Script[Any]]) -> bytes:
    """What EVALSHA of this script carries: only its own calls contain it."""
    return hashlib.sha1(script.lua().encode()).hexdigest().encode()


@dataclass
class Rig:
    api: httpx.Client
    proxy: RedisProxy
    direct: redis.Redis
    model_root: str
    tools_root: str

    def agent(self, name: str, model: dict[str, Any], **fields: Any) -> str:
        created = self.api.post("/registry/agents", json={"name": name, "model": model, **fields})
        assert created.status_code == 201, created.text
        session = self.api.post("/agents/sessions", json={"agent_name": name})
        assert session.status_code == 201, session.text
        return str(session.json()["data"]["id"])

    def start(self, session_id: str, text: str) -> httpx.Response:
        return self.api.post(
            f"/agents/sessions/{session_id}/turns",
            json={"input": [{"type": "user.message", "content": text}], "stream": False},
        )

    def run(self, session_id: str, text: str) -> str:
        """Start a turn and wait for its end; its id."""
        response = self.start(session_id, text)
        assert response.status_code == 200, response.text
        turn_id = str(response.json()["data"]["id"])
        wait_until(lambda: self.status(turn_id) not in (None, "running"), 20, f"turn {turn_id} ends")
        return turn_id

    def status(self, turn_id: str) -> str | None:
        return self.direct.hget(turn_key(self.direct, TENANT, turn_id), "status")  # type: ignore[return-value]

    def log(self, turn_id: str) -> list[dict[str, Any]]:
        """The turn's event stream, as stored (what every SSE stream replays)."""
        entries = self.direct.xrange(turn_key(self.direct, TENANT, turn_id, events=True))
        return [json.loads(fields["e"]) for _, fields in entries]  # type: ignore[union-attr]

    def events(self, session_id: str, turn_id: str) -> list[dict[str, Any]]:
        """The turn's events through the API (deltas merged into their message)."""
        response = self.api.get(f"/agents/sessions/{session_id}/turns/{turn_id}/events", params={"limit": 25})
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def turns(self, session_id: str) -> list[dict[str, Any]]:
        response = self.api.get(f"/agents/sessions/{session_id}/turns", params={"limit": 25})
        assert response.status_code == 200, response.text
        return list(response.json()["data"])


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    monkeypatch.setenv(KEY_ENV, "sk-test-not-a-real-key")
    recorder = Recorder()
    with (
        RedisServer(tmp_path) as own,
        RedisProxy(own.port) as proxy,
        AppThread(openai_server.create_app(recorder)) as model,
        AppThread(mcp_server.build().streamable_http_app()) as tools,
    ):
        settings = settings_for(
            proxy.url,
            secrets={SECRET: {"env": KEY_ENV, "allowed_urls": [f"{model.root}/v1"]}},
            heartbeat_seconds=0.25,
            executor_ttl_seconds=2.0,
        )
        with (
            ServerThread(settings) as server,
            http_client(server.base_url) as api,
            redis.Redis.from_url(own.url, decode_responses=True) as direct,
        ):
            yield Rig(api, proxy, direct, model.root, tools.root)


def echo(rig: Rig) -> str:
    session_id = rig.agent("echo", {"name": "scripted/echo", "params": {"chunks": 8, "delay_ms": 20}})
    rig.run(session_id, "warm up")  # loads every script a turn runs
    return session_id


def assert_numbered_once(log: list[dict[str, Any]]) -> None:
    assert [e["sequence_number"] for e in log] == list(range(1, len(log) + 1))
    assert [e["type"] for e in log].count("turn.done") == 1 and log[-1]["type"] == "turn.done"


def test_a_lost_reply_under_an_event_append_logs_the_event_once(rig: Rig) -> None:
    session_id = echo(rig)
    # Only the sixth delta's APPEND_EVENTS carries this: the input has the word after a space (each
    # event travels as a string in the call's JSON list, its quotes escaped).
    rig.proxy.lose_next_reply(b'\\"content\\":\\"ffff')
    turn_id = rig.run(session_id, TEXT)

    assert rig.proxy.lost_replies == 1
    log = rig.log(turn_id)
    assert_numbered_once(log)
    deltas = [e.get("content", "") for e in log if e["type"] == "model.message.delta"]
    assert "".join(deltas) == TEXT, deltas
    assert log[-1]["state"]["status"] == "done" and log[-1]["state"]["output"]["content"] == TEXT
    [message] = [e for e in rig.events(session_id, turn_id) if e["type"] == "model.message"]
    assert message["content"] == TEXT


def test_a_lost_reply_under_a_tool_response_append_logs_one_response_per_call(rig: Rig) -> None:
    model = {
        "name": "openai-compatible/call-add",
        "base_url": f"{rig.model_root}/v1",
        "api_key_secret": SECRET,
    }
    session_id = rig.agent("adder", model, mcp_servers=[{"name": "tools", "url": f"{rig.tools_root}/mcp"}])
    rig.run(session_id, "warm up: what is 2 + 3?")
    rig.proxy.lose_next_reply(b'\\"type\\":\\"tool.response\\"')
    turn_id = rig.run(session_id, "what is 2 + 3?")

    assert rig.proxy.lost_replies == 1
    log = rig.log(turn_id)
    assert_numbered_once(log)
    responses = [e for e in log if e["type"] == "tool.response"]
    assert [r["content"] for r in responses] == ["5"]
    assert [e["type"] for e in rig.events(session_id, turn_id)].count("tool.response") == 1
    assert log[-1]["state"]["output"]["content"] == "result: 5"
    # The next turn replays this one as history: a second tool message for the call would be refused.
    later = rig.run(session_id, "and again?")
    assert rig.log(later)[-1]["state"]["status"] == "done", rig.log(later)[-1]


def test_a_lost_reply_under_start_turn_answers_200_for_the_clients_own_turn(rig: Rig) -> None:
    session_id = echo(rig)
    before = rig.turns(session_id)
    rig.proxy.lose_next_reply(sha(lua.StartTurn))
    response = rig.start(session_id, TEXT)

    assert rig.proxy.lost_replies == 1
    assert response.status_code == 200, response.text
    turn_id = response.json()["data"]["id"]
    wait_until(lambda: rig.status(turn_id) == "done", 20, "the turn is done")
    after = rig.turns(session_id)
    assert [t["id"] for t in after] == [turn_id, *(t["id"] for t in before)]
    assert rig.direct.hget(keys.session(TENANT, session_id), "last_turn") == turn_id


def finished_done() -> float:
    value = prometheus_client.REGISTRY.get_sample_value(
        "agent_harness_turns_finished_total", {"status": "done", "reason": ""}
    )
    return value or 0.0


def test_a_lost_reply_under_finish_turn_records_one_end_and_its_writer_knows_it_won(rig: Rig) -> None:
    before = finished_done()
    session_id = echo(rig)
    # The executor counts a turn just after its FINISH_TURN answers, which a busy machine can put
    # after the test has seen the turn end: wait for the warm-up's count, so it is not taken for ours.
    wait_until(lambda: finished_done() == before + 1, 10, f"the executor counts the warm-up turn ({before=})")
    counted = before + 1
    rig.proxy.lose_next_reply(sha(lua.FinishTurn))
    turn_id = rig.run(session_id, TEXT)

    assert rig.proxy.lost_replies == 1
    log = rig.log(turn_id)
    assert_numbered_once(log)
    assert log[-1]["state"]["output"]["content"] == TEXT
    # The executor's retried FINISH_TURN learned it was the one that ended the turn (before, it got 0,
    # "someone else was first", and the turn went uncounted).
    wait_until(
        lambda: finished_done() == counted + 1, 10, f"the executor counts the turn it finished ({counted=})"
    )


def test_a_lost_reply_under_session_delete_answers_204_and_still_cancels_its_running_turn(rig: Rig) -> None:
    model = {"name": "scripted/echo", "params": {"chunks": 50, "delay_ms": 100}}
    warm = rig.agent("slow", model)
    assert rig.api.delete(f"/agents/sessions/{warm}").status_code == 204  # loads DELETE_SESSION
    session_id = rig.api.post("/agents/sessions", json={"agent_name": "slow"}).json()["data"]["id"]
    response = rig.start(session_id, TEXT)
    assert response.status_code == 200, response.text
    turn_id = response.json()["data"]["id"]
    rig.proxy.lose_next_reply(sha(lua.DeleteSession))

    deleted = rig.api.delete(f"/agents/sessions/{session_id}")

    assert rig.proxy.lost_replies == 1
    assert deleted.status_code == 204, deleted.text
    assert rig.status(turn_id) == "cancelled"


def test_lost_replies_under_agent_create_and_replace_answer_as_the_first_run_did(rig: Rig) -> None:
    manifest = {"name": "first", "model": {"name": "scripted/echo"}}
    assert rig.api.post("/registry/agents", json=manifest).status_code == 201  # loads CREATE_AGENT
    assert rig.api.put("/registry/agents/first", json=manifest).status_code == 200  # and REPLACE_AGENT

    rig.proxy.lose_next_reply(sha(lua.CreateAgent))
    created = rig.api.post("/registry/agents", json={**manifest, "name": "second"})
    assert rig.proxy.lost_replies == 1
    assert created.status_code == 201, created.text

    rig.proxy.lose_next_reply(sha(lua.ReplaceAgent))
    replaced = rig.api.put("/registry/agents/second", json={**manifest, "name": "second"})
    assert rig.proxy.lost_replies == 2
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["data"]["version"] == 2  # one replace, counted once
