"""The turn lifecycle against one server with its in-process executor, on each Redis deployment."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from contract_tests.conftest import make_agent
from testkit.sse import BackgroundStream, read_frames

ACROSS_DEPLOYMENTS = True  # `make test-cluster`: every test against sentinel and cluster Redis too


def _session(client: httpx.Client, agent: str) -> str:
    response = client.post("/agents/sessions", json={"agent_name": agent})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def _message(text: str) -> dict[str, object]:
    return {"input": [{"type": "user.message", "content": text}]}


@pytest.mark.every_deployment
def test_a_turn_streams_created_then_model_events_then_one_done(client: httpx.Client) -> None:
    make_agent(client, "chunky", chunks=3)
    session_id = _session(client, "chunky")

    frames = read_frames(client, "POST", f"/agents/sessions/{session_id}/turns", json=_message("hello there"))

    assert [f.event for f in frames] == [
        "turn.created",
        "model.message",
        "model.message.delta",
        "model.message.delta",
        "model.message.delta",
        "model.message.delta",
        "turn.done",
    ]
    assert [f.id for f in frames] == [f.data["sequence_number"] for f in frames] == list(range(1, 8))
    assert (
        "".join(f.data.get("content", "") for f in frames if f.event == "model.message.delta")
        == "hello there"
    )
    # The closing delta carries the finish reason and the usage.
    assert frames[-2].data["finish_reason"] == "stop"
    assert frames[-2].data["usage"]["output_tokens"] == 2
    assert {f.data["id"] for f in frames if f.event.startswith("model.message")} == {frames[1].data["id"]}
    state = frames[-1].data["state"]
    assert state["status"] == "done"
    assert state["output"]["content"] == "hello there"


@pytest.mark.every_deployment
def test_cancelling_a_slow_turn_answers_200_fast_and_ends_its_stream_cancelled(
    client: httpx.Client, slow_agent: str
) -> None:
    session_id = _session(client, slow_agent)
    stream = BackgroundStream(
        client, f"/agents/sessions/{session_id}/turns", _message("a b c d e f g h")
    ).start()
    stream.wait_for(4)

    started = time.monotonic()
    response = client.post(f"/agents/sessions/{session_id}/cancel")
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.text
    assert elapsed < 0.5
    frames = stream.join()
    assert [f.event for f in frames].count("turn.done") == 1 and frames[-1].event == "turn.done"
    assert frames[-1].data["state"]["status"] == "cancelled"
    assert frames[-1].data["state"]["reason"] == "client-cancelled"
    assert any(f.event == "model.message.delta" for f in frames)
    assert client.post(f"/agents/sessions/{session_id}/cancel").status_code == 200


def test_a_second_turn_while_one_runs_is_refused_with_409(client: httpx.Client, slow_agent: str) -> None:
    session_id = _session(client, slow_agent)
    stream = BackgroundStream(client, f"/agents/sessions/{session_id}/turns", _message("busy")).start()
    stream.wait_for(2)

    second = client.post(f"/agents/sessions/{session_id}/turns", json={**_message("again"), "stream": False})

    assert second.status_code == 409
    assert second.json()["error"]["code"] == "turn_running"
    client.post(f"/agents/sessions/{session_id}/cancel")
    stream.join()


def test_stream_false_returns_the_running_turn_and_turns_chain(client: httpx.Client, echo_agent: str) -> None:
    session_id = _session(client, echo_agent)
    first = client.post(f"/agents/sessions/{session_id}/turns", json={**_message("one"), "stream": False})
    assert first.status_code == 200, first.text
    first_turn = first.json()["data"]
    read_frames(client, "POST", f"/agents/sessions/{session_id}/turns/{first_turn['id']}/subscribe", json={})

    second = client.post(f"/agents/sessions/{session_id}/turns", json={**_message("two"), "stream": False})

    assert second.json()["data"]["previous_turn_id"] == first_turn["id"]
    assert first_turn["id"].split(".")[:2][1] == session_id.split(".")[1]


def test_deleting_a_session_cancels_its_running_turn_and_later_calls_get_412(
    client: httpx.Client, slow_agent: str
) -> None:
    session_id = _session(client, slow_agent)
    stream = BackgroundStream(client, f"/agents/sessions/{session_id}/turns", _message("bye")).start()
    stream.wait_for(3)

    assert client.delete(f"/agents/sessions/{session_id}").status_code == 204

    assert stream.join()[-1].data["state"]["status"] == "cancelled"
    for response in (
        client.get(f"/agents/sessions/{session_id}"),
        client.post(f"/agents/sessions/{session_id}/cancel"),
        client.delete(f"/agents/sessions/{session_id}"),
        client.post(f"/agents/sessions/{session_id}/turns", json=_message("x")),
    ):
        assert response.status_code == 412, response.text
        assert response.json()["error"]["code"] == "session_not_usable"


def test_no_key_is_left_without_a_ttl_once_turns_end(
    client: httpx.Client, echo_agent: str, flush_redis: Any
) -> None:
    session_id = _session(client, echo_agent)
    read_frames(client, "POST", f"/agents/sessions/{session_id}/turns", json=_message("ttl"))

    # Agents and the indexes are kept on purpose; sessions, turns and event logs expire.
    for key in flush_redis.scan_iter("ah:*"):
        if ":turn:" in key or ":session:" in key:
            assert flush_redis.ttl(key) > 0, key


def test_a_turn_past_its_timeout_ends_cancelled_with_server_execution_timeout(client: httpx.Client) -> None:
    manifest = {
        "name": "hasty",
        "model": {"name": "scripted/echo", "params": {"chunks": 100, "delay_ms": 100}},
        "config": {"timeout_seconds": 1},
    }
    assert client.post("/registry/agents", json=manifest).status_code == 201
    session_id = _session(client, "hasty")

    frames = read_frames(client, "POST", f"/agents/sessions/{session_id}/turns", json=_message("slow text"))

    assert [f.event for f in frames].count("turn.done") == 1
    state = frames[-1].data["state"]
    assert (state["status"], state["reason"]) == ("cancelled", "server-execution-timeout")
    # A cancel racing the timeout still gets one answer: the turn is already terminal.
    assert client.post(f"/agents/sessions/{session_id}/cancel").status_code == 200
