"""The agent loop end to end: an OpenAI-compatible model server and an MCP server started by the
tests (loopback only), tools, approvals, and cancellation reaching every stage."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract_tests.conftest import settings_for
from testkit.fakes import mcp_server, openai_server
from testkit.fakes.openai_server import Recorder
from testkit.processes import wait_until
from testkit.redis_clients import turn_key
from testkit.servers import AppThread, ServerThread
from testkit.sse import BackgroundStream, Frame, read_frames

# Not a HARNESS_* name: those can never be a secret's source.
KEY_ENV = "AGENT_LOOP_TEST_MODEL_KEY"
SECRET = "model_key"
CONNECT_TIMEOUT = 5
KEY = "sk-test-not-a-real-key"


@pytest.fixture(scope="module")
def model_server() -> Iterator[tuple[AppThread, Recorder]]:
    recorder = Recorder()
    with AppThread(openai_server.create_app(recorder)) as running:
        yield running, recorder


@pytest.fixture(scope="module")
def tools_server() -> Iterator[AppThread]:
    with AppThread(mcp_server.build().streamable_http_app()) as running:
        yield running


@pytest.fixture(scope="module")
def server(redis_url: str, model_server: tuple[AppThread, Recorder]) -> Iterator[ServerThread]:
    """The harness, with the test model's key declared for the test model server's URL only, and
    this test suite's stdio MCP server declared."""
    settings = settings_for(
        redis_url,
        cancel_timeout_seconds=5,
        secrets={SECRET: {"env": KEY_ENV, "allowed_urls": [f"{model_server[0].root}/v1"]}},
        mcp_stdio_servers={"local": {"command": sys.executable, "args": ["-m", "testkit.fakes.mcp_server"]}},
        mcp_connect_timeout_seconds=CONNECT_TIMEOUT,
    )
    with ServerThread(settings) as running:
        yield running


@pytest.fixture
def recorder(model_server: tuple[AppThread, Recorder]) -> Recorder:
    recorder = model_server[1]
    with recorder.lock:
        recorder.requests.clear()
        recorder.slow.clear()
    return recorder


@pytest.fixture(autouse=True)
def model_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # The in-process executor reads the key from its environment, as a deployed one would.
    monkeypatch.setenv(KEY_ENV, KEY)
    mcp_server.LOG.clear()


def openai_model(model_server: tuple[AppThread, Recorder], name: str) -> dict[str, Any]:
    return {
        "name": f"openai-compatible/{name}",
        "base_url": f"{model_server[0].root}/v1",
        "api_key_secret": SECRET,
    }


def mcp(tools_server: AppThread, **fields: Any) -> dict[str, Any]:
    return {"name": "tools", "url": f"{tools_server.root}/mcp", **fields}


def register(client: httpx.Client, name: str, model: dict[str, Any], **fields: Any) -> str:
    response = client.post("/registry/agents", json={"name": name, "model": model, **fields})
    assert response.status_code == 201, response.text
    session = client.post("/agents/sessions", json={"agent_name": name})
    assert session.status_code == 201, session.text
    return str(session.json()["data"]["id"])


def script(*steps: dict[str, Any], **params: Any) -> dict[str, Any]:
    return {"name": "scripted/script", "params": {"script": list(steps), **params}}


def run_turn(client: httpx.Client, session_id: str, items: list[dict[str, Any]]) -> list[Frame]:
    return read_frames(client, "POST", f"/agents/sessions/{session_id}/turns", json={"input": items})


def say(text: str) -> list[dict[str, Any]]:
    return [{"type": "user.message", "content": text}]


def approve(call_id: str, status: str = "allow", **extra: Any) -> dict[str, Any]:
    return {
        "type": "user.tool_approval",
        "thread_id": "main",
        "tool_call_id": call_id,
        "approval": {"status": status, **extra},
    }


def state_of(frames: list[Frame]) -> dict[str, Any]:
    assert frames[-1].event == "turn.done", [f.event for f in frames]
    return dict(frames[-1].data["state"])


