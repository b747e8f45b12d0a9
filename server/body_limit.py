"""Guards on request bodies before routing: over the configured size is 413, whether or not the body
declares a length; a body without a Content-Type is 415 (connexion would validate it as JSON but hand
the handler raw bytes)."""

from __future__ import annotations

from connexion.exceptions import ClientProblem
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class PayloadTooLarge(ClientProblem):  # type: ignore[misc]
    def __init__(self, limit: int) -> None:
        super().__init__(413, "Payload Too Large", detail=f"request body exceeds the limit of {limit} bytes")


class MissingContentType(ClientProblem):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(415, "Unsupported Media Type", detail="a request body needs a Content-Type header")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise PayloadTooLarge(self.max_bytes)
        has_body = (declared is not None and declared != "0") or "chunked" in headers.get(
            "transfer-encoding", ""
        )
        if has_body and "content-type" not in headers:
            raise MissingContentType()
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
