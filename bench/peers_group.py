"""The peers group (`make bench-peers`): the same four scenarios against this project (API + one
executor process) and LangGraph's `langgraph dev` with trivial graphs, in interleaved rounds (the
order of the two flips every round, so neither always runs on a warmer or a quieter machine):

- cancel → 200 of a running turn that streams (ours: the bench's slow `scripted/echo` turn, after
  its first delta; theirs: a node emitting a custom event every 50 ms, after its first event);
- create turn → first model event, one at a time (ours: the first `model.*` SSE event; theirs: the
  run's first `updates` event, the node's answer), each turn the first of a new session / thread;
- turns/s with `concurrency` turns in flight, each worker on its own session / thread, turn after
  turn (zero-delay echo), and the server CPU per turn over that load, from /proc: ours is the API
  and executor processes (not Redis: the machine's Redis is shared, its CPU is everyone's), theirs
  the `langgraph dev` process tree (its in-memory runtime has no separate store).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from redis.asyncio import Redis

from bench.cancel_scenarios import SLOW_TEXT
from bench.cancels import start_running_turn, timed_cancel
from bench.client import ClientPool, new_http_client
from bench.config import BenchConfig, PeerSizes
from bench.cpu import tree_cpu_seconds
from bench.deployment import SLOW_PARAMS, Deployment, Topology, deployed
from bench.langgraph_dev import ECHO_GRAPH, TICKER_GRAPH, LangGraphApi, LangGraphDev, PeerRun
from bench.stats import Summary
from bench.table import Table
from bench.turn_rate import streamed_turn
from bench.workers import run_workers
from testkit.processes import ServerProcess

OURS = "this project (API + 1 executor)"
THEIRS = "LangGraph dev"
ECHO = "peer-echo"
SLOW = "peer-slow"
TEXT = "hello bench"
AGENTS = {ECHO: (1, 0), SLOW: SLOW_PARAMS}
CANCEL_TIMEOUT = 30.0


@dataclass
class SystemResult:
    cancel_200: list[float] = field(default_factory=list)
    first_event: list[float] = field(default_factory=list)
    loaded_done: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    cpu_per_turn: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass
class PeersResult:
    rounds: int
    concurrency: int
    systems: dict[str, SystemResult]


class _System:
    """One side of the comparison: the four scenarios on its own API."""

    name: str

    async def cancel_one(self) -> float | None:
        raise NotImplementedError

    async def first_event_one(self) -> float | None:
        raise NotImplementedError

    async def prepare_workers(self, concurrency: int) -> None:
        raise NotImplementedError

    async def turn(self, worker: int) -> float | None:
        """One trivial turn on the worker's session; create → end of its stream, or None."""
        raise NotImplementedError

    def cpu_seconds(self) -> float:
        raise NotImplementedError


class _Ours(_System):
    name = OURS

    def __init__(self, deployment: Deployment, pool: ClientPool) -> None:
        self.deployment, self.pool, self.api = deployment, pool, deployment.api
        self.sessions: list[str] = []

    async def cancel_one(self) -> float | None:
        sample = await timed_cancel(self.api, await start_running_turn(self.api, SLOW, SLOW_TEXT))
        return sample.to_200 if sample.status == 200 else None

    async def first_event_one(self) -> float | None:
        stream = await streamed_turn(self.api, await self.api.create_session(ECHO))
        return stream.since_sent(stream.model_at) if stream.ok else None

    async def prepare_workers(self, concurrency: int) -> None:
        apis = [self.pool.api(i, self.deployment.base_urls) for i in range(concurrency)]
        self.workers = apis
        self.sessions = [await api.create_session(ECHO) for api in apis]

    async def turn(self, worker: int) -> float | None:
        stream = await streamed_turn(self.workers[worker], self.sessions[worker])
        return stream.since_sent(stream.done_at) if stream.ok and stream.final_state == "done/-" else None

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds([p.pid for p in self.deployment.processes if p.pid is not None])


class _Theirs(_System):
    name = THEIRS

    def __init__(self, server: LangGraphDev, http: httpx.AsyncClient, pool: ClientPool) -> None:
        self.server, self.api, self.pool = server, LangGraphApi(http, server.base_url), pool
        self.threads: list[str] = []

    async def cancel_one(self) -> float | None:
        thread = await self.api.create_thread()
        started, run = asyncio.Event(), PeerRun()
        stream = asyncio.create_task(
            self.api.streamed_run(thread, TICKER_GRAPH, TEXT, mode="custom", started=started, run=run)
        )
        try:
            await asyncio.wait_for(started.wait(), CANCEL_TIMEOUT)
            if run.run_id is None or run.first_event_at is None:
                return None
            start = time.perf_counter()
            status = await self.api.cancel(thread, run.run_id)
            answered = time.perf_counter() - start
            await asyncio.wait_for(stream, CANCEL_TIMEOUT)
            return answered if status == 200 else None
        finally:
            if not stream.done():
                stream.cancel()
                await asyncio.gather(stream, return_exceptions=True)

    async def first_event_one(self) -> float | None:
        run = await self.api.streamed_run(await self.api.create_thread(), ECHO_GRAPH, TEXT)
        return run.first_event_at - run.sent_at if run.ok and run.first_event_at else None

    async def prepare_workers(self, concurrency: int) -> None:
        self.workers = [
            LangGraphApi(self.pool.clients[i % len(self.pool.clients)], self.server.base_url)
            for i in range(concurrency)
        ]
        self.threads = [await api.create_thread() for api in self.workers]

    async def turn(self, worker: int) -> float | None:
        run = await self.workers[worker].streamed_run(self.threads[worker], ECHO_GRAPH, TEXT)
        return run.done_at - run.sent_at if run.ok and run.done_at else None

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds([self.server.pid] if self.server.pid else [])


