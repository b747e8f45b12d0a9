"""`openai-compatible/<model>`: any Chat Completions endpoint (TrueFoundry's gateway, OpenAI, vLLM,
Ollama, llama.cpp server) through the official `openai` SDK, streaming, with tool calling.

The API key is read on the executor from the environment variable the manifest names; the
manifest (stored in Redis, returned by the API) only ever holds that variable's name.
A cancelled turn leaves the `async with stream` block below, which closes the streaming response:
the HTTP request to the provider is aborted, not read to the end, and its connection is dropped
(httpx never returns a connection with an unread response to the pool). Finished calls leave theirs
in the pool, for the executor's next call to the same endpoint.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any, cast

from openai import AsyncOpenAI, omit

from server.executor.providers.base import (
    ModelChunk,
    ModelRequest,
    ProviderConfigError,
    ToolCallChunk,
    Usage,
)

PREFIX = "openai-compatible/"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Our own knobs for `scripted/*`; never sent to a real provider.
SCRIPTED_PARAMS = frozenset({"chunks", "delay_ms", "ignore_cancel_ms", "script"})
# Sent when the manifest names no key variable: the SDK insists on one, local servers ignore it.
NO_KEY = "no-key"


class OpenAIClients:
    """One SDK client per (base URL, key) for an executor's life, so successive model calls (each
    iteration of the loop, each turn) reuse warm connections instead of paying a TCP and TLS
    handshake to the provider every time."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], AsyncOpenAI] = {}

    def get(self, base_url: str, api_key: str) -> AsyncOpenAI:
        client = self._clients.get((base_url, api_key))
        if client is None:
            client = AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=1)
            self._clients[(base_url, api_key)] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


class OpenAICompatible:
    def __init__(self, model: dict[str, Any], clients: OpenAIClients) -> None:
        self.model = str(model["name"]).removeprefix(PREFIX)
        self.base_url = model.get("base_url") or DEFAULT_BASE_URL
        key_env = model.get("api_key_env")
        key = os.environ.get(key_env) if key_env else NO_KEY
        if not key:
            raise ProviderConfigError(
                f"the agent's model.api_key_env names {key_env!r}, which is not set on this executor"
            )
        self.api_key = key
        self._clients = clients

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        messages = list(request.messages)
        if request.instructions:
            messages.insert(0, {"role": "system", "content": request.instructions})
        extra = {k: v for k, v in request.params.items() if k not in SCRIPTED_PARAMS}
        # Typed loosely: these dicts are the wire shapes the SDK's TypedDicts describe.
        tools: Any = [t.as_openai() for t in request.tools] if request.tools else omit
        client = self._clients.get(self.base_url, self.api_key)
        stream = await client.chat.completions.create(
            model=self.model,
            messages=cast(Any, messages),
            stream=True,
            stream_options={"include_usage": True},
            extra_body=extra or None,
            tools=tools,
        )
        async with stream:
            async for chunk in stream:
                if chunk.usage is not None:
                    cached = chunk.usage.prompt_tokens_details
                    yield ModelChunk(
                        usage=Usage(
                            input_tokens=chunk.usage.prompt_tokens,
                            output_tokens=chunk.usage.completion_tokens,
                            cache_read_tokens=cached.cached_tokens if cached else None,
                        )
                    )
                for choice in chunk.choices:
                    delta = choice.delta
                    calls = [
                        ToolCallChunk(
                            index=call.index,
                            id=call.id,
                            name=call.function.name if call.function else None,
                            arguments=(call.function.arguments or "") if call.function else "",
                        )
                        for call in delta.tool_calls or []
                    ]
                    if delta.content or calls or choice.finish_reason:
                        yield ModelChunk(
                            content=delta.content or "",
                            tool_calls=calls,
                            finish_reason=choice.finish_reason,
                        )
