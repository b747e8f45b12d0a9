"""Sessions created per second: `session_concurrency` create-session requests in flight at once."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from bench.agents import ECHO
from bench.client import ClientPool
from bench.config import LoadSizes
from bench.deployment import Deployment
from bench.figures import Outcome, median_rate, metered
from bench.streams import describe_error
from bench.workers import failures, run_workers

WARMUP = 50


async def sessions_rate(deployment: Deployment, redis: Redis, sizes: LoadSizes) -> Outcome:
    outcome = Outcome("create session")
    concurrency = sizes.session_concurrency
    async with ClientPool(concurrency) as pool:

        async def create(worker: int, index: int) -> str:
            return await pool.api(index, deployment.base_urls).create_session(ECHO)

        await run_workers(min(WARMUP, sizes.sessions), concurrency, create)

        async def rounds() -> tuple[list[float], int]:
            rates, errors = [], 0
            for _ in range(sizes.rounds):
                start = time.perf_counter()
                results = await run_workers(sizes.sessions, concurrency, create)
                elapsed = time.perf_counter() - start
                failed = failures(results)
                errors += len(failed)
                rates.append((len(results) - len(failed)) / elapsed)
                if failed:
                    outcome.notes.append(f"first failure: {describe_error(failed[0])}")
            return rates, errors

        rates, errors = await metered(outcome, deployment, rounds)
    outcome.add(
        "sessions.rate",
        f"sessions created / s ({concurrency} requests in flight)",
        median_rate(outcome, "sessions/s", rates),
        "rate",
    )
    outcome.add("sessions.errors", "  create-session errors", errors, "count")
    outcome.notes.append(f"{sizes.rounds} round(s) of {sizes.sessions} sessions")
    return outcome
