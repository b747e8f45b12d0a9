"""A turn's conversation, rebuilt from the event logs of the turns it chains from.

Nothing about a session lives in an executor's memory: the history is the chain of
`previous_turn_id`s, each turn contributing its input (`turn.created`), its merged model messages
and its tool results. Any executor can therefore run the next turn of any session.

The Chat Completions shape needs a result for every tool call before the next message. Calls left
without one (a turn cancelled mid-tool, or approvals dropped by a cancel) get a stand-in result
when something follows them; the calls of the last message are returned as `outstanding`, for the
new turn to answer (approvals) or stand in for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, cast

from server.domain import events
from server.executor.providers.base import text_of
from server.store import events as event_log
from server.store import keys
from server.store.redis import Store

# Bound on the turns read back: a very long session sends the model its most recent turns.
MAX_TURNS = 200
NOT_RUN = "error: this tool call was not run (its turn ended before the call could run)"


@dataclass(frozen=True)
class PendingCall:
    id: str
    name: str
    arguments: str


@dataclass
class Conversation:
    messages: list[dict[str, Any]] = field(default_factory=list)
    outstanding: list[PendingCall] = field(default_factory=list)

    def add_user(self, content: Any) -> None:
        self._settle()
        self.messages.append({"role": "user", "content": text_of(content)})

    def add_assistant(self, message: dict[str, Any]) -> None:
        self._settle()
        calls = [c for c in message.get("tool_calls") or [] if c.get("id")]
        text = text_of(message.get("content"))
        if not text and not calls:
            return  # cancelled before its first chunk: providers refuse an empty assistant message
        entry: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            entry["tool_calls"] = [
                {
                    "id": c["id"],
                    "type": "function",
                    "function": {"name": c["function"]["name"], "arguments": _json_or_empty(c)},
                }
                for c in calls
            ]
        self.messages.append(entry)
        self.outstanding = [PendingCall(c["id"], c["function"]["name"], _json_or_empty(c)) for c in calls]

    def add_tool_result(self, tool_call_id: str, content: str) -> None:
        if not any(call.id == tool_call_id for call in self.outstanding):
            return  # a result for a call this history does not hold (trimmed away): drop it
        self.outstanding = [call for call in self.outstanding if call.id != tool_call_id]
        self.messages.append({"role": "tool", "tool_call_id": tool_call_id, "content": content})

    def _settle(self) -> None:
        for call in list(self.outstanding):
            self.add_tool_result(call.id, NOT_RUN)


def _json_or_empty(call: dict[str, Any]) -> str:
    """Arguments cut off by a cancel are not JSON; providers reject those, so send `{}` instead."""
    arguments = str(call["function"].get("arguments") or "")
    try:
        json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return "{}"
    return arguments or "{}"


async def _chain(store: Store, tenant: str, last_turn_id: str | None) -> list[str]:
    chain: list[str] = []
    cursor = last_turn_id
    while cursor and len(chain) < MAX_TURNS:
        doc = cast(str | None, await store.redis.hget(keys.turn(tenant, cursor), "doc"))
        if doc is None:
            break  # older turns expired with their retention
        chain.append(cursor)
        cursor = json.loads(doc).get("previous_turn_id")
    chain.reverse()
    return chain


def replay(conversation: Conversation, turn_events: list[dict[str, Any]]) -> None:
    """Add one turn's persisted (merged) events to the conversation."""
    for event in turn_events:
        match event.get("type"):
            case "turn.created":
                for item in event.get("input") or []:
                    if item.get("type") == "user.message":
                        conversation.add_user(item.get("content"))
            case "model.message":
                conversation.add_assistant(event)
            case "tool.response":
                conversation.add_tool_result(event["tool_call_id"], event.get("content", ""))


async def load(store: Store, tenant: str, last_turn_id: str | None) -> Conversation:
    """The conversation up to and including `last_turn_id` (None: a new root turn)."""
    conversation = Conversation()
    for turn_id in await _chain(store, tenant, last_turn_id):
        logged = await event_log.read_all(store.redis, tenant, turn_id)
        replay(conversation, events.persisted(logged, lifecycle=True))
    return conversation
