"""server/body_limit.py: request bodies over the configured size are refused with 413, declared or not."""

from __future__ import annotations

from typing import Any

import pytest

from server.body_limit import BodyLimit, MissingContentType, PayloadTooLarge
from tests._support import SESSION_ID, StubApp, chunked

LIMIT = 16
CANCEL = f"/v1/agents/sessions/{SESSION_ID}/cancel"


class BodyReader:
    """A fake ASGI app that reads the whole request body."""

    def __init__(self) -> None:
        self.called = False
        self.body = b""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.called = True
        more = True
        while more:
            message = await receive()
            self.body += message.get("body", b"")
            more = message.get("more_body", False)


def _scope(content_length: int | str | None = None) -> dict[str, Any]:
    headers = [(b"content-type", b"application/json")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    return {"type": "http", "method": "POST", "path": "/", "headers": headers}


def _receiver(*parts: bytes) -> Any:
    messages = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    return receive


async def test_declared_length_over_the_limit_is_refused_before_the_app_runs() -> None:
    app = BodyReader()
    with pytest.raises(PayloadTooLarge) as raised:
        await BodyLimit(app, max_bytes=LIMIT)(_scope(LIMIT + 1), _receiver(b"x" * (LIMIT + 1)), None)
    assert raised.value.status_code == 413
    assert str(LIMIT) in raised.value.detail
    assert not app.called


async def test_body_of_exactly_the_limit_passes_whole() -> None:
    app = BodyReader()
    await BodyLimit(app, max_bytes=LIMIT)(_scope(LIMIT), _receiver(b"x" * LIMIT), None)
    assert app.body == b"x" * LIMIT


async def test_chunked_body_over_the_limit_is_refused_once_the_limit_is_passed() -> None:
    app = BodyReader()
    with pytest.raises(PayloadTooLarge):
        await BodyLimit(app, max_bytes=LIMIT)(_scope(), _receiver(b"x" * 10, b"y" * 10), None)
    assert app.body == b"x" * 10


async def test_chunked_body_within_the_limit_passes_whole() -> None:
    app = BodyReader()
    await BodyLimit(app, max_bytes=LIMIT)(_scope(), _receiver(b"x" * 8, b"y" * 8), None)
    assert app.body == b"x" * 8 + b"y" * 8


async def test_understated_length_does_not_get_a_larger_body_through() -> None:
    app = BodyReader()
    with pytest.raises(PayloadTooLarge):
        await BodyLimit(app, max_bytes=LIMIT)(_scope(4), _receiver(b"x" * 10, b"y" * 10), None)


async def test_unparsable_length_falls_back_to_counting() -> None:
    app = BodyReader()
    with pytest.raises(PayloadTooLarge):
        await BodyLimit(app, max_bytes=LIMIT)(_scope("lots"), _receiver(b"x" * (LIMIT + 1)), None)


async def test_non_http_scopes_pass_through_untouched() -> None:
    seen: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append((scope, receive))

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.receive", "bytes": b"x" * 100}

    scope = {"type": "websocket", "path": "/", "headers": [(b"content-length", b"100")]}
    await BodyLimit(app, max_bytes=LIMIT)(scope, receive, None)
    assert seen == [(scope, receive)]


# --- the 413 envelope, through connexion and the project's error handlers -------------------------


@pytest.fixture(scope="module")
def stub(spec: dict[str, Any]) -> StubApp:
    return StubApp(spec, max_body_bytes=LIMIT)


def _assert_413_envelope(response: Any) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["type"] == "invalid_request_error"
    assert f"{LIMIT} bytes" in error["message"]


async def test_declared_oversized_body_answers_the_413_envelope(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.post(CANCEL, json={"padding": "x" * LIMIT})
    _assert_413_envelope(response)


async def test_chunked_oversized_body_answers_the_413_envelope(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.post(
            CANCEL,
            content=chunked(b'{"padding": "', b"x" * LIMIT, b'"}'),
            headers={"content-type": "application/json"},
        )
    _assert_413_envelope(response)


async def test_body_within_the_limit_reaches_the_handler(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.post(CANCEL, json={})
    assert response.status_code == 200


async def test_chunked_oversized_body_to_a_required_body_answers_413(stub: StubApp) -> None:
    async with stub.client() as client:
        response = await client.post(
            "/v1/agents/sessions",
            content=chunked(b'{"agent_name": "', b"x" * LIMIT, b'"}'),
            headers={"content-type": "application/json"},
        )
    _assert_413_envelope(response)


async def test_a_body_without_a_content_type_is_refused_with_415() -> None:
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", b"2")]}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the guarded app must not run")

    with pytest.raises(MissingContentType) as raised:
        await BodyLimit(app, max_bytes=10)(scope, _receiver(b"{}"), None)
    assert raised.value.status_code == 415
