"""Turns with a zero-delay `scripted/echo` agent, each a streamed create-turn read to `turn.done`:
first-event latencies one turn at a time, then turns per second with `turn_concurrency` sessions
each running one turn after another (their history grows by one turn each time)."""

from __future__ import annotations

import time
from collections import Counter

from redis.asyncio import Redis

from bench.agents import ECHO, ECHO_TEXT
from bench.client import ClientPool, HarnessApi, turn_body
from bench.config import LoadSizes
from bench.deployment import Deployment
from bench.figures import Outcome, median_rate, metered
from bench.stats import Summary
from bench.streams import TurnStream, describe_error
from bench.workers import run_workers

WARMUP = 10
DEEP_SAMPLES = 50
EXPECTED_STATE = "done/-"


async def streamed_turn(api: HarnessApi, session_id: str) -> TurnStream:
    stream = TurnStream(session_id)
    return await stream.read(api.http, api.turns_url(session_id), turn_body(ECHO_TEXT, stream=True))


def _anomalies(streams: list[TurnStream | Exception]) -> Counter[str]:
    found: Counter[str] = Counter()
    for stream in streams:
        if isinstance(stream, Exception):
            found[describe_error(stream)] += 1
        elif stream.error is not None:
            found[f"stream failed: {describe_error(stream.error)}"] += 1
        elif stream.final_state != EXPECTED_STATE:
            found[f"turn ended {stream.final_state or 'without turn.done'}"] += 1
    return found


def _ok(streams: list[TurnStream | Exception]) -> list[TurnStream]:
    return [s for s in streams if isinstance(s, TurnStream) and s.ok and s.final_state == EXPECTED_STATE]


def _since_sent(streams: list[TurnStream], attr: str) -> Summary:
    return Summary.of([d for s in streams if (d := s.since_sent(getattr(s, attr))) is not None])


def _samples_ms(streams: list[TurnStream], attr: str) -> list[float]:
    return [1000 * d for s in streams if (d := s.since_sent(getattr(s, attr))) is not None]


def _note_anomalies(outcome: Outcome, found: Counter[str]) -> None:
    outcome.notes += [f"anomaly: {what} x{count}" for what, count in found.items()]


async def turn_latency(deployment: Deployment, redis: Redis, sizes: LoadSizes) -> Outcome:
    """One turn at a time, each the first of its own session: no queueing anywhere and no history
    to read, the floor of each latency. Then the same after `history_turns` turns in one session,
    since every turn reads its session's history before its model call."""
    outcome = Outcome("create turn, one at a time")
    async with ClientPool(1) as pool:
        api = pool.api(0, deployment.base_urls)
        sessions = [await api.create_session(ECHO) for _ in range(WARMUP + sizes.latency_turns)]
        for session_id in sessions[:WARMUP]:
            await streamed_turn(api, session_id)

        async def sequential() -> list[TurnStream | Exception]:
            return await run_workers(
                sizes.latency_turns, 1, lambda _w, i: streamed_turn(api, sessions[WARMUP + i])
            )

        streams = await metered(outcome, deployment, sequential)
        deep_session = await api.create_session(ECHO)
        await run_workers(sizes.history_turns, 1, lambda _w, _i: streamed_turn(api, deep_session))
        deep = await run_workers(DEEP_SAMPLES, 1, lambda _w, _i: streamed_turn(api, deep_session))
    ok = _ok(streams)
    outcome.add_latency("latency.created", "create turn → turn.created", _since_sent(ok, "created_at"))
    outcome.add_latency("latency.model", "create turn → first model event", _since_sent(ok, "model_at"))
    outcome.samples["create turn → first model event, one at a time"] = _samples_ms(ok, "model_at")
    deep_model = _since_sent(_ok(deep), "model_at")
    outcome.add(
        "latency.model.deep",
        f"  same, after {sizes.history_turns} turns in the session, p50 (ms)",
        deep_model.p50,
        "ms",
    )
    done = _since_sent(ok, "done_at")
    outcome.notes.append(
        f"{len(streams)} turns, each a new session's first; create turn → turn.done p50 {done.p50:.1f} ms, "
        f"p99 {done.p99:.1f} ms; {DEEP_SAMPLES} turns after {sizes.history_turns} in one session: "
        f"→ first model event p50 {deep_model.p50:.1f} ms, p99 {deep_model.p99:.1f} ms"
    )
    found = _anomalies(streams) + _anomalies(deep)
    outcome.add("latency.errors", "  one-at-a-time turn errors", sum(found.values()), "count")
    _note_anomalies(outcome, found)
    return outcome


async def turn_rate(deployment: Deployment, redis: Redis, sizes: LoadSizes) -> Outcome:
    concurrency = sizes.turn_concurrency
    outcome = Outcome(f"turns end to end, {concurrency} sessions at once")
    async with ClientPool(concurrency) as pool:
        apis = [pool.api(i, deployment.base_urls) for i in range(concurrency)]
        sessions = [await api.create_session(ECHO) for api in apis]

        async def turn(worker: int, index: int) -> TurnStream:
            return await streamed_turn(apis[worker], sessions[worker])

        await run_workers(concurrency * 2, concurrency, turn)

        async def rounds() -> tuple[list[float], list[TurnStream | Exception]]:
            rates: list[float] = []
            every: list[TurnStream | Exception] = []
            for _ in range(sizes.rounds):
                start = time.perf_counter()
                streams = await run_workers(sizes.turns, concurrency, turn)
                elapsed = time.perf_counter() - start
                rates.append(len(_ok(streams)) / elapsed)
                every += streams
            return rates, every

        rates, streams = await metered(outcome, deployment, rounds)
    ok = _ok(streams)
    outcome.add(
        "turns.rate",
        f"turns / s end to end ({concurrency} sessions streaming at once)",
        median_rate(outcome, "turns/s", rates),
        "rate",
    )
    outcome.add_latency("turns.done", "  create turn → turn.done under that load", _since_sent(ok, "done_at"))
    outcome.samples[f"create turn → turn.done, {concurrency} in flight"] = _samples_ms(ok, "done_at")
    created = _since_sent(ok, "created_at")
    model = _since_sent(ok, "model_at")
    outcome.notes.append(
        f"{sizes.rounds} round(s) of {sizes.turns} turns; under load create turn → turn.created "
        f"p50 {created.p50:.1f} ms / p99 {created.p99:.1f} ms, → first model event p50 {model.p50:.1f} ms "
        f"/ p99 {model.p99:.1f} ms"
    )
    found = _anomalies(streams)
    outcome.add("turns.errors", "  turn errors under load", sum(found.values()), "count")
    _note_anomalies(outcome, found)
    return outcome
