"""Redis memory per idle session and per stored event, from INFO `used_memory` before and after
(the median of a few readings with the servers idle), cross-checked by the sum of MEMORY USAGE
over the bench DB's keys.

`used_memory` is server-wide: anything another client writes to another DB meanwhile lands in the
delta. The bench DB is flushed when the deployment starts, the servers are idle at each reading,
and the spread of the idle readings is reported as the noise. The MEMORY USAGE sum sees only this
DB (but not the keyspace's own dict entries, hence a little lower).

Per stored event: turns echoing the same text as 1 delta and as `memory_chunks` deltas store the
same text, the same turn.created / turn.done and the same turn hash; the difference is
`memory_chunks - 1` events' own overhead, to which each event's 8 characters of text are added back.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from bench.agents import CHUNK, ECHO, ECHO_TEXT, MANY_CHUNKS, ONE_CHUNK, chunked_text
from bench.client import ClientPool, HarnessApi, turn_body
from bench.config import TENANT, LoadSizes
from bench.deployment import Deployment
from bench.figures import Outcome, metered
from bench.streams import TurnStream
from bench.workers import failures, run_workers
from server.store import keys
from server.store.redis import xrange

READINGS = 5
READING_GAP = 0.05
# Lets the executors' ACK/XDEL and heartbeats that follow a turn's last event land before a reading.
SETTLE_SECONDS = 0.2
USAGE_BATCH = 500


@dataclass(frozen=True)
class Reading:
    used: float
    """INFO used_memory, median of the readings."""
    spread: int
    keys: int
    """Σ MEMORY USAGE over the DB's keys."""


async def _keys_usage(redis: Redis) -> int:
    total = 0
    batch: list[str] = []

    async def flush() -> int:
        async with redis.pipeline(transaction=False) as pipe:
            for key in batch:
                pipe.memory_usage(key, samples=0)
            usages = await pipe.execute()
        batch.clear()
        return sum(int(u or 0) for u in usages)

    async for key in redis.scan_iter(count=1000):
        batch.append(key)
        if len(batch) >= USAGE_BATCH:
            total += await flush()
    if batch:
        total += await flush()
    return total


async def reading(redis: Redis) -> Reading:
    await asyncio.sleep(SETTLE_SECONDS)
    values = []
    for _ in range(READINGS):
        values.append(int((await redis.info("memory"))["used_memory"]))
        await asyncio.sleep(READING_GAP)
    return Reading(statistics.median(values), max(values) - min(values), await _keys_usage(redis))


async def _turns(
    pool: ClientPool, deployment: Deployment, sessions: list[str], agent: str, text: str, concurrency: int
) -> list[TurnStream]:
    """One streamed turn per session, `concurrency` at a time."""

    async def turn(worker: int, index: int) -> TurnStream:
        api: HarnessApi = pool.api(index, deployment.base_urls)
        stream = TurnStream(sessions[index])
        await stream.read(api.http, api.turns_url(sessions[index]), turn_body(text, stream=True))
        if not stream.ok:
            raise RuntimeError(f"{agent} turn failed: {stream.error!r}")
        return stream

    results = await run_workers(len(sessions), concurrency, turn)
    if failed := failures(results):
        raise RuntimeError(f"{len(failed)} memory-fill turns failed: {failed[0]!r}")
    return [r for r in results if isinstance(r, TurnStream)]


def _events(streams: list[TurnStream]) -> int:
    return sum(s.events for s in streams)


async def _stored_delta_bytes(redis: Redis, turn_id: str | None) -> int:
    """Length of the JSON of a turn's first delta as stored (entry 3: after turn.created and the
    message's base)."""
    if turn_id is None:
        return 0
    # The log's key names its session, which the stream did not report: find it by the turn id.
    pattern = keys.turn_events(TENANT, "*", turn_id)
    found = [key async for key in redis.scan_iter(match=pattern, count=1000)]
    if not found:
        return 0
    entries = await xrange(redis, str(found[0]), count=3)
    return len(entries[-1][1]["e"]) if len(entries) == 3 else 0


