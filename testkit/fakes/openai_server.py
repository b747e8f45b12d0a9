"""A small OpenAI-compatible Chat Completions server for the tests, streaming like the real one.

The model name picks the behaviour:
- `echo`: streams the last user message back word by word;
- `call-<tool>`: asks for `<tool>` (arguments split over two chunks) unless the last message is a
  tool result, in which case it answers `result: <that result>`; `anon-<tool>` the same, but its
  tool calls carry no id (as some compatible servers stream them);
- `slow`: streams `SLOW_CHUNKS` chunks `SLOW_DELAY` apart, and records when its client hung up.

Every request is recorded (headers, body) so tests can check what the harness sent. Like OpenAI's
own API, a history that breaks the tool-call rules (an assistant's tool calls each answered by a
`tool` message before anything else; no `tool` message without its call) is refused with 400.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

SLOW_CHUNKS = 400
SLOW_DELAY = 0.05
TOOL_ARGUMENTS = {"add": {"a": 2, "b": 3}, "dangerous": {"target": "prod"}, "sleep": {"seconds": 30}}


@dataclass
class SlowStream:
    sent: int = 0
    hung_up_at: float | None = None
    finished: bool = False


@dataclass
class Recorder:
    requests: list[dict[str, Any]] = field(default_factory=list)
    slow: list[SlowStream] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r["body"] for r in self.requests]

    def peers(self) -> list[Any]:
        """The client address (host, port) of each request: a repeated port is a reused connection."""
        with self.lock:
            return [r["peer"] for r in self.requests]


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n"


def _usage(model: str, prompt: int, completion: int) -> str:
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
    return f"data: {json.dumps(body)}\n\n"


def _text(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


async def _echo(model: str, messages: list[dict[str, Any]]) -> AsyncIterator[str]:
    last = next((_text(m) for m in reversed(messages) if m["role"] == "user"), "")
    words = last.split()
    yield _chunk(model, {"role": "assistant", "content": ""})
    for index, word in enumerate(words):
        yield _chunk(model, {"content": word if index == 0 else f" {word}"})
    yield _chunk(model, {}, "stop")
    yield _usage(model, 7, len(words))


async def _call(
    model: str, tool: str, messages: list[dict[str, Any]], *, with_id: bool = True
) -> AsyncIterator[str]:
    last = messages[-1]
    if last["role"] == "tool":
        yield _chunk(model, {"role": "assistant", "content": f"result: {_text(last)}"})
        yield _chunk(model, {}, "stop")
        yield _usage(model, 20, 2)
        return
    arguments = json.dumps(TOOL_ARGUMENTS.get(tool, {}))
    half = len(arguments) // 2
    head = {"index": 0, "type": "function", **({"id": f"call_{tool}_{len(messages)}"} if with_id else {})}
    yield _chunk(
        model, {"role": "assistant", "tool_calls": [{**head, "function": {"name": tool, "arguments": ""}}]}
    )
    yield _chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": arguments[:half]}}]})
    yield _chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": arguments[half:]}}]})
    yield _chunk(model, {}, "tool_calls")
    yield _usage(model, 10, 5)


async def _slow(model: str, record: SlowStream) -> AsyncIterator[str]:
    try:
        yield _chunk(model, {"role": "assistant", "content": ""})
        for index in range(SLOW_CHUNKS):
            await asyncio.sleep(SLOW_DELAY)
            yield _chunk(model, {"content": f"w{index} "})
            record.sent += 1
        yield _chunk(model, {}, "stop")
        yield _usage(model, 5, SLOW_CHUNKS)
        record.finished = True
    finally:
        if not record.finished:
            record.hung_up_at = time.monotonic()


def history_error(messages: list[dict[str, Any]]) -> str | None:
    """What OpenAI would refuse in the message sequence, or None."""
    waiting: list[str] = []
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in waiting:
                return f"messages[{index}]: a tool message must answer a preceding assistant tool call"
            waiting.remove(message["tool_call_id"])
            continue
        if waiting:
            return f"messages[{index}]: tool calls {waiting} have no tool message before this one"
        if role == "assistant":
            waiting = [call["id"] for call in message.get("tool_calls") or []]
    if waiting:
        return f"the last assistant message's tool calls {waiting} have no tool messages"
    return None


def create_app(recorder: Recorder) -> Starlette:
    async def completions(request: Request) -> Response:
        body = await request.json()
        with recorder.lock:
            recorder.requests.append({"headers": dict(request.headers), "body": body, "peer": request.client})
        model, messages = body["model"], body["messages"]
        if problem := history_error(messages):
            error = {"message": problem, "type": "invalid_request_error", "param": "messages", "code": None}
            return JSONResponse({"error": error}, status_code=400)
        stream: AsyncIterator[str]
        if model == "slow":
            record = SlowStream()
            recorder.slow.append(record)
            stream = _slow(model, record)
        elif model.startswith("call-"):
            stream = _call(model, model.removeprefix("call-"), messages)
        elif model.startswith("anon-"):
            stream = _call(model, model.removeprefix("anon-"), messages, with_id=False)
        else:
            stream = _echo(model, messages)

        async def with_done() -> AsyncIterator[str]:
            async for piece in stream:
                yield piece
            yield "data: [DONE]\n\n"

        return StreamingResponse(with_done(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
