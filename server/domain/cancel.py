"""Cancelling a turn: record the request, push it to the owning executor, wait for `turn.done`.

The request is recorded on the turn (`cancel` field) and published to the executor named in the
turn id in one Lua step (CANCEL_SESSION, or REQUEST_CANCEL for a turn named by id), so an executor
that picks the turn up after the PUBLISH still sees it. The same step returns the log's position,
and the caller's next command blocks on the log from there (XREAD, pushed, not polled) until the
executor's FINISH_TURN appends `turn.done`, whose state is the answer. Other endings:
- no process heard the signal (the executor is dead: a live one always listens), or its lease on
  the turn lapses while we wait: we finalise the turn ourselves, `cancelled` with the recorded
  reason, and answer 200 — the caller learns for certain it stopped;
- the bound passes with the executor alive but silent (a step that ignores cancellation): 424. The
  request stays recorded and the executor acts on it as soon as it can, or its lease lapses;
- Redis stops answering (hung, or this replica cut off from it): 400 "store unavailable", by the bound
  plus one Redis timeout at the latest. Each blocking read is clamped to the time left, and the whole
  wait has that hard limit too, so no sequence of slow commands can carry the answer past it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from server.domain import execution
from server.domain.turn_state import CancelReason, Status, is_terminal
from server.errors import ExecutorTimeout
from server.ids import TurnId
from server.store import turns as turn_store
from server.store.redis import Store, store_errors


@dataclass(frozen=True)
class Ended:
    """A cancelled turn, now terminal."""

    turn_id: str
    status: Status | None
    """Its terminal status (None: finished by another writer, or expired, before we read it)."""


@dataclass(frozen=True, kw_only=True)
class Bounds:
    wait_seconds: float
    """How long the executor has to confirm (424 after)."""
    lease_check_seconds: float
    """How long a silent wait lasts before the lease is checked."""
    retention_seconds: int


def _executor_of(turn_id: str) -> str:
    return TurnId.parse(turn_id).executor


async def cancel_session(
    store: Store, tenant: str, session_id: str, last_turn: str | None, reason: CancelReason, bounds: Bounds
) -> Ended | None:
    """Cancel the session's running turn and return once it is terminal; None when none ran (the
    last turn's pending approvals are dropped then, in the same step)."""
    async with store_errors(), store.zone.bound(int(bounds.wait_seconds * 1000), "the cancel in time"):
        signal = await turn_store.cancel_running(
            store, tenant, session_id, last_turn, reason.value, _executor_of
        )
        return None if signal is None else await _settle(store, tenant, session_id, signal, bounds)


async def request_and_wait(
    store: Store, tenant: str, session_id: str, turn_id: str, reason: CancelReason, bounds: Bounds
) -> Ended | None:
    """Cancel one turn and return once it is terminal; None when it had already ended."""
    async with store_errors(), store.zone.bound(int(bounds.wait_seconds * 1000), "the cancel in time"):
        signal = await turn_store.request_cancel(
            store, tenant, session_id, turn_id, _executor_of(turn_id), reason.value
        )
        return None if signal is None else await _settle(store, tenant, session_id, signal, bounds)


async def _settle(
    store: Store, tenant: str, session_id: str, signal: turn_store.CancelSignal, bounds: Bounds
) -> Ended:
    if not signal.heard:
        # The owner is not listening, so it is not running anything: finalise the turn now. Were
        # it somehow alive, its next write would find the turn ended and stop (APPEND_EVENT).
        finished = await execution.finalise_orphan(
            store, tenant, session_id, signal.turn_id, bounds.retention_seconds, only_if_lease_lapsed=False
        )
        return Ended(signal.turn_id, Status.CANCELLED if finished else None)
    status = await wait_terminal(store, tenant, session_id, signal.turn_id, signal.seq, bounds)
    return Ended(signal.turn_id, status)


async def wait_terminal(
    store: Store, tenant: str, session_id: str, turn_id: str, seq: int, bounds: Bounds
) -> Status | None:
    """Return the turn's terminal status once `turn.done` follows `seq` in its log (None: it is gone);
    raise ExecutorTimeout after `bounds.wait_seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bounds.wait_seconds
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise ExecutorTimeout(
                f"executor {_executor_of(turn_id)!r} did not confirm the cancellation of turn "
                f"{turn_id!r} in time; the request stays recorded and the turn is cancelled as soon as "
                "the executor can"
            )
        block_ms = max(1, int(min(remaining, bounds.lease_check_seconds) * 1000))
        read, status = await turn_store.read_until_done(store, tenant, session_id, turn_id, seq, block_ms)
        if status is not None:
            return status
        if read > seq:
            seq = read
            continue
        # A wait that brought nothing: the executor may be dead (it never answers), or the log gone.
        # Read status and position together: an event appended after this read wakes the next XREAD.
        current, seq = await turn_store.progress(store, tenant, session_id, turn_id)
        if current is None or is_terminal(current):
            return current
        if await execution.finalise_orphan(store, tenant, session_id, turn_id, bounds.retention_seconds):
            return Status.CANCELLED
