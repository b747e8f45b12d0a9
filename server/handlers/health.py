"""Liveness and readiness probes (no auth, outside the tenant prefix)."""

from __future__ import annotations

from typing import Any

from server.errors import error_body
from server.handlers.context import runtime


async def get_health() -> dict[str, Any]:
    return {"status": "ok"}


async def get_readiness() -> tuple[dict[str, Any], int]:
    """Ready when the home zone's Redis answers (sessions are created there, the agent registry lives
    there); other zones fail alone and are only reported. Each ping is bounded by the Redis timeout,
    all at once, so the probe answers within one timeout whatever hangs."""
    rt = runtime()
    up = await rt.probe_zones()
    zones = {name: "up" if answers else "down" for name, answers in up.items()}
    if up[rt.settings.zone]:
        return {"status": "ok", "zones": zones}, 200
    # The spec's one error envelope: the zones' states go in its message.
    states = ", ".join(f"{name} {state}" for name, state in zones.items())
    message = (
        f"store unavailable: the Redis of the home zone {rt.settings.zone!r} cannot be reached "
        f"(zones: {states})"
    )
    return error_body(message, "store_unavailable", "store_unavailable"), 503
