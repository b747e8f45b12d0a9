"""The topologies under test (API replicas, executors in their own processes or in the API's), each
started on a flushed Redis DB with the bench's agents registered, and stopped on the way out."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bench.client import HarnessApi
from bench.config import EXECUTOR_ID, IN_PROCESS_EXECUTOR_ID, SLOW_AGENT, STREAM_AGENT
from bench.cpu import CpuMeter
from bench.processes import api_process, executor_process
from bench.redis_floor import redis_pid
from testkit.processes import ApiProcess, ExecutorProcess, ServerProcess, wait_registered

# (chunks, delay_ms) of scripted/echo: a turn to cancel, and a long one that keeps streaming. The
# spec caps `chunks` at 10000 (100000 is refused with 400), so the long turn streams for 200 s.
SLOW_PARAMS = (1000, 50)
STREAM_PARAMS = (10000, 20)
CANCEL_AGENTS = {SLOW_AGENT: SLOW_PARAMS, STREAM_AGENT: STREAM_PARAMS}


@dataclass(frozen=True)
class Topology:
    executors: int
    """Executor processes (`agent-harness executor`); 0 runs the executor inside the API process."""
    api_replicas: int = 1

    @property
    def label(self) -> str:
        apis = f"{self.api_replicas} API" if self.api_replicas > 1 else "API"
        if self.executors == 0:
            return f"{apis} with its in-process executor"
        return f"{apis} + {self.executors} executor{'s' if self.executors > 1 else ''}"


@dataclass
class Deployment:
    topology: Topology
    apis: list[HarnessApi]
    processes: list[ServerProcess]
    redis_pid: int | None

    @property
    def api(self) -> HarnessApi:
        return self.apis[0]

    @property
    def base_urls(self) -> list[str]:
        return [api.base_url for api in self.apis]

    def named(self, prefix: str) -> list[ServerProcess]:
        return [p for p in self.processes if p.name.startswith(prefix)]

    def cpu_meter(self) -> CpuMeter:
        pids = {p.name: p.pid for p in self.processes if p.pid is not None}
        if self.redis_pid is not None:
            pids["redis"] = self.redis_pid
        return CpuMeter(pids)

    def check_alive(self) -> None:
        for process in self.processes:
            process.check_alive()


def _numbered(name: str, index: int, count: int) -> str:
    return name if count == 1 else f"{name}{index + 1}"


def _processes(redis_url: str, topology: Topology) -> tuple[list[ApiProcess], list[ExecutorProcess]]:
    """The API replicas and the executor processes to start. With in-process executors each replica
    runs its own, under its own id, and registers it before the deployment is ready."""
    in_process = topology.executors == 0
    apis: list[ApiProcess] = []
    for index in range(topology.api_replicas):
        executor_id = _numbered(IN_PROCESS_EXECUTOR_ID, index, topology.api_replicas)
        name = _numbered("serve" if in_process else "api", index, topology.api_replicas)
        apis.append(api_process(redis_url, executor_id, with_executor=in_process, name=name))
    ids = [_numbered(EXECUTOR_ID, i, topology.executors) for i in range(topology.executors)]
    executors = [
        executor_process(redis_url, executor_id, _numbered("executor", i, topology.executors))
        for i, executor_id in enumerate(ids)
    ]
    return apis, executors


@asynccontextmanager
async def deployed(
    redis: Redis,
    redis_url: str,
    http: httpx.AsyncClient,
    topology: Topology,
    agents: Mapping[str, tuple[int, int]] = CANCEL_AGENTS,
) -> AsyncIterator[Deployment]:
    """`agents`: name → (chunks, delay_ms) of a `scripted/echo` agent to register."""
    await redis.flushdb()
    replicas, executors = _processes(redis_url, topology)
    processes: list[ServerProcess] = [*replicas, *executors]
    try:
        for replica in replicas:
            replica.start(wait=False)
        for executor in executors:
            executor.start(wait=False)
        for replica in replicas:
            await replica.wait_ready_async()
        # Each executor process, or (none) each replica's in-process executor.
        for runner in executors or replicas:
            await wait_registered(runner, redis, runner.env["HARNESS_EXECUTOR_ID"])
        apis = [HarnessApi(http, replica.base_url) for replica in replicas]
        for name, (chunks, delay_ms) in agents.items():
            await apis[0].register_agent(name, chunks, delay_ms)
        yield Deployment(topology, apis, processes, await redis_pid(redis))
    except BaseException:
        logs = ", ".join(f"{p.name} {p.log}" for p in processes)
        print(f"[bench] stopping the servers early; their logs: {logs}", file=sys.stderr, flush=True)
        raise
    finally:
        for process in processes:
            process.stop()
        with contextlib.suppress(RedisError, OSError):
            await redis.flushdb()
