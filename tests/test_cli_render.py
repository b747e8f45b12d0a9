"""harness_cli/render.py: what `agent-harness turn` prints for each kind of event."""

from __future__ import annotations

import io
from typing import Any

from harness_cli.render import TurnPrinter
from harness_cli.streaming import Frame

NOW = "2025-01-02T03:04:05Z"
TURN = "01arz3ndektsv4rrffq69g5fav.g.ab12cd"


def frame(seq: int, event: str, **fields: Any) -> Frame:
    data: dict[str, Any] = {"type": event, "sequence_number": seq, "id": f"e{seq}", "created_at": NOW}
    if event.startswith(("model.", "tool.")):
        data["thread_id"] = "main"
    data.update(fields)
    return Frame(seq, event, data)


def created(seq: int = 1) -> Frame:
    return frame(
        seq,
        "turn.created",
        turn_id=TURN,
        state={"status": "running"},
        created_by={"subject_id": "alice", "subject_type": "user", "subject_slug": "alice"},
    )


def done(seq: int, state: dict[str, Any]) -> Frame:
    return frame(seq, "turn.done", state={"completed_at": NOW, **state})


def shown(*frames: Frame) -> tuple[str, TurnPrinter]:
    out = io.StringIO()
    printer = TurnPrinter(out)
    for f in frames:
        printer.show(f)
    return out.getvalue(), printer


def test_text_streams_inline_and_the_done_state_ends_it() -> None:
    text, printer = shown(
        created(),
        frame(2, "model.message", id="m1", content=""),
        frame(3, "model.message.delta", id="m1", content="hello "),
        frame(4, "model.message.delta", id="m1", content="world"),
        done(
            5,
            {
                "status": "done",
                "required_actions": [],
                "output": {
                    "type": "model.message",
                    "id": "m1",
                    "thread_id": "main",
                    "created_at": NOW,
                    "content": "hello world",
                    "finish_reason": "stop",
                },
                "metrics": {"total_input_tokens": 2, "total_output_tokens": 2, "total_tokens": 4},
            },
        ),
    )
    assert text.splitlines() == [
        f"[turn.created] turn {TURN}",
        "hello world",
        "[turn.done] done finish_reason=stop tokens in=2 out=2 total=4",
    ]
    assert printer.turn_id == TURN and printer.finished and printer.last_sequence_number == 5


def test_tool_calls_from_deltas_responses_and_required_actions() -> None:
    call = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    text, _ = shown(
        created(),
        frame(2, "model.message", id="m1", content=""),
        frame(3, "model.message.delta", id="m1", content="Let me check."),
        frame(4, "model.message.delta", id="m1", tool_calls=[call]),
        frame(
            5,
            "model.message.delta",
            id="m1",
            tool_calls=[{"index": 0, "function": {"arguments": '{"city":'}}],
        ),
        frame(
            6,
            "model.message.delta",
            id="m1",
            tool_calls=[{"index": 0, "function": {"arguments": '"Paris"}'}}],
        ),
        frame(7, "tool.response", tool_call_id="call_1", content="20C"),
        frame(8, "tool.approval_required", tool_calls=[{"id": "call_2", "source_event_id": "m2"}]),
        done(
            9,
            {
                "status": "done",
                "required_actions": [
                    {
                        "type": "tool.approval_required",
                        "id": "e8",
                        "thread_id": "main",
                        "created_at": NOW,
                        "tool_calls": [{"id": "call_2", "source_event_id": "m2"}],
                    }
                ],
            },
        ),
    )
    assert text.splitlines()[1:] == [
        "Let me check.",
        '[tool call] get_weather({"city":"Paris"}) id=call_1',
        "[tool.response] call_1: 20C",
        "[tool.approval_required] tool calls: call_2",
        "[turn.done] done",
        "  required action: tool.approval_required call_2",
    ]


def test_a_whole_message_with_tool_calls_is_shown_once() -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "search", "arguments": "{}"},
        "tool_info": {"type": "truefoundry-system", "name": "search"},
    }
    message = frame(2, "model.message", id="m1", content=None, tool_calls=[call])
    text, _ = shown(created(), message, message)
    assert text.splitlines()[1:] == ["[tool call] search({}) id=call_1"]


def test_cancelled_and_error_states() -> None:
    cancelled, _ = shown(created(), done(2, {"status": "cancelled", "reason": "client-cancelled"}))
    assert cancelled.splitlines()[-1] == "[turn.done] cancelled reason=client-cancelled"
    failed, _ = shown(created(), done(2, {"status": "error", "message": "model unavailable"}))
    assert failed.splitlines()[-1] == "[turn.done] error: model unavailable"


def test_lifecycle_is_tracked_even_when_an_event_does_not_parse() -> None:
    _, printer = shown(
        Frame(1, "turn.created", {"type": "turn.created", "turn_id": TURN}),
        Frame(2, "turn.done", {"type": "turn.done", "state": {"status": "paused"}}),
    )
    assert printer.turn_id == TURN and printer.finished and printer.state is None


def test_unknown_events_are_shown_raw_and_json_mode_prints_every_frame() -> None:
    text, _ = shown(created(), Frame(2, "something.new", {"type": "something.new", "x": 1}))
    assert text.splitlines()[-1] == '[something.new] {"type": "something.new", "x": 1}'

    out = io.StringIO()
    printer = TurnPrinter(out, raw=True)
    printer.show(created())
    printer.show(done(2, {"status": "cancelled", "reason": "abandoned"}))
    assert [line.split(",")[0] for line in out.getvalue().splitlines()] == ['{"id": 1', '{"id": 2']
    assert printer.turn_id == TURN and printer.finished
