"""The harness's API as tests and the bench call it: the tenant in the path, bearer tokens (opaque in
development mode, or HS256 JWTs minted for a server's secret), and an httpx client with both set.
A client on the generated one (`generated/client`) is harness_cli's `Connection.client()`: shipped,
so it lives there.

The paths: a server's root is `http://127.0.0.1:<port>`; its `base_url` (what a gateway client is
configured with) adds the tenant, `<root>/<tenant>`; every operation is under `<base_url>/v1`.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt

TENANT = "truefoundry"


def tenant_url(root: str, tenant: str = TENANT) -> str:
    """A server root's base URL for `tenant`."""
    return f"{root.rstrip('/')}/{tenant}"


def v1_url(base_url: str) -> str:
    """A base URL's operations root."""
    return f"{base_url.rstrip('/')}/v1"


def bearer(token: str | None) -> dict[str, str]:
    """The Authorization header for `token` (none for None)."""
    return {"Authorization": f"Bearer {token}"} if token is not None else {}


def mint_token(secret: str, sub: str = "alice", *, ttl: float = 600, **claims: Any) -> str:
    """An HS256 JWT for a server keyed with `secret`: `sub`, an `exp` `ttl` s from now, and `claims`
    (e.g. `roles=["agent-admin"]`, `tenant=...`)."""
    return jwt.encode({"sub": sub, "exp": int(time.time() + ttl), **claims}, secret, algorithm="HS256")


def http_client(base_url: str, token: str | None = "alice", **kwargs: Any) -> httpx.Client:
    """A client of `<base_url>/v1` calling as `token` (development mode takes any as the caller's id)."""
    kwargs.setdefault("timeout", 30)
    return httpx.Client(base_url=v1_url(base_url), headers=bearer(token), **kwargs)
