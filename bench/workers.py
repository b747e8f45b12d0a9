"""A fixed number of concurrent workers working through numbered jobs: a closed-loop load, so
`concurrency` requests are in flight at any moment and the rate is what the server sustains."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def run_workers(
    count: int, concurrency: int, job: Callable[[int, int], Awaitable[T]]
) -> list[T | Exception]:
    """`job(worker, index)` for index in 0..count-1, on `concurrency` workers; each job's result or
    exception, by index. A worker runs its jobs one after another (a session runs one turn at a time)."""
    results: list[T | Exception] = [RuntimeError("not run")] * count
    indices = iter(range(count))

    async def worker(number: int) -> None:
        # One shared iterator: each index is taken by exactly one worker.
        for index in indices:
            try:
                results[index] = await job(number, index)
            except Exception as exc:  # counted by the scenario
                results[index] = exc

    await asyncio.gather(*(worker(n) for n in range(max(1, min(concurrency, count)))))
    return results


def failures(results: list[T | Exception]) -> list[Exception]:
    return [r for r in results if isinstance(r, Exception)]
