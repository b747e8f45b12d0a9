"""One blocking read per zone feeds every SSE stream this replica serves.

Why one multiplexed reader (an XREAD BLOCK naming every watched turn's log, on a connection of its
own) rather than one reader per turn: a held stream then costs no Redis connection at all, whether
10,000 streams follow one turn or 10,000 turns; a reader per turn would still hold a connection per
followed turn, and `maxclients` would cap the turns a replica can stream. What it costs instead:
each read names every watched log (O(watched turns) per read, for Redis and for us), and a newly
watched turn must wake the read in flight, which names only the logs watched when it was sent. The
wake is CLIENT UNBLOCK from the ordinary pool: one round trip per newly watched turn (none per
subscriber), retried until the read in flight names it.

A subscriber joins at the watch's position P (the last entry the reader handed out): it replays
(its own position, P] from the log with XRANGE (ordinary pool, in bounded pages) while the live
entries after P queue up for it, then takes those: no gap, no duplicate (entry ids are `0-<n>`).
A new watch starts at min(the subscriber's position, the turn's last sequence number), never past
the log's end, so a stream resuming past the end of a running turn still sees its `turn.done`.

A slow subscriber never holds the others up: entries are handed out without waiting, into a
bounded buffer each; one whose buffer would overflow leaves the live feed, drains what it has, and
re-joins from its own position (replaying from the log what it missed). The client sees nothing
but a slower stream; the log is the buffer of last resort.

When the read fails (Redis refused, or no answer within the block plus a grace: hung or
blackholed), every stream it fed ends after its last complete event, and one warning is logged;
clients resume with Last-Event-ID, on this replica or another. A watched log that has gone quiet for
a block is checked to still exist: a stream whose log expired ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from server import metrics
from server.config import Settings
from server.store import events as event_log
from server.store import keys
from server.store.redis import Store, StreamEntry, xread

log = logging.getLogger(__name__)

Event = dict[str, Any]
T = TypeVar("T")
READ_COUNT = 256
"""Entries per watched log per read, and per replay page: bounds one reply's size."""
_WAKE_ATTEMPTS = 50
_WAKE_RETRY_SECONDS = 0.002
# What the reader's own connection copies from the zone's pool: where Redis is and how to log in.
_ADDRESS_FIELDS = {"host", "port", "db", "username", "password", "path", "client_name", "protocol"}


class Ending(Enum):
    LAGGED = "lagged"
    """Fell a whole buffer behind: re-joins from its own position."""
    LOST = "lost"
    """Redis was lost: the stream ends and its client resumes."""
    EXPIRED = "expired"
    """The turn's log is gone."""


class Subscriber:
    """One stream's place in the live feed: a bounded buffer of entries, filled without waiting."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pending: deque[Event] = deque()
        self.ending: Ending | None = None
        self._ready = asyncio.Event()

    def offer(self, events: list[Event]) -> bool:
        if self.ending is not None:
            return False
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

    async def next(self) -> Event | Ending:
        """The next entry; once the feed ended, what is buffered still comes first."""
        while not self.pending:
            if self.ending is not None:
                return self.ending
            self._ready.clear()
            await self._ready.wait()
        return self.pending.popleft()


@dataclass(eq=False)
class Watch:
    """One turn's log as the reader follows it."""

    key: str
    position: int
    """Sequence number of the last entry handed out (or where the watch started)."""
    checked_at: float
    subscribers: set[Subscriber] = field(default_factory=set)


