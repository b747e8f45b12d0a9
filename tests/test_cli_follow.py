"""harness_cli/follow.py and streaming.py: reading a turn to its end over a stubbed transport —
resuming a dropped stream with Last-Event-ID, and a refused stream's error envelope."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest

from generated.client import AuthenticatedClient
from harness_cli.api import ApiError
from harness_cli.follow import follow
from harness_cli.render import TurnPrinter
from harness_cli.streaming import EVENT_MODELS, turn_stream_request

SESSION = "01arz3ndektsv4rrffq69g5fav.g"
TURN = "01arz3ndektsv4rrffq69g5faw.g.ab12cd"
NOW = "2025-01-02T03:04:05Z"
SUBJECT = {"subject_id": "alice", "subject_type": "user", "subject_slug": "alice"}
EVENTS: list[dict[str, Any]] = [
    {"type": "turn.created", "turn_id": TURN, "state": {"status": "running"}, "created_by": SUBJECT},
    {"type": "model.message", "thread_id": "main", "content": ""},
    {"type": "model.message.delta", "thread_id": "main", "content": "hello "},
    {"type": "model.message.delta", "thread_id": "main", "content": "again"},
    {"type": "turn.done", "state": {"status": "done", "required_actions": [], "completed_at": NOW}},
]


def sse(first: int, last: int) -> bytes:
    messages = []
    for seq in range(first, last + 1):
        event = {**EVENTS[seq - 1], "sequence_number": seq, "id": f"e{seq}", "created_at": NOW}
        if event["type"].startswith("model."):
            event["id"] = "m1"
        messages.append(f"id: {seq}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n")
    return "".join(messages).encode()


def client_with(handler: Any) -> AuthenticatedClient:
    client = AuthenticatedClient(base_url="http://harness/truefoundry", token="alice")
    transport = httpx.MockTransport(handler)
    return client.set_async_httpx_client(
        httpx.AsyncClient(base_url="http://harness/truefoundry", transport=transport)
    )


async def test_a_stream_cut_short_resumes_after_the_last_event_seen() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/turns"):
            body = sse(1, 3)  # the connection ends before turn.done
        else:
            body = sse(int(request.headers["Last-Event-ID"]) + 1, 5)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    out = io.StringIO()
    printer = TurnPrinter(out)
    await follow(client_with(handler), SESSION, turn_stream_request(SESSION, "hello again"), printer)

    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", f"/truefoundry/v1/agents/sessions/{SESSION}/turns"),
        ("POST", f"/truefoundry/v1/agents/sessions/{SESSION}/turns/{TURN}/subscribe"),
    ]
    assert json.loads(seen[0].content) == {
        "input": [{"type": "user.message", "content": "hello again"}],
        "stream": True,
    }
    assert seen[0].headers["Accept"] == "text/event-stream"
    assert seen[1].headers["Last-Event-ID"] == "3"
    assert printer.finished and printer.last_sequence_number == 5
    assert out.getvalue().splitlines() == [f"[turn.created] turn {TURN}", "hello again", "[turn.done] done"]


async def test_a_refused_stream_raises_the_error_envelope() -> None:
    envelope = {
        "error": {
            "message": "a turn is already running",
            "type": "conflict_error",
            "code": "turn_running",
            "param": None,
        }
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json=envelope)

    with pytest.raises(ApiError) as raised:
        await follow(
            client_with(handler), SESSION, turn_stream_request(SESSION, "x"), TurnPrinter(io.StringIO())
        )
    assert (raised.value.status, raised.value.code) == (409, "turn_running")
    assert str(raised.value) == "HTTP 409 [turn_running]: a turn is already running"


async def test_a_stream_that_keeps_dropping_before_the_turn_is_known_fails() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"")

    with pytest.raises(ApiError, match=r"ended before the turn's turn\.done"):
        await follow(
            client_with(handler), SESSION, turn_stream_request(SESSION, "x"), TurnPrinter(io.StringIO())
        )


def test_the_clients_event_models_are_the_specs_discriminator_mapping(spec: dict[str, Any]) -> None:
    """streaming.py names the generated model of each event type; the spec is where that is decided."""
    union = spec["components"]["schemas"]["TurnStreamingEvent"]
    wanted = {kind: ref.rsplit("/", 1)[-1] for kind, ref in union["discriminator"]["mapping"].items()}
    assert {kind: model.__name__ for kind, model in EVENT_MODELS.items()} == wanted
    assert len(wanted) == len(union["oneOf"])
