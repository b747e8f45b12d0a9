"""`/docs/` (Swagger UI 5, vendored in server/static/swagger-ui) and `/openapi.json`: outside the
tenant prefix and the spec, like /metrics.

connexion 3.3 bundles Swagger UI 4, which cannot read OpenAPI 3.1, and serves the spec with its
servers replaced by `[{"url": ""}]`, so "Try it out" would call tenant-less paths. The document
served here keeps the spec's `{scheme}://{host}/{tenantName}` server with its variables preset for
the reader: scheme and host from the request, tenantName from `?tenant=` (default: the tenant the
server's agent manifests are registered in). The probes keep their own server at the root.

Swagger UI renders descriptions as CommonMark and drops what looks like an HTML tag, so
"Session identifier (<ulid>.<zone>)" would read "(.)": the served copy escapes `<` and `>` outside
code spans (inside them CommonMark shows the text as written).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import error_body
from server.tenancy import TENANT

STATIC = Path(__file__).resolve().parent / "static" / "swagger-ui"
DOCS_PATH = "/docs"
SPEC_PATH = "/openapi.json"

_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
# Values under these keys are data (a schema's examples, defaults), not text shown as Markdown.
_DATA_KEYS = frozenset({"example", "default", "const", "enum", "value"})


def escape_markup(text: str) -> str:
    """`<` and `>` as character references, except inside code spans."""
    out, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        out += [_escape(text[last : span.start()]), span.group(0)]
        last = span.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def escaped_descriptions(node: Any) -> Any:
    """A copy of an OpenAPI document with every `description` text escaped for Swagger UI."""
    if isinstance(node, list):
        return [escaped_descriptions(item) for item in node]
    if not isinstance(node, dict):
        return node
    copied: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA_KEYS or (key == "examples" and isinstance(value, list)):
            copied[key] = value
        elif key == "description" and isinstance(value, str):
            copied[key] = escape_markup(value)
        else:
            copied[key] = escaped_descriptions(value)
    return copied


def _preset(servers: list[dict[str, Any]], values: dict[str, str]) -> list[dict[str, Any]]:
    """Servers with the named variables' defaults replaced (the others keep the spec's)."""
    preset = []
    for server in servers:
        variables = {
            name: {**variable, "default": values.get(name, variable["default"])}
            for name, variable in server.get("variables", {}).items()
        }
        preset.append({**server, "variables": variables} if variables else server)
    return preset


def served_spec(spec: dict[str, Any], *, scheme: str, host: str, tenant: str) -> dict[str, Any]:
    """The document for a reader who reached this server at `scheme://host`, for `tenant`."""
    values = {"scheme": scheme, "host": host, "tenantName": tenant}
    paths = {
        path: {**item, "servers": _preset(item["servers"], values)} if "servers" in item else item
        for path, item in spec["paths"].items()
    }
    return {**spec, "servers": _preset(spec["servers"], values), "paths": paths}


class WithDocs:
    """Answers `/docs/...` and `/openapi.json`; every other request (and the lifespan) goes to `app`."""

    def __init__(self, app: ASGIApp, spec: dict[str, Any], *, default_tenant: str) -> None:
        self.app = app
        self.spec = escaped_descriptions(spec)
        self.default_tenant = default_tenant
        self.router = Router(
            routes=[
                Route(SPEC_PATH, self.openapi_json, methods=["GET", "HEAD"]),
                # html=True: `/docs/` is index.html; the router redirects `/docs` there, query kept.
                Mount(DOCS_PATH, app=StaticFiles(directory=STATIC, html=True)),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path in (SPEC_PATH, DOCS_PATH) or path.startswith(f"{DOCS_PATH}/")):
            await self.router(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def openapi_json(self, request: Request) -> Response:
        tenant = request.query_params.get("tenant", self.default_tenant)
        if not TENANT.fullmatch(tenant):
            body = error_body(
                f"tenant {tenant!r} is not a tenant name",
                "invalid_request_error",
                "invalid_request",
                "tenant",
            )
            return JSONResponse(body, status_code=400)
        document = served_spec(self.spec, scheme=request.url.scheme, host=request.url.netloc, tenant=tenant)
        return Response(json.dumps(document), media_type="application/json")
