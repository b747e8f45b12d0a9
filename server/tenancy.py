"""Serve every tenant under `/{tenant}/v1/...` with one connexion API.

connexion 3.3 cannot route a templated base path, so this ASGI layer takes the first path segment
as the tenant whenever the rest starts with `/v1/`, moves it into `root_path` (so routing sees
`/v1/...`, as ASGI intends) and records it in the request state. Other paths (`/healthz`,
`/readyz`, `/openapi.json`, `/docs`) pass through untouched, except `/v1/...` itself: the API is
mounted there for the router's sake, but without a tenant segment it names nothing (404).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import NotFound

TENANT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def tenant_of(scope: Scope) -> str:
    tenant: str | None = (scope.get("state") or {}).get("tenant")
    if tenant is None:  # TenantPrefix answers such requests itself; this is the second line
        raise NotFound("no such path: API paths are /{tenant}/v1/...")
    return tenant


class TenantPrefix:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root = scope.get("root_path", "")
            path = scope["path"][len(root) :]
            tenant, _, rest = path.lstrip("/").partition("/")
            if rest.startswith("v1/") and TENANT.fullmatch(tenant):
                scope = dict(scope)
                scope["root_path"] = f"{root}/{tenant}"
                state: dict[str, Any] = dict(scope.get("state") or {})
                state["tenant"] = tenant
                scope["state"] = state
            elif path == "/v1" or path.startswith("/v1/"):
                error = NotFound(f"no such path: API paths are /{{tenant}}{path[:100]}")
                await JSONResponse(error.envelope(), status_code=error.status)(scope, receive, send)
                return
        await self.app(scope, receive, send)
