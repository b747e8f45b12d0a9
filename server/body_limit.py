"""Refuse request bodies over the configured size (413), whether or not they declare a length."""

from __future__ import annotations

from connexion.exceptions import ClientProblem
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PayloadTooLarge(ClientProblem):  # type: ignore[misc]
    def __init__(self, limit: int) -> None:
        super().__init__(413, "Payload Too Large", detail=f"request body exceeds the limit of {limit} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise PayloadTooLarge(self.max_bytes)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)
