"""`openai-compatible/<model>`: any Chat Completions endpoint (TrueFoundry's gateway, OpenAI, vLLM,
Ollama, llama.cpp server) through the official `openai` SDK, streaming, with tool calling.

The API key is a secret the operator declares (`model.api_key_secret` names it, SECURITY.md): the
executor reads its value when the turn runs, only if the secret allows the model's `base_url`, and
the SDK's HTTP client sends it nowhere else (`EgressTransport` with the secret's allowed URLs, the
egress policy on every connection, no redirects followed). A failed call ends the turn with
`model provider at <base_url>: <cause>`, the cause in plain words (connection refused, timed out,
HTTP 401 and a short excerpt of what the provider said, never its whole body or headers).
A cancelled turn leaves the `async with stream` block below, which closes the streaming response:
the HTTP request to the provider is aborted, not read to the end, and its connection is dropped
(httpx never returns a connection with an unread response to the pool). Finished calls leave theirs
in the pool, for the executor's next call to the same endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import httpx2
import openai
from openai import AsyncOpenAI, omit

from server.config import Settings
from server.domain.agents import DEFAULT_MODEL_BASE_URL
from server.egress import EgressPolicy, excerpt, http_client
from server.executor.failures import plain_cause
from server.executor.providers.base import (
    ModelChunk,
    ModelRequest,
    ProviderConfigError,
    ProviderError,
    ToolCallChunk,
    Usage,
)
from server.secrets import SecretNotUsable, UrlPrefix, usable_value

PREFIX = "openai-compatible/"
# Our own knobs for `scripted/*`; never sent to a real provider.
SCRIPTED_PARAMS = frozenset({"chunks", "delay_ms", "ignore_cancel_ms", "script"})
# Sent when the manifest names no secret: the SDK insists on a key, local servers ignore it.
NO_KEY = "no-key"
# The SDK's own defaults, which a client handed to it would otherwise replace.
_TIMEOUT = httpx2.Timeout(600.0, connect=5.0)


class OpenAIClients:
    """One SDK client per (base URL, key) for an executor's life, so successive model calls (each
    iteration of the loop, each turn) reuse warm connections instead of paying a TCP and TLS
    handshake to the provider every time."""

    def __init__(self, egress: EgressPolicy) -> None:
        self._egress = egress
        self._clients: dict[tuple[str, str, tuple[UrlPrefix, ...] | None], AsyncOpenAI] = {}

    def get(self, base_url: str, api_key: str, credential_urls: tuple[UrlPrefix, ...] | None) -> AsyncOpenAI:
        key = (base_url, api_key, credential_urls)
        client = self._clients.get(key)
        if client is None:
            http = http_client(self._egress, credential_urls=credential_urls, timeout=_TIMEOUT)
            client = AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=1, http_client=http)
            self._clients[key] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


class OpenAICompatible:
    def __init__(self, model: dict[str, Any], clients: OpenAIClients, settings: Settings) -> None:
        self.model = str(model["name"]).removeprefix(PREFIX)
        self.base_url = str(model.get("base_url") or DEFAULT_MODEL_BASE_URL)
        self.credential_urls: tuple[UrlPrefix, ...] | None = None
        self.api_key = NO_KEY
        if secret_name := model.get("api_key_secret"):
            try:
                secrets = settings.declared_secrets
                self.api_key, secret = usable_value(secrets, str(secret_name), self.base_url)
            except SecretNotUsable as exc:
                raise ProviderConfigError(f"model.api_key_secret: {exc}") from None
            self.credential_urls = secret.prefixes
        self._clients = clients

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        try:
            async for chunk in self._stream(request):
                yield chunk
        except openai.APIStatusError as exc:
            status = f"HTTP {exc.status_code} {exc.response.reason_phrase}".rstrip()
            raise ProviderError(f"{self._where}: {status}: {excerpt(_body_text(exc))}") from None
        except openai.APITimeoutError:
            raise ProviderError(f"{self._where}: timed out") from None
        except openai.APIConnectionError as exc:
            raise ProviderError(f"{self._where}: {plain_cause(exc)}") from None
        except openai.APIError as exc:
            raise ProviderError(f"{self._where}: its answer is unusable: {excerpt(exc.message)}") from None

    @property
    def _where(self) -> str:
        return f"model provider at {self.base_url}"

    async def _stream(self, request: ModelRequest) -> AsyncIterator[ModelChunk]:
        messages = list(request.messages)
        if request.instructions:
            messages.insert(0, {"role": "system", "content": request.instructions})
        extra = {k: v for k, v in request.params.items() if k not in SCRIPTED_PARAMS}
        # Typed loosely: these dicts are the wire shapes the SDK's TypedDicts describe.
        tools: Any = [t.as_openai() for t in request.tools] if request.tools else omit
        client = self._clients.get(self.base_url, self.api_key, self.credential_urls)
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


def _body_text(exc: openai.APIStatusError) -> str:
    """What the upstream said: the error message of an OpenAI-shaped body, else the body."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return str(body if body is not None else exc.message)
