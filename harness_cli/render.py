"""Showing a turn's stream to a person: text as it arrives, every other event on a line of its own,
and the terminal state at the end."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TextIO

from generated.client.models import (
    ChatCompletionContentPartRefusal,
    ChatCompletionContentPartText,
    ExtendedChunkDeltaToolCall,
    McpAuthRequiredEvent,
    ModelMessageDeltaEvent,
    ModelMessageEvent,
    ToolApprovalRequiredEvent,
    ToolCall,
    ToolResponseEvent,
    ToolResponseRequiredEvent,
    TurnCreatedEvent,
    TurnDoneEvent,
    TurnMetrics,
    TurnStateCancelled,
    TurnStateDone,
    TurnStateError,
)
from generated.client.types import Unset
from harness_cli.streaming import Frame

TerminalState = TurnStateDone | TurnStateCancelled | TurnStateError


@dataclass
class _PendingToolCall:
    """A tool call assembled from `model.message.delta` fragments (OpenAI chunk style, by index)."""

    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class TurnPrinter:
    out: TextIO
    raw: bool = False
    turn_id: str | None = None
    last_sequence_number: int = 0
    state: TerminalState | None = None
    finished: bool = False
    _mid_line: bool = False
    _pending: dict[tuple[str, int], _PendingToolCall] = field(default_factory=dict)
    _shown_tool_calls: set[str] = field(default_factory=set)

    def show(self, frame: Frame) -> None:
        self.last_sequence_number = frame.id
        event = frame.model
        # Read from the raw event too: following and cancelling the turn must not hang on a body this
        # client's models cannot parse.
        if frame.event == "turn.created" and isinstance(frame.data.get("turn_id"), str):
            self.turn_id = frame.data["turn_id"]
        elif frame.event == "turn.done":
            self.finished = True
            if isinstance(event, TurnDoneEvent):
                self.state = event.state
        if self.raw:
            self._write_line(json.dumps({"id": frame.id, "event": frame.event, "data": frame.data}))
            return
        carries_tool_call_deltas = isinstance(event, ModelMessageDeltaEvent) and not isinstance(
            event.tool_calls, Unset
        )
        if not carries_tool_call_deltas:
            self._flush_tool_calls()
        match event:
            case TurnCreatedEvent():
                self._line(f"[turn.created] turn {event.turn_id}")
            case ModelMessageEvent():
                self._message(event)
            case ModelMessageDeltaEvent():
                self._delta(event)
            case ToolResponseEvent():
                self._line(f"[tool.response] {event.tool_call_id}: {event.content}")
            case ToolApprovalRequiredEvent() | ToolResponseRequiredEvent():
                calls = ", ".join(ref.id for ref in event.tool_calls)
                self._line(f"[{frame.event}] tool calls: {calls}")
            case McpAuthRequiredEvent():
                servers = ", ".join(f"{s.name} ({s.auth_url})" for s in event.mcp_servers)
                self._line(f"[mcp.auth_required] {servers}")
            case TurnDoneEvent():
                self._terminal(event.state)
            case None:
                self._line(f"[{frame.event}] {json.dumps(frame.data)}")
            case _:
                self._line(f"[{frame.event}]")

    def already_ended(self, state: TerminalState) -> None:
        """The stream had nothing after `last_sequence_number` because the turn had ended by then."""
        self.state, self.finished = state, True
        if self.raw:
            return
        self._line(f"(no events after {self.last_sequence_number}: the turn had already ended)")
        self._terminal(state)

    # --- message content ---

    def _message(self, event: ModelMessageEvent) -> None:
        content = event.content
        if isinstance(content, str):
            self._text(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, ChatCompletionContentPartText):
                    self._text(part.text)
                elif isinstance(part, ChatCompletionContentPartRefusal):
                    self._line(f"[refusal] {part.refusal}")
        if isinstance(event.refusal, str) and event.refusal:
            self._line(f"[refusal] {event.refusal}")
        if not isinstance(event.tool_calls, Unset):
            for call in event.tool_calls:
                self._tool_call(call)

    def _delta(self, event: ModelMessageDeltaEvent) -> None:
        if not isinstance(event.content, Unset):
            self._text(event.content)
        if not isinstance(event.refusal, Unset) and event.refusal:
            self._line(f"[refusal] {event.refusal}")
        if not isinstance(event.tool_calls, Unset):
            for chunk in event.tool_calls:
                self._collect(event.id, chunk)

    def _text(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()
            self._mid_line = not text.endswith("\n")

    # --- tool calls ---

    def _tool_call(self, call: ToolCall) -> None:
        if call.id in self._shown_tool_calls:
            return
        self._shown_tool_calls.add(call.id)
        self._line(f"[tool call] {call.function.name}({call.function.arguments}) id={call.id}")

    def _collect(self, message_id: str, chunk: ExtendedChunkDeltaToolCall) -> None:
        pending = self._pending.setdefault((message_id, chunk.index), _PendingToolCall())
        if not isinstance(chunk.id, Unset):
            pending.id = chunk.id
        if not isinstance(chunk.function, Unset):
            if not isinstance(chunk.function.name, Unset):
                pending.name += chunk.function.name
            if not isinstance(chunk.function.arguments, Unset):
                pending.arguments += chunk.function.arguments

    def _flush_tool_calls(self) -> None:
        for call in self._pending.values():
            if call.id not in self._shown_tool_calls:
                self._shown_tool_calls.add(call.id)
                self._line(f"[tool call] {call.name}({call.arguments}) id={call.id}")
        self._pending.clear()

    # --- the end ---

    def _terminal(self, state: TerminalState) -> None:
        if isinstance(state, TurnStateDone):
            finish = ""
            if not isinstance(state.output, Unset) and isinstance(state.output.finish_reason, str):
                finish = f" finish_reason={state.output.finish_reason}"
            self._line(f"[turn.done] done{finish}{_metrics(state.metrics)}")
            for action in state.required_actions:
                if isinstance(action, McpAuthRequiredEvent):
                    what = ", ".join(server.name for server in action.mcp_servers)
                else:
                    what = ", ".join(ref.id for ref in action.tool_calls)
                self._line(f"  required action: {action.type_} {what}")
        elif isinstance(state, TurnStateCancelled):
            self._line(f"[turn.done] cancelled reason={state.reason}{_metrics(state.metrics)}")
        else:
            self._line(f"[turn.done] error: {state.message}{_metrics(state.metrics)}")

    def _line(self, text: str) -> None:
        if self._mid_line:
            self.out.write("\n")
            self._mid_line = False
        self._write_line(text)

    def _write_line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def _metrics(metrics: TurnMetrics | Unset) -> str:
    if isinstance(metrics, Unset):
        return ""
    return (
        f" tokens in={metrics.total_input_tokens} out={metrics.total_output_tokens}"
        f" total={metrics.total_tokens}"
    )
