"""Liveness and readiness probes (no auth, outside the tenant prefix)."""

from __future__ import annotations

from typing import Any

from server.errors import error_body
from server.handlers.context import runtime


async def get_health() -> dict[str, Any]:
    return {"status": "ok"}


async def get_readiness() -> tuple[dict[str, Any], int]:
    # Ready only when every zone's Redis answers: a request may be routed to any of them.
    if all([await store.ping() for store in runtime().stores.values()]):
        return {"status": "ok"}, 200
    return error_body(
        "store unavailable: the Redis of a zone cannot be reached", "store_unavailable", "store_unavailable"
    ), 503
