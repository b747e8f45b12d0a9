"""`python -m bench.fanout_readers [HELD] [PERIOD] [PROBES]`: the SSE fan-out alone, no HTTP.

HELD turn logs are followed through one `Fanout` in this process (idle when PERIOD is 0, else each
gets a delta every PERIOD seconds, written by a separate process), then PROBES times, one after
another: a new log is followed and its `turn.done` appended; the time until its follower has it is
what a cancelled turn's stream waits for. Prints p50/p99, this process's and Redis's CPU, and the
fan-out's memory per followed log. Redis: BENCH_REDIS_URL (its database is flushed)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import redis as sync_redis

from bench.stats import Summary
from server.config import Settings
from server.store.redis import Store
from server.streams.fanout import Fanout

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
PREFIX = "ah:fanout-bench"
TICK = 0.01
SETTLE_SECONDS = 2.0
JOINED_SECONDS = 0.03
"""After a probe's follow starts, before its turn.done: its reader's read names it by then."""


def write(url: str, period: float, seconds: float, logs: list[str]) -> None:
    """The other process: a delta on each of `logs` every `period` seconds, for `seconds`."""
    client, end = sync_redis.Redis.from_url(url), time.time() + seconds
    seq = dict.fromkeys(logs, 1)
    per_tick = max(1, int(len(logs) * TICK / period))
    while time.time() < end:
        with client.pipeline(transaction=False) as pipe:
            for log in random.sample(logs, min(per_tick, len(logs))):
                seq[log] += 1
                pipe.xadd(log, _event(seq[log], "model.delta"), id=f"0-{seq[log]}")
            pipe.execute()
        time.sleep(TICK)


def _event(seq: int, kind: str) -> dict[Any, Any]:
    return {"e": json.dumps({"type": kind, "sequence_number": seq})}


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _redis_cpu(client: sync_redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


async def run(url: str, held: int, period: float, probes: int) -> str:
    client = sync_redis.Redis.from_url(url, decode_responses=True)
    client.flushdb()
    store = await Store.open(url, "bench")
    fanout = Fanout(store, Settings(redis_url=url))
    logs = [f"{PREFIX}:held:{i}:events" for i in range(held)]
    with client.pipeline(transaction=False) as pipe:
        for log in logs:
            pipe.xadd(log, _event(1, "turn.created"), id="0-1")
        pipe.execute()

    async def drain(log: str) -> None:
        async for _ in fanout.follow(log, 1, 1):
            pass

    rss = _rss_kib()
    followers = [asyncio.create_task(drain(log)) for log in logs]
    await asyncio.sleep(SETTLE_SECONDS)
    per_log_kib = (_rss_kib() - rss) / max(1, held)
    writer = None
    if held and period > 0:
        duration = str(SETTLE_SECONDS + probes * 0.1)
        writer = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.fanout_readers", "--write", url, str(period), duration, *logs
        )
        await asyncio.sleep(1)
    cpu, redis_cpu, start = time.process_time(), _redis_cpu(client), time.perf_counter()
    seconds: list[float] = []
    try:
        for i in range(probes):
            log = f"{PREFIX}:probe:{i}:events"
            client.xadd(log, _event(1, "turn.created"), id="0-1")
            probe = asyncio.create_task(drain(log))
            await asyncio.sleep(JOINED_SECONDS)
            appended = time.perf_counter()
            await asyncio.to_thread(client.xadd, log, _event(2, "turn.done"), id="0-2")
            await probe
            seconds.append(time.perf_counter() - appended)
    finally:
        elapsed = time.perf_counter() - start
        if writer is not None:
            writer.kill()
            await writer.wait()
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        await fanout.close()
        await store.close()
    latency = Summary.of(seconds)
    result = (
        f"{held} followed logs ({'idle' if period <= 0 else f'a delta each every {period:g} s'}): "
        f"turn.done → its stream p50 {latency.p50:.2f} ms, p99 {latency.p99:.2f} ms ({probes} probes); "
        f"fan-out process CPU {100 * (time.process_time() - cpu) / elapsed:.0f}%, "
        f"Redis CPU {100 * (_redis_cpu(client) - redis_cpu) / elapsed:.0f}%; "
        f"fan-out RSS per followed log {per_log_kib:.1f} KiB"
    )
    client.close()
    return result


def main(argv: list[str]) -> None:
    if argv[:1] == ["--write"]:
        write(argv[1], float(argv[2]), float(argv[3]), argv[4:])
        return
    held, period, probes = (int(argv[0]) if argv else 10_000), float(argv[1] if len(argv) > 1 else 0), 100
    if len(argv) > 2:
        probes = int(argv[2])
    print(asyncio.run(run(os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL), held, period, probes)))


if __name__ == "__main__":
    main(sys.argv[1:])
