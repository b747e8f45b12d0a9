"""The outermost ASGI layer: every HTTP request gets a span (server/tracing.py) and is counted and
timed (server/metrics.py), both under its route template, not its raw path.

Raw paths carry session and turn ids: as span names or metric labels each would be unique. The
template is the spec's path of the operation connexion routed the request to, read back from the
routing record connexion writes into the scope's `extensions` (this layer hands down an
`extensions` dict of its own, so the record lands where it can read it: the layers below copy the
scope, shallowly). The template is read once, when the headers go; from then on neither the scope
copy nor the `extensions` dict (connexion's record, its security context with the caller) is kept
here, so a held SSE stream does not keep them.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import metrics, tracing
from server.docs_page import DOCS_PATH

UNMATCHED = "unmatched"
_FIXED = {"/metrics": "/metrics", "/openapi.json": "/openapi.json", DOCS_PATH: "/docs/"}


def route_templates(spec: dict[str, Any]) -> dict[str, str]:
    """operationId → the route as a client sees it (`/{tenantName}/v1/agents/sessions/{sessionId}`)."""
    templates = {}
    for path, item in spec.get("paths", {}).items():
        prefix = "/{tenantName}" if path.startswith("/v1/") else ""
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                templates[operation["operationId"]] = prefix + path
    return templates


class _Observed:
    """The send of one request, counting and timing it when its headers go (an SSE stream is
    answered when it opens). One small object rather than a closure and its cells: a held stream
    keeps it as long as it is open."""

    __slots__ = ("extensions", "method", "path", "route", "send", "started", "status", "telemetry")

    def __init__(self, telemetry: HttpTelemetry, scope: Scope, send: Send) -> None:
        self.telemetry = telemetry
        self.send = send
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.extensions: dict[str, Any] | None = dict(scope.get("extensions") or {})
        self.started = time.monotonic()
        self.status = 0
        self.route: str | None = None

    def route_now(self) -> str:
        """The route template, read once: the routing record (and the rest of `extensions`) is let go."""
        if self.route is None:
            self.route = self.telemetry.route(self.path, self.extensions or {})
            self.extensions = None
        return self.route

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            metrics.http_request(self.method, self.route_now(), self.status, time.monotonic() - self.started)
        await self.send(message)


class HttpTelemetry:
    def __init__(self, app: ASGIApp, spec: dict[str, Any]) -> None:
        self.app = app
        self.templates = route_templates(spec)

    def route(self, path: str, extensions: dict[str, Any]) -> str:
        routing = extensions.get("connexion_routing") or {}
        template = self.templates.get(routing.get("operation_id") or "")
        if template is not None:
            return template
        if path.startswith(DOCS_PATH + "/"):
            path = DOCS_PATH
        return _FIXED.get(path, UNMATCHED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        observed = _Observed(self, scope, send)
        request_span = tracing.http_request(observed.method, observed.path, dict(Headers(scope=scope)))
        with request_span as span:
            try:
                # The copy the layers below get is not kept here: for a stream it goes once the
                # headers do, with what connexion put in it.
                await self.app({**scope, "extensions": observed.extensions}, receive, observed)
            finally:
                route = observed.route_now()
                if not observed.status:  # failed before any response: the server's error, counted as such
                    metrics.http_request(observed.method, route, 0, time.monotonic() - observed.started)
                tracing.http_route(span, observed.method, route, observed.status)
