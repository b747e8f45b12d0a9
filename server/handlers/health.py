"""Liveness and readiness probes (no auth, outside the tenant prefix)."""

from __future__ import annotations

from typing import Any

from server.errors import error_body
from server.handlers.context import runtime


async def get_health() -> dict[str, Any]:
    return {"status": "ok"}


async def get_readiness() -> tuple[dict[str, Any], int]:
    if await runtime().store.ping():
        return {"status": "ok"}, 200
    return error_body(
        "store unavailable: Redis cannot be reached", "store_unavailable", "store_unavailable"
    ), 503
