"""Runs an SSE stream's body outside connexion's middleware chain.

Why: a response runs inside every middleware that called it, so a held stream kept connexion's
whole chain alive (a dozen coroutine frames, their copies of the scope, the request objects,
the handler's locals) for as long as it was open, most of what an idle stream cost. Auth,
routing, validation and the handler are done once the stream's headers go, so the stream sends
them through the chain (the response validator and the error handlers see them as before), hands
itself to this layer and returns; this layer, just inside the request context and telemetry (log
fields, span and request metrics still cover the whole stream), writes the body. Anything the
chain answers itself (an error envelope, a 429) is unaffected.

The chain of a request that may stream runs as a task in a copy of the context: connexion leaves
the request's scope, receive wrapper and operation in context variables, never reset, which would
otherwise keep the chain's objects alive as long as the stream. The log fields the handler bound
(a new turn's id) are bound here afterwards, for the stream's logs and the request's access line.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from server import logs

KEY = "agent_harness.stream_host"


class Detachable(Protocol):
    async def run_body(self, receive: Receive, send: Send) -> None: ...

    def abandon(self) -> None:
        """The chain failed after the stream handed itself over: give back what it holds."""


class Host:
    __slots__ = ("stream",)

    def __init__(self) -> None:
        self.stream: Detachable | None = None


def host_of(scope: Scope) -> Host | None:
    found = scope.get(KEY)
    return found if isinstance(found, Host) else None


class StreamHost:
    """`may_stream(scope)`: whether the request is one of the stream operations."""

    def __init__(self, app: ASGIApp, may_stream: Callable[[Scope], bool]) -> None:
        self.app = app
        self.may_stream = may_stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.may_stream(scope):
            await self.app(scope, receive, send)
            return
        host = scope[KEY] = Host()
        context = contextvars.copy_context()
        chain: Coroutine[Any, Any, None] = self.app(scope, receive, send)  # type: ignore[assignment]
        del scope  # the chain holds it as long as it runs; the body does not need it
        try:
            await asyncio.create_task(chain, context=context)
        except BaseException:
            if host.stream is not None:
                host.stream.abandon()
            raise
        finally:
            logs.adopt(context)
        stream, host.stream = host.stream, None
        # The copy holds what connexion left in its context variables (scope copies, the request's
        # receive wrapper, the operation): let it go before the body, which may last for hours.
        del context, chain, host
        if stream is not None:
            await stream.run_body(receive, send)
