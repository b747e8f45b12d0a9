"""The outermost ASGI layer: a request id for every request, echoed on every response, and the
request's log context.

The id is the client's `X-Request-ID` when that is 1-128 visible ASCII characters (so it cannot
break a log line or a header), else a fresh one. It is bound to the log context together with the
tenant, session and turn the path names, and sent back as `X-Request-ID` on the response, whatever
produced it (a handler, an error envelope, an SSE stream, /metrics). One access line is logged when
the response ends (for a stream, when the stream does).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import logs
from server.tenancy import TENANT

HEADER = "x-request-id"
_VALID_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
_PATH = re.compile(r"^/([^/]+)/v1/agents/sessions/([^/]{1,128})(?:/turns/([^/]{1,128}))?")
# Probes and scrapes arrive every few seconds: their access lines are debug, not info.
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})

access_log = logging.getLogger("server.access")


def request_id(scope: Scope) -> str:
    offered = Headers(scope=scope).get(HEADER)
    if offered is not None and _VALID_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def path_fields(path: str) -> dict[str, str | None]:
    tenant, _, rest = path.lstrip("/").partition("/")
    if not (rest.startswith("v1/") and TENANT.fullmatch(tenant)):
        return {}
    found = _PATH.match(path)
    return {
        "tenant": tenant,
        "session_id": found.group(2) if found else None,
        "turn_id": found.group(3) if found else None,
    }


class _WithId:
    """The send of one request, adding `X-Request-ID` to its headers. One small object rather than
    a closure and its cells: a held stream keeps it as long as it is open."""

    __slots__ = ("rid", "send", "status")

    def __init__(self, send: Send, rid: str) -> None:
        self.send = send
        self.rid = rid
        self.status = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message = {
                **message,
                "headers": [*message.get("headers", []), (b"x-request-id", self.rid.encode())],
            }
        await self.send(message)


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        sent = _WithId(send, request_id(scope))
        app = self.app(scope, receive, sent)
        del scope  # the layers below hold the scope as long as they need it, this one does not
        started = time.monotonic()
        # Bound and reset by hand, not with `logs.bound`: its generator would live as long as a stream.
        bound = logs.bind(request_id=sent.rid, **path_fields(path))
        try:
            await app
        finally:
            try:
                access_log.log(
                    logging.DEBUG if path in _QUIET else logging.INFO,
                    "%s %s %s",
                    method,
                    path,
                    sent.status or "-",
                    extra={
                        "method": method,
                        "path": path,
                        "status": sent.status or None,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    },
                )
            finally:
                logs.unbind(bound)