class Fanout:
    """The live feed of one zone's turn logs to this replica's streams."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.block_seconds = settings.stream_block_seconds
        self.grace_seconds = settings.stream_read_grace_seconds
        self.buffer = settings.stream_buffer_events
        self._watches: dict[str, Watch] = {}
        self._reader: asyncio.Task[None] | None = None
        self._reader_id: int | None = None
        self._reading: dict[str, Watch] = {}
        """The watches the read in flight names (empty between reads)."""
        self._waker: asyncio.Task[None] | None = None
        self._stale = False
        self._closed = False

    async def follow(
        self, tenant: str, session_id: str, turn_id: str, after: int, last_seq: int
    ) -> AsyncIterator[Event]:
        """Events after `after` until `turn.done` (which ends the stream even when `after` is past
        it); `last_seq` is the turn's `seq` as read before, where a new watch starts at the latest."""
        key = keys.turn_events(tenant, session_id, turn_id)
        position = after
        subscriber = Subscriber(self.buffer)
        try:
            while True:
                joined = self._join(key, subscriber, min(position, last_seq))
                while position < joined:
                    page = await self._replay(tenant, session_id, turn_id, position, joined)
                    if not page:
                        return  # Redis lost, or the log went away under us
                    for event in page:
                        yield event
                        position = event["sequence_number"]
                        if event["type"] == "turn.done":
                            return
                while True:
                    item = await subscriber.next()
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
                self._leave(key, subscriber)
                subscriber = Subscriber(self.buffer)
        finally:
            self._leave(key, subscriber)

    async def replay(self, tenant: str, session_id: str, turn_id: str, after: int) -> AsyncIterator[Event]:
        """A finished turn's events after `after`, from its log alone: nothing live is left."""
        while page := await self._replay(tenant, session_id, turn_id, after, None):
            for event in page:
                yield event
                if event["type"] == "turn.done":
                    return
            after = page[-1]["sequence_number"]

    async def bounded(self, command: Awaitable[T]) -> T:
        """An ordinary command of a stream, bounded like its reads (a hung Redis ends the stream)."""
        async with asyncio.timeout(self.grace_seconds):
            return await command

    async def _replay(
        self, tenant: str, session_id: str, turn_id: str, after: int, upto: int | None
    ) -> list[Event] | None:
        gauge = metrics.SSE_REDIS_READS.labels("replay")
        gauge.inc()
        try:
            return await self.bounded(
                event_log.read_between(self.store.redis, tenant, session_id, turn_id, after, upto, READ_COUNT)
            )
        except (RedisError, OSError) as exc:
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
            watch = self._watches[key] = Watch(key, start, asyncio.get_running_loop().time())
            metrics.SSE_TURNS_WATCHED.inc()
            self._wake()
        watch.subscribers.add(subscriber)
        if self._reader is None:
            self._reader = asyncio.create_task(self._run())
        return watch.position

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

    def _deliver(self, watch: Watch, entries: list[StreamEntry]) -> None:
        events = event_log.decode(entries)
        watch.position = event_log.sequence_of(entries[-1][0])
        for subscriber in list(watch.subscribers):
            if not subscriber.offer(events):
                watch.subscribers.discard(subscriber)
        if not watch.subscribers or events[-1]["type"] == "turn.done":
            self._drop(watch)  # nothing follows turn.done: a later joiner replays it from the log

    def _lose_all(self, exc: BaseException) -> None:
        streams = sum(len(w.subscribers) for w in self._watches.values())
        log.warning(
            "lost Redis of zone %r (%s: %s): ending %d streams after their last complete event; "
            "clients resume with Last-Event-ID",
            self.store.zone.name,
            type(exc).__name__,
            exc,
            streams,
        )
        metrics.REDIS_ERRORS.labels("stream").inc()
        for watch in list(self._watches.values()):
            for subscriber in watch.subscribers:
                subscriber.end(Ending.LOST)
            self._drop(watch)

    # --- the reader ---

    def _connect(self) -> Redis:
        """A connection of the reader's own, outside both pools, with a read timeout above its block:
        no answer by then means Redis is lost, and the streams end rather than stall."""
        zone = self.store.redis.connection_pool
        address = {
            k: v for k, v in zone.connection_kwargs.items() if k in _ADDRESS_FIELDS or k.startswith("ssl")
        }
        pool = ConnectionPool(
            connection_class=zone.connection_class,
            max_connections=1,
            decode_responses=True,
            socket_connect_timeout=self.grace_seconds,
            socket_timeout=self.block_seconds + self.grace_seconds,
            health_check_interval=0,
            # A silent reconnect would change the client id the wake-ups name: fail instead.
            retry=Retry(NoBackoff(), 0),
            **address,
        )
        return Redis.from_pool(pool)

    async def _run(self) -> None:
        try:
            while self._watches and not self._closed:
                await self._session()
        finally:
            self._reader = None

    async def _session(self) -> None:
        client = self._connect()
        try:
            self._reader_id = int(await client.client_id())
            while self._watches and not self._closed:
                await self._read(client)
        except (RedisError, OSError) as exc:
            self._lose_all(exc)
        finally:
            self._reader_id = None
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await client.aclose()

    async def _read(self, client: Redis) -> None:
        issued = {key: (watch, watch.position) for key, watch in self._watches.items()}
        self._reading = {key: watch for key, (watch, _) in issued.items()}
        gauge = metrics.SSE_REDIS_READS.labels("blocking")
        gauge.inc()
        try:
            reply = await xread(
                client,
                {key: keys.event_stream_id(position) for key, (_, position) in issued.items()},
                block_ms=int(self.block_seconds * 1000),
                count=READ_COUNT,
            )
        finally:
            self._reading = {}
            gauge.dec()
        now = asyncio.get_running_loop().time()
        for key, entries in reply:
            watch, position = issued[key]
            # A watch dropped (or dropped and made anew) during the read: its entries are not for it.
            if entries and self._watches.get(key) is watch and watch.position == position:
                watch.checked_at = now
                self._deliver(watch, entries)
        await self._check_idle(client, now)

    async def _check_idle(self, client: Redis, now: float) -> None:
        """Logs quiet for a whole block: do they still exist? (A turn expired under its stream.)"""
        idle = [w for w in self._watches.values() if now - w.checked_at >= self.block_seconds]
        if not idle:
            return
        async with client.pipeline(transaction=False) as pipe:
            for watch in idle:
                pipe.exists(watch.key)
            found = await pipe.execute()
        for watch, exists in zip(idle, found, strict=True):
            watch.checked_at = now
            if not exists and self._watches.get(watch.key) is watch:
                for subscriber in watch.subscribers:
                    subscriber.end(Ending.EXPIRED)
                self._drop(watch)

    def _wake(self) -> None:
        self._stale = True
        if self._waker is None:
            self._waker = asyncio.create_task(self._wake_reader())

    def _read_names_every_watch(self) -> bool:
        return all(self._reading.get(key) is watch for key, watch in self._watches.items())

    async def _wake_reader(self) -> None:
        """Until the read in flight names every watch: CLIENT UNBLOCK it (it then reads again, naming
        them). 0 unblocked means it was not blocked yet (its XREAD still on the way, or between two
        reads): try again shortly. No reader id: it is connecting, and its first read names them."""
        try:
            while self._stale:
                self._stale = False
                for _ in range(_WAKE_ATTEMPTS):
                    reader = self._reader_id
                    if reader is None or self._read_names_every_watch():
                        break
                    try:
                        if await self.bounded(self.store.redis.client_unblock(reader)):
                            break
                    except (RedisError, OSError):
                        break  # the reader finds out for itself
                    await asyncio.sleep(_WAKE_RETRY_SECONDS)
        finally:
            self._waker = None

    async def close(self) -> None:
        self._closed = True
        for task in (self._reader, self._waker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for watch in list(self._watches.values()):
            for subscriber in watch.subscribers:
                subscriber.end(Ending.LOST)
            self._drop(watch)
