"""An executor: takes the turns assigned to it from its Redis inbox, runs each as an asyncio task,
and cancels a task the moment its cancel signal arrives over Redis pub/sub.

Everything it learns comes through Redis, so the same worker runs inside the API process (the
embedded default) or in a process of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.exceptions import RedisError

from server.config import Settings
from server.domain import execution, turn_state
from server.domain.execution import TurnEnded, TurnJob
from server.domain.turn_state import CancelReason, TerminalState
from server.executor.loop import TurnRun
from server.store import executors, keys
from server.store.redis import Store, xread
from server.timestamps import now_iso

log = logging.getLogger(__name__)

INBOX_BLOCK_MS = 1000


class Worker:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.executor_id = settings.executor_id
        self._turns: dict[str, asyncio.Task[None]] = {}
        self._background: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        await executors.heartbeat(self.store.redis, self.executor_id, self.settings.executor_ttl_seconds)
        self._background = [
            asyncio.create_task(self._heartbeat(), name="executor-heartbeat"),
            asyncio.create_task(self._listen_for_cancels(), name="executor-cancels"),
            asyncio.create_task(self._consume_inbox(), name="executor-inbox"),
        ]
        # Turns must not start before cancel signals can reach them.
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)
        log.info("executor %s started", self.executor_id)

    async def stop(self) -> None:
        """Stop taking turns; turns still running end `cancelled` / `abandoned`, never left running."""
        for task in self._background:
            task.cancel()
        for turn_id, task in list(self._turns.items()):
            task.cancel(CancelReason.ABANDONED.value)
            log.info("abandoning turn %s at shutdown", turn_id)
        await asyncio.gather(*self._background, *self._turns.values(), return_exceptions=True)
        with contextlib.suppress(RedisError, OSError):
            await executors.deregister(self.store.redis, self.executor_id)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                await executors.heartbeat(
                    self.store.redis, self.executor_id, self.settings.executor_ttl_seconds
                )
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
                await asyncio.sleep(0.5)

    def _cancel_local(self, turn_id: str, reason: CancelReason) -> None:
        task = self._turns.get(turn_id)
        if task is not None:
            task.cancel(reason.value)

    async def _consume_inbox(self) -> None:
        inbox = keys.executor_inbox(self.executor_id)
        last_id = "0"
        while True:
            try:
                reply = await xread(self.store.redis, {inbox: last_id}, block_ms=INBOX_BLOCK_MS, count=64)
            except (RedisError, OSError) as exc:
                log.warning("executor inbox read failed: %s", exc)
                await asyncio.sleep(0.5)
                continue
            for entry_id, fields in reply[0][1] if reply else []:
                last_id = entry_id
                self._spawn(fields["tenant"], fields["turn"])
                with contextlib.suppress(RedisError, OSError):
                    await self.store.redis.xdel(inbox, entry_id)

    def _spawn(self, tenant: str, turn_id: str) -> None:
        task = asyncio.create_task(self._execute(tenant, turn_id), name=f"turn-{turn_id}")
        self._turns[turn_id] = task
        task.add_done_callback(lambda _: self._turns.pop(turn_id, None))

    async def _execute(self, tenant: str, turn_id: str) -> None:
        job = await execution.load_job(self.store, tenant, turn_id)
        if job is None:
            return
        if job.cancel_requested:
            # The cancel was recorded before this executor picked the turn up.
            await self._finish(job, turn_state.cancelled(now_iso(), CancelReason(job.cancel_requested), None))
            return
        run = TurnRun(self.store, job)
        timeout = (job.manifest.get("config") or {}).get("timeout_seconds", 600)
        state: TerminalState
        try:
            async with asyncio.timeout(timeout):
                state = await run.run()
        except TimeoutError:
            state = turn_state.cancelled(now_iso(), CancelReason.SERVER_EXECUTION_TIMEOUT, run.metrics())
        except asyncio.CancelledError as exc:
            state = turn_state.cancelled(now_iso(), await self._reason(job, exc), run.metrics())
        except TurnEnded:
            return
        except Exception as exc:
            log.exception("turn %s failed", turn_id)
            state = turn_state.failed(now_iso(), f"{type(exc).__name__}: {exc}", run.metrics())
        # From here on a late cancel signal must not interrupt recording the terminal state.
        self._turns.pop(turn_id, None)
        await asyncio.shield(self._finish(job, state))

    async def _reason(self, job: TurnJob, exc: asyncio.CancelledError) -> CancelReason:
        if exc.args and exc.args[0] == CancelReason.ABANDONED.value:
            return CancelReason.ABANDONED
        recorded = await execution.cancel_reason(self.store, job.tenant, job.turn_id)
        return CancelReason(recorded) if recorded else CancelReason.CLIENT_CANCELLED

    async def _finish(self, job: TurnJob, state: TerminalState) -> None:
        try:
            await execution.finish(self.store, job, state, self.settings.event_retention_seconds)
        except (RedisError, OSError):
            log.exception("could not record the terminal state of turn %s", job.turn_id)
