"""Knobs of one bench run: the command line picks groups, size and topologies; `BENCH_*` environment
variables override single sizes (e.g. `BENCH_HELD_STREAMS=2000`)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
TENANT = "truefoundry"
TOKEN = "bench"
EXECUTOR_ID = "benchx"
IN_PROCESS_EXECUTOR_ID = "benchi"
SLOW_AGENT = "bench-slow"
STREAM_AGENT = "bench-stream"
# The server pools up to 10,000 Redis connections itself (each open SSE stream holds one in XREAD
# BLOCK). BENCH_SERVER_MAX_CONNECTIONS=n adds `max_connections=n` to the servers' URL, to see
# what a smaller pool does; 0 leaves the URL alone.
DEFAULT_SERVER_MAX_CONNECTIONS = 0


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class CancelSizes:
    iterations: int
    warmup: int
    background: int
    rtt_samples: int


@dataclass(frozen=True)
class LoadSizes:
    """Every count of the load group; `rounds` repeats each throughput figure (the median is shown)."""

    rounds: int
    sessions: int
    session_concurrency: int
    latency_turns: int
    history_turns: int
    """Turns a session runs before its deep-history latencies are timed (the executor reads up to 200)."""
    turns: int
    turn_concurrency: int
    fanout_turns: int
    fanout_subscribers: int
    fanout_chunks: int
    fanout_delay_ms: int
    held_streams: int
    held_delay_ms: int
    hold_seconds: float
    idle_streams: int
    idle_turns: int
    setup_concurrency: int
    memory_sessions: int
    memory_short_turns: int
    memory_turns: int
    memory_chunks: int


@dataclass(frozen=True)
class PeerSizes:
    """The peers group (`BENCH_PEER_<NAME>` overrides one): per round and system, `cancels` and
    `first_events` one at a time, then `turns` with `concurrency` in flight."""

    rounds: int
    cancels: int
    first_events: int
    turns: int
    concurrency: int
    warmup: int


@dataclass(frozen=True)
class CostSizes:
    """The cost group (`BENCH_COST_OPS`): each operation this many times, one after another."""

    ops: int


FULL_PEERS = PeerSizes(rounds=3, cancels=50, first_events=50, turns=400, concurrency=20, warmup=5)
QUICK_PEERS = PeerSizes(rounds=1, cancels=5, first_events=5, turns=40, concurrency=20, warmup=1)
FULL_COST = CostSizes(ops=100)
QUICK_COST = CostSizes(ops=20)

FULL_CANCEL = CancelSizes(iterations=200, warmup=10, background=100, rtt_samples=1000)
QUICK_CANCEL = CancelSizes(iterations=10, warmup=2, background=10, rtt_samples=100)

FULL_LOAD = LoadSizes(
    rounds=3,
    sessions=2000,
    session_concurrency=32,
    latency_turns=300,
    history_turns=200,
    turns=1000,
    turn_concurrency=32,
    fanout_turns=10,
    fanout_subscribers=20,
    fanout_chunks=2000,
    fanout_delay_ms=0,
    held_streams=1000,
    held_delay_ms=1000,
    hold_seconds=10.0,
    idle_streams=2000,
    idle_turns=100,
    setup_concurrency=50,
    memory_sessions=5000,
    memory_short_turns=1000,
    memory_turns=20,
    memory_chunks=2000,
)
QUICK_LOAD = LoadSizes(
    rounds=1,
    sessions=100,
    session_concurrency=8,
    latency_turns=20,
    history_turns=20,
    turns=40,
    turn_concurrency=8,
    fanout_turns=2,
    fanout_subscribers=4,
    fanout_chunks=200,
    fanout_delay_ms=0,
    held_streams=40,
    held_delay_ms=200,
    hold_seconds=1.0,
    idle_streams=40,
    idle_turns=4,
    setup_concurrency=20,
    memory_sessions=200,
    memory_short_turns=50,
    memory_turns=4,
    memory_chunks=200,
)


Sizes = TypeVar("Sizes", CancelSizes, LoadSizes, PeerSizes, CostSizes)


def with_env_overrides(sizes: Sizes, prefix: str = "BENCH_") -> Sizes:
    """`sizes` with each field replaced by `BENCH_<FIELD>` when that variable is set."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(sizes):
        raw = os.environ.get(prefix + field.name.upper())
        if raw is not None:
            changes[field.name] = float(raw) if isinstance(getattr(sizes, field.name), float) else int(raw)
    return dataclasses.replace(sizes, **changes)


@dataclass(frozen=True)
class BenchConfig:
    redis_url: str
    cancel: CancelSizes
    load: LoadSizes
    server_max_connections: int
    peers: PeerSizes = QUICK_PEERS
    cost: CostSizes = QUICK_COST
    cost_redis_url: str | None = None
    """The cost group's Redis (flushed); None: a redis-server of the bench's own."""
    executor_counts: tuple[int, ...] = (1, 2)
    api_replicas: int = 1
    quick: bool = False

    @property
    def server_redis_url(self) -> str:
        """`redis_url` as the servers get it: with `max_connections` when asked for and not set."""
        parts = urlsplit(self.redis_url)
        if not self.server_max_connections or "max_connections" in parse_qs(parts.query):
            return self.redis_url
        query = "&".join(q for q in (parts.query, f"max_connections={self.server_max_connections}") if q)
        return urlunsplit(parts._replace(query=query))

    @classmethod
    def from_env(
        cls, *, quick: bool = False, executor_counts: tuple[int, ...] = (1, 2), api_replicas: int = 1
    ) -> BenchConfig:
        return cls(
            redis_url=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
            cancel=with_env_overrides(QUICK_CANCEL if quick else FULL_CANCEL),
            load=with_env_overrides(QUICK_LOAD if quick else FULL_LOAD),
            peers=with_env_overrides(QUICK_PEERS if quick else FULL_PEERS, "BENCH_PEER_"),
            cost=with_env_overrides(QUICK_COST if quick else FULL_COST, "BENCH_COST_"),
            cost_redis_url=os.environ.get("BENCH_COST_REDIS_URL") or None,
            server_max_connections=_env_int("BENCH_SERVER_MAX_CONNECTIONS", DEFAULT_SERVER_MAX_CONNECTIONS),
            executor_counts=executor_counts,
            api_replicas=api_replicas,
            quick=quick,
        )
