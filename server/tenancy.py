"""Serve every tenant under `/{tenant}/v1/...` with one connexion API.

connexion 3.3 cannot route a templated base path, so this ASGI layer takes the first path segment
as the tenant whenever the rest starts with `/v1/`, moves it into `root_path` (so routing sees
`/v1/...`, as ASGI intends) and records it in the request state. Other paths (`/healthz`,
`/readyz`, `/openapi/...`) pass through untouched.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

TENANT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def tenant_of(scope: Scope) -> str:
    tenant: str = scope["state"]["tenant"]
    return tenant


class TenantPrefix:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root = scope.get("root_path", "")
            tenant, _, rest = scope["path"][len(root) :].lstrip("/").partition("/")
            if rest.startswith("v1/") and TENANT.fullmatch(tenant):
                scope = dict(scope)
                scope["root_path"] = f"{root}/{tenant}"
                state: dict[str, Any] = dict(scope.get("state") or {})
                state["tenant"] = tenant
                scope["state"] = state
        await self.app(scope, receive, send)
