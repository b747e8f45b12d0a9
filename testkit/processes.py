"""The harness's own processes for tests and the bench: `agent-harness serve` / `executor` as operators
run them, each a `python -m server.cli` subprocess on a free loopback port, logging to a temp file and
stopped by PID; and the waiting both need (`wait_until`, free ports).

A `detached` process (the bench's) runs in a session of its own (a Ctrl-C in the terminal reaches only
the parent, which then stops its children in order), gets SIGTERM on Linux should the parent die
without cleaning up, and is stopped at exit. The tests' processes are not detached: pytest stops them.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx

from server.store import keys
from testkit.api import tenant_url
from testkit.redis_clients import sync_client

REPO = Path(__file__).resolve().parent.parent
READY_SECONDS = 30
STOP_SECONDS = 10
# A cluster node's bus port is its port + 10000, so ports handed out with one stay below 65535.
HIGHEST_PORT = 55535
_PR_SET_PDEATHSIG = 1

T = TypeVar("T")


def free_port() -> int:
    """A loopback port free now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default range starts here


def picked_port_range(worker: str | None, workers: int) -> tuple[int, int]:
    """Where `free_ports` picks: below the kernel's ephemeral range, bus ports included, so no port
    the kernel hands out (a `free_port`, an outgoing connection's source port) takes one between the
    pick and the server's bind; and a slice of its own for each pytest-xdist worker (`gwN` of
    `workers`), so two workers never pick the same port at once."""
    low, high = 10000, min(HIGHEST_PORT, ephemeral_floor() - 10001)
    if high - low < 4000:  # an unusual ephemeral range: share the old one instead
        low, high = 20000, HIGHEST_PORT
    if worker and worker.startswith("gw") and workers > 1:
        width = (high - low + 1) // workers
        low += int(worker[2:]) * width
        high = low + width - 1
    return low, high


def free_ports(count: int, *, with_bus: bool = False) -> list[int]:
    """`count` distinct loopback ports <= HIGHEST_PORT free now (and, `with_bus`, each one's port + 10000)."""
    low, high = picked_port_range(
        os.environ.get("PYTEST_XDIST_WORKER"), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    )
    found: list[int] = []
    while len(found) < count:
        port = random.randint(low, high)
        if port in found or not _bindable(port) or (with_bus and not _bindable(port + 10000)):
            continue
        found.append(port)
    return found


