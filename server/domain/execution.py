"""What an executor does to a turn's record: load its work, append events, finish it exactly once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from server.domain import events
from server.domain.turn_state import TerminalState
from server.store import keys
from server.store.redis import Store
from server.timestamps import now_iso


class TurnEnded(Exception):
    """The turn left `running` under the executor (another writer finished it): stop working on it."""


@dataclass(frozen=True)
class TurnJob:
    tenant: str
    turn_id: str
    session_id: str
    input: list[dict[str, Any]]
    manifest: dict[str, Any]
    cancel_requested: str | None


async def load_job(store: Store, tenant: str, turn_id: str) -> TurnJob | None:
    """The turn's work, or None when it is no longer running (or has expired)."""
    fields = cast(dict[str, str], await store.redis.hgetall(keys.turn(tenant, turn_id)))
    if not fields or fields.get("status") != "running":
        return None
    doc = json.loads(fields["doc"])
    manifest = await store.redis.hget(keys.session(tenant, doc["session_id"]), "manifest")
    return TurnJob(
        tenant=tenant,
        turn_id=turn_id,
        session_id=doc["session_id"],
        input=doc.get("input") or [],
        manifest=json.loads(manifest) if manifest else {},
        cancel_requested=fields.get("cancel"),
    )


async def cancel_reason(store: Store, tenant: str, turn_id: str) -> str | None:
    reason = cast(str | None, await store.redis.hget(keys.turn(tenant, turn_id), "cancel"))
    return reason


async def append(store: Store, tenant: str, turn_id: str, event_json: str) -> int:
    sequence: int = await store.scripts.append_event(
        keys=[keys.turn(tenant, turn_id), keys.turn_events(tenant, turn_id)], args=[event_json]
    )
    if not sequence:
        raise TurnEnded(turn_id)
    return sequence


async def finish(store: Store, job: TurnJob, state: TerminalState, retention_seconds: int) -> bool:
    """Record the terminal state and the single `turn.done`; False when another writer was first."""
    now = now_iso()
    sequence: int = await store.scripts.finish_turn(
        keys=[
            keys.turn(job.tenant, job.turn_id),
            keys.turn_events(job.tenant, job.turn_id),
            keys.session(job.tenant, job.session_id),
        ],
        args=[
            state.status,
            events.to_json(state),
            events.turn_done(state, now),
            job.turn_id,
            retention_seconds,
            now,
        ],
    )
    return bool(sequence)
