"""server/executor/history.py: rebuilding the Chat Completions history from a turn's events."""

from __future__ import annotations

from typing import Any

from server.executor.history import NOT_RUN, Conversation, PendingCall, digest, replay


def _call(call_id: str, name: str = "add", arguments: str = '{"a": 1}') -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _turn(*events: dict[str, Any], text: str = "hi") -> list[dict[str, Any]]:
    created = {"type": "turn.created", "input": [{"type": "user.message", "content": text}]}
    return [created, *events, {"type": "turn.done"}]


def test_messages_and_tool_results_come_back_in_order() -> None:
    conversation = Conversation()
    replay(
        conversation,
        _turn(
            {"type": "model.message", "content": "calling", "tool_calls": [_call("c1")]},
            {"type": "tool.response", "tool_call_id": "c1", "content": "2"},
            {"type": "model.message", "content": "it is 2"},
        ),
    )
    assert conversation.messages == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "calling", "tool_calls": [_call("c1")]},
        {"role": "tool", "tool_call_id": "c1", "content": "2"},
        {"role": "assistant", "content": "it is 2"},
    ]
    assert conversation.outstanding == []


def test_the_calls_of_the_last_message_stay_outstanding_for_the_next_turn() -> None:
    conversation = Conversation()
    replay(
        conversation,
        _turn({"type": "model.message", "content": None, "tool_calls": [_call("c1"), _call("c2")]}),
    )
    replay(conversation, [{"type": "tool.response", "tool_call_id": "c2", "content": "ok"}])
    assert conversation.outstanding == [PendingCall("c1", "add", '{"a": 1}')]


def test_a_call_left_without_a_result_gets_a_stand_in_once_something_follows() -> None:
    conversation = Conversation()
    replay(conversation, _turn({"type": "model.message", "content": "", "tool_calls": [_call("c1")]}))
    replay(conversation, _turn(text="next"))
    assert conversation.messages[-2:] == [
        {"role": "tool", "tool_call_id": "c1", "content": NOT_RUN},
        {"role": "user", "content": "next"},
    ]
    assert conversation.outstanding == []


def test_arguments_cut_off_by_a_cancel_are_sent_as_an_empty_object() -> None:
    conversation = Conversation()
    replay(
        conversation,
        _turn({"type": "model.message", "content": "", "tool_calls": [_call("c1", arguments='{"a": ')]}),
    )
    assert conversation.messages[-1]["tool_calls"][0]["function"]["arguments"] == "{}"


def test_a_result_for_an_unknown_call_is_dropped() -> None:
    conversation = Conversation()
    replay(conversation, [{"type": "tool.response", "tool_call_id": "nobody", "content": "x"}])
    assert conversation.messages == []


def test_content_parts_are_flattened_to_text() -> None:
    conversation = Conversation()
    conversation.add_user([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])
    assert conversation.messages == [{"role": "user", "content": "ab"}]


def test_an_empty_message_of_a_turn_cancelled_before_its_first_chunk_is_left_out() -> None:
    conversation = Conversation()
    replay(conversation, _turn({"type": "model.message", "content": ""}))
    assert conversation.messages == [{"role": "user", "content": "hi"}]


def test_a_turns_digest_replays_exactly_as_its_events_do() -> None:
    turn = _turn(
        {
            "type": "model.message",
            "id": "m1",
            "content": "calling",
            "usage": {"input_tokens": 3},
            "tool_calls": [{**_call("c1"), "index": 0, "tool_info": {"type": "mcp", "name": "add"}}],
        },
        {"type": "tool.response", "id": "r1", "tool_call_id": "c1", "content": "2"},
        {"type": "model.message", "id": "m2", "content": "", "tool_calls": [_call("c2", arguments='{"a"')]},
    )
    turn[0]["input"].append(
        {"type": "user.tool_approval", "tool_call_id": "c0", "approval": {"status": "allow"}}
    )
    from_events, from_digest = Conversation(), Conversation()
    replay(from_events, turn)
    replay(from_digest, digest(turn))
    assert from_digest == from_events
    assert from_events.outstanding == [PendingCall("c2", "add", "{}")]
    assert all(e["type"] != "turn.done" and "usage" not in e for e in digest(turn))
