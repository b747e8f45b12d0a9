"""A turn's Server-Sent Events, read as they arrive.

The generated `createTurn` / `subscribeTurn` functions read a response body whole and parse it as
JSON, which cannot follow a live `text/event-stream`. So the request those generated modules describe
(their `_get_kwargs`: method, path, headers, body) is sent through the generated client's own
`httpx.AsyncClient` with httpx-sse, and error bodies go back through the generated parser.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from httpx_sse import aconnect_sse

from generated.client import AuthenticatedClient, Client
from generated.client.api.agent_harness import create_turn, subscribe_turn
from generated.client.models import (
    ApprovalAllow,
    ApprovalDeny,
    CreateTurnRequest,
    McpAuthRequiredEvent,
    McpInitializeEvent,
    ModelMessageDeltaEvent,
    ModelMessageEvent,
    SandboxCreatedEvent,
    SubscribeTurnRequest,
    ThreadCreatedEvent,
    ThreadDoneEvent,
    ToolApprovalRequiredEvent,
    ToolResponseEvent,
    ToolResponseRequiredEvent,
    TurnCreatedEvent,
    TurnDoneEvent,
    UserMessage,
    UserToolApprovalEvent,
    UserToolResponseEvent,
)
from generated.client.types import UNSET, Response, Unset
from harness_cli.api import error_of
from harness_cli.connection import STREAM_TIMEOUT

TurnStreamingEvent = (
    TurnCreatedEvent
    | TurnDoneEvent
    | ModelMessageEvent
    | ModelMessageDeltaEvent
    | ToolResponseEvent
    | ToolApprovalRequiredEvent
    | ToolResponseRequiredEvent
    | McpAuthRequiredEvent
    | McpInitializeEvent
    | SandboxCreatedEvent
    | ThreadCreatedEvent
    | ThreadDoneEvent
)

# The spec's `TurnStreamingEvent` discriminator mapping, onto the generated models.
EVENT_MODELS: dict[str, type[TurnStreamingEvent]] = {
    "turn.created": TurnCreatedEvent,
    "turn.done": TurnDoneEvent,
    "model.message": ModelMessageEvent,
    "model.message.delta": ModelMessageDeltaEvent,
    "tool.response": ToolResponseEvent,
    "tool.approval_required": ToolApprovalRequiredEvent,
    "tool.response_required": ToolResponseRequiredEvent,
    "mcp.auth_required": McpAuthRequiredEvent,
    "mcp.initialize": McpInitializeEvent,
    "sandbox.created": SandboxCreatedEvent,
    "thread.created": ThreadCreatedEvent,
    "thread.done": ThreadDoneEvent,
}


# A generated module's `_build_response`: turns a refused stream request into the documented error.
ErrorParser = Callable[..., Response[Any]]
StreamRequest = tuple[dict[str, Any], ErrorParser]


@dataclass(frozen=True)
class Frame:
    """One SSE message: `id:` (the sequence number), `event:` (the type) and `data:` (the event)."""

    id: int
    event: str
    data: dict[str, Any]

    @cached_property
    def model(self) -> TurnStreamingEvent | None:
        """The event as its generated model; None for a type this client does not know or a body it
        cannot read (a newer server), which callers show raw rather than fail on."""
        model = EVENT_MODELS.get(self.event)
        if model is None:
            return None
        try:
            return model.from_dict(self.data)
        except (KeyError, TypeError, ValueError):
            return None


TurnInput = UserMessage | UserToolApprovalEvent | UserToolResponseEvent


def approval(
    tool_call_id: str, *, allow: bool, reason: str | None = None, thread_id: str = "main"
) -> TurnInput:
    """A `user.tool_approval` input item: the answer to a `tool.approval_required` call."""
    decision: ApprovalAllow | ApprovalDeny = (
        ApprovalAllow(status="allow") if allow else ApprovalDeny(status="deny", reason=reason or UNSET)
    )
    return UserToolApprovalEvent(
        type_="user.tool_approval", thread_id=thread_id, tool_call_id=tool_call_id, approval=decision
    )


def turn_stream_request(
    session_id: str, message: str | None, answers: Sequence[TurnInput] = ()
) -> StreamRequest:
    """createTurn's request, streamed: the answers to pending tool calls first, then the message."""
    items: list[TurnInput] = [*answers]
    if message is not None:
        items.append(UserMessage(type_="user.message", content=message))
    body = CreateTurnRequest(input_=items, stream=True)
    return create_turn._get_kwargs(session_id=session_id, body=body), create_turn._build_response


def subscribe_request(
    session_id: str, turn_id: str, *, after: int | None = None, last_event_id: int | None = None
) -> StreamRequest:
    body: SubscribeTurnRequest | Unset = (
        SubscribeTurnRequest(after_sequence_number=after) if after is not None else UNSET
    )
    header: str | Unset = str(last_event_id) if last_event_id is not None else UNSET
    kwargs = subscribe_turn._get_kwargs(session_id, turn_id, body=body, last_event_id=header)
    return kwargs, subscribe_turn._build_response


async def frames(client: AuthenticatedClient | Client, request: StreamRequest) -> AsyncIterator[Frame]:
    """The stream's frames until the server ends it. A non-stream answer raises its `ApiError`."""
    kwargs, parse_error = request
    kwargs = dict(kwargs)
    method, url = kwargs.pop("method").upper(), kwargs.pop("url")
    http = client.get_async_httpx_client()
    async with aconnect_sse(http, method, url, timeout=STREAM_TIMEOUT, **kwargs) as source:
        response = source.response
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if response.status_code != 200 or media_type != "text/event-stream":
            await response.aread()
            raise error_of(parse_error(client=client, response=response))
        async for sse in source.aiter_sse():
            yield Frame(int(sse.id), sse.event, json.loads(sse.data))
