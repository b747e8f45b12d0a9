"""Session operations, including the seed's cancel."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from connexion import NoContent

from generated.models import GetSessionResponse, ListSessionsResponse, TokenPagination
from server import metrics
from server.domain import sessions
from server.domain.events import to_dict
from server.errors import ApiError, ExecutorTimeout
from server.handlers.context import call_context
from server.store.errors import RedisConnectionError, RedisTimeoutError
from server.store.redis import StoreUnavailable


async def create_session(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    session = await sessions.create(call_context(), body["agent_name"])
    return to_dict(GetSessionResponse(data=session)), 201


async def list_sessions(
    agent_name: str,
    limit: int = 10,
    order: str = "desc",
    page_token: str | None = None,
    start_timestamp: str | None = None,
    end_timestamp: str | None = None,
) -> dict[str, Any]:
    # The spec's `format: date-time` was checked by connexion; this only converts.
    start = datetime.fromisoformat(start_timestamp) if start_timestamp else None
    end = datetime.fromisoformat(end_timestamp) if end_timestamp else None
    page, next_token = await sessions.list_page(
        call_context(), agent_name, limit, order, page_token, start, end
    )
    return to_dict(
        ListSessionsResponse(data=page, pagination=TokenPagination(limit=limit, next_page_token=next_token))
    )


async def get_session(session_id: str) -> dict[str, Any]:
    return to_dict(GetSessionResponse(data=await sessions.get(call_context(session_id), session_id)))


async def delete_session(session_id: str) -> tuple[Any, int]:
    await sessions.delete(call_context(session_id), session_id)
    return NoContent, 204


async def cancel_session(session_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    started = time.monotonic()
    outcome, found_running = "200", False
    try:
        found_running = await sessions.cancel(call_context(session_id), session_id)
    except ApiError as exc:
        outcome, found_running = str(exc.status), isinstance(exc, ExecutorTimeout)
        raise
    except (StoreUnavailable, RedisConnectionError, RedisTimeoutError):
        outcome = "400"  # the store-unavailable answer (error_handlers.py)
        raise
    except Exception:
        outcome = "500"
        raise
    finally:
        metrics.cancel_answered(outcome, time.monotonic() - started if found_running else None)
    return {}
