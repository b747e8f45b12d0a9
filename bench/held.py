"""Concurrent streaming sessions held open: `held_streams` sessions, each with a slow turn (one
delta every `held_delay_ms`) streamed by its create-turn request, opened `setup_concurrency` at a
time and then all held for `hold_seconds`. A stream counts as held when, at the end of the hold, it
is still open and a delta reached it within the last few delay periods."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter

from redis.asyncio import Redis

from bench.agents import HELD, held_chunks
from bench.client import ClientPool, turn_body
from bench.config import LoadSizes
from bench.cpu import cpu_text
from bench.deployment import Deployment
from bench.figures import Outcome, metered
from bench.stats import Summary
from bench.streams import TurnStream, describe_error
from bench.workers import run_workers
from testkit.processes import ServerProcess

OPEN_TIMEOUT = 60.0
END_TIMEOUT = 60.0
# How long a held stream may have gone without a delta at the end of the hold, in delay periods.
LIVE_PERIODS = 3


def _rss(processes: list[ServerProcess]) -> int:
    return sum(p.rss_bytes() or 0 for p in processes)


class HeldStreams:
    """`streams` holds the open streams, `requests` the short requests (create session, cancel): a
    cancel queued for a connection that only a cancelled stream would free never runs."""

    def __init__(
        self, streams: ClientPool, requests: ClientPool, deployment: Deployment, sizes: LoadSizes
    ) -> None:
        self.stream_pool = streams
        self.request_pool = requests
        self.deployment = deployment
        self.sizes = sizes
        self.text = "abc " * held_chunks(sizes)
        self.streams: list[TurnStream] = []
        self.tasks: list[asyncio.Task[TurnStream]] = []
        self.setup_errors: Counter[str] = Counter()
        self.cancel_seconds: list[float] = []

    async def _open(self, worker: int, index: int) -> None:
        session_id = await self.request_pool.api(worker, self.deployment.base_urls).create_session(HELD)
        stream = TurnStream(session_id)
        self.streams.append(stream)
        api = self.stream_pool.api(index, self.deployment.base_urls)
        url = api.turns_url(session_id)
        self.tasks.append(asyncio.create_task(stream.read(api.http, url, turn_body(self.text, stream=True))))
        # The next stream opens once this one has its first event (turn.created: the turn runs):
        # `setup_concurrency` bounds the setups in flight, not the streams held.
        async with asyncio.timeout(OPEN_TIMEOUT):
            await stream.opened.wait()
        if stream.error is not None:
            raise stream.error

    async def open_all(self) -> float:
        start = time.perf_counter()
        results = await run_workers(self.sizes.held_streams, self.sizes.setup_concurrency, self._open)
        for result in results:
            if isinstance(result, Exception):
                self.setup_errors[describe_error(result)] += 1
        return time.perf_counter() - start

    def deltas(self) -> int:
        return sum(s.deltas for s in self.streams)

    def live(self) -> int:
        recent = time.perf_counter() - LIVE_PERIODS * self.sizes.held_delay_ms / 1000
        return sum(
            1
            for s in self.streams
            if not s.ended.is_set() and s.last_event_at is not None and s.last_event_at >= recent
        )

    async def cancel_all(self) -> Counter[str]:
        """Cancel every held turn and wait for its stream's `turn.done`; the answers other than 200."""

        async def cancel(worker: int, index: int) -> int:
            stream = self.streams[index]
            api = self.request_pool.api(worker, self.deployment.base_urls)
            start = time.perf_counter()
            status = await api.cancel(stream.session_id)
            self.cancel_seconds.append(time.perf_counter() - start)
            return status

        results = await run_workers(len(self.streams), self.sizes.setup_concurrency, cancel)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(END_TIMEOUT):
                await asyncio.gather(*(s.ended.wait() for s in self.streams))
        return Counter(describe_error(r) if isinstance(r, Exception) else str(r) for r in results if r != 200)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def held_streams(deployment: Deployment, redis: Redis, sizes: LoadSizes) -> Outcome:
    target = sizes.held_streams
    outcome = Outcome(f"{target} streaming sessions held for {sizes.hold_seconds:g} s")
    apis, executors = deployment.named("api") + deployment.named("serve"), deployment.named("executor")
    api_rss, executor_rss = _rss(apis), _rss(executors)
    async with ClientPool(target) as streams, ClientPool(sizes.setup_concurrency) as requests:
        held = HeldStreams(streams, requests, deployment, sizes)
        try:
            meter = deployment.cpu_meter()
            meter.start()
            setup = await held.open_all()
            setup_cpu = meter.percent()
            deltas, start = held.deltas(), time.perf_counter()

            async def hold() -> None:
                await asyncio.sleep(sizes.hold_seconds)

            await metered(outcome, deployment, hold)
            rate = (held.deltas() - deltas) / (time.perf_counter() - start)
            live = held.live()
            api_growth, executor_growth = _rss(apis) - api_rss, _rss(executors) - executor_rss
            ended_early = sum(1 for s in held.streams if s.ended.is_set())
            cancel_start, meter = time.perf_counter(), deployment.cpu_meter()
            meter.start()
            cancel_failures = await held.cancel_all()
            cancel_seconds, cancel_cpu = time.perf_counter() - cancel_start, meter.percent()
        finally:
            await held.close()
    cancels = Summary.of(held.cancel_seconds)
    outcome.add("held.streams", f"streaming sessions held at once (of {target})", live, "count")
    errors = target - live
    outcome.add("held.errors", "  held-stream errors (failed, ended or stalled)", errors, "count")
    per_stream = max(1, live)
    outcome.add(
        "held.api_rss",
        "  API RSS growth per held stream (KiB, rough)",
        api_growth / 1024 / per_stream,
        "bytes",
    )
    outcome.notes += [
        f"opened in {setup:.1f} s ({sizes.setup_concurrency} setups in flight; {cpu_text(setup_cpu)}); "
        f"{rate:,.0f} deltas/s received while held (nominal {target * 1000 / sizes.held_delay_ms:,.0f}/s)",
        f"{ended_early} ended before the cancel; then all cancelled, {sizes.setup_concurrency} at a time, "
        f"in {cancel_seconds:.1f} s: cancel→200 p50 {cancels.p50:.0f} ms, p99 {cancels.p99:.0f} ms; "
        f"answers other than 200: {dict(cancel_failures) or 'none'}; during it {cpu_text(cancel_cpu)}",
        f"executor RSS growth per held stream: {executor_growth / 1024 / per_stream:.1f} KiB "
        f"(all executors); API RSS growth {api_growth / 2**20:.0f} MiB in all",
    ]
    outcome.notes += [f"setup failure: {what} x{count}" for what, count in held.setup_errors.items()]
    return outcome
