"""The cancel group: cancel latency with the executor in its own process (idle, then under
streaming load) and inside the API process."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from bench.cancel_scenarios import ScenarioResult, idle_cancels, loaded_cancels
from bench.client import new_http_client
from bench.config import BenchConfig
from bench.deployment import Topology, deployed
from testkit.processes import ServerProcess


async def cancel_group(
    redis: Redis, config: BenchConfig, logs: list[ServerProcess], progress: Callable[[str], None]
) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    sizes, url = config.cancel, config.server_redis_url
    async with new_http_client() as http:
        async with deployed(redis, url, http, Topology(executors=1)) as deployment:
            logs += deployment.processes
            progress(f"separate executor: {sizes.iterations} cancels, idle")
            results.append(await idle_cancels("executor in another process", deployment, sizes))
            progress(f"separate executor: {sizes.iterations} cancels under {sizes.background} streams")
            results += await loaded_cancels(
                f"executor in another process, {sizes.background} streaming", deployment, sizes
            )
        async with deployed(redis, url, http, Topology(executors=0)) as deployment:
            logs += deployment.processes
            progress(f"in-process executor: {sizes.iterations} cancels, idle")
            results.append(await idle_cancels("executor in the API process", deployment, sizes))
    return results
