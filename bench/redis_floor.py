"""The Redis round-trip floor of this run (PING and a small EVALSHA), and facts about the machine."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.stats import Summary

_WARMUP = 50
# As small as a script gets while still touching the keyspace, like the server's own scripts do.
_SCRIPT = "return redis.call('EXISTS', KEYS[1])"


@dataclass(frozen=True)
class RedisFloor:
    ping: Summary
    evalsha: Summary


@dataclass(frozen=True)
class Machine:
    cpus: int
    cpu_model: str
    ram_gib: float
    kernel: str
    python: str
    redis_version: str
    load_average: tuple[float, float, float]


async def _timed(call: Callable[[], Awaitable[Any]], samples: int) -> list[float]:
    for _ in range(_WARMUP):
        await call()
    timings: list[float] = []
    for _ in range(samples):
        start = time.perf_counter()
        await call()
        timings.append(time.perf_counter() - start)
    return timings


async def measure_floor(redis: Redis, samples: int) -> RedisFloor:
    sha = await redis.script_load(_SCRIPT)
    ping = await _timed(redis.ping, samples)
    evalsha = await _timed(lambda: redis.evalsha(sha, 1, "bench:rtt"), samples)
    return RedisFloor(Summary.of(ping), Summary.of(evalsha))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


async def describe_machine(redis: Redis) -> Machine:
    info = await redis.info("server")
    return Machine(
        cpus=os.cpu_count() or 0,
        cpu_model=_cpu_model(),
        ram_gib=_ram_gib(),
        kernel=f"{platform.system()} {platform.release()}",
        python=platform.python_version(),
        redis_version=str(info.get("redis_version", "unknown")),
        load_average=os.getloadavg(),
    )


def _is_local_redis(pid: int) -> bool:
    try:
        return "redis" in Path(f"/proc/{pid}/comm").read_text()
    except OSError:
        return False


async def redis_pid(redis: Redis) -> int | None:
    """The Redis server's pid when it runs on this machine (its CPU time is then readable)."""
    pid = int((await redis.info("server")).get("process_id", 0))
    return pid if _is_local_redis(pid) else None
