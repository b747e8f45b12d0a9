"""Unwrapping the generated client's responses: the documented success model, or an `ApiError`
carrying the spec's error envelope (`RequestErrorResponse`)."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from generated.client.models import RequestErrorResponse
from generated.client.types import Response

T = TypeVar("T")


class ApiError(Exception):
    """A failed call: the envelope's message and code, or what the transport said."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "request failed"
        code = f" [{self.code}]" if self.code else ""
        return f"{where}{code}: {self.message}"

    @classmethod
    def from_envelope(cls, status: int, envelope: RequestErrorResponse) -> ApiError:
        error = envelope.error
        code = error.code if isinstance(error.code, str) else None
        return cls(error.message, status=status, code=code)

    @classmethod
    def unexpected(cls, status: int, content: bytes) -> ApiError:
        body = content.decode(errors="replace").strip()[:500] or "(empty body)"
        return cls(f"undocumented response: {body}", status=status)

    @classmethod
    def transport(cls, exc: httpx.HTTPError) -> ApiError:
        url = exc.request.url if _has_request(exc) else "the server"
        what = "cannot reach" if isinstance(exc, httpx.ConnectError) else "lost the connection to"
        return cls(f"{what} {url}: {exc or type(exc).__name__}")


def _has_request(exc: httpx.HTTPError) -> bool:
    try:
        exc.request  # noqa: B018 - httpx raises RuntimeError when the error carries no request
    except RuntimeError:
        return False
    return True


def error_of(response: Response[Any]) -> ApiError:
    if isinstance(response.parsed, RequestErrorResponse):
        return ApiError.from_envelope(int(response.status_code), response.parsed)
    return ApiError.unexpected(int(response.status_code), response.content)


def expect(response: Response[Any], model: type[T]) -> T:
    """The parsed body when it is `model`; otherwise raise the error the response carries."""
    if isinstance(response.parsed, model):
        return response.parsed
    raise error_of(response)


def expect_status(response: Response[Any], status: int) -> None:
    """For operations whose success has no body to parse (204)."""
    if int(response.status_code) != status:
        raise error_of(response)
