"""A turn's events, appended behind its agent loop: the loop numbers each event and goes on, and
what it produced meanwhile goes to Redis in one APPEND_EVENTS call, so a zero-delay model's whole
answer costs one round trip, not one per event, and a slow model's first event leaves at once.

The loop waits for the log (`settle`) only where it must: before a tool call (no side effect may
start for a turn whose log refused its events). The events still queued when the turn ends are
handed over (`take_rest`) to go in the terminal state's own round trip, which records `turn.done`
only after them. A refused or failed append is raised there, or by the next `emit`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from server.domain import execution
from server.domain.execution import Fence, TurnEnded, TurnJob
from server.store.redis import Store


class EventWriter:
    def __init__(self, store: Store, job: TurnJob, fence: Fence) -> None:
        self._store, self._job, self._fence = store, job, fence
        self._sequence = job.sequence  # the last number given out: this turn's own counter
        self._queued: list[str] = []
        self._writing: asyncio.Task[None] | None = None
        self._failure: Exception | None = None
        self._closing = False

    def emit(self, event_json: str) -> int:
        """Queue the next event; its sequence number. Events get consecutive numbers in the order
        emitted, the numbers the log gives them, so a repeat of an append (a retry after a lost
        reply) cannot log one twice."""
        if self._failure is not None:
            raise self._failure
        if self._fence.is_set:
            raise TurnEnded(self._job.turn_id)
        self._sequence += 1
        self._queued.append(event_json)
        if self._writing is None:
            self._writing = asyncio.create_task(self._write(), name=f"events-{self._job.turn_id}")
        return self._sequence

    async def settle(self) -> None:
        """Wait until every event emitted so far is in the log (or was dropped by a fence); raise
        what refused or failed an append. A cancel of the caller does not stop the write."""
        while (writing := self._writing) is not None:
            await asyncio.shield(writing)
        if self._failure is not None:
            raise self._failure

    def take_rest(self) -> Coroutine[Any, Any, tuple[list[str], int]]:
        """Stop writing: wait for the append in flight, then hand over what is still queued, with
        its first number, for the caller to append itself; raise what refused or failed an append.
        It stops at once, not when awaited, so a write the loop has not started yet does not go."""
        self._closing = True
        return self._rest()

    async def _rest(self) -> tuple[list[str], int]:
        while (writing := self._writing) is not None:
            await asyncio.shield(writing)
        if self._failure is not None:
            raise self._failure
        rest, self._queued = self._queued, []
        return rest, self._sequence - len(rest) + 1

    async def _write(self) -> None:
        job = self._job
        try:
            while self._queued and not self._closing:
                if self._fence.is_set:
                    self._queued.clear()  # fenced: nothing more is written for the turn
                    return
                batch, self._queued = self._queued, []
                first = self._sequence - len(batch) + 1
                await execution.append(self._store, job.tenant, job.session_id, job.turn_id, batch, first)
        except Exception as exc:  # Redis errors, TurnEnded, OutOfSequence: the loop raises them
            self._failure = exc
            self._queued.clear()
        finally:
            self._writing = None