def wait_until(condition: Callable[[], T], timeout: float, message: str, interval: float = 0.02) -> T:
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {message}")
        time.sleep(interval)


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ServerProcess:
    """One `agent-harness` subcommand in a process of its own; `stop()` is idempotent."""

    def __init__(
        self, args: list[str], env: dict[str, str], *, name: str = "agent-harness", detached: bool = False
    ) -> None:
        self.name = name
        self.args = args
        self.env = {**os.environ, **env}
        self.detached = detached
        self.popen: subprocess.Popen[bytes] | None = None
        # A file, not a pipe: nobody drains a pipe during a test, and a full one blocks the process.
        fd, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".log")
        os.close(fd)
        self.log = Path(path)

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def start(self) -> Self:
        detached: dict[str, Any] = (
            {"cwd": REPO, "start_new_session": True, "preexec_fn": _die_with_parent} if self.detached else {}
        )
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "server.cli", *self.args],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                **detached,
            )
        if self.detached:
            atexit.register(self.stop)
        return self

    def check_alive(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited; log {self.log}:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up, as when a machine vanishes."""
        if self.popen and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(STOP_SECONDS)

    def stop(self) -> None:
        """SIGTERM and wait; SIGKILL should it not be gone within STOP_SECONDS."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()

    def terminate(self) -> None:
        """SIGTERM without waiting: the process shuts down gracefully while the caller watches."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float) -> int:
        assert self.popen is not None
        return self.popen.wait(timeout)

    def rss_bytes(self) -> int | None:
        """Resident memory now (Linux /proc), or None once the process is gone."""
        if self.pid is None:
            return None
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


class ApiProcess(ServerProcess):
    """`agent-harness serve` on a free port: an API replica only, or (`with_executor`, `agents`) what
    `make run` starts. `start()` returns once /readyz answers 200 (`wait=False`: at once; then
    `wait_ready()` or, from a coroutine, `wait_ready_async()`)."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        with_executor: bool = False,
        log_level: str = "warning",
        agents: Path | None = None,
        workers: int | None = None,
        name: str | None = None,
        detached: bool = False,
    ) -> None:
        self.port = free_port()
        args = ["serve", "--port", str(self.port), "--log-level", log_level]
        if not with_executor:
            args.append("--no-executor")
        if workers is not None:
            args += ["--workers", str(workers)]
        if agents is not None:
            args += ["--agents", str(agents)]
        name = name or ("agent-harness-serve" if with_executor else "agent-harness-api")
        super().__init__(args, env, name=name, detached=detached)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What a client of the gateway is configured with: the URL up to the tenant."""
        return tenant_url(self.root)

    def start(self, *, wait: bool = True) -> Self:
        super().start()
        if wait:
            self.wait_ready()
        return self

    def _ready(self, response: httpx.Response | None) -> bool:
        if self.popen is None or self.popen.poll() is not None:
            raise RuntimeError(f"API replica exited ({self.name}, log {self.log}):\n{self.log_tail()}")
        return response is not None and response.status_code == 200

    def wait_ready(self, timeout: float = READY_SECONDS) -> None:
        def ready() -> bool:
            try:
                response: httpx.Response | None = httpx.get(f"{self.root}/readyz", timeout=1)
            except httpx.HTTPError:
                response = None
            return self._ready(response)

        wait_until(ready, timeout, f"the API replica on port {self.port} is ready", interval=0.05)

    async def wait_ready_async(self, within: float = READY_SECONDS) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=1) as client:
            while True:
                try:
                    response: httpx.Response | None = await client.get(f"{self.root}/readyz")
                except httpx.HTTPError:
                    response = None
                if self._ready(response):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not ready after {within}s; log {self.log}")
                await asyncio.sleep(0.05)


class ExecutorProcess(ServerProcess):
    """`agent-harness executor` under `executor_id`; `start()` returns once it has registered in Redis
    (`wait=False`: at once; then, from a coroutine, `wait_registered_async()`)."""

    def __init__(
        self,
        executor_id: str,
        env: dict[str, str],
        *,
        metrics_port: int | None = None,
        name: str | None = None,
        detached: bool = False,
    ) -> None:
        self.executor_id = executor_id
        self.metrics_port = metrics_port
        args = ["executor", "--log-level", "info"]
        if metrics_port is not None:
            args += ["--metrics-port", str(metrics_port)]
        env = {**env, "HARNESS_EXECUTOR_ID": executor_id}
        super().__init__(args, env, name=name or f"agent-harness-executor-{executor_id}", detached=detached)

    def start(self, redis_url: str | None = None, *, wait: bool = True) -> Self:
        super().start()
        if wait:
            client = sync_client(redis_url or self.env["HARNESS_REDIS_URL"])
            try:

                def registered() -> bool:
                    self.check_alive()
                    return client.zscore(keys.executors(), self.executor_id) is not None

                wait_until(registered, READY_SECONDS, f"executor {self.executor_id} has registered", 0.05)
            finally:
                client.close()
        return self

    async def wait_registered_async(self, redis: Any, within: float = READY_SECONDS) -> None:
        """`redis`: an asyncio client of the executor's Redis."""
        await wait_registered(self, redis, self.executor_id, within)


async def wait_registered(
    process: ServerProcess, redis: Any, executor_id: str, within: float = READY_SECONDS
) -> None:
    """Until `executor_id` has registered in `redis` (an asyncio client): an executor process, or the
    in-process executor of a `serve` without `--no-executor`."""
    deadline = time.monotonic() + within
    while await redis.zscore(keys.executors(), executor_id) is None:
        process.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"executor {executor_id} did not register; log {process.log}")
        await asyncio.sleep(0.05)
