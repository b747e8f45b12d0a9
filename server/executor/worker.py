"""An executor: takes the turns assigned to it from its Redis inbox, runs each as an asyncio task,
holds a lease on each (renewed by heartbeat), and cancels a task the moment its cancel signal
arrives over Redis pub/sub.

Everything it learns comes through Redis, so the same worker runs inside the API process (the
embedded default) or in a process of its own (`agent-harness executor`).

The inbox is a Redis stream read through a consumer group: an entry stays pending until its turn
is terminal, so a restart under the same executor id finds what the previous incarnation held and
finalises it (`abandoned`) instead of losing it or running it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import cast

from redis.exceptions import RedisError, ResponseError

from server.config import Settings
from server.domain import execution, turn_state
from server.domain.turn_state import CancelReason, TerminalState
from server.executor.loop import run_turn
from server.store import executors, keys
from server.store.redis import Store, StreamEntry
from server.timestamps import now_iso

log = logging.getLogger(__name__)

INBOX_BLOCK_MS = 1000
_RETRY_SECONDS = 0.5


class Worker:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.executor_id = settings.executor_id
        self._inbox = keys.executor_inbox(self.executor_id)
        self._turns: dict[str, asyncio.Task[None]] = {}
        self._tenants: dict[str, str] = {}
        # Turns whose task has begun running. A task cancelled before its first step never runs
        # its body (no terminal state, no ack), so a cancel only interrupts started tasks; one not
        # yet started sees the recorded request (or the shutdown) when it loads the turn.
        self._started: set[str] = set()
        self._stopping = False
        self._interrupted: set[str] = set()
        self._background: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        await self._ensure_group()
        await self._beat()
        self._background = [
            asyncio.create_task(self._heartbeat(), name="executor-heartbeat"),
            asyncio.create_task(self._listen_for_cancels(), name="executor-cancels"),
        ]
        # Turns must not start before cancel signals can reach them.
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)
        await self._finalise_previous_incarnation()
        self._background.append(asyncio.create_task(self._consume_inbox(), name="executor-inbox"))
        log.info("executor %s started", self.executor_id)

    async def stop(self) -> None:
        """Stop taking turns; turns still running end `cancelled` / `abandoned`, never left running."""
        self._stopping = True
        for task in self._background:
            task.cancel()
        for turn_id, task in list(self._turns.items()):
            if turn_id in self._started and turn_id not in self._interrupted:
                self._interrupted.add(turn_id)
                task.cancel(CancelReason.ABANDONED.value)
            log.info("abandoning turn %s at shutdown", turn_id)
        await asyncio.gather(*self._background, *self._turns.values(), return_exceptions=True)
        with contextlib.suppress(RedisError, OSError):
            await self.store.redis.zrem(keys.executors(), self.executor_id)

    async def _ensure_group(self) -> None:
        try:
            await self.store.redis.xgroup_create(self._inbox, keys.EXECUTOR_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _beat(self) -> None:
        members = [keys.lease_member(self._tenants[t], t) for t in list(self._turns) if t in self._tenants]
        await executors.heartbeat(
            self.store.scripts, self.executor_id, self.settings.executor_ttl_seconds, members
        )

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                await self._beat()
            except (RedisError, OSError) as exc:
                log.warning("executor heartbeat failed: %s", exc)

    async def _listen_for_cancels(self) -> None:
        channel = keys.executor_cancel_channel(self.executor_id)
        while True:
            try:
                async with self.store.redis.pubsub() as pubsub:
                    await pubsub.subscribe(channel)
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._cancel_local(message["data"], CancelReason.CLIENT_CANCELLED)
            except (RedisError, OSError) as exc:
                log.warning("cancel channel lost (%s); resubscribing", exc)
                await asyncio.sleep(_RETRY_SECONDS)

    def _cancel_local(self, turn_id: str, reason: CancelReason) -> None:
        task = self._turns.get(turn_id)
        # Only the first signal interrupts: a repeated cancel landing while the task records its
        # terminal state would otherwise abort that recording and leave the turn running.
        if task is not None and turn_id in self._started and turn_id not in self._interrupted:
            self._interrupted.add(turn_id)
            task.cancel(reason.value)

    async def _read(self, start: str) -> list[StreamEntry]:
        reply = await self.store.redis.xreadgroup(
            keys.EXECUTOR_GROUP,
            self.executor_id,
            {self._inbox: start},
            count=64,
            block=INBOX_BLOCK_MS if start == ">" else None,
        )
        streams = cast(list[tuple[str, list[tuple[str, dict[str, str] | None]]]], reply or [])
        # A pending entry deleted meanwhile comes back with no fields: nothing to run.
        return [(entry_id, fields) for _, entries in streams for entry_id, fields in entries if fields]

    async def _finalise_previous_incarnation(self) -> None:
        """Entries pending under this id belong to a previous process that died mid-turn."""
        for entry_id, fields in await self._read("0"):
            job = await execution.load_job(self.store, fields["tenant"], fields["turn"])
            if job is not None:
                reason = CancelReason(job.cancel_requested or CancelReason.ABANDONED.value)
                log.warning(
                    "finalising turn %s left running by a previous executor %s", job.turn_id, self.executor_id
                )
                await self._finish(job.tenant, job.turn_id, turn_state.cancelled(now_iso(), reason, None))
            await self._ack(entry_id)

    async def _consume_inbox(self) -> None:
        while True:
            try:
                entries = await self._read(">")
            except ResponseError as exc:
                # The inbox or its group was deleted (a flushed or restarted Redis): recreate it.
                log.warning("executor inbox unreadable (%s); recreating its consumer group", exc)
                with contextlib.suppress(RedisError, OSError):
                    await self._ensure_group()
                await asyncio.sleep(_RETRY_SECONDS)
                continue
            except (RedisError, OSError) as exc:
                log.warning("executor inbox read failed: %s", exc)
                await asyncio.sleep(_RETRY_SECONDS)
                continue
            for entry_id, fields in entries:
                self._spawn(fields["tenant"], fields["turn"], entry_id)

    async def _ack(self, entry_id: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            async with self.store.redis.pipeline(transaction=True) as pipe:
                pipe.xack(self._inbox, keys.EXECUTOR_GROUP, entry_id)
                pipe.xdel(self._inbox, entry_id)
                await pipe.execute()

    def _spawn(self, tenant: str, turn_id: str, entry_id: str) -> None:
        task = asyncio.create_task(self._execute(tenant, turn_id, entry_id), name=f"turn-{turn_id}")
        self._turns[turn_id] = task
        self._tenants[turn_id] = tenant

        def forget(_: asyncio.Task[None]) -> None:
            self._turns.pop(turn_id, None)
            self._tenants.pop(turn_id, None)
            self._started.discard(turn_id)
            self._interrupted.discard(turn_id)

        task.add_done_callback(forget)

    async def _execute(self, tenant: str, turn_id: str, entry_id: str) -> None:
        self._started.add(turn_id)
        try:
            await self._run(tenant, turn_id)
        finally:
            await asyncio.shield(self._ack(entry_id))

    async def _run(self, tenant: str, turn_id: str) -> None:
        try:
            await run_turn(self.store, self.settings, tenant, turn_id, stopping=self._stopping)
        except (RedisError, OSError):
            # The lease lapses without heartbeats for this turn, and a reaper finalises it.
            log.exception("turn %s could not be run or recorded", turn_id)

    async def _finish(self, tenant: str, turn_id: str, state: TerminalState) -> None:
        try:
            await execution.finish(self.store, tenant, turn_id, state, self.settings.event_retention_seconds)
        except (RedisError, OSError):
            log.exception("could not record the terminal state of turn %s", turn_id)
