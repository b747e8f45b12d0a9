"""Every error leaves the server as the spec's `RequestErrorResponse` envelope, never problem+json.

connexion raises ProblemException subclasses (validation, auth, media type, response validation),
starlette raises HTTPException (unknown route, wrong method, Forbidden), the domain raises ApiError,
the store raises StoreUnavailable; anything else is a 500 whose body discloses nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from server import json_codec
from server.errors import ApiError, error_body
from server.metrics import REDIS_ERRORS
from server.openapi31 import MESSAGE_LIMIT, shorten
from server.routes import AllowedMethods
from server.store.errors import RedisConnectionError, RedisTimeoutError
from server.store.redis import StoreUnavailable

log = logging.getLogger(__name__)

_BY_STATUS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_token"),
    403: ("permission_error", "forbidden"),
    404: ("not_found_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "payload_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
}


def _response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=json_codec.dumps(body),
        headers=headers or {},
    )


def _generic(
    status: int,
    message: str,
    param: str | None = None,
    headers: dict[str, str] | None = None,
    code: str | None = None,
) -> ConnexionResponse:
    if status >= 500:
        return _response(500, error_body("internal server error", "api_error", "internal_error"))
    type_, default_code = _BY_STATUS.get(status, ("invalid_request_error", "invalid_request"))
    code = code or default_code
    # connexion's own messages can list what the client sent (every extra query parameter).
    return _response(status, error_body(shorten(message, MESSAGE_LIMIT), type_, code, param), headers)


async def api_error(_: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ApiError)
    return _response(exc.status, exc.envelope(), exc.headers)


async def store_unavailable(_: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    if not isinstance(exc, StoreUnavailable):  # those were counted where they were raised
        REDIS_ERRORS.labels("request").inc()
    log.warning("store unavailable: %s", exc)
    return _response(
        400,
        error_body("store unavailable: Redis cannot be reached", "store_unavailable", "store_unavailable"),
    )


async def problem(_: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ProblemException)
    if exc.status_code >= 500:
        log.error("%s: %s", exc.title, exc.detail)
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "content-type"}
    param, code = getattr(exc, "param", None), getattr(exc, "code", None)  # a FieldProblem's
    return _generic(exc.status_code, exc.detail or exc.title, param, headers, code)


def http_error(allowed: AllowedMethods) -> Any:
    async def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            root = request.scope.get("root_path", "")
            methods = allowed.for_path(request.scope["path"][len(root) :])
            if methods:
                headers["Allow"] = methods
        return _generic(exc.status_code, exc.detail, headers=headers)

    return handle


async def unhandled(_: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.error("unhandled error", exc_info=exc)
    return _generic(500, "internal server error")


def handlers(spec: dict[str, Any]) -> list[tuple[type[Exception], Any]]:
    return [
        (ApiError, api_error),
        (StoreUnavailable, store_unavailable),
        (RedisConnectionError, store_unavailable),
        (RedisTimeoutError, store_unavailable),
        (ProblemException, problem),
        (HTTPException, http_error(AllowedMethods(spec))),
        (Exception, unhandled),
    ]