def of_type(frames: list[Frame], kind: str) -> list[dict[str, Any]]:
    return [f.data for f in frames if f.event == kind]


def stored_events(client: httpx.Client, session_id: str, turn_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/agents/sessions/{session_id}/turns/{turn_id}/events", params={"limit": 25})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


# --- the OpenAI-compatible provider ----------------------------------------------------------------


def test_a_compatible_model_streams_text_deltas_under_one_message_id_with_its_usage(
    client: httpx.Client, model_server: tuple[AppThread, Recorder], recorder: Recorder
) -> None:
    session_id = register(client, "gpt", openai_model(model_server, "echo"), instructions="be brief")

    frames = run_turn(client, session_id, say("hello from the tests"))

    base, *deltas = of_type(frames, "model.message") + of_type(frames, "model.message.delta")
    assert base["content"] == "" and {d["id"] for d in deltas} == {base["id"]}
    assert "".join(d.get("content", "") for d in deltas) == "hello from the tests"
    assert deltas[-1]["usage"]["input_tokens"] == 7 and deltas[-1]["usage"]["output_tokens"] == 4
    state = state_of(frames)
    assert state["status"] == "done" and state["output"]["content"] == "hello from the tests"
    assert state["output"]["finish_reason"] == "stop"
    assert state["metrics"]["total_tokens"] == 11
    sent = recorder.requests[-1]
    assert sent["headers"]["authorization"] == f"Bearer {KEY}"
    assert sent["body"]["model"] == "echo" and sent["body"]["stream"] is True
    assert sent["body"]["messages"][0] == {"role": "system", "content": "be brief"}


def test_the_api_key_is_never_stored_or_returned(
    client: httpx.Client, flush_redis: Any, model_server: tuple[AppThread, Recorder]
) -> None:
    session_id = register(client, "keyed", openai_model(model_server, "echo"))
    run_turn(client, session_id, say("hi"))
    assert (
        client.get("/registry/agents/keyed").json()["data"]["manifest"]["model"]["api_key_secret"] == SECRET
    )
    for key in flush_redis.scan_iter():
        dumped = str(flush_redis.dump(key))
        assert KEY not in dumped, key


def test_a_declared_secret_without_a_value_ends_the_turn_in_error(
    client: httpx.Client, model_server: tuple[AppThread, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = register(client, "keyless", openai_model(model_server, "echo"))
    monkeypatch.delenv(KEY_ENV)
    state = state_of(run_turn(client, session_id, say("hi")))
    assert state["status"] == "error" and f"secret {SECRET!r} has no value" in state["message"]


def test_a_turn_sees_the_history_of_the_turns_before_it(
    client: httpx.Client, model_server: tuple[AppThread, Recorder], recorder: Recorder
) -> None:
    session_id = register(client, "memory", openai_model(model_server, "echo"))
    run_turn(client, session_id, say("first message"))
    run_turn(client, session_id, say("second message"))
    assert recorder.bodies()[-1]["messages"] == [
        {"role": "user", "content": "first message"},
        {"role": "assistant", "content": "first message"},
        {"role": "user", "content": "second message"},
    ]


def test_ended_turns_keep_a_history_digest_that_later_turns_read_instead_of_their_logs(
    client: httpx.Client, flush_redis: Any, model_server: tuple[AppThread, Recorder], recorder: Recorder
) -> None:
    session_id = register(client, "digest", openai_model(model_server, "echo"))
    first = run_turn(client, session_id, say("one"))[0].data["turn_id"]
    second = run_turn(client, session_id, say("two"))[0].data["turn_id"]
    run_turn(client, session_id, say("three"))
    for turn_id in (first, second):
        assert flush_redis.hget(turn_key(flush_redis, "truefoundry", turn_id), "history")
        # The digest alone must do.
        flush_redis.delete(turn_key(flush_redis, "truefoundry", turn_id, events=True))

    run_turn(client, session_id, say("four"))
    assert [m["content"] for m in recorder.bodies()[-1]["messages"]] == [
        "one",
        "one",
        "two",
        "two",
        "three",
        "three",
        "four",
    ]

    forked = client.post(
        f"/agents/sessions/{session_id}/turns",
        json={"input": say("again"), "previous_turn_id": first},
    )
    assert forked.status_code == 200, forked.text
    assert [m["content"] for m in recorder.bodies()[-1]["messages"]] == ["one", "one", "again"]


def test_cancelling_a_slow_model_stream_closes_the_provider_connection_and_keeps_the_partial_output(
    client: httpx.Client, model_server: tuple[AppThread, Recorder], recorder: Recorder
) -> None:
    session_id = register(client, "slowpoke", openai_model(model_server, "slow"))
    stream = BackgroundStream(client, f"/agents/sessions/{session_id}/turns", {"input": say("go")})
    stream.start()
    wait_until(lambda: len(recorder.slow) == 1 and recorder.slow[0].sent >= 5, 15, "the slow stream flows")

    started = time.monotonic()
    response = client.post(f"/agents/sessions/{session_id}/cancel")
    answered = time.monotonic() - started

    assert response.status_code == 200
    assert answered < 1.0
    frames = stream.join()
    state = state_of(frames)
    assert (state["status"], state["reason"]) == ("cancelled", "client-cancelled")
    # The provider saw its client hang up at once, long before the stream's natural end.
    wait_until(lambda: recorder.slow[0].hung_up_at is not None, 5, "the provider sees the hang-up")
    slow = recorder.slow[0]
    assert not slow.finished and slow.sent < openai_server.SLOW_CHUNKS // 2
    assert slow.hung_up_at is not None and slow.hung_up_at - started < 1.0
    # What streamed before the cancel stays in the log, and its tokens are counted.
    streamed = "".join(d.get("content", "") for d in of_type(frames, "model.message.delta"))
    assert streamed.startswith("w0 w1 w2 w3 w4 ")
    message = next(
        e
        for e in stored_events(client, session_id, frames[0].data["turn_id"])
        if e["type"] == "model.message"
    )
    assert message["content"] == streamed
    assert state["metrics"]["total_output_tokens"] >= 5


def test_model_calls_reuse_the_providers_connection_and_a_cancelled_stream_drops_its_own(
    client: httpx.Client,
    model_server: tuple[AppThread, Recorder],
    recorder: Recorder,
    tools_server: AppThread,
) -> None:
    session_id = register(
        client, "reuser", openai_model(model_server, "call-add"), mcp_servers=[mcp(tools_server)]
    )
    run_turn(client, session_id, say("what is 2 + 3?"))  # model, tool, model
    run_turn(client, session_id, say("and again?"))
    assert len(set(recorder.peers())) == 1, recorder.peers()

    slow = register(client, "slow-reuser", openai_model(model_server, "slow"))
    stream = BackgroundStream(client, f"/agents/sessions/{slow}/turns", {"input": say("go")}).start()
    wait_until(lambda: recorder.slow and recorder.slow[-1].sent >= 2, 15, "the slow stream flows")
    assert client.post(f"/agents/sessions/{slow}/cancel").status_code == 200
    stream.join()
    wait_until(lambda: recorder.slow[-1].hung_up_at is not None, 5, "the provider sees the hang-up")
    before = len(recorder.peers())
    run_turn(client, session_id, say("once more"))
    peers = recorder.peers()
    pooled, cancelled_on, after = peers[0], peers[before - 1], peers[before]
    assert cancelled_on == pooled  # the slow call had taken the pooled connection,
    assert after != cancelled_on  # which the cancel closed rather than returned to the pool


# --- tools from MCP servers ------------------------------------------------------------------------


def test_the_model_calls_an_mcp_tool_and_answers_with_its_result(
    client: httpx.Client,
    model_server: tuple[AppThread, Recorder],
    tools_server: AppThread,
    recorder: Recorder,
) -> None:
    session_id = register(
        client, "adder", openai_model(model_server, "call-add"), mcp_servers=[mcp(tools_server)]
    )

    frames = run_turn(client, session_id, say("what is 2 + 3?"))

    assert [f.event for f in frames if not f.event.endswith(".delta")] == [
        "turn.created",
        "mcp.initialize",
        "model.message",
        "tool.response",
        "model.message",
        "turn.done",
    ]
    assert of_type(frames, "mcp.initialize")[0]["mcp_servers"] == [
        {"id": "tools", "name": "tools", "transport_type": "streamable-http"}
    ]
    # The call streamed as deltas: id and name first, arguments in pieces, each with its tool_info.
    call_deltas = [d for d in of_type(frames, "model.message.delta") if d.get("tool_calls")]
    assert len(call_deltas) == 3
    assert call_deltas[0]["tool_calls"][0]["tool_info"] == {
        "type": "mcp",
        "server_id": "tools",
        "server_name": "tools",
        "name": "add",
    }
    response = of_type(frames, "tool.response")[0]
    assert response["content"] == "5"
    state = state_of(frames)
    assert state["status"] == "done" and state["output"]["content"] == "result: 5"
    assert state["metrics"]["total_input_tokens"] == 30
    # The tool result went back to the model, after its assistant message with the call.
    second = recorder.bodies()[-1]
    assert [t["function"]["name"] for t in second["tools"]] == ["add", "sleep", "dangerous"] or {
        t["function"]["name"] for t in second["tools"]
    } == {"add", "sleep", "dangerous"}
    assert second["messages"][-2]["tool_calls"][0]["function"] == {
        "name": "add",
        "arguments": '{"a": 2, "b": 3}',
    }
    assert second["messages"][-1] == {
        "role": "tool",
        "tool_call_id": response["tool_call_id"],
        "content": "5",
    }
    # Persisted, the message is merged: one tool call with its whole arguments.
    stored = stored_events(client, session_id, frames[0].data["turn_id"])
    calls = next(e for e in stored if e["type"] == "model.message")["tool_calls"]
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        ("add", '{"a": 2, "b": 3}')
    ]


def test_a_tool_call_streamed_without_an_id_gets_one_and_its_result_pairs_with_it(
    client: httpx.Client,
    model_server: tuple[AppThread, Recorder],
    recorder: Recorder,
    tools_server: AppThread,
) -> None:
    session_id = register(
        client, "anonymous", openai_model(model_server, "anon-add"), mcp_servers=[mcp(tools_server)]
    )
    frames = run_turn(client, session_id, say("what is 2 + 3?"))
    state = state_of(frames)
    assert state["status"] == "done" and state["output"]["content"] == "result: 5"
    call_id = of_type(frames, "tool.response")[0]["tool_call_id"]
    assert call_id.startswith("call_")
    assert recorder.bodies()[-1]["messages"][-2]["tool_calls"][0]["id"] == call_id


def test_enable_tools_limits_what_the_model_is_offered(
    client: httpx.Client,
    model_server: tuple[AppThread, Recorder],
    tools_server: AppThread,
    recorder: Recorder,
) -> None:
    session_id = register(
        client,
        "narrow",
        openai_model(model_server, "call-sleep"),
        mcp_servers=[mcp(tools_server, enable_tools=["add"])],
    )
    frames = run_turn(client, session_id, say("nap"))
    assert [t["function"]["name"] for t in recorder.bodies()[0]["tools"]] == ["add"]
    # The model asked for a tool it was not offered: it hears so, and the tool never runs.
    assert of_type(frames, "tool.response")[0]["content"].startswith("error: no tool named 'sleep'")
    assert mcp_server.LOG.of("sleep") == []


@pytest.mark.parametrize(
    ("selection", "offered"),
    [
        ({"enable_tools": ["@read-only"]}, ["add", "sleep"]),
        ({"enable_tools": ["@all"], "disable_tools": ["sleep"]}, ["add", "dangerous"]),
        ({"enable_tools": ["dangerous", "add"], "disable_tools": ["@read-only"]}, ["dangerous"]),
    ],
)
def test_the_gateways_tool_selectors_pick_by_name_and_annotation(
    client: httpx.Client,
    model_server: tuple[AppThread, Recorder],
    tools_server: AppThread,
    recorder: Recorder,
    selection: dict[str, list[str]],
    offered: list[str],
) -> None:
    session_id = register(
        client, "picky", openai_model(model_server, "echo"), mcp_servers=[mcp(tools_server, **selection)]
    )
    run_turn(client, session_id, say("hi"))
    assert sorted(t["function"]["name"] for t in recorder.bodies()[0]["tools"]) == sorted(offered)


def test_destructive_tools_need_approval_when_the_agent_says_so(
    client: httpx.Client, tools_server: AppThread
) -> None:
    session_id = register(
        client,
        "cautious",
        RISKY,
        mcp_servers=[mcp(tools_server, type="inline", require_approval_for_tools=["@destructive"])],
    )
    frames = run_turn(client, session_id, say("clean up"))
    [action] = state_of(frames)["required_actions"]
    assert len(action["tool_calls"]) == 1  # `dangerous` waits; the read-only `add` ran
    assert [r["content"] for r in of_type(frames, "tool.response")] == ["3"]


def test_cancelling_a_running_tool_call_cancels_the_mcp_request(
    client: httpx.Client, tools_server: AppThread
) -> None:
    model = script({"tool_calls": [{"name": "sleep", "arguments": {"seconds": 30}}]}, {"content": "never"})
    session_id = register(client, "sleeper", model, mcp_servers=[mcp(tools_server)])
    stream = BackgroundStream(client, f"/agents/sessions/{session_id}/turns", {"input": say("nap")})
    stream.start()
    wait_until(lambda: mcp_server.LOG.of("sleep") == ["started"], 15, "the tool runs")

    started = time.monotonic()
    response = client.post(f"/agents/sessions/{session_id}/cancel")
    answered = time.monotonic() - started

    assert response.status_code == 200 and answered < 1.0
    state = state_of(stream.join())
    assert (state["status"], state["reason"]) == ("cancelled", "client-cancelled")
    wait_until(lambda: "cancelled" in mcp_server.LOG.of("sleep"), 5, "the tool call is cancelled")
    assert "finished" not in mcp_server.LOG.of("sleep")
    cancelled_at = mcp_server.LOG.when("sleep", "cancelled")
    assert cancelled_at is not None and cancelled_at - started < 1.0
    assert of_type(stream.frames, "tool.response") == []


def test_a_stdio_mcp_server_the_deployment_declares_serves_tools(client: httpx.Client) -> None:
    model = script(
        {"tool_calls": [{"name": "add", "arguments": {"a": 20, "b": 22}}]}, {"content": "got {last}"}
    )
    session_id = register(client, "local", model, mcp_servers=[{"name": "local", "stdio": "local"}])
    frames = run_turn(client, session_id, say("add"))
    assert of_type(frames, "tool.response")[0]["content"] == "42"
    assert state_of(frames)["output"]["content"] == "got 42"
    assert "transport_type" not in of_type(frames, "mcp.initialize")[0]["mcp_servers"][0]


def test_a_stdio_server_the_deployment_does_not_declare_is_refused_at_registration(
    client: httpx.Client,
) -> None:
    response = client.post(
        "/registry/agents",
        json={
            "name": "sneaky",
            "model": script({"content": "hi"}),
            "mcp_servers": [{"name": "x", "stdio": "sh"}],
        },
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "mcp_servers[0].stdio"


def test_an_unreachable_mcp_server_ends_the_turn_in_error(client: httpx.Client) -> None:
    model = script({"content": "hi"})
    session_id = register(
        client, "lonely", model, mcp_servers=[{"name": "gone", "url": "http://127.0.0.1:9/mcp"}]
    )
    state = state_of(run_turn(client, session_id, say("hi")))
    assert state["status"] == "error" and "'gone'" in state["message"]


class SilentServer:
    """Accepts TCP connections and never answers: an MCP server that hangs while connecting."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/mcp"

    def _accept(self) -> None:
        with self.listener:
            while True:
                try:
                    self.accepted.append(self.listener.accept()[0])
                except OSError:
                    return

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_an_mcp_server_that_never_answers_ends_the_turn_in_error_after_the_connect_timeout(
    client: httpx.Client, silent_server: SilentServer
) -> None:
    session_id = register(
        client, "mute", script({"content": "hi"}), mcp_servers=[{"name": "mute", "url": silent_server.url}]
    )
    state = state_of(run_turn(client, session_id, say("hi")))
    assert state["status"] == "error", state  # an unusable server, not the turn running out of time
    assert f"within {CONNECT_TIMEOUT}s" in state["message"]


def test_a_cancel_while_mcp_servers_connect_ends_the_turn_cancelled_at_once(
    client: httpx.Client, tools_server: AppThread, silent_server: SilentServer
) -> None:
    servers = [mcp(tools_server), {"name": "mute", "url": silent_server.url}]
    session_id = register(client, "connecting", script({"content": "hi"}), mcp_servers=servers)
    stream = BackgroundStream(client, f"/agents/sessions/{session_id}/turns", {"input": say("hi")}).start()
    wait_until(lambda: silent_server.accepted, 15, "the second server is being connected")

    started = time.monotonic()
    response = client.post(f"/agents/sessions/{session_id}/cancel")
    answered = time.monotonic() - started

    assert response.status_code == 200 and answered < 1.0
    state = state_of(stream.join())
    assert (state["status"], state["reason"]) == ("cancelled", "client-cancelled")
    assert state["metrics"] is not None  # recorded by the executor, not by a reaper after the lease


# --- human approval --------------------------------------------------------------------------------

RISKY = script(
    {
        "content": "on it",
        "tool_calls": [
            {"name": "dangerous", "arguments": {"target": "prod"}},
            {"name": "add", "arguments": {"a": 1, "b": 2}},
        ],
    },
    {"content": "after approval: {last}"},
)


def paused_session(
    client: httpx.Client, tools_server: AppThread, name: str = "careful"
) -> tuple[str, list[Frame]]:
    session_id = register(
        client, name, RISKY, mcp_servers=[mcp(tools_server, require_approval_for_tools=["dangerous"])]
    )
    return session_id, run_turn(client, session_id, say("clean up prod"))


def test_a_tool_needing_approval_pauses_the_turn_done_with_the_required_action(
    client: httpx.Client, tools_server: AppThread
) -> None:
    session_id, frames = paused_session(client, tools_server)

    state = state_of(frames)
    assert state["status"] == "done" and "output" not in state
    [action] = state["required_actions"]
    message = of_type(frames, "model.message")[0]
    dangerous_call = next(d for d in of_type(frames, "model.message.delta") if d.get("tool_calls"))[
        "tool_calls"
    ][0]
    assert action["type"] == "tool.approval_required"
    assert action["tool_calls"] == [{"id": dangerous_call["id"], "source_event_id": message["id"]}]
    assert of_type(frames, "tool.approval_required") == [action]
    # The call not needing approval ran; the other waits.
    assert [r["content"] for r in of_type(frames, "tool.response")] == ["3"]
    assert mcp_server.LOG.of("dangerous") == []
    turn = client.get(f"/agents/sessions/{session_id}/turns/{frames[0].data['turn_id']}").json()["data"]
    assert turn["state"]["required_actions"] == [action]


def test_approving_resumes_the_loop_and_runs_the_tool(client: httpx.Client, tools_server: AppThread) -> None:
    session_id, frames = paused_session(client, tools_server)
    call_id = state_of(frames)["required_actions"][0]["tool_calls"][0]["id"]

    resumed = run_turn(client, session_id, [approve(call_id)])

    assert resumed[0].data["previous_turn_id"] == frames[0].data["turn_id"]
    assert [(r["tool_call_id"], r["content"]) for r in of_type(resumed, "tool.response")] == [
        (call_id, "dropped prod")
    ]
    assert mcp_server.LOG.of("dangerous") == ["ran on prod"]
    state = state_of(resumed)
    assert state["status"] == "done" and state["output"]["content"] == "after approval: dropped prod"
    # Answered once: the same approval again no longer matches anything.
    again = client.post(
        f"/agents/sessions/{session_id}/turns", json={"input": [approve(call_id)], "stream": False}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_pending_action"


def test_denying_tells_the_model_and_never_runs_the_tool(
    client: httpx.Client, tools_server: AppThread
) -> None:
    session_id, frames = paused_session(client, tools_server)
    call_id = state_of(frames)["required_actions"][0]["tool_calls"][0]["id"]

    resumed = run_turn(client, session_id, [approve(call_id, "deny", reason="not on a Friday")])

    [response] = of_type(resumed, "tool.response")
    assert response["content"] == "error: the user denied this tool call: not on a Friday"
    assert mcp_server.LOG.of("dangerous") == []
    assert state_of(resumed)["output"]["content"] == f"after approval: {response['content']}"


@pytest.mark.parametrize(
    ("items", "code", "param"),
    [
        (lambda call: say("never mind"), "actions_pending", "input"),
        (lambda call: [approve("call_unknown")], "no_pending_action", "input[0].tool_call_id"),
        (lambda call: [approve(call), approve(call)], "no_pending_action", "input[1].tool_call_id"),
        (lambda call: [approve(call), *say("and also")], "no_pending_action", "input"),
        (
            lambda call: [
                {"type": "user.tool_response", "thread_id": "main", "tool_call_id": call, "content": "x"}
            ],
            "no_pending_action",
            "input[0].tool_call_id",
        ),
    ],
)
def test_input_that_does_not_answer_the_pending_actions_is_refused(
    client: httpx.Client, tools_server: AppThread, items: Any, code: str, param: str
) -> None:
    session_id, frames = paused_session(client, tools_server)
    call_id = state_of(frames)["required_actions"][0]["tool_calls"][0]["id"]
    response = client.post(f"/agents/sessions/{session_id}/turns", json={"input": items(call_id)})
    assert response.status_code == 409, response.text
    assert (response.json()["error"]["code"], response.json()["error"]["param"]) == (code, param)
    # Nothing was started or consumed: the right answer still works.
    assert state_of(run_turn(client, session_id, [approve(call_id)]))["status"] == "done"


def test_every_pending_call_needs_an_answer(client: httpx.Client, tools_server: AppThread) -> None:
    both = script(
        {
            "tool_calls": [
                {"name": "dangerous", "arguments": {"target": "a"}},
                {"name": "dangerous", "arguments": {"target": "b"}},
            ]
        }
    )
    session_id = register(
        client, "double", both, mcp_servers=[mcp(tools_server, require_approval_for_tools=["@all"])]
    )
    state = state_of(run_turn(client, session_id, say("go")))
    first, second = (c["id"] for c in state["required_actions"][0]["tool_calls"])
    response = client.post(f"/agents/sessions/{session_id}/turns", json={"input": [approve(first)]})
    assert response.status_code == 409 and response.json()["error"]["code"] == "approvals_incomplete"
    assert second in response.json()["error"]["message"]


def test_cancelling_a_paused_session_drops_its_pending_actions(
    client: httpx.Client,
    tools_server: AppThread,
    model_server: tuple[AppThread, Recorder],
    recorder: Recorder,
) -> None:
    session_id, frames = paused_session(client, tools_server)
    call_id = state_of(frames)["required_actions"][0]["tool_calls"][0]["id"]

    assert client.post(f"/agents/sessions/{session_id}/cancel").status_code == 200

    late = client.post(f"/agents/sessions/{session_id}/turns", json={"input": [approve(call_id)]})
    assert late.status_code == 409 and late.json()["error"]["code"] == "no_pending_action"
    # The session moves on with a message; the dropped call never runs, and the model is told so.
    after = run_turn(client, session_id, say("forget it"))
    assert state_of(after)["status"] == "done"
    assert state_of(after)["output"]["content"] == "after approval: forget it"
    assert mcp_server.LOG.of("dangerous") == []


def test_a_dropped_call_reaches_the_next_model_call_as_not_run(
    client: httpx.Client,
    tools_server: AppThread,
    model_server: tuple[AppThread, Recorder],
    recorder: Recorder,
) -> None:
    session_id = register(
        client,
        "gated",
        openai_model(model_server, "call-dangerous"),
        mcp_servers=[mcp(tools_server, require_approval_for_tools=["dangerous"])],
    )
    state = state_of(run_turn(client, session_id, say("drop prod")))
    call_id = state["required_actions"][0]["tool_calls"][0]["id"]
    assert client.post(f"/agents/sessions/{session_id}/cancel").status_code == 200

    run_turn(client, session_id, say("hello again"))

    messages = recorder.bodies()[-1]["messages"]
    assert messages[-3]["tool_calls"][0]["id"] == call_id
    assert messages[-2]["role"] == "tool" and messages[-2]["tool_call_id"] == call_id
    assert "not run" in messages[-2]["content"]
    assert messages[-1] == {"role": "user", "content": "hello again"}


def test_a_turn_without_input_after_a_cancelled_tool_call_sends_a_valid_history(
    client: httpx.Client,
    model_server: tuple[AppThread, Recorder],
    recorder: Recorder,
    tools_server: AppThread,
) -> None:
    session_id = register(
        client, "napper", openai_model(model_server, "call-sleep"), mcp_servers=[mcp(tools_server)]
    )
    stream = BackgroundStream(client, f"/agents/sessions/{session_id}/turns", {"input": say("nap")}).start()
    wait_until(lambda: mcp_server.LOG.of("sleep") == ["started"], 15, "the tool runs")
    assert client.post(f"/agents/sessions/{session_id}/cancel").status_code == 200
    stream.join()

    frames = read_frames(client, "POST", f"/agents/sessions/{session_id}/turns", json={"input": []})

    assert state_of(frames)["status"] == "done"  # the fake provider refuses an unanswered tool call
    messages = recorder.bodies()[-1]["messages"]
    assert messages[-1]["role"] == "tool" and "no result was recorded" in messages[-1]["content"]


# --- limits ----------------------------------------------------------------------------------------


def test_the_iteration_limit_ends_a_turn_whose_model_keeps_calling_tools(
    client: httpx.Client, tools_server: AppThread
) -> None:
    loop = script({"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 1}}]})
    session_id = register(
        client, "loopy", loop, mcp_servers=[mcp(tools_server)], config={"iteration_limit": 3}
    )

    frames = run_turn(client, session_id, say("again and again"))

    state = state_of(frames)
    assert state["status"] == "error" and "iteration limit" in state["message"]
    assert len(of_type(frames, "model.message")) == 3
    assert len(of_type(frames, "tool.response")) == 3
    assert state["metrics"]["total_tokens"] > 0


def test_the_agent_timeout_cancels_a_turn_stuck_in_a_tool(
    client: httpx.Client, tools_server: AppThread
) -> None:
    stuck = script({"tool_calls": [{"name": "sleep", "arguments": {"seconds": 30}}]})
    session_id = register(
        client, "stuck", stuck, mcp_servers=[mcp(tools_server)], config={"timeout_seconds": 1}
    )

    started = time.monotonic()
    frames = run_turn(client, session_id, say("nap"))

    assert time.monotonic() - started < 5
    state = state_of(frames)
    assert (state["status"], state["reason"]) == ("cancelled", "server-execution-timeout")
    wait_until(lambda: "cancelled" in mcp_server.LOG.of("sleep"), 5, "the tool call is cancelled")
