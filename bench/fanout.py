"""SSE events delivered per second: `fanout_turns` turns streaming `fanout_chunks` deltas each
(`fanout_delay_ms` apart), every one followed by `fanout_subscribers` subscribers from its first
event. Each subscriber must receive the turn's whole log; the rate is events received by all
subscribers over the time from the first turn's start to the last subscriber's `turn.done`."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from redis.asyncio import Redis

from bench.agents import FANOUT, chunked_text
from bench.client import ClientPool
from bench.config import TENANT, LoadSizes
from bench.deployment import Deployment
from bench.figures import Outcome, median_rate, metered
from bench.streams import FrameCounter, describe_error
from server.store import keys
from server.store.redis import StreamEntry, xrange


@dataclass
class Round:
    delivered: int
    produced: int
    seconds: float
    """From the turns' start to the last subscriber's end, in this process."""
    production_seconds: float
    """From the first turn.created to the last turn.done, by the events' own `created_at`."""
    anomalies: Counter[str]


async def _production_seconds(redis: Redis, turns: list[tuple[str, str]]) -> float:
    def created_at(entry: StreamEntry) -> datetime:
        return datetime.fromisoformat(json.loads(entry[1]["e"])["created_at"])

    firsts: list[datetime] = []
    lasts: list[datetime] = []
    for session_id, turn_id in turns:
        stream = keys.turn_events(TENANT, session_id, turn_id)
        first = await xrange(redis, stream, count=1)
        last = cast(list[StreamEntry], await redis.xrevrange(stream, count=1))
        if first and last:
            firsts.append(created_at(first[0]))
            lasts.append(created_at(last[0]))
    return (max(lasts) - min(firsts)).total_seconds() if firsts else math.nan


def _anomaly(counter: FrameCounter, expected: int) -> str | None:
    if counter.error is not None:
        return f"stream failed: {describe_error(counter.error)}"
    if not counter.done:
        return "ended without turn.done"
    if counter.frames != expected:
        return f"{'fewer' if counter.frames < expected else 'more'} events than the turn's log"
    return None


async def _round(pool: ClientPool, deployment: Deployment, redis: Redis, sizes: LoadSizes) -> Round:
    bases = deployment.base_urls
    subscribers = sizes.fanout_subscribers
    text = chunked_text(sizes.fanout_chunks)
    sessions = await asyncio.gather(
        *(pool.api(i, bases).create_session(FANOUT) for i in range(sizes.fanout_turns))
    )
    start = time.perf_counter()
    turn_ids = await asyncio.gather(*(pool.api(i, bases).start_turn(s, text) for i, s in enumerate(sessions)))
    readers: list[asyncio.Task[FrameCounter]] = []
    for turn, (session_id, turn_id) in enumerate(zip(sessions, turn_ids, strict=True)):
        for n in range(subscribers):
            api = pool.api(turn * subscribers + n, bases)
            url = api.subscribe_url(session_id, turn_id)
            readers.append(asyncio.create_task(FrameCounter().read(api.http, url, {})))
    counters = await asyncio.gather(*readers)
    end = max((c.ended_at or start) for c in counters)
    logged = [
        int(await redis.xlen(keys.turn_events(TENANT, s, t))) for s, t in zip(sessions, turn_ids, strict=True)
    ]
    expected = [n for n in logged for _ in range(subscribers)]
    anomalies = Counter(
        a for c, n in zip(counters, expected, strict=True) if (a := _anomaly(c, n)) is not None
    )
    return Round(
        sum(c.frames for c in counters),
        sum(logged),
        end - start,
        await _production_seconds(redis, list(zip(sessions, turn_ids, strict=True))),
        anomalies,
    )


async def fanout(deployment: Deployment, redis: Redis, sizes: LoadSizes) -> Outcome:
    streams = sizes.fanout_turns * sizes.fanout_subscribers
    outcome = Outcome(
        f"fan-out, {sizes.fanout_turns} turns x {sizes.fanout_subscribers} subscribers "
        f"({sizes.fanout_chunks} deltas, {sizes.fanout_delay_ms} ms apart)"
    )
    async with ClientPool(streams + sizes.fanout_turns) as pool:

        async def rounds() -> list[Round]:
            return [await _round(pool, deployment, redis, sizes) for _ in range(sizes.rounds)]

        results = await metered(outcome, deployment, rounds)
    delivered = median_rate(outcome, "delivered events/s", [r.delivered / r.seconds for r in results])
    outcome.add(
        "fanout.delivered",
        f"SSE events / s delivered ({streams} subscribers on {sizes.fanout_turns} turns)",
        delivered,
        "rate",
    )
    produced = median_rate(outcome, "appended events/s", [r.produced / r.production_seconds for r in results])
    outcome.add("fanout.produced", "  events / s those turns appended", produced, "rate")
    anomalies = sum((r.anomalies for r in results), Counter[str]())
    outcome.add("fanout.errors", "  subscribers missing events", sum(anomalies.values()), "count")
    outcome.notes += [
        "per round, s from the turns' start to the last subscriber's turn.done, and (by the events' "
        "timestamps) to the last turn.done appended: "
        + ", ".join(f"{r.seconds:.1f} / {r.production_seconds:.1f}" for r in results),
        *(f"anomaly: {what} x{count}" for what, count in anomalies.items()),
    ]
    return outcome
