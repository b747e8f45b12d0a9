"""Finalises turns whose executor died: every process (API replica or executor) runs one.

A turn's lease lapses when its executor stops heartbeating (killed, machine gone). Reapers in all
processes race to finalise it; FINISH_TURN's terminal-once rule, with its lapsed-lease guard, lets
exactly one of them write `turn.done`, and that event closes every open stream of the turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from server.config import Settings
from server.domain import execution
from server.metrics import EXECUTORS_LIVE, REDIS_ERRORS
from server.store import executors
from server.store.errors import RedisError
from server.store.redis import Store

log = logging.getLogger(__name__)


class LeaseReaper:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="lease-reaper")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def reap_once(self) -> int:
        reaped = 0
        for tenant, session_id, turn_id in await executors.lapsed_leases(self.store):
            if await execution.finalise_orphan(
                self.store,
                tenant,
                session_id,
                turn_id,
                self.settings.event_retention_seconds,
                move_stale_hint=True,  # a hint lapsed while its lease was renewed: it moves
            ):
                log.warning("finalised turn %s/%s: its executor's lease lapsed", tenant, turn_id)
                reaped += 1
        return reaped

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                await self.reap_once()
                EXECUTORS_LIVE.labels(self.store.zone.name).set(await executors.live_count(self.store))
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels("reaper").inc()
                log.warning("lease reaper could not reach Redis: %s", exc)
