"""`agent-harness serve --workers N`: N API worker processes on one port, so every core serves.

The parent only supervises: it binds one listening socket per worker on the same port with
SO_REUSEPORT (the kernel spreads new connections over them by their addresses, where one shared
socket lets whichever worker wakes first take most of them), starts the embedded redis-server once
when no Redis is configured, and starts the workers. Each worker is a whole `serve` process of its
own (its own event loop, runtime, fan-out and, unless `--no-executor`, its own in-process executor
under its own executor id); everything they share lives in Redis already.

Signals: the workers run in sessions of their own, so a terminal's Ctrl-C reaches only the parent,
which hands each signal it gets to every worker as one SIGTERM: the first drains them (open streams
end, executors finish their turns), a second cuts the executors' grace period short, as it does for
one process (server/shutdown.py). The parent stops the embedded Redis only once every worker has
exited. A worker that exits unasked takes the others down with it and the parent exits 1: a partial
server is for the orchestrator to restart whole, and the lease reapers finish the turns it held.

Metrics: with more than one worker, prometheus_client's multiprocess mode (server/metrics.py): each
worker writes its series to files in a directory the parent owns, and `/metrics`, whichever worker
answers it, reports them merged (counters and histograms summed, gauges as each one's mode says).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

from server.config import Settings
from server.settings_reference import env_name

log = logging.getLogger("server.cli")

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 0.1
_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup v2 CPU quota (a container's
    `cpus: 2` on a 64-core node is 2, not 64)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = _CGROUP_CPU_MAX.read_text().split()
        if quota != "max":
            count = min(count, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def worker_count(requested: int | None, settings: Settings) -> int:
    """`--workers`, else HARNESS_WORKERS, else one per usable CPU in production and 1 in development."""
    if requested is not None:
        return requested
    if settings.workers is not None:
        return settings.workers
    return 1 if settings.development else usable_cpus()


def worker_executor_id(configured: str | None, index: int) -> str | None:
    """Worker 0 keeps a configured executor id, worker i becomes `<id>w<i>`: distinct, and the same
    again after a restart (so a restarted worker finalises what its previous incarnation held). None:
    each worker draws its own random id."""
    if configured is None or index == 0:
        return configured
    return f"{configured}w{index}"


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process is started with (pickled to it)."""

    index: int
    args: argparse.Namespace
    env: dict[str, str]
    log_format: str
    log_level: str


def _listeners(host: str, port: int, count: int) -> list[socket.socket]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # `--port 0`: the others join the port the first one got
            sock.listen(2048)
            sock.set_inheritable(True)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _worker_main(spec: WorkerSpec, sock: socket.socket) -> None:
    """A worker process: its own session (the terminal's SIGINT is the parent's to hand on), gone
    with the parent however the parent goes, then the one-process `serve` on the parent's socket."""
    os.setsid()
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    os.environ.update(spec.env)
    from server import cli, logs

    logs.configure(spec.log_format, spec.log_level)  # type: ignore[arg-type]
    cli.serve_one(spec.args, sockets=[sock], announce=spec.index == 0)


class Supervisor:
    def __init__(self, args: argparse.Namespace, settings: Settings, count: int) -> None:
        self.args = args
        self.settings = settings
        self.count = count
        self.processes: list[BaseProcess] = []
        self.signals = 0
        self.metrics_dir = tempfile.mkdtemp(prefix="agent-harness-metrics-")

    def _env(self, index: int, redis_url: str | None) -> dict[str, str]:
        """What a worker's settings differ in: the embedded Redis's URL, its own executor id."""
        env = {}
        if redis_url is not None:
            env[env_name("redis_url")] = redis_url
        configured = self.settings.executor_id if "executor_id" in self.settings.model_fields_set else None
        executor_id = worker_executor_id(configured, index)
        if executor_id is not None:
            env[env_name("executor_id")] = executor_id
        return env

    def _forward(self) -> None:
        self.signals += 1
        if self.signals == 1:
            log.info("shutting down %d workers", self.count)
        for process in self.processes:
            if process.pid is not None and process.exitcode is None:
                os.kill(process.pid, signal.SIGTERM)

    async def run(self) -> int:
        from server.store.embedded import EmbeddedRedis

        embedded = EmbeddedRedis() if self.settings.redis_url is None else None
        # In the environment each worker's interpreter starts with: prometheus_client picks its mode
        # when first imported, and spawn imports the parent's main module (server.cli) before the
        # worker's own code runs.
        os.environ[_METRICS_DIR] = self.metrics_dir
        sockets = _listeners(self.args.host, self.args.port, self.count)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._forward)
        try:
            if embedded is not None:
                await embedded.start()  # once, for all workers
            redis_url = embedded.url if embedded is not None else None
            context = multiprocessing.get_context("spawn")  # a fresh interpreter: no loop or lock copied
            for index, sock in enumerate(sockets):
                spec = WorkerSpec(
                    index,
                    self.args,
                    self._env(index, redis_url),
                    self.args.log_format or self.settings.log_format,
                    self.args.log_level,
                )
                process = context.Process(target=_worker_main, args=(spec, sock), name=f"worker-{index}")
                process.start()
                self.processes.append(process)
            for sock in sockets:
                sock.close()  # the workers hold them now
            log.info("serving with %d workers: pids %s", self.count, [p.pid for p in self.processes])
            return await self._wait()
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            for sock in sockets:
                sock.close()
            if embedded is not None:
                await embedded.stop()
            shutil.rmtree(self.metrics_dir, ignore_errors=True)

    async def _wait(self) -> int:
        status = 0
        while any(p.exitcode is None for p in self.processes):
            if not self.signals and any(p.exitcode is not None for p in self.processes):
                gone = [(p.pid, p.exitcode) for p in self.processes if p.exitcode is not None]
                log.error("worker exited unasked (pid, code): %s; stopping the others", gone)
                status = 1
                self._forward()
            await asyncio.sleep(_POLL_SECONDS)
        for process in self.processes:
            process.join()
        if not self.signals:
            status = 1
        return status


def supervise(args: argparse.Namespace, settings: Settings, count: int) -> int:
    status: int = asyncio.run(Supervisor(args, settings, count).run())
    return status
