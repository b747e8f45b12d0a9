"""What spec/agent-harness.yaml says about a response, for the behavioural contract tests: which
operation a request hit, which statuses that operation documents, and the one error envelope."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "agent-harness.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ERROR_FIELDS = {"message", "type", "code", "param"}

T = TypeVar("T")


@cache
def spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return document


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation as (METHOD, path template, operation object)."""
    for template, item in spec()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), template, item[method]


def spec_methods(template: str) -> set[str]:
    return {m.upper() for m in HTTP_METHODS if m in spec()["paths"][template]}


def documented_statuses(method: str, template: str) -> set[int]:
    responses = spec()["paths"][template][method.lower()]["responses"]
    return {int(status) for status in responses}


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(template)) + "$")


def operation_of(request: httpx.Request) -> tuple[str, str] | None:
    """The spec operation a request addressed: (METHOD, template), or None when nothing matches.
    Tenant paths are `/{tenant}/v1/...`; the probes sit outside the tenant prefix."""
    path = request.url.path
    _tenant, _, rest = path.lstrip("/").partition("/")
    if rest.startswith("v1/"):
        path = "/" + rest
    for method, template, _ in operations():
        if method == request.method and _pattern(template).match(path):
            return method, template
    return None


_ANY = object()


def assert_error(
    response: httpx.Response,
    status: int,
    *,
    code: object = _ANY,
    param: object = _ANY,
) -> dict[str, Any]:
    """The response is the spec's `RequestErrorResponse` with `status`, a status the addressed
    operation documents (when the request addressed one). Returns the `error` object."""
    assert response.status_code == status, f"{response.status_code} {response.text}"
    assert response.headers.get("content-type", "").split(";")[0].strip() == "application/json"
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == ERROR_FIELDS, error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["type"], str) and error["type"], error
    assert error["code"] is None or isinstance(error["code"], str), error
    assert error["param"] is None or isinstance(error["param"], str), error
    operation = operation_of(response.request)
    if operation is not None:
        assert status in documented_statuses(*operation), f"{status} is not documented for {operation}"
    if code is not _ANY:
        assert error["code"] == code, error
    if param is not _ANY:
        assert error["param"] == param, error
    return error
