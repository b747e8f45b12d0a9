"""Helpers shared by the unit tests: schemas taken from the spec, and a connexion app on the real spec
whose handlers are stubs, so requests reach connexion's validation without Redis or a runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import connexion
import httpx
from connexion.lifecycle import ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.resolver import Resolver
from connexion.security import BearerSecurityHandler
from jsonschema import Draft202012Validator

from server import error_handlers, openapi31
from server.body_limit import BodyLimit
from server.openapi31 import VALIDATOR_MAP, accept_openapi_31

SESSION_ID = "01arz3ndektsv4rrffq69g5fav.g"
TURN_ID = "01arz3ndektsv4rrffq69g5fav.g.ab12cd"


def component_validator(spec: dict[str, Any], name: str) -> Draft202012Validator:
    """A draft 2020-12 validator for `#/components/schemas/<name>` of the spec, refs resolved in place."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return openapi31._validator(schema)  # what connexion runs: ECMA `$` semantics included


def deref(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local `$ref` (repeatedly) to the object it names."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(spec: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(path, method, operation, path item) for every operation of the spec."""
    for path, item in spec["paths"].items():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            if method in item:
                yield path, method, item[method], item


class StubApp:
    """connexion on the spec with VALIDATOR_MAP and the project's error handlers; every handler records
    its arguments and answers 200 `{}`, and any bearer token is accepted."""

    def __init__(self, spec: dict[str, Any], *, max_body_bytes: int | None = None) -> None:
        accept_openapi_31()
        self.calls: list[tuple[str, dict[str, Any]]] = []

        def resolve(operation_id: str) -> Any:
            async def handler(**kwargs: Any) -> ConnexionResponse:
                self.calls.append((operation_id, kwargs))
                return ConnexionResponse(status_code=200, mimetype="application/json", body=b"{}")

            return handler

        class AnyBearer(BearerSecurityHandler):  # type: ignore[misc]
            def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
                async def verify(token: str, request: Any) -> dict[str, Any]:
                    return {"sub": token}

                return verify

        self.app = connexion.AsyncApp(
            __name__,
            pythonic_params=True,
            strict_validation=True,
            validate_responses=False,
            validator_map=VALIDATOR_MAP,
            security_map={"bearer": AnyBearer},
            resolver=Resolver(function_resolver=resolve),
        )
        self.app.add_api(spec, base_path="")
        if max_body_bytes is not None:
            self.app.add_middleware(
                BodyLimit, position=MiddlewarePosition.BEFORE_ROUTING, max_bytes=max_body_bytes
            )
        for exception, handler in error_handlers.handlers(spec):
            self.app.add_error_handler(exception, handler)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://testserver",
            headers={"Authorization": "Bearer alice"},
        )


async def chunked(*parts: bytes) -> AsyncIterator[bytes]:
    """A request body without a length: httpx sends it with `Transfer-Encoding: chunked`."""
    for part in parts:
        yield part
