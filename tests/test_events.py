"""server/domain/events.py: event builders, and the persisted view where deltas merge into their message."""

from __future__ import annotations

import copy
import json
from typing import Any

from generated.models import Subject, TurnMetrics
from server.domain.events import (
    MAIN_THREAD,
    merge_deltas,
    model_message_base,
    model_message_delta,
    persisted,
    to_dict,
    to_json,
    turn_created,
    turn_done,
)
from server.domain.turn_state import CancelReason, cancelled
from tests._support import TURN_ID, component_validator

NOW = "2025-01-02T03:04:05Z"
ALICE = Subject(subject_id="u1", subject_type="user", subject_slug="alice@example.com")
HELLO = [{"type": "user.message", "content": "hello"}]


def _no_nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return all(v is not None and _no_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_nulls(v) for v in value)
    return True


def _base(message_id: str = "m1", **fields: Any) -> dict[str, Any]:
    return {"type": "model.message", "id": message_id, "thread_id": MAIN_THREAD, "created_at": NOW, **fields}


def _delta(message_id: str = "m1", **fields: Any) -> dict[str, Any]:
    return {
        "type": "model.message.delta",
        "id": message_id,
        "thread_id": MAIN_THREAD,
        "created_at": NOW,
        **fields,
    }


USAGE = {
    "input_tokens": 1,
    "output_tokens": 2,
    "input_tokens_breakdown": {
        "harness": 0,
        "skills": 0,
        "instructions": 0,
        "tool_definitions": 0,
        "messages": 1,
    },
}

# --- builders -----------------------------------------------------------------------------------


def test_turn_created_is_the_specs_first_event_of_a_turn(spec: dict[str, Any]) -> None:
    event = json.loads(turn_created(TURN_ID, None, HELLO, ALICE, NOW))
    component_validator(spec, "TurnCreatedEvent").validate(event)
    assert event["type"] == "turn.created"
    assert event["sequence_number"] == 1
    assert event["turn_id"] == TURN_ID
    assert event["state"] == {"status": "running"}
    assert event["input"] == HELLO
    assert event["created_by"] == {
        "subject_id": "u1",
        "subject_type": "user",
        "subject_slug": "alice@example.com",
    }


def test_turn_created_omits_an_absent_previous_turn_and_names_a_present_one() -> None:
    assert "previous_turn_id" not in json.loads(turn_created(TURN_ID, None, HELLO, ALICE, NOW))
    chained = json.loads(turn_created(TURN_ID, "01arz3ndektsv4rrffq69g5fav.g.zz", HELLO, ALICE, NOW))
    assert chained["previous_turn_id"] == "01arz3ndektsv4rrffq69g5fav.g.zz"


def test_events_get_fresh_ids() -> None:
    ids = {json.loads(turn_created(TURN_ID, None, HELLO, ALICE, NOW))["id"] for _ in range(5)}
    assert len(ids) == 5


def test_turn_done_carries_the_terminal_state_without_nulls(spec: dict[str, Any]) -> None:
    event = json.loads(turn_done(cancelled(NOW, CancelReason.CLIENT_CANCELLED, None), NOW))
    component_validator(spec, "TurnDoneEvent").validate(event)
    assert event["state"] == {"status": "cancelled", "reason": "client-cancelled", "completed_at": NOW}
    assert _no_nulls(event)


def test_message_base_and_delta_are_the_specs_streaming_events(spec: dict[str, Any]) -> None:
    base = json.loads(model_message_base("m1", NOW))
    delta = json.loads(model_message_delta("m1", NOW, "hi"))
    validator = component_validator(spec, "TurnStreamingEvent")
    validator.validate(base)
    validator.validate(delta)
    assert (base["type"], base["id"], base["thread_id"], base["content"]) == (
        "model.message",
        "m1",
        "main",
        "",
    )
    assert (delta["type"], delta["id"], delta["content"]) == ("model.message.delta", "m1", "hi")


def test_to_json_and_to_dict_leave_out_none_fields() -> None:
    metrics = TurnMetrics(total_input_tokens=1, total_output_tokens=1, total_tokens=2)
    assert json.loads(to_json(metrics)) == {
        "total_input_tokens": 1,
        "total_output_tokens": 1,
        "total_tokens": 2,
    }
    assert to_dict(metrics) == {"total_input_tokens": 1, "total_output_tokens": 1, "total_tokens": 2}


# --- merge_deltas --------------------------------------------------------------------------------


def test_deltas_merge_into_one_message_with_the_concatenated_content(spec: dict[str, Any]) -> None:
    stream = [
        json.loads(model_message_base("m1", NOW)),
        *(json.loads(model_message_delta("m1", NOW, part)) for part in ("hel", "lo ", "world")),
    ]
    merged = merge_deltas(stream)
    assert len(merged) == 1
    assert merged[0]["type"] == "model.message"
    assert merged[0]["content"] == "hello world"
    component_validator(spec, "TurnEvent").validate(merged[0])


