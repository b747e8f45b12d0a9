"""`scripted/*`: deterministic models for tests and demos, no network.

- `scripted/echo` streams the last user message back in `chunks` pieces.
- `scripted/script` plays `params.script`: step n answers the session's n-th model call (counted
  from the assistant messages already in the history), text and tool calls included, so every
  path of the agent loop (tools, approvals, iteration limit) can be driven without a real model.

Both wait `delay_ms` before each chunk; `ignore_cancel_ms` makes a cancelled wait carry on that
long, a stand-in for a step that ignores cancellation (the cancel endpoint's 424).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from server.executor.providers.base import ModelChunk, ModelRequest, ToolCallChunk, Usage, text_of
from server.ids import new_ulid


class _Pacing:
    def __init__(self, params: dict[str, Any]) -> None:
        self.chunks = max(1, int(params.get("chunks", 1)))
        self.delay = max(0, int(params.get("delay_ms", 0))) / 1000
        self.stubborn = max(0, int(params.get("ignore_cancel_ms", 0))) / 1000

    async def wait(self) -> None:
        if not self.delay:
            return
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            if self.stubborn:
                await asyncio.sleep(self.stubborn)
            raise

    def split(self, text: str) -> list[str]:
        size, extra = divmod(len(text), self.chunks)
        pieces, start = [], 0
        for index in range(self.chunks):
            end = start + size + (1 if index < extra else 0)
            pieces.append(text[start:end])
            start = end
        return pieces


def _words(messages: list[dict[str, Any]]) -> int:
    return sum(len(text_of(m.get("content")).split()) for m in messages)


class ScriptedEcho:
    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        text = next((text_of(m["content"]) for m in reversed(request.messages) if m["role"] == "user"), "")
        pacing = _Pacing(request.params)
        for piece in pacing.split(text):
            await pacing.wait()
            yield ModelChunk(content=piece)
        words = len(text.split())
        yield ModelChunk(finish_reason="stop", usage=Usage(input_tokens=words, output_tokens=words))


class ScriptedScript:
    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        script: list[dict[str, Any]] = request.params.get("script") or [{}]
        played = sum(1 for m in request.messages if m["role"] == "assistant")
        step = script[min(played, len(script) - 1)]
        last = next(
            (text_of(m.get("content")) for m in reversed(request.messages) if m["role"] in ("user", "tool")),
            "",
        )
        text = str(step.get("content") or "").replace("{last}", last)
        pacing = _Pacing(request.params)
        for piece in pacing.split(text) if text else []:
            await pacing.wait()
            yield ModelChunk(content=piece)
        calls = step.get("tool_calls") or []
        for index, call in enumerate(calls):
            await pacing.wait()
            yield ModelChunk(
                tool_calls=[
                    ToolCallChunk(
                        index=index,
                        id=f"call_{new_ulid()}",
                        name=call["name"],
                        arguments=json.dumps(call.get("arguments") or {}),
                    )
                ]
            )
        yield ModelChunk(
            finish_reason="tool_calls" if calls else "stop",
            usage=Usage(input_tokens=_words(request.messages), output_tokens=len(text.split()) + len(calls)),
        )
