"""A turn's conversation, rebuilt from the event logs of the turns it chains from.

Nothing about a session lives in an executor's memory: the history is the chain of
`previous_turn_id`s, each turn contributing its input (`turn.created`), its merged model messages
and its tool results. Any executor can therefore run the next turn of any session.

Reading it costs two round trips however long the session: one script walks the chain, and each
ended turn keeps a digest of its contribution (made once, from its log, by the first turn that
needs it), so a session's earlier logs are not re-read and re-merged before every turn.

The Chat Completions shape needs a result for every tool call before the next message. Calls left
without one (a turn cancelled mid-tool, or approvals dropped by a cancel) get a stand-in result
when something follows them; the calls of the last message are returned as `outstanding`, for the
new turn to answer (approvals) or stand in for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from server.domain import events
from server.executor.providers.base import text_of
from server.store import turns as turn_store
from server.store.redis import Store

# Bound on the turns read back: a very long session sends the model its most recent turns.
MAX_TURNS = turn_store.ANCESTRY_LIMIT
# Said of a call whose turn ended (a cancel, dropped approvals) before any result was recorded: it
# may never have started, or been interrupted part-way, so the model must not assume either.
NOT_RUN = (
    "error: no result was recorded for this tool call (its turn ended first); "
    "it was not run, or not to the end"
)


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
        self.settle()
        self.messages.append({"role": "user", "content": text_of(content)})

    def add_assistant(self, message: dict[str, Any]) -> None:
        self.settle()
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

    def settle(self) -> None:
        """A stand-in result for every call still without one: Chat Completions refuses a message
        after an assistant's tool calls until each has its result."""
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


def digest(turn_events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of one turn's persisted (merged) events, just what `replay` reads: the turn's history digest,
    stored beside it once it ended so later turns need not re-read and re-merge its log."""
    kept: list[dict[str, Any]] = []
    for event in turn_events:
        match event.get("type"):
            case "turn.created":
                items = [i for i in event.get("input") or [] if i.get("type") == "user.message"]
                kept.append({"type": "turn.created", "input": items})
            case "model.message":
                calls = [
                    {"id": c.get("id"), "function": c.get("function") or {}}
                    for c in event.get("tool_calls") or []
                ]
                kept.append({"type": "model.message", "content": event.get("content"), "tool_calls": calls})
            case "tool.response":
                kept.append(
                    {
                        "type": "tool.response",
                        "tool_call_id": event["tool_call_id"],
                        "content": event.get("content", ""),
                    }
                )
    return kept


def replay(conversation: Conversation, turn_events: list[dict[str, Any]]) -> None:
    """Add one turn's persisted (merged) events, or its digest, to the conversation."""
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


async def _chain(store: Store, tenant: str, session_id: str, ancestry: list[str]) -> list[turn_store.Link]:
    """The turns of `ancestry`, oldest first (older ones may have expired)."""
    links = await turn_store.history_chain(store, tenant, session_id, ancestry[:MAX_TURNS])
    links.reverse()
    return links


async def _digests(
    store: Store, tenant: str, session_id: str, chain: list[turn_store.Link]
) -> list[list[dict[str, Any]]]:
    """Each turn's digest: stored ones as they are; the others (usually just the parent, which
    ended since) derived from their logs in one pipelined read and stored for the next turn."""
    missing = [link for link in chain if not link.digest]
    derived: dict[str, list[dict[str, Any]]] = {}
    if missing:
        logs = await turn_store.logs(store, tenant, session_id, [link.turn_id for link in missing])
        to_save: dict[str, str] = {}
        for link, turn_events in zip(missing, logs, strict=True):
            turn_digest = digest(events.persisted(turn_events, lifecycle=True))
            derived[link.turn_id] = turn_digest
            if link.ended:
                to_save[link.turn_id] = json.dumps(turn_digest)
        await turn_store.save_histories(store, tenant, session_id, to_save)
    return [derived[link.turn_id] if link.turn_id in derived else json.loads(link.digest) for link in chain]


async def load(store: Store, tenant: str, session_id: str, ancestry: list[str]) -> Conversation:
    """The conversation of the turns a new turn chains from, newest first (none: a root turn)."""
    conversation = Conversation()
    if not ancestry:
        return conversation
    chain = await _chain(store, tenant, session_id, ancestry)
    for turn_digest in await _digests(store, tenant, session_id, chain):
        replay(conversation, turn_digest)
    return conversation
