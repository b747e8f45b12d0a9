"""Knobs of one bench run, read from `BENCH_*` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
TENANT = "truefoundry"
TOKEN = "bench"
EXECUTOR_ID = "benchx"
IN_PROCESS_EXECUTOR_ID = "benchi"
SLOW_AGENT = "bench-slow"
STREAM_AGENT = "bench-stream"
# redis-py 8's asyncio pool defaults to 100 connections and fails the 101st ("Too many
# connections", which the API answers as 400 store_unavailable). Each open SSE stream holds one
# (XREAD BLOCK), so the servers get a bigger pool through the URL; BENCH_SERVER_MAX_CONNECTIONS=0
# leaves the URL alone and shows the failure.
DEFAULT_SERVER_MAX_CONNECTIONS = 1000


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass(frozen=True)
class BenchConfig:
    redis_url: str
    iterations: int
    warmup: int
    background_sessions: int
    rtt_samples: int
    server_max_connections: int

    @property
    def server_redis_url(self) -> str:
        """`redis_url` as the servers get it: with `max_connections` unless the URL sets it already."""
        parts = urlsplit(self.redis_url)
        if not self.server_max_connections or "max_connections" in parse_qs(parts.query):
            return self.redis_url
        query = "&".join(q for q in (parts.query, f"max_connections={self.server_max_connections}") if q)
        return urlunsplit(parts._replace(query=query))

    @classmethod
    def from_env(cls) -> BenchConfig:
        return cls(
            redis_url=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
            iterations=_int("BENCH_ITERATIONS", 200),
            warmup=_int("BENCH_WARMUP", 10),
            background_sessions=_int("BENCH_BACKGROUND", 100),
            rtt_samples=_int("BENCH_RTT_SAMPLES", 1000),
            server_max_connections=_int("BENCH_SERVER_MAX_CONNECTIONS", DEFAULT_SERVER_MAX_CONNECTIONS),
        )
