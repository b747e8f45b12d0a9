"""The two topologies under test, started on a flushed Redis DB and stopped on the way out."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bench.client import HarnessApi
from bench.config import EXECUTOR_ID, IN_PROCESS_EXECUTOR_ID, SLOW_AGENT, STREAM_AGENT
from bench.cpu import CpuMeter
from bench.processes import (
    ServerProcess,
    api_process,
    base_url,
    executor_process,
    wait_ready,
    wait_registered,
)
from bench.redis_floor import redis_pid

# (chunks, delay_ms) of scripted/echo: a turn to cancel, and a long one that keeps streaming. The
# spec caps `chunks` at 10000 (100000 is refused with 400), so the long turn streams for 200 s.
SLOW_PARAMS = (1000, 50)
STREAM_PARAMS = (10000, 20)


@dataclass
class Deployment:
    api: HarnessApi
    processes: list[ServerProcess]
    redis_pid: int | None

    def cpu_meter(self) -> CpuMeter:
        pids = {p.name: p.pid for p in self.processes if p.pid is not None}
        if self.redis_pid is not None:
            pids["redis"] = self.redis_pid
        return CpuMeter(pids)

    def check_alive(self) -> None:
        for process in self.processes:
            process.check_alive()


def _processes(redis_url: str, separate_executor: bool) -> tuple[list[ServerProcess], int, str]:
    """The processes to start, the API's port, and the executor id that must register."""
    if separate_executor:
        api, port = api_process(redis_url, EXECUTOR_ID, with_executor=False)
        return [api, executor_process(redis_url, EXECUTOR_ID)], port, EXECUTOR_ID
    serve, port = api_process(redis_url, IN_PROCESS_EXECUTOR_ID, with_executor=True)
    return [serve], port, IN_PROCESS_EXECUTOR_ID


async def _register_agents(api: HarnessApi) -> None:
    await api.register_agent(SLOW_AGENT, *SLOW_PARAMS)
    await api.register_agent(STREAM_AGENT, *STREAM_PARAMS)


@asynccontextmanager
async def deployed(
    redis: Redis, redis_url: str, http: httpx.AsyncClient, *, separate_executor: bool
) -> AsyncIterator[Deployment]:
    await redis.flushdb()
    processes, port, executor_id = _processes(redis_url, separate_executor)
    try:
        for process in processes:
            process.start()
        await wait_ready(processes[0], port)
        await wait_registered(processes[-1], redis, executor_id)
        api = HarnessApi(http, base_url(port))
        await _register_agents(api)
        yield Deployment(api, processes, await redis_pid(redis))
    except BaseException:
        logs = ", ".join(f"{p.name} {p.log}" for p in processes)
        print(f"[bench] stopping the servers early; their logs: {logs}", file=sys.stderr, flush=True)
        raise
    finally:
        for process in processes:
            process.stop()
        with contextlib.suppress(RedisError, OSError):
            await redis.flushdb()
