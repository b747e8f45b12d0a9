"""Idle streams held open: `idle_streams` subscriptions spread over `idle_turns` running turns that
emit nothing (a `scripted/echo` turn waiting ten minutes before its first delta), opened
`setup_concurrency` at a time and held for `hold_seconds`. It reports the API's RSS growth per
stream, and cancel latency (other turns of the same agent, one at a time) with no stream open and
while all are held; then the followed turns are cancelled and every stream must end with
`turn.done`.

The streams are read by a lean client of the bench's own (an asyncio Protocol per connection that
only looks for `turn.done`): httpx costs tens of KiB and real CPU per connection, in this process,
and ten thousand of them would measure the bench rather than the server."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from urllib.parse import urlsplit

from redis.asyncio import Redis

from bench.agents import IDLE
from bench.client import ClientPool
from bench.config import TOKEN, LoadSizes
from bench.cpu import cpu_text
from bench.deployment import Deployment
from bench.figures import Outcome, metered
from bench.stats import Summary
from bench.streams import describe_error
from bench.workers import run_workers
from testkit.processes import ServerProcess

OPEN_TIMEOUT = 60.0
END_TIMEOUT = 120.0
CANCELS = 30
"""Cancels timed one at a time, idle and again while the streams are held."""
SETTLE_SECONDS = 2.0


def _rss(processes: list[ServerProcess]) -> int:
    return sum(p.rss_bytes() or 0 for p in processes)


class RawStream(asyncio.Protocol):
    """One SSE response read off the socket: its status, and whether `turn.done` came."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.opened = asyncio.Event()
        self.done = asyncio.Event()
        self.closed = asyncio.Event()
        self.saw_done = False
        self._head = b""
        self._tail = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.status is None:
            self._head += data
            if b"\r\n" not in self._head:
                return
            self.status = int(self._head.split(b" ", 2)[1])
            data, self._head = self._head, b""
            self.opened.set()
        # The frame may straddle two reads: keep the end of the last one.
        seen = self._tail + data
        if b"event: turn.done" in seen:
            self.saw_done = True
            self.done.set()
        self._tail = seen[-32:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.opened.set()
        self.done.set()
        self.closed.set()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_stream(base_url: str, session_id: str, turn_id: str) -> RawStream:
    parts = urlsplit(base_url)
    path = f"{parts.path.rstrip('/')}/v1/agents/sessions/{session_id}/turns/{turn_id}/subscribe"
    loop = asyncio.get_running_loop()
    _, stream = await loop.create_connection(RawStream, parts.hostname or "127.0.0.1", parts.port or 80)
    assert stream.transport is not None
    stream.transport.write(
        f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Accept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".encode()
    )
    async with asyncio.timeout(OPEN_TIMEOUT):
        await stream.opened.wait()
    if stream.status != 200:
        stream.close()
        raise RuntimeError(f"subscribe answered {stream.status}")
    return stream


async def idle_streams(deployment: Deployment, redis: Redis, sizes: LoadSizes) -> Outcome:
    target, turn_count = sizes.idle_streams, max(1, min(sizes.idle_turns, sizes.idle_streams))
    outcome = Outcome(f"{target} idle streams on {turn_count} turns held for {sizes.hold_seconds:g} s")
    apis = deployment.named("api") + deployment.named("serve")
    base_url = deployment.base_urls[0]
    streams: list[RawStream] = []
    errors: Counter[str] = Counter()
    async with ClientPool(sizes.setup_concurrency) as requests:

        async def start(worker: int, _: int) -> tuple[str, str]:
            api = requests.api(worker, deployment.base_urls)
            session_id = await api.create_session(IDLE)
            return session_id, await api.start_turn(session_id, "idle")

        async def cancels(label: str) -> Summary:
            seconds: list[float] = []
            for index in range(CANCELS):
                session_id, _ = await start(index, index)
                api = requests.api(0, deployment.base_urls)
                begin = time.perf_counter()
                status = await api.cancel(session_id)
                seconds.append(time.perf_counter() - begin)
                if status != 200:
                    errors[f"{label} cancel {status}"] += 1
            return Summary.of(seconds)

        followed = await run_workers(turn_count, sizes.setup_concurrency, start)
        turns = [t for t in followed if not isinstance(t, Exception)]
        errors.update(describe_error(t) for t in followed if isinstance(t, Exception))
        idle_cancels = await cancels("idle")
        await asyncio.sleep(SETTLE_SECONDS)
        rss_before = _rss(apis)

        async def open_one(_: int, index: int) -> None:
            session_id, turn_id = turns[index % len(turns)]
            streams.append(await open_stream(base_url, session_id, turn_id))

        meter = deployment.cpu_meter()
        meter.start()
        setup_start = time.perf_counter()
        results = await run_workers(target, sizes.setup_concurrency, open_one)
        setup, setup_cpu = time.perf_counter() - setup_start, meter.percent()
        errors.update(describe_error(r) for r in results if isinstance(r, Exception))
        try:

            async def hold() -> None:
                await asyncio.sleep(sizes.hold_seconds)

            await metered(outcome, deployment, hold)
            rss_held = _rss(apis)
            open_now = sum(1 for s in streams if not s.closed.is_set())
            held_cancels = await cancels("held")
            ended_early = sum(1 for s in streams if s.closed.is_set())
            end_start = time.perf_counter()
            await run_workers(
                len(turns),
                sizes.setup_concurrency,
                lambda w, i: requests.api(w, deployment.base_urls).cancel(turns[i][0]),
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(END_TIMEOUT):
                    await asyncio.gather(*(s.done.wait() for s in streams))
            end_seconds = time.perf_counter() - end_start
        finally:
            for stream in streams:
                stream.close()
    got_done = sum(1 for s in streams if s.saw_done)
    growth = rss_held - rss_before
    outcome.add("idle.streams", f"idle streams held at once (of {target})", open_now, "count")
    outcome.add(
        "idle.api_rss", "  API RSS growth per idle stream (KiB)", growth / 1024 / max(1, open_now), "bytes"
    )
    outcome.add("idle.cancel_idle", "  cancel→200 p50, no stream open (ms)", idle_cancels.p50, "ms")
    outcome.add("idle.cancel_held", "  cancel→200 p50, streams held (ms)", held_cancels.p50, "ms")
    outcome.notes += [
        f"opened in {setup:.1f} s ({sizes.setup_concurrency} in flight; {cpu_text(setup_cpu)}); "
        f"API RSS {rss_before / 2**20:.0f} → {rss_held / 2**20:.0f} MiB",
        f"cancel→200 of another turn, {CANCELS} one at a time: no stream open p50 {idle_cancels.p50:.1f} "
        f"/ p99 {idle_cancels.p99:.1f} / max {idle_cancels.max:.1f} ms; {open_now} held p50 "
        f"{held_cancels.p50:.1f} / p99 {held_cancels.p99:.1f} / max {held_cancels.max:.1f} ms",
        f"{ended_early} closed before their turns' cancel; after it {got_done} of {len(streams)} got "
        f"turn.done within {end_seconds:.1f} s",
    ]
    outcome.notes += [f"error: {what} x{count}" for what, count in errors.items()]
    return outcome
