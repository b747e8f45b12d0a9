"""server/request_context.py: request ids (accepted or generated), echoed on every response, and the
log context of a request."""

from __future__ import annotations

import re
from typing import Any

import pytest

from server import logs
from server.request_context import RequestContext, path_fields, request_id

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def _scope(path: str = "/healthz", headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "headers": headers or []}


def test_a_valid_request_id_is_kept() -> None:
    assert request_id(_scope(headers=[(b"x-request-id", b"abc-123_Z.:/=")])) == "abc-123_Z.:/="
    assert request_id(_scope(headers=[(b"x-request-id", b"x" * 128)])) == "x" * 128


@pytest.mark.parametrize("offered", [b"", b"x" * 129, b"has space", b"tab\there", "é".encode()])
def test_an_invalid_request_id_is_replaced(offered: bytes) -> None:
    assert HEX_ID.match(request_id(_scope(headers=[(b"x-request-id", offered)])))


def test_fresh_ids_differ() -> None:
    assert request_id(_scope()) != request_id(_scope())


def test_path_fields() -> None:
    assert path_fields("/acme/v1/agents/sessions/s1/turns/t1/subscribe") == {
        "tenant": "acme",
        "session_id": "s1",
        "turn_id": "t1",
    }
    assert path_fields("/acme/v1/agents/sessions") == {"tenant": "acme", "session_id": None, "turn_id": None}
    assert path_fields("/acme/v1/agents/sessions/s1/cancel")["session_id"] == "s1"
    assert path_fields("/healthz") == {}
    assert path_fields("/Not_A_Tenant/v1/agents/sessions/s1") == {}


async def test_the_id_is_on_the_response_and_in_the_log_context_while_the_app_runs() -> None:
    seen: dict[str, str] = {}
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(logs.current())
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"x")]})
        await send({"type": "http.response.body", "body": b""})

    async def send(message: Any) -> None:
        sent.append(message)

    scope = _scope("/acme/v1/agents/sessions/s1", [(b"x-request-id", b"req-1")])
    await RequestContext(app)(scope, None, send)

    assert seen == {"request_id": "req-1", "tenant": "acme", "session_id": "s1"}
    assert sent[0]["headers"] == [(b"content-type", b"x"), (b"x-request-id", b"req-1")]
    assert logs.current() == {}  # unbound once the request is over


async def test_non_http_scopes_pass_through_untouched() -> None:
    calls: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope)

    await RequestContext(app)({"type": "lifespan"}, None, None)
    assert calls == [{"type": "lifespan"}]