def test_other_events_keep_their_place_around_the_merged_message() -> None:
    created, done = {"type": "turn.created", "id": "c"}, {"type": "turn.done", "id": "d"}
    merged = merge_deltas([created, _base(content=""), _delta(content="a"), _delta(content="b"), done])
    assert [e["type"] for e in merged] == ["turn.created", "model.message", "turn.done"]
    assert merged[1]["content"] == "ab"


def test_deltas_go_to_the_message_with_their_id() -> None:
    merged = merge_deltas(
        [
            _base("m1", content=""),
            _base("m2", content=""),
            _delta("m2", content="two"),
            _delta("m1", content="one"),
        ]
    )
    assert [(m["id"], m["content"]) for m in merged] == [("m1", "one"), ("m2", "two")]


def test_a_delta_without_its_base_message_is_dropped() -> None:
    assert merge_deltas([_delta("orphan", content="x")]) == []


def test_a_delta_onto_null_content_starts_the_text() -> None:
    assert merge_deltas([_base(content=None), _delta(content="x")])[0]["content"] == "x"


def test_a_delta_onto_list_content_appends_a_text_part() -> None:
    base = _base(content=[{"type": "text", "text": "a"}])
    merged = merge_deltas([base, _delta(content="b")])
    assert merged[0]["content"] == [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]


def test_refusal_and_reasoning_are_concatenated() -> None:
    merged = merge_deltas(
        [
            _base(content=""),
            _delta(refusal="I can", reasoning_content="think"),
            _delta(refusal="not", reasoning_content="ing"),
        ]
    )
    assert merged[0]["refusal"] == "I cannot"
    assert merged[0]["reasoning_content"] == "thinking"


def test_finish_reason_and_usage_are_taken_from_the_delta_carrying_them(spec: dict[str, Any]) -> None:
    merged = merge_deltas(
        [
            _base(content=""),
            _delta(content="x", finish_reason=None),
            _delta(content="", finish_reason="stop", usage=USAGE),
            _delta(content="y"),
        ]
    )
    assert merged[0]["finish_reason"] == "stop"
    assert merged[0]["usage"] == USAGE
    assert merged[0]["content"] == "xy"
    component_validator(spec, "ModelMessageEvent").validate(merged[0])


def test_tool_call_chunks_merge_by_index(spec: dict[str, Any]) -> None:
    info = {"type": "mcp", "server_id": "s", "server_name": "search", "name": "lookup"}
    merged = merge_deltas(
        [
            _base(content=""),
            _delta(tool_calls=[{"index": 1, "id": "c2", "function": {"name": "second", "arguments": "{}"}}]),
            _delta(tool_calls=[{"index": 0, "id": "c1", "tool_info": info, "function": {"name": "lookup"}}]),
            _delta(tool_calls=[{"index": 0, "function": {"arguments": '{"q": '}}]),
            _delta(tool_calls=[{"index": 0, "function": {"arguments": '"x"}'}}]),
            _delta(tool_calls=[{"index": 1, "tool_info": info}]),
        ]
    )
    calls = merged[0]["tool_calls"]
    assert [c["id"] for c in calls] == ["c1", "c2"]
    assert calls[0]["function"] == {"name": "lookup", "arguments": '{"q": "x"}'}
    assert calls[1]["function"] == {"name": "second", "arguments": "{}"}
    assert calls[0]["type"] == "function"
    component_validator(spec, "ModelMessageEvent").validate(merged[0])


def test_merge_deltas_does_not_modify_the_events_it_is_given() -> None:
    events = [
        _base(content=[{"type": "text", "text": "a"}]),
        _delta(
            content="b", tool_calls=[{"index": 0, "id": "c1", "function": {"name": "f", "arguments": "{"}}]
        ),
        _base(
            "m2",
            content="",
            tool_calls=[{"id": "c9", "type": "function", "function": {"name": "g", "arguments": ""}}],
        ),
        _delta("m2", tool_calls=[{"index": 0, "function": {"arguments": "{}"}}]),
    ]
    before = copy.deepcopy(events)
    merge_deltas(events)
    assert events == before


# --- persisted -----------------------------------------------------------------------------------


def _log() -> list[dict[str, Any]]:
    return [
        json.loads(turn_created(TURN_ID, None, HELLO, ALICE, NOW)),
        json.loads(model_message_base("m1", NOW)),
        json.loads(model_message_delta("m1", NOW, "hello")),
        json.loads(turn_done(cancelled(NOW, CancelReason.CLIENT_CANCELLED, None), NOW)),
    ]


def test_persisted_content_view_has_no_lifecycle_events_and_no_deltas(spec: dict[str, Any]) -> None:
    view = persisted(_log(), lifecycle=False)
    assert [e["type"] for e in view] == ["model.message"]
    assert view[0]["content"] == "hello"
    for event in view:
        component_validator(spec, "TurnEvent").validate(event)


def test_persisted_session_view_keeps_lifecycle_events(spec: dict[str, Any]) -> None:
    view = persisted(_log(), lifecycle=True)
    assert [e["type"] for e in view] == ["turn.created", "model.message", "turn.done"]
    for event in view:
        component_validator(spec, "SessionEvent").validate(event)
