"""connexion builds each operation's decorated handler once, not once per request
(server/connexion_cache.py); requests still reach the handler with their own arguments."""

from __future__ import annotations

from connexion.apps.asynchronous import AsyncOperation

from server import connexion_cache


async def _handler(session_id: str) -> tuple[dict[str, str], int]:
    return {"id": session_id}, 200


def test_an_operation_keeps_its_decorated_handler() -> None:
    connexion_cache.build_handlers_once()
    connexion_cache.build_handlers_once()  # idempotent: no decorator wrapped twice
    operation = AsyncOperation(_handler, jsonifier=None, operation_id="getSession", pythonic_params=True)
    assert operation.fn is operation.fn
    other = AsyncOperation(_handler, jsonifier=None, operation_id="getSession", pythonic_params=True)
    assert other.fn is not operation.fn