async def _sessions(
    pool: ClientPool, deployment: Deployment, count: int, agent: str, concurrency: int
) -> list[str]:
    async def create(worker: int, index: int) -> str:
        return await pool.api(index, deployment.base_urls).create_session(agent)

    results = await run_workers(count, concurrency, create)
    if failed := failures(results):
        raise RuntimeError(f"{len(failed)} sessions not created: {failed[0]!r}")
    return [r for r in results if isinstance(r, str)]


def _per(delta: float, count: int) -> float:
    return delta / count if count else float("nan")


async def memory(deployment: Deployment, redis: Redis, sizes: LoadSizes) -> Outcome:
    outcome = Outcome("Redis memory")
    turns, chunks, n = sizes.memory_turns, sizes.memory_chunks, sizes.memory_sessions
    short_turns, concurrency = sizes.memory_short_turns, sizes.session_concurrency
    long_text = chunked_text(chunks)
    async with ClientPool(max(concurrency, turns)) as pool:
        before = await reading(redis)
        await _sessions(pool, deployment, n, ECHO, concurrency)
        idle = await reading(redis)
        # Fresh sessions for each batch, all created before the first reading: every turn measured
        # is its session's first.
        short = await _sessions(pool, deployment, short_turns, ONE_CHUNK, concurrency)
        one, many = [await _sessions(pool, deployment, turns, a, turns) for a in (ONE_CHUNK, MANY_CHUNKS)]
        m0 = await reading(redis)
        short_streams = await _turns(pool, deployment, short, ONE_CHUNK, ECHO_TEXT, concurrency)
        m1 = await reading(redis)
        one_streams = await _turns(pool, deployment, one, ONE_CHUNK, long_text, turns)
        m2 = await reading(redis)
        start = time.perf_counter()
        many_streams = await metered(
            outcome, deployment, lambda: _turns(pool, deployment, many, MANY_CHUNKS, long_text, turns)
        )
        fill_seconds = time.perf_counter() - start
        m3 = await reading(redis)
        delta_json = await _stored_delta_bytes(redis, many_streams[0].turn_id if many_streams else None)
    extra = _events(many_streams) - _events(one_streams)
    text = len(CHUNK)
    outcome.add(
        "memory.session",
        "Redis per idle session (B, used_memory Δ)",
        _per(idle.used - before.used, n),
        "bytes",
    )
    outcome.add(
        "memory.session_keys",
        "  same, Σ MEMORY USAGE of the DB's keys (B)",
        _per(idle.keys - before.keys, n),
        "bytes",
    )
    outcome.add(
        "memory.event",
        f"Redis per stored event, an {text}-char delta (B, used_memory Δ)",
        _per(m3.used - m2.used, extra) + text,
        "bytes",
    )
    outcome.add(
        "memory.event_keys", "  same, Σ MEMORY USAGE (B)", _per(m3.keys - m2.keys, extra) + text, "bytes"
    )
    outcome.add(
        "memory.turn",
        f"Redis per finished 1-delta turn, {_events(short_streams) // max(1, short_turns)} events "
        "(B, used_memory Δ)",
        _per(m1.used - m0.used, short_turns),
        "bytes",
    )
    outcome.add(
        "memory.turn_keys", "  same, Σ MEMORY USAGE (B)", _per(m1.keys - m0.keys, short_turns), "bytes"
    )
    outcome.add(
        "memory.fill_rate",
        f"events / s appended by {turns} zero-delay turns at once",
        _events(many_streams) / fill_seconds,
        "rate",
    )
    noise = max(r.spread for r in (before, idle, m0, m1, m2, m3))
    outcome.notes += [
        f"{n} idle sessions; {short_turns} turns echoing {ECHO_TEXT!r} in 1 delta; "
        f"{turns} turns of {chunks} deltas vs {turns} turns of 1 delta echoing the "
        f"same {len(long_text)}-char text: {extra} more events; a stored delta's JSON is {delta_json} B",
        f"used_memory spread over {READINGS} idle readings: up to {noise:,} B (server-wide noise; "
        f"±{_per(noise, n):.1f} B per session, ±{_per(noise, extra):.2f} B per event, "
        f"±{_per(noise, short_turns):.0f} B per turn)",
    ]
    return outcome
