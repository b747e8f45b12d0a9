"""Cancelling a turn: record the request, push it to the owning executor, wait for the terminal state.

The request is recorded on the turn (`cancel` field) and published to the executor named in the
turn id in one Lua step (REQUEST_CANCEL), so an executor that picks the turn up after the PUBLISH
still sees it. The caller then blocks on the turn's event stream (XREAD, pushed, not polled) until
the executor's FINISH_TURN records the terminal state. Other endings:
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

from server.domain import execution
from server.domain.turn_state import CancelReason, is_terminal
from server.errors import ExecutorTimeout
from server.ids import TurnId
from server.store import turns as turn_store
from server.store.redis import Store, store_errors

_NOBODY_HEARD = 1


async def request_and_wait(
    store: Store,
    tenant: str,
    session_id: str,
    turn_id: str,
    reason: CancelReason,
    wait_seconds: float,
    *,
    lease_check_seconds: float,
    retention_seconds: int,
) -> None:
    executor = TurnId.parse(turn_id).executor
    async with store_errors(), store.zone.bound(int(wait_seconds * 1000), "the cancel in time"):
        outcome = await turn_store.request_cancel(store, tenant, session_id, turn_id, executor, reason.value)
        if outcome == _NOBODY_HEARD:
            # The owner is not listening, so it is not running anything: finalise the turn now. Were
            # it somehow alive, its next write would find the turn ended and stop (APPEND_EVENT).
            await execution.finalise_orphan(
                store, tenant, session_id, turn_id, retention_seconds, only_if_lease_lapsed=False
            )
        elif outcome:
            await wait_terminal(
                store, tenant, session_id, turn_id, wait_seconds, lease_check_seconds, retention_seconds
            )


async def wait_terminal(
    store: Store,
    tenant: str,
    session_id: str,
    turn_id: str,
    wait_seconds: float,
    lease_check_seconds: float,
    retention_seconds: int,
) -> None:
    """Return once the turn is terminal; raise ExecutorTimeout after `wait_seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    # Check the lease only after a wait that brought nothing: a live executor answers the push well
    # within the first block, so checking before it is a round trip (and a write) on every cancel.
    quiet = False
    while True:
        # Read status and position together: an event appended after this read wakes the XREAD below.
        status, seq = await turn_store.progress(store, tenant, session_id, turn_id)
        if status is None or is_terminal(status):
            return
        # A dead executor never answers: finalise its turn here rather than report a timeout.
        if quiet and await execution.finalise_orphan(store, tenant, session_id, turn_id, retention_seconds):
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise ExecutorTimeout(
                f"executor {TurnId.parse(turn_id).executor!r} did not confirm the cancellation of turn "
                f"{turn_id!r} in time; the request stays recorded and the turn is cancelled as soon as "
                "the executor can"
            )
        block_ms = max(1, int(min(remaining, lease_check_seconds) * 1000))
        quiet = not await turn_store.wait_for_events(store, tenant, session_id, turn_id, seq, block_ms)
