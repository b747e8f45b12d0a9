"""The outermost ASGI layer: every HTTP request gets a span (server/tracing.py) and is counted and
timed (server/metrics.py), both under its route template, not its raw path.

Raw paths carry session and turn ids: as span names or metric labels each would be unique. The
template is the spec's path of the operation connexion routed the request to, read back from the
routing record connexion writes into the scope's `extensions` (this layer hands down an
`extensions` dict of its own, so the record lands where it can read it: the layers below copy the
scope, shallowly).
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


class HttpTelemetry:
    def __init__(self, app: ASGIApp, spec: dict[str, Any]) -> None:
        self.app = app
        self.templates = route_templates(spec)

    def route(self, scope: Scope) -> str:
        routing = scope["extensions"].get("connexion_routing") or {}
        template = self.templates.get(routing.get("operation_id") or "")
        if template is not None:
            return template
        path: str = scope["path"]
        if path.startswith(DOCS_PATH + "/"):
            path = DOCS_PATH
        return _FIXED.get(path, UNMATCHED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = {**scope, "extensions": dict(scope.get("extensions") or {})}
        method: str = scope["method"]
        started = time.monotonic()
        status = 0

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Counted and timed when the headers go: an SSE stream is answered when it opens.
                metrics.http_request(method, self.route(scope), status, time.monotonic() - started)
            await send(message)

        with tracing.http_request(method, scope["path"], dict(Headers(scope=scope))) as span:
            try:
                await self.app(scope, receive, send_observed)
            finally:
                if not status:  # failed before any response: the server's error, counted as such
                    metrics.http_request(method, self.route(scope), 0, time.monotonic() - started)
                tracing.http_route(span, method, self.route(scope), status)
