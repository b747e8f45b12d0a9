"""Domain errors and the one envelope every error leaves the server in (`RequestErrorResponse`)."""

from __future__ import annotations

from typing import Any

from generated.models import Error, RequestErrorResponse


class ApiError(Exception):
    """An error with its HTTP status; `type` and `code` let clients branch without parsing text."""

    status = 400
    headers: dict[str, str] = {}
    type = "invalid_request_error"
    code: str | None = None

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code

    def envelope(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.code, self.param)


class BadRequest(ApiError):
    status = 400


class StoreUnavailableError(ApiError):
    status = 400
    type = "store_unavailable"
    code = "store_unavailable"


class Unauthorized(ApiError):
    status = 401
    type = "authentication_error"
    code = "invalid_token"


class Forbidden(ApiError):
    status = 403
    type = "permission_error"
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    type = "not_found_error"
    code = "not_found"


class Conflict(ApiError):
    status = 409
    type = "conflict_error"
    code = "conflict"


class SessionNotUsable(ApiError):
    status = 412
    type = "precondition_failed"
    code = "session_not_usable"


class ExecutorTimeout(ApiError):
    status = 424
    type = "executor_timeout"
    code = "cancel_not_acknowledged"


class TooManyRequests(ApiError):
    """A cap on what one caller (or this replica) may hold at once; retry once something closed."""

    status = 429
    type = "rate_limit_error"
    code = "too_many_requests"
    headers = {"Retry-After": "5"}


class NoExecutor(ApiError):
    status = 503
    type = "service_unavailable"
    code = "no_executor"
    headers = {"Retry-After": "5"}


def error_body(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return RequestErrorResponse(error=Error(message=message, type=type_, code=code, param=param)).model_dump(
        mode="json"
    )
