"""Timing cancels: one running turn at a time, or many at once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.client import HarnessApi, Subscription
from bench.stats import Summary

FIRST_DELTA_TIMEOUT = 30.0
DONE_TIMEOUT = 30.0
EXPECTED_STATE = "cancelled/client-cancelled"


@dataclass(frozen=True)
class CancelSample:
    to_200: float
    """Seconds from sending the cancel to receiving its answer."""
    to_done: float | None
    """Seconds from sending the cancel to the subscriber receiving `turn.done`."""
    status: int
    final_state: str | None


@dataclass
class CancelRun:
    samples: list[CancelSample] = field(default_factory=list)

    def add(self, sample: CancelSample) -> None:
        self.samples.append(sample)

    @property
    def to_200(self) -> Summary:
        return Summary.of([s.to_200 for s in self.samples])

    @property
    def to_done(self) -> Summary:
        return Summary.of([s.to_done for s in self.samples if s.to_done is not None])

    def anomalies(self) -> Counter[str]:
        """Anything but a 200 followed by `turn.done` cancelled/client-cancelled."""
        found: Counter[str] = Counter()
        for sample in self.samples:
            if sample.status != 200:
                found[f"cancel answered {sample.status}"] += 1
            if sample.final_state != EXPECTED_STATE:
                found[f"turn ended {sample.final_state or 'without turn.done'}"] += 1
        return found


async def start_running_turn(api: HarnessApi, agent: str, text: str) -> Subscription:
    """A new session with a turn that is streaming deltas from its executor."""
    session_id = await api.create_session(agent)
    turn_id = await api.start_turn(session_id, text)
    subscription = api.subscribe(session_id, turn_id)
    try:
        async with asyncio.timeout(FIRST_DELTA_TIMEOUT):
            await subscription.wait_first_delta()
    except BaseException:
        await subscription.close()
        raise
    return subscription


async def timed_cancel(api: HarnessApi, subscription: Subscription) -> CancelSample:
    start = time.perf_counter()
    status = await api.cancel(subscription.session_id)
    answered = time.perf_counter()
    # A stream that never brings turn.done is counted (anomalies()), not fatal: figures, not assertions.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DONE_TIMEOUT):
            await subscription.wait_ended()
    await subscription.close()
    done = subscription.done_at - start if subscription.done_at is not None else None
    return CancelSample(answered - start, done, status, subscription.final_state)


async def sequential_cancels(api: HarnessApi, agent: str, text: str, count: int) -> CancelRun:
    run = CancelRun()
    for _ in range(count):
        subscription = await start_running_turn(api, agent, text)
        run.add(await timed_cancel(api, subscription))
    return run


async def cancel_floor(api: HarnessApi, agent: str, count: int) -> Summary:
    """The cancel endpoint on a session with nothing running: HTTP, auth, validation and Redis, no
    executor. The part of a real cancel's latency that is not waiting for the turn to stop."""
    session_id = await api.create_session(agent)
    timings: list[float] = []
    for _ in range(count):
        start = time.perf_counter()
        status = await api.cancel(session_id)
        timings.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"cancel of an idle session answered {status}")
    return Summary.of(timings)


async def concurrent_cancels(apis: list[HarnessApi], subscriptions: list[Subscription]) -> CancelRun:
    """All at once, the cancel of `subscriptions[i]` sent through `apis[i]`."""
    run = CancelRun()
    cancels = (timed_cancel(api, s) for api, s in zip(apis, subscriptions, strict=True))
    for sample in await asyncio.gather(*cancels):
        run.add(sample)
    return run
