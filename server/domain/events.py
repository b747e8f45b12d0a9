"""Turn events: building them from the generated models, and the persisted (merged) view.

A live stream carries a base `model.message` followed by `model.message.delta` chunks sharing its
id. Persisted views (list turn events, list session events, a done turn's `output`) carry the
merged message instead, so the partial output of a cancelled turn stays readable.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from generated.models import (
    McpInitializeEvent,
    ModelMessageDeltaEvent,
    ModelMessageEvent,
    Subject,
    ToolApprovalRequiredEvent,
    ToolResponseEvent,
    TurnCreatedEvent,
    TurnDoneEvent,
    TurnStateRunning,
)
from server.domain.turn_state import Status, TerminalState
from server.ids import new_ulid

MAIN_THREAD = "main"
RUNNING_STATE = TurnStateRunning(status=Status.RUNNING.value)
LIFECYCLE = frozenset({"turn.created", "turn.done"})
DELTA_SUFFIX = ".delta"


def to_json(model: BaseModel) -> str:
    """The one serialisation every stored and sent event goes through."""
    return model.model_dump_json(exclude_none=True)


def to_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


def turn_created(
    turn_id: str, previous_turn_id: str | None, input_items: list[dict[str, Any]], creator: Subject, now: str
) -> str:
    event = TurnCreatedEvent.model_validate(
        {
            "type": "turn.created",
            "id": new_ulid(),
            "sequence_number": 1,
            "turn_id": turn_id,
            "previous_turn_id": previous_turn_id,
            "input": input_items,
            "state": RUNNING_STATE,
            "created_by": creator,
            "created_at": now,
        }
    )
    return to_json(event)


def turn_done(state: TerminalState, now: str) -> str:
    return to_json(
        TurnDoneEvent.model_validate(
            {"type": "turn.done", "id": new_ulid(), "state": state, "created_at": now}
        )
    )


def model_message_base(message_id: str, now: str) -> str:
    return to_json(
        ModelMessageEvent.model_validate(
            {
                "type": "model.message",
                "id": message_id,
                "thread_id": MAIN_THREAD,
                "created_at": now,
                "content": "",
            }
        )
    )


def model_message_delta(message_id: str, now: str, content: str = "", **fields: Any) -> str:
    """A delta of the message `message_id`: `content`, or `tool_calls` chunks, `finish_reason`, `usage`."""
    body: dict[str, Any] = {
        "type": "model.message.delta",
        "id": message_id,
        "thread_id": MAIN_THREAD,
        "created_at": now,
        **fields,
    }
    if content:
        body["content"] = content
    return to_json(ModelMessageDeltaEvent.model_validate(body))


def tool_response(tool_call_id: str, content: str, now: str) -> str:
    return to_json(
        ToolResponseEvent.model_validate(
            {
                "type": "tool.response",
                "id": new_ulid(),
                "thread_id": MAIN_THREAD,
                "created_at": now,
                "tool_call_id": tool_call_id,
                "content": content,
            }
        )
    )


def tool_approval_required(
    source_event_id: str, tool_call_ids: list[str], now: str
) -> ToolApprovalRequiredEvent:
    return ToolApprovalRequiredEvent.model_validate(
        {
            "type": "tool.approval_required",
            "id": new_ulid(),
            "thread_id": MAIN_THREAD,
            "created_at": now,
            "tool_calls": [{"id": call_id, "source_event_id": source_event_id} for call_id in tool_call_ids],
        }
    )


def mcp_initialize(servers: list[dict[str, Any]], now: str) -> str:
    return to_json(
        McpInitializeEvent.model_validate(
            {
                "type": "mcp.initialize",
                "id": new_ulid(),
                "thread_id": MAIN_THREAD,
                "created_at": now,
                "mcp_servers": servers,
            }
        )
    )


def merge_deltas(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold each `*.delta` into the base event with its id; drop the deltas.

    Content is appended, `finish_reason` and `usage` replaced when a delta carries them, tool-call
    chunks merged by `index` — the merge rules the gateway SDK applies client-side.
    """
    merged: list[dict[str, Any]] = []
    bases: dict[str, dict[str, Any]] = {}
    for event in events:
        kind = event.get("type", "")
        if not kind.endswith(DELTA_SUFFIX):
            event = copy.deepcopy(event)
            merged.append(event)
            if kind == "model.message":
                bases[event["id"]] = event
            continue
        base = bases.get(event.get("id", ""))
        if base is None:
            continue
        _merge_message_delta(base, event)
    return merged


def _merge_message_delta(base: dict[str, Any], delta: dict[str, Any]) -> None:
    if delta.get("content"):
        content = base.get("content")
        if isinstance(content, list):
            content.append({"type": "text", "text": delta["content"]})
        else:
            base["content"] = (content or "") + delta["content"]
    for text_field in ("refusal", "reasoning_content"):
        if delta.get(text_field):
            base[text_field] = (base.get(text_field) or "") + delta[text_field]
    for replaced in ("finish_reason", "usage"):
        if delta.get(replaced) is not None:
            base[replaced] = delta[replaced]
    for chunk in delta.get("tool_calls") or []:
        _merge_tool_call(base.setdefault("tool_calls", []), chunk)


def _merge_tool_call(calls: list[dict[str, Any]], chunk: dict[str, Any]) -> None:
    index = chunk["index"]
    while len(calls) <= index:
        calls.append({"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
    call = calls[index]
    for key in ("id", "type", "tool_info", "provider_specific_fields"):
        if chunk.get(key) is not None:
            call[key] = chunk[key]
    function = chunk.get("function") or {}
    if function.get("name"):
        call["function"]["name"] = function["name"]
    if function.get("arguments"):
        call["function"]["arguments"] += function["arguments"]


def persisted(events: list[dict[str, Any]], *, lifecycle: bool) -> list[dict[str, Any]]:
    """The stored view of a turn's log: deltas merged; lifecycle events kept only if asked."""
    merged = merge_deltas(events)
    if lifecycle:
        return merged
    return [e for e in merged if e.get("type") not in LIFECYCLE]
