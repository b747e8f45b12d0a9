"""`python -m bench`: see bench/__init__.py."""

from __future__ import annotations

import asyncio
import signal
import sys

from redis.asyncio import Redis

from bench.client import new_http_client
from bench.config import BenchConfig
from bench.deployment import deployed
from bench.processes import ServerProcess
from bench.redis_floor import describe_machine, measure_floor
from bench.report import detail_lines, machine_lines, table_lines
from bench.scenarios import ScenarioResult, idle_cancels, loaded_cancels


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def emit(lines: list[str]) -> None:
    print("\n".join(lines), flush=True)


async def _scenarios(redis: Redis, config: BenchConfig, logs: list[ServerProcess]) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    background = config.background_sessions
    async with new_http_client() as http:
        async with deployed(redis, config.server_redis_url, http, separate_executor=True) as deployment:
            logs += deployment.processes
            progress(f"separate executor: {config.iterations} cancels, idle")
            results.append(await idle_cancels("executor in another process", deployment, config))
            progress(f"separate executor: {config.iterations} cancels under {background} streams")
            results += await loaded_cancels(
                f"executor in another process, {background} streaming", deployment, config
            )
        async with deployed(redis, config.server_redis_url, http, separate_executor=False) as deployment:
            logs += deployment.processes
            progress(f"in-process executor: {config.iterations} cancels, idle")
            results.append(await idle_cancels("executor in the API process", deployment, config))
    return results


async def run(config: BenchConfig) -> None:
    redis = Redis.from_url(config.redis_url, decode_responses=True)
    logs: list[ServerProcess] = []
    try:
        machine = await describe_machine(redis)
        progress(f"Redis round trips: {config.rtt_samples} PING, {config.rtt_samples} EVALSHA")
        floor = await measure_floor(redis, config.rtt_samples)
        emit(machine_lines(machine, floor, config.redis_url, config.server_redis_url))
        results = await _scenarios(redis, config, logs)
        emit(table_lines(results, floor) + detail_lines(results))
    finally:
        await redis.aclose()
        if logs:
            emit(["server logs: " + ", ".join(f"{p.name} {p.log}" for p in logs)])


async def main() -> None:
    task = asyncio.current_task()
    assert task is not None
    # SIGTERM unwinds like Ctrl-C: the `finally` blocks stop the servers.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    await run(BenchConfig.from_env())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("[bench] interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
