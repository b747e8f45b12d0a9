"""The one interface every model provider implements: a chat request in, a stream of chunks out.

Messages use the Chat Completions shape (`role`, `content`, assistant `tool_calls`, `tool` results
with `tool_call_id`), the lingua franca of OpenAI-compatible servers, so the loop builds one
history whatever the provider.

Cancellation is the caller's: the executor cancels the task iterating `stream()`, which interrupts
whatever the provider awaits (a sleep, an HTTP read); providers release what they hold in
`finally`/`async with` so an abandoned stream closes its connection at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolSpec:
    """A tool as offered to the model."""

    name: str
    description: str
    parameters: dict[str, Any]

    def as_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass(frozen=True)
class ModelRequest:
    params: dict[str, Any]
    instructions: str | None
    messages: list[dict[str, Any]]
    """Chat history, oldest first, in the Chat Completions message shape."""
    tools: list[ToolSpec] = field(default_factory=list)


@dataclass(frozen=True)
class ToolCallChunk:
    """A piece of one tool call, merged by `index` (id and name come first, arguments in pieces)."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int | None = None


@dataclass(frozen=True)
class ModelChunk:
    content: str = ""
    tool_calls: list[ToolCallChunk] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None


class ModelProvider(Protocol):
    def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]: ...


class ProviderConfigError(Exception):
    """The agent's model cannot be called as configured (a secret not usable for its URL, say)."""


class ProviderError(ProviderConfigError):
    """The model provider refused or failed the call; the message holds a short, sanitised excerpt
    of its answer, never the whole body or its headers."""


def text_of(content: Any) -> str:
    """The text of a message's `content`: a string, or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""
