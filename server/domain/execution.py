"""What an executor does to a turn's record: load its work, append events, finish it exactly once."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from generated.models import ToolApprovalRequiredEvent, TurnStateDone
from server import metrics
from server.domain import events, turn_state
from server.domain.turn_state import CancelReason, TerminalState
from server.ids import new_ulid
from server.store import turns as turn_store
from server.store.redis import Store
from server.store.turn_states import Status
from server.timestamps import now_iso


class TurnEnded(Exception):
    """The turn left `running` under the executor (another writer finished it): stop working on it."""


class OutOfSequence(Exception):
    """An event's expected sequence number was taken by another event or skipped ahead of the log:
    someone else appends to this turn, or an append was lost. The turn cannot be trusted to go on."""


@dataclass
class Fence:
    """An executor's hold on one running turn, shared by its worker and the turn's agent loop."""

    fenced: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by the worker when it can no longer vouch for the turn's lease: the loop stops at once
    and writes nothing more for the turn (the reapers finalise it)."""
    released: bool = False
    """Set by the loop once the turn's end is recorded (by it or another writer): its lease is gone
    by design then, which is no reason to fence it."""

    @property
    def is_set(self) -> bool:
        return self.fenced.is_set()


@dataclass(frozen=True)
class TurnJob:
    tenant: str
    turn_id: str
    session_id: str
    previous_turn_id: str | None
    input: list[dict[str, Any]]
    manifest: dict[str, Any]
    cancel_requested: str | None
    sequence: int
    """The log's last sequence number when loaded (1: `turn.created`): the executor's event counter
    starts here (APPEND_EVENTS is idempotent by the numbers it expects)."""
    ancestry: list[str] = field(default_factory=list)
    """The turns it chains from, newest (its parent) first: its conversation's history."""
    trace: str | None = None
    """The W3C trace context of the request that created the turn (server/tracing.py)."""


async def load_job(
    store: Store, tenant: str, session_id: str, turn_id: str, executor: str | None = None
) -> TurnJob | None:
    """The turn's work, or None when it is no longer running (or has expired), or (given `executor`)
    runs on another executor: an inbox entry is only a pointer, the turn hash says what runs where."""
    record, manifest = await turn_store.load_for_run(store, tenant, session_id, turn_id)
    if record is None or record.status != Status.RUNNING:
        return None
    if executor is not None and record.executor != executor:
        return None
    return TurnJob(
        tenant=tenant,
        turn_id=turn_id,
        session_id=record.session_id,
        previous_turn_id=record.previous_turn_id,
        input=record.input,
        manifest=manifest,
        cancel_requested=record.cancel,
        trace=record.trace,
        sequence=record.seq or 1,
        ancestry=record.ancestry,
    )


async def recorded_cancel(store: Store, tenant: str, session_id: str, turn_id: str) -> CancelReason | None:
    """The reason of the cancel a client recorded on the turn (REQUEST_CANCEL), if any."""
    reason = await turn_store.cancel_reason(store, tenant, session_id, turn_id)
    return CancelReason(reason) if reason else None


async def append(
    store: Store, tenant: str, session_id: str, turn_id: str, batch: list[str], first: int
) -> int:
    """APPEND_EVENTS as event numbers `first` (the caller's counter + 1), `first` + 1, ...; the last
    one's number. Safe to repeat: a retry after a lost reply finds its own events and returns the
    last number without appending them again."""
    appended = await turn_store.append(store, tenant, session_id, turn_id, batch, first)
    if appended == 0:
        raise TurnEnded(turn_id)
    if appended < 0:
        last = first + len(batch) - 1
        raise OutOfSequence(f"events {first}-{last} of turn {turn_id} do not follow its log")
    return appended


def pending_tool_calls(state: TerminalState) -> list[str]:
    """The tool calls a paused turn waits on: those of its `tool.approval_required` actions."""
    if not isinstance(state, TurnStateDone):
        return []
    return [
        call.id
        for action in state.required_actions
        if isinstance(action, ToolApprovalRequiredEvent)
        for call in action.tool_calls
    ]


async def finish(
    store: Store,
    tenant: str,
    session_id: str,
    turn_id: str,
    state: TerminalState,
    retention_seconds: int,
    *,
    last_events: list[str] | None = None,
    first: int = 0,
) -> bool:
    """Record the terminal state and the single `turn.done`; False when another writer was first.
    `last_events`, the turn's last ones (numbered from `first`), are appended in the same round trip, and
    the state is recorded only if they were: else TurnEnded or OutOfSequence, as `append` raises."""
    sequence = await finish_turn(
        store, tenant, session_id, turn_id, state, retention_seconds, last_events=last_events, first=first
    )
    return sequence > 0


async def finish_turn(
    store: Store,
    tenant: str,
    session_id: str,
    turn_id: str,
    state: TerminalState,
    retention_seconds: int,
    *,
    only_if_lease_lapsed: bool = False,
    move_stale_hint: bool = False,
    last_events: list[str] | None = None,
    first: int = 0,
) -> int:
    """FINISH_TURN: the sequence number of `turn.done`, 0 if the turn had ended, -1 if the lease
    was required to have lapsed and is still held. The token names this call, so a retry of it after
    a lost reply still learns it was the one that finished the turn."""
    now = now_iso()
    ending = turn_store.Ending(
        status=state.status,
        state_json=events.to_json(state),
        done_event=events.turn_done(state, now),
        pending=json.dumps(pending) if (pending := pending_tool_calls(state)) else "",
        now=now,
        token=new_ulid(),
    )
    appended, sequence = await turn_store.finish(
        store,
        tenant,
        session_id,
        turn_id,
        ending,
        retention_seconds=retention_seconds,
        lapsed_only=only_if_lease_lapsed,
        move_stale_hint=move_stale_hint,
        events=last_events,
        first=first,
    )
    # A `turn.done` of this call's proves its events were logged (FINISH_TURN's `after`): its repeat
    # after a lost reply finds the turn ended, and so does the APPEND_EVENTS before it, which answers 0.
    if appended == 0 and sequence <= 0:
        raise TurnEnded(turn_id)
    if appended is not None and appended < 0 and sequence <= 0:
        raise OutOfSequence(f"events from {first} of turn {turn_id} do not follow its log")
    if sequence > 0:
        metrics.turn_finished(state)
    return sequence


async def finalise_orphan(
    store: Store,
    tenant: str,
    session_id: str,
    turn_id: str,
    retention_seconds: int,
    *,
    only_if_lease_lapsed: bool = True,
    move_stale_hint: bool = False,
) -> bool:
    """Finalise a turn whose executor is gone (its lease lapsed, or nobody heard its cancel signal):
    `cancelled` with the reason a client recorded (its cancel is honoured), else `abandoned`.
    True when this call finalised it."""
    record = await turn_store.load(store, tenant, session_id, turn_id)
    if record is None:
        await turn_store.drop_hint(store, tenant, session_id, turn_id)  # expired, or never started
        return False
    reason = CancelReason(record.cancel) if record.cancel else CancelReason.ABANDONED
    state = turn_state.cancelled(now_iso(), reason, None)
    finished = await finish_turn(
        store,
        tenant,
        session_id,
        turn_id,
        state,
        retention_seconds,
        only_if_lease_lapsed=only_if_lease_lapsed,
        move_stale_hint=move_stale_hint,
    )
    return finished > 0
