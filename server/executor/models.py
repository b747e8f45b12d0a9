"""Model providers behind one small interface: a request in, a stream of chunks out.

Cancellation is the caller's: the executor cancels the task iterating `stream()`, which interrupts
whatever the provider awaits (a sleep here, an HTTP read for a networked provider).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ModelRequest:
    model: str
    params: dict[str, Any]
    instructions: str | None
    messages: list[dict[str, Any]]
    """Chat history, oldest first: `{"role": "user"|"assistant", "content": str}`."""


@dataclass
class ModelChunk:
    content: str = ""
    finish_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)


class ModelProvider(Protocol):
    def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]: ...


class ScriptedEcho:
    """`scripted/echo`: streams the last user message back in `chunks` pieces, `delay_ms` before each
    (`ignore_cancel_ms`: how long a cancelled delay carries on before giving in)."""

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        text = next((m["content"] for m in reversed(request.messages) if m["role"] == "user"), "")
        chunks = max(1, int(request.params.get("chunks", 1)))
        delay = max(0, int(request.params.get("delay_ms", 0))) / 1000
        stubborn = max(0, int(request.params.get("ignore_cancel_ms", 0))) / 1000
        size, extra = divmod(len(text), chunks)
        start = 0
        for index in range(chunks):
            end = start + size + (1 if index < extra else 0)
            if delay:
                await _sleep(delay, stubborn)
            yield ModelChunk(content=text[start:end])
            start = end
        words = len(text.split())
        yield ModelChunk(finish_reason="stop", usage={"input_tokens": words, "output_tokens": words})


async def _sleep(seconds: float, stubborn: float) -> None:
    """A delay that, with `stubborn` > 0, goes on that long after being cancelled: a stand-in for a
    step that ignores cancellation, so the cancel endpoint's 424 path can be exercised."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        if stubborn:
            await asyncio.sleep(stubborn)
        raise


PROVIDERS: dict[str, ModelProvider] = {"scripted/echo": ScriptedEcho()}


def provider_for(model: str) -> ModelProvider:
    try:
        return PROVIDERS[model]
    except KeyError:
        raise LookupError(f"no model provider for {model!r}") from None