async def _sequential(count: int, one: Callable[[], Awaitable[float | None]], into: list[float]) -> int:
    errors = 0
    for _ in range(count):
        try:
            value = await one()
        except Exception:  # counted: figures, not assertions
            value = None
        if value is None:
            errors += 1
        else:
            into.append(value)
    return errors


async def _round(system: _System, result: SystemResult, sizes: PeerSizes, concurrency: int) -> None:
    result.errors += await _sequential(sizes.cancels, system.cancel_one, result.cancel_200)
    result.errors += await _sequential(sizes.first_events, system.first_event_one, result.first_event)
    await system.prepare_workers(concurrency)
    cpu, start = system.cpu_seconds(), time.perf_counter()
    done = await run_workers(sizes.turns, concurrency, lambda worker, _i: system.turn(worker))
    elapsed, cpu = time.perf_counter() - start, system.cpu_seconds() - cpu
    ok = [d for d in done if isinstance(d, float)]
    result.errors += len(done) - len(ok)
    result.loaded_done += ok
    result.rates.append(len(ok) / elapsed)
    result.cpu_per_turn.append(cpu / max(1, len(ok)))


async def peers_group(
    redis: Redis,
    config: BenchConfig,
    sizes: PeerSizes,
    logs: list[ServerProcess],
    progress: Callable[[str], None],
) -> PeersResult:
    server = LangGraphDev()
    systems = {OURS: SystemResult(), THEIRS: SystemResult()}
    try:
        server.start()
        async with (
            new_http_client() as http,
            ClientPool(sizes.concurrency) as pool,
            deployed(redis, config.server_redis_url, http, Topology(executors=1), AGENTS) as deployment,
        ):
            logs += deployment.processes
            await server.wait_ready()
            sides: list[_System] = [_Ours(deployment, pool), _Theirs(server, http, pool)]
            for side in sides:
                await _sequential(sizes.warmup, side.cancel_one, [])
                await _sequential(sizes.warmup, side.first_event_one, [])
            for number in range(sizes.rounds):
                order = sides if number % 2 == 0 else sides[::-1]
                for side in order:
                    progress(f"peers round {number + 1}/{sizes.rounds}: {side.name}")
                    await _round(side, systems[side.name], sizes, sizes.concurrency)
            deployment.check_alive()
    finally:
        server.stop()
        progress(f"langgraph dev log: {server.log}")
    return PeersResult(sizes.rounds, sizes.concurrency, systems)


def _ms(values: list[float]) -> Summary:
    return Summary.of(values)


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs > 0 else "n/a"


def peers_table(result: PeersResult) -> Table:
    table = Table(["figure", OURS, THEIRS, "this ÷ LangGraph"])
    ours, theirs = result.systems[OURS], result.systems[THEIRS]
    for label, attr in (("cancel → 200", "cancel_200"), ("create turn → first model event", "first_event")):
        a, b = _ms(getattr(ours, attr)), _ms(getattr(theirs, attr))
        table.add(f"{label} p50 (ms)", f"{a.p50:.1f}", f"{b.p50:.1f}", _ratio(a.p50, b.p50))
        table.add(f"{label} p99 (ms)", f"{a.p99:.1f}", f"{b.p99:.1f}", _ratio(a.p99, b.p99))
    rate_a, rate_b = statistics.median(ours.rates), statistics.median(theirs.rates)
    table.add(
        f"turns / s, {result.concurrency} in flight (median round)",
        f"{rate_a:.0f}",
        f"{rate_b:.0f}",
        _ratio(rate_a, rate_b),
    )
    cpu_a, cpu_b = (1000 * statistics.median(s.cpu_per_turn) for s in (ours, theirs))
    table.add(
        "server CPU per trivial turn (ms, median round)", f"{cpu_a:.1f}", f"{cpu_b:.1f}", _ratio(cpu_a, cpu_b)
    )
    done_a, done_b = _ms(ours.loaded_done), _ms(theirs.loaded_done)
    table.add(
        "  create turn → end of stream under that load, p50 (ms)",
        f"{done_a.p50:.1f}",
        f"{done_b.p50:.1f}",
        _ratio(done_a.p50, done_b.p50),
    )
    table.add("errors", str(ours.errors), str(theirs.errors), "")
    return table


def peers_details(result: PeersResult) -> list[str]:
    lines = [f"{result.rounds} interleaved round(s); the order flips every round"]
    for name, system in result.systems.items():
        lines.append(
            f"{name}: turns/s per round "
            + ", ".join(f"{r:.0f}" for r in system.rates)
            + "; CPU ms per turn per round "
            + ", ".join(f"{1000 * c:.1f}" for c in system.cpu_per_turn)
        )
    return lines


def peers_series(result: PeersResult) -> dict[str, tuple[str, dict[str, list[float]]]]:
    """file stem → (title, {system: samples in ms}) for the pictures."""

    def ms(attr: str) -> dict[str, list[float]]:
        return {name: [1000 * v for v in getattr(s, attr)] for name, s in result.systems.items()}

    return {
        "peers-cancel": ("cancel → 200 of a running turn", ms("cancel_200")),
        "peers-first-event": ("create turn → first model event, one at a time", ms("first_event")),
        "peers-turn-under-load": (
            f"create turn → end of stream, {result.concurrency} in flight",
            ms("loaded_done"),
        ),
    }
