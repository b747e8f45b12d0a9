"""An executor: takes the turns assigned to it from its Redis inbox, runs each as an asyncio task,
holds a lease on each (renewed by heartbeat), and cancels a task the moment its cancel signal
arrives over Redis pub/sub.

Everything it learns comes through Redis, so the same worker runs inside the API process (the
embedded default) or in a process of its own (`agent-harness executor`).

The inbox is a Redis stream read through a consumer group: an entry stays pending until its turn
is terminal, so a restart under the same executor id finds what the previous incarnation held and
finalises it (`abandoned`) instead of losing it or running it twice.

Shutdown drains: the executor first stops being picked for new turns (one atomic step marks it
draining and unregisters it), runs what reaches its inbox for a Redis timeout more (turns a replica
picked it for just before),
lets running turns finish for up to `shutdown_grace_seconds`, and only then cancels what still runs
as `cancelled` / `abandoned`. Cancel signals and lease renewals go on throughout.

Fencing: a turn runs only while the executor can vouch for its lease. Each renewal that the heartbeat
confirms moves the turn's fence to (when the renewal was sent) + TTL - margin; a turn whose lease
the heartbeat reports gone, or whose fence passes without a renewal (Redis unreachable, a heartbeat
hung), has its task cancelled at once — model stream, tool call, MCP session — and nothing more is
written for it. The lease lapses at the earliest a full TTL after that send, and only then may a
reaper finalise the turn: so the fence always falls before `turn.done`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable

from server import logs, metrics
from server.config import Settings
from server.domain import execution, turn_state
from server.domain.turn_state import CancelReason, TerminalState
from server.executor.loop import run_turn
from server.executor.providers import Providers
from server.store import executors
from server.store.errors import RedisError, RedisTimeoutError
from server.store.executors import Assignment, CancelChannel, InboxGone
from server.store.redis import Store, bounded
from server.timestamps import now_iso

log = logging.getLogger(__name__)

INBOX_BLOCK_MS = 1000
_RETRY_SECONDS = 0.5
# Start-up waits this long (plus the Redis timeout) for the cancel channel's subscription.
_SUBSCRIBE_WAIT_MS = 5000
# A cancel channel quiet this long gets a PING, so a dead link is noticed within this plus the timeout.
_CHANNEL_IDLE_SECONDS = 5.0
_PING = "cancel-channel-alive"
# The message a fenced turn's task is cancelled with: not a CancelReason, since nothing is recorded.
FENCED = "fenced"


class _Lease:
    """What the executor knows of its lease on one turn: when its fence falls, and whether it fell."""

    def __init__(self, member: str) -> None:
        self.member = member
        self.fence = execution.Fence()
        self.renewed = False
        """Set once a heartbeat has confirmed the lease: the turn may start running."""
        self.gone = False
        """The heartbeat found no live lease: if the turn still runs, no reaper will see it (they scan the
        leases), so the executor finalises it itself once its task has ended."""
        self.deadline = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def extend(self, deadline: float, fence: Callable[[], None]) -> None:
        """Move the fence to `deadline` (loop time); a late answer to an older beat never moves it back."""
        self.renewed = True
        if self.fence.is_set or deadline <= self.deadline:
            return
        self.deadline = deadline
        self.disarm()
        self._timer = asyncio.get_running_loop().call_at(deadline, fence)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Worker:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.executor_id = settings.executor_id
        self.providers = Providers(settings)
        self._turns: dict[str, asyncio.Task[None]] = {}
        self._tenants: dict[str, str] = {}
        self._leases: dict[str, _Lease] = {}
        # Turns whose task has begun running. A task cancelled before its first step never runs
        # its body (no terminal state, no ack), so a cancel only interrupts started tasks; one not
        # yet started sees the recorded request (or the shutdown) when it loads the turn.
        self._started: set[str] = set()
        self._stopping = False
        """Set when the grace period is over: a turn task that has not started yet records `abandoned`."""
        self._drain: asyncio.Task[None] | None = None
        self._drain_deadline = 0.0
        self._draining = asyncio.Event()
        self._give_up = asyncio.Event()
        self._consumer: asyncio.Task[None] | None = None
        self._interrupted: set[str] = set()
        self._background: list[asyncio.Task[None]] = []
        self._acks: set[asyncio.Task[None]] = set()
        self._subscribed = asyncio.Event()
        self._starting: asyncio.Task[None] | None = None
        self._tried = asyncio.Event()
        """Set once the first attempt to start has ended, whether it worked or not."""
        self._beat_at: float | None = None  # time.monotonic() of the last heartbeat that reached Redis

    @property
    def draining(self) -> bool:
        return self._drain is not None

    async def start(self) -> None:
        """Begin serving this zone. Returns once the executor is set up, or once a first attempt has
        failed (its Redis is down or hung): it keeps trying in the background and starts taking turns
        when the zone comes back, so one zone that is down stops neither the process nor other zones."""
        self._starting = asyncio.create_task(self._start_when_reachable(), name="executor-start")
        tried = asyncio.ensure_future(self._tried.wait())
        await asyncio.wait([self._starting, tried], return_when=asyncio.FIRST_COMPLETED)
        tried.cancel()
        if self._starting.done():
            self._starting.result()

    async def _start_when_reachable(self) -> None:
        self._background.append(asyncio.create_task(self._listen_for_cancels(), name="executor-cancels"))
        while True:
            try:
                await self._set_up()
                break
            except (RedisError, OSError) as exc:
                metrics.REDIS_ERRORS.labels("executor").inc()
                log.warning(
                    "executor %s cannot start in zone %s yet (%s); retrying",
                    self.executor_id,
                    self.store.name,
                    exc,
                )
                self._tried.set()
                await asyncio.sleep(_RETRY_SECONDS)
        self._background.append(asyncio.create_task(self._heartbeat(), name="executor-heartbeat"))
        self._consumer = asyncio.create_task(self._consume_inbox(), name="executor-inbox")
        self._tried.set()
        log.info("executor %s started in zone %s", self.executor_id, self.store.name)

    async def _set_up(self) -> None:
        await executors.ensure_inbox(self.store, self.executor_id)
        await executors.end_drain(self.store, self.executor_id)  # a previous incarnation's
        # Turns must not reach it before cancel signals can: it registers once it listens.
        async with self.store.zone.bound(_SUBSCRIBE_WAIT_MS, "the cancel channel's subscription"):
            await self._subscribed.wait()
        await self._beat()
        await self._finalise_previous_incarnation()

    def begin_drain(self) -> None:
        """Take no new turns from now on; the grace period starts now (idempotent)."""
        if self._drain is None:
            self._drain_deadline = asyncio.get_running_loop().time() + self.settings.shutdown_grace_seconds
            self._drain = asyncio.create_task(self._stop_taking_turns(), name="executor-drain")

    def give_up(self) -> None:
        """End the grace period now (a second shutdown signal)."""
        self._give_up.set()

    async def stop(self) -> None:
        """Drain, then cancel what still runs after the grace period: every turn this executor took
        ends with a terminal state (`cancelled` / `abandoned` at worst), none is left running."""
        if self._starting is not None and not self._starting.done():
            # Its zone never came back: nothing was taken, so nothing needs draining but the registration.
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        self.begin_drain()
        assert self._drain is not None
        await self._drain
        loop = asyncio.get_running_loop()
        if self._turns:
            log.info(
                "executor %s draining: waiting up to %.1fs for %d running turn(s)",
                self.executor_id,
                max(0.0, self._drain_deadline - loop.time()),
                len(self._turns),
            )
        giving_up = asyncio.ensure_future(self._give_up.wait())
        while self._turns and not self._give_up.is_set() and (left := self._drain_deadline - loop.time()) > 0:
            await asyncio.wait(
                [*self._turns.values(), giving_up], timeout=left, return_when=asyncio.FIRST_COMPLETED
            )
        giving_up.cancel()
        self._stopping = True
        for turn_id, task in list(self._turns.items()):
            if turn_id in self._started and turn_id not in self._interrupted:
                self._interrupted.add(turn_id)
                task.cancel(CancelReason.ABANDONED.value)
            log.warning("abandoning turn %s: the shutdown grace period is over", turn_id)
        await asyncio.gather(*self._turns.values(), return_exceptions=True)
        await self.providers.aclose()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        with contextlib.suppress(RedisError, OSError):
            await executors.unregister(self.store, self.executor_id)

    async def _stop_taking_turns(self) -> None:
        try:
            await executors.begin_drain(
                self.store, self.executor_id, self.settings.shutdown_grace_seconds + 60
            )
        except (RedisError, OSError) as exc:
            # Turns that still reach the inbox wait for their lease to lapse; a reaper finalises them.
            log.warning("could not mark executor %s as draining: %s", self.executor_id, exc)
        self._draining.set()
        if self._consumer is not None:
            await asyncio.gather(self._consumer, return_exceptions=True)

    async def _beat(self, turn_ids: list[str] | None = None) -> None:
        """The heartbeat, within its own bound, for the turns given (default: every unfenced one). Each
        lease it confirms has its fence moved to when the beat was sent + TTL - margin: Redis sets the
        new expiry no earlier than that send, so the fence always falls a margin before the lapse.
        A lease it reports gone is fenced at once."""
        leases = {
            lease.member: turn_id
            for turn_id in (list(self._leases) if turn_ids is None else turn_ids)
            if (lease := self._leases.get(turn_id)) is not None
            and not lease.fence.is_set
            and not lease.fence.released
        }
        sent = asyncio.get_running_loop().time()
        async with bounded(self.settings.heartbeat_timeout, "a heartbeat"):
            renewed = await executors.heartbeat(
                self.store,
                self.executor_id,
                self.settings.executor_ttl_seconds,
                list(leases),
                self.settings.executor_inbox_retention_seconds,
                listening=self._subscribed.is_set(),
            )
        deadline = sent + self.settings.executor_ttl_seconds - self.settings.fence_margin
        for member, turn_id in leases.items():
            if member in renewed:
                if (lease := self._leases.get(turn_id)) is not None:
                    lease.extend(deadline, functools.partial(self._fence, turn_id, "it ran out of lease"))
            elif (lease := self._leases.get(turn_id)) is not None and not lease.fence.released:
                lease.gone = True
                self._fence(turn_id, "its lease is gone")
        self._beat_at = time.monotonic()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            try:
                await self._beat()
            except (RedisError, OSError) as exc:
                # Nothing else to do here: each turn's fence falls by itself if no renewal comes.
                metrics.REDIS_ERRORS.labels("executor").inc()
                log.warning("executor heartbeat failed: %s", exc)

    def _fence(self, turn_id: str, why: str) -> None:
        """Stop working on a turn whose lease this executor can no longer vouch for: cancel its task
        (model stream, tool call, MCP session) and write nothing more for it. The reapers finalise it
        once the lease lapses, which is after now by at least the margin."""
        lease = self._leases.get(turn_id)
        if lease is None or lease.fence.is_set or lease.fence.released:
            return
        lease.fence.fenced.set()
        lease.disarm()
        log.warning("fencing turn %s: %s; cancelling it, a reaper finalises it", turn_id, why)
        task = self._turns.get(turn_id)
        # The turn's own task (its start-up heartbeat found the lease gone) just stops: cancelling
        # itself would cut short the finally that acks its inbox entry.
        if task is asyncio.current_task():
            return
        if task is not None and turn_id in self._started and turn_id not in self._interrupted:
            self._interrupted.add(turn_id)
            task.cancel(FENCED)

    async def _listen_for_cancels(self) -> None:
        """Hear this executor's cancel channel. Pub/sub waits on purpose, so redis-py's read timeout
        cannot tell a quiet channel from a dead link (a blackholed Redis keeps the socket open, and
        after a partition the subscription may be gone): we PING on the subscribed connection when
        it has been quiet, and resubscribe on a fresh one when the PONG does not come in time."""
        while True:
            try:
                async with executors.cancel_channel(self.store, self.executor_id) as channel:
                    self._subscribed.set()  # from here on a PUBLISH reaches us
                    await self._hear(channel)
            except (RedisError, OSError) as exc:
                metrics.REDIS_ERRORS.labels("executor").inc()
                self._subscribed.clear()  # /healthz: not listening until resubscribed
                log.warning("cancel channel lost (%s); resubscribing", exc)
                await asyncio.sleep(_RETRY_SECONDS)

    async def _hear(self, channel: CancelChannel) -> None:
        loop = asyncio.get_running_loop()
        timeout = self.store.zone.timeout
        heard_at, pinged_at = loop.time(), None
        while True:
            message = await channel.next_message(timeout)
            now = loop.time()
            if message is not None:
                heard_at, pinged_at = now, None
                if message["type"] in executors.DELIVERED:
                    self._cancel_signalled(message["data"])
            elif pinged_at is not None and now - pinged_at >= timeout:
                raise RedisTimeoutError(f"no PONG on the cancel channel within {timeout:g}s")
            elif pinged_at is None and now - heard_at >= _CHANNEL_IDLE_SECONDS:
                await channel.ping(_PING)
                pinged_at = now

    def _cancel_signalled(self, message: str) -> None:
        """`<turn id> <reason>`: the reason REQUEST_CANCEL recorded first (a client's cancel, or a
        next turn's interrupt), so the task ends with it."""
        turn_id, _, recorded = message.partition(" ")
        try:
            reason = CancelReason(recorded)
        except ValueError:
            reason = CancelReason.CLIENT_CANCELLED
        self._cancel_local(turn_id, reason)

    def _cancel_local(self, turn_id: str, reason: CancelReason) -> None:
        task = self._turns.get(turn_id)
        # Only the first signal interrupts: a repeated cancel landing while the task records its
        # terminal state would otherwise abort that recording and leave the turn running.
        if task is not None and turn_id in self._started and turn_id not in self._interrupted:
            self._interrupted.add(turn_id)
            task.cancel(reason.value)

    async def _read(self, *, new: bool = True, block_ms: int = INBOX_BLOCK_MS) -> list[Assignment]:
        """New entries (waiting up to `block_ms`), or (`new` False) those this consumer holds."""
        block = block_ms if new else None
        return await executors.read_inbox(self.store, self.executor_id, new=new, block_ms=block)

    async def _finalise_previous_incarnation(self) -> None:
        """Entries pending under this id belong to a previous process that died mid-turn."""
        try:
            pending = await self._read(new=False)
        except InboxGone:
            # The inbox went since `ensure_inbox` (a flushed or restarted Redis): nothing is pending,
            # and the executor must start rather than crash.
            await executors.ensure_inbox(self.store, self.executor_id)
            return
        for entry in pending:
            job = await execution.load_job(
                self.store, entry.tenant, entry.session_id, entry.turn_id, self.executor_id
            )
            if job is not None:
                reason = CancelReason(job.cancel_requested or CancelReason.ABANDONED.value)
                log.warning(
                    "finalising turn %s left running by a previous executor %s", job.turn_id, self.executor_id
                )
                await self._finish(entry, turn_state.cancelled(now_iso(), reason, None))
            await self._ack(entry.entry_id)

    async def _consume_inbox(self) -> None:
        # Not cancelled at shutdown but left to finish its read: a read cut short may already have
        # moved entries to this consumer's pending list, where nobody would run them.
        while not self._draining.is_set():
            try:
                entries = await self._read()
            except InboxGone as exc:
                # The inbox or its group was deleted (a flushed or restarted Redis): recreate it.
                log.warning("executor inbox unreadable (%s); recreating its consumer group", exc)
                with contextlib.suppress(RedisError, OSError):
                    await executors.ensure_inbox(self.store, self.executor_id)
                await asyncio.sleep(_RETRY_SECONDS)
                continue
            except (RedisError, OSError) as exc:
                metrics.REDIS_ERRORS.labels("executor").inc()
                log.warning("executor inbox read failed: %s", exc)
                await asyncio.sleep(_RETRY_SECONDS)
                continue
            for entry in entries:
                self._spawn(entry)
        # Draining: no replica picks this executor any more, but one that picked it just before may
        # still be delivering (the inbox step follows START_TURN, each bounded by the Redis timeout):
        # read on for that long and run what arrives, it was assigned before the drain began. A
        # delivery later still lapses unrenewed and a reaper finalises its turn. The settle is part of
        # the grace period, never past it: a shutdown with no grace takes nothing more.
        loop = asyncio.get_running_loop()
        settle_until = min(loop.time() + self.store.zone.timeout, self._drain_deadline)
        try:
            while (left := settle_until - loop.time()) > 0:
                for entry in await self._read(block_ms=max(1, int(left * 1000))):
                    self._spawn(entry)
        except (RedisError, OSError) as exc:
            log.warning("executor inbox read failed while draining: %s", exc)

    async def _ack(self, entry_id: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await executors.ack(self.store, self.executor_id, entry_id)

    def _spawn(self, entry: Assignment) -> None:
        tenant, turn_id = entry.tenant, entry.turn_id
        if turn_id in self._turns:
            # A repeated delivery (its inbox step is safe to repeat): the turn runs once.
            ack = asyncio.create_task(self._ack(entry.entry_id))
            self._acks.add(ack)
            ack.add_done_callback(self._acks.discard)
            return
        task = asyncio.create_task(self._execute(entry), name=f"turn-{turn_id}")
        self._turns[turn_id] = task
        self._tenants[turn_id] = tenant
        self._leases[turn_id] = _Lease(executors.lease_member(tenant, entry.session_id, turn_id))

        def forget(_: asyncio.Task[None]) -> None:
            self._turns.pop(turn_id, None)
            self._tenants.pop(turn_id, None)
            if (lease := self._leases.pop(turn_id, None)) is not None:
                lease.disarm()
            self._started.discard(turn_id)
            self._interrupted.discard(turn_id)

        task.add_done_callback(forget)

    async def _execute(self, entry: Assignment) -> None:
        tenant, turn_id = entry.tenant, entry.turn_id
        self._started.add(turn_id)
        logs.bind(tenant=tenant, turn_id=turn_id)  # this task's own context: its log lines name the turn
        try:
            with metrics.TURNS_RUNNING.track_inprogress():
                await self._run(entry)
        finally:
            lease = self._leases.get(turn_id)
            if lease is not None and lease.gone:
                # As a reaper would, and only now that the task is over: nothing of it follows.
                await asyncio.shield(self._finalise_lost(entry))
            await asyncio.shield(self._ack(entry.entry_id))

    async def _run(self, entry: Assignment) -> None:
        turn_id = entry.turn_id
        lease = self._leases[turn_id]
        try:
            if not lease.renewed:
                # Only a lease a heartbeat confirmed has a known expiry: the fence needs one before
                # the turn may start (its entry may have waited in the inbox for a while).
                try:
                    await self._beat([turn_id])
                except asyncio.CancelledError as exc:
                    # Cancelled before it started (a cancel right after create-turn): nothing of the
                    # turn ran, so record the cancel now; the terminal-once FINISH_TURN makes that safe
                    # whatever the lease says.
                    task = asyncio.current_task()
                    if task is not None:
                        task.uncancel()
                    reason = CancelReason(exc.args[0]) if exc.args else CancelReason.CLIENT_CANCELLED
                    await asyncio.shield(self._finish(entry, turn_state.cancelled(now_iso(), reason, None)))
                    return
            if lease.fence.is_set or not lease.renewed:
                log.warning("not running turn %s: its lease is gone", turn_id)
                return
            await run_turn(
                self.store,
                self.settings,
                self.providers,
                entry.tenant,
                entry.session_id,
                turn_id,
                stopping=self._stopping,
                fence=lease.fence,
            )
        except (RedisError, OSError):
            # The lease lapses without heartbeats for this turn, and a reaper finalises it.
            metrics.REDIS_ERRORS.labels("executor").inc()
            log.exception("turn %s could not be run or recorded", turn_id)

    async def _finalise_lost(self, entry: Assignment) -> None:
        """A fenced turn whose lease is gone: finalise it (`abandoned`) if it somehow still runs."""
        try:
            if await execution.finalise_orphan(
                self.store,
                entry.tenant,
                entry.session_id,
                entry.turn_id,
                self.settings.event_retention_seconds,
            ):
                log.warning("finalised turn %s: its lease was gone while it ran", entry.turn_id)
        except (RedisError, OSError):
            log.exception("could not finalise turn %s, whose lease was gone", entry.turn_id)

    async def _finish(self, entry: Assignment, state: TerminalState) -> None:
        try:
            if await execution.finish(
                self.store,
                entry.tenant,
                entry.session_id,
                entry.turn_id,
                state,
                self.settings.event_retention_seconds,
            ):
                log.info("turn %s ended %s", entry.turn_id, state.status)
        except (RedisError, OSError):
            log.exception("could not record the terminal state of turn %s", entry.turn_id)

    def health(self) -> dict[str, object]:
        """What the executor's `/healthz` reports (read from its HTTP thread: plain attribute reads).
        Healthy: listening on its cancel channel, a heartbeat within the executor TTL (else it is no
        longer picked, and its turns' leases lapse), and not draining."""
        age = None if self._beat_at is None else round(time.monotonic() - self._beat_at, 3)
        subscribed = self._subscribed.is_set()
        draining = self.draining
        recent = age is not None and age <= self.settings.executor_ttl_seconds
        return {
            "healthy": subscribed and recent and not draining,
            "zone": self.store.zone.name,
            "executor_id": self.executor_id,
            "cancel_channel_subscribed": subscribed,
            "heartbeat_age_seconds": age,
            "draining": draining,
            "turns_running": len(self._turns),
        }
