"""Servers for the contract tests: the real app on a real port, so SSE streams are not buffered."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

import httpx
import redis
import uvicorn
from starlette.types import ASGIApp

from contract_tests import deployments
from server.app import create_app
from server.config import Settings
from server.store import keys

TENANT = "truefoundry"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AppThread:
    """An ASGI app under uvicorn on its own event loop in a daemon thread."""

    def __init__(self, app: ASGIApp) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve()), daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)


class ServerThread(AppThread):
    """The agent harness app (with its in-process executor unless told otherwise)."""

    def __init__(
        self, settings: Settings, *, with_executor: bool = True, agent_paths: list[Path] | None = None
    ) -> None:
        super().__init__(create_app(settings, with_executor=with_executor, agent_paths=agent_paths))

    @property
    def base_url(self) -> str:
        """What a client of the gateway is configured with: the URL up to the tenant."""
        return f"{self.root}/{TENANT}"


class Process:
    """An `agent-harness` subcommand in a process of its own, as operators run it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.args = args
        self.env = {**os.environ, **env}
        self.popen: subprocess.Popen[bytes] | None = None
        # A file, not a pipe: nobody drains a pipe during a test, and a full one blocks the process.
        self.log = Path(tempfile.mkstemp(prefix="agent-harness-", suffix=".log")[1])

    def start(self) -> Process:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "server.cli", *self.args], env=self.env, stdout=log, stderr=log
            )
        return self

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up, as when a machine vanishes."""
        if self.popen and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def terminate(self) -> None:
        """SIGTERM without waiting: the process shuts down gracefully while the test watches."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float) -> int:
        assert self.popen is not None
        return self.popen.wait(timeout)

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()

    def stderr_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def wait_until(condition: Callable[[], object], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {message}")
        time.sleep(0.05)


class ApiProcess(Process):
    """`agent-harness serve` on a free port: an API replica only, or (`with_executor`, `agents`) what
    `make run` starts."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        with_executor: bool = False,
        log_level: str = "warning",
        agents: Path | None = None,
        workers: int | None = None,
    ) -> None:
        self.port = free_port()
        args = ["serve", "--port", str(self.port), "--log-level", log_level]
        if not with_executor:
            args.append("--no-executor")
        if workers is not None:
            args += ["--workers", str(workers)]
        if agents is not None:
            args += ["--agents", str(agents)]
        super().__init__(args, env)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/{TENANT}"

    def start(self) -> ApiProcess:
        super().start()

        def ready() -> bool:
            assert self.popen is not None
            if self.popen.poll() is not None:
                raise RuntimeError(f"API replica exited: {self.stderr_tail()}")
            try:
                return httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 30, f"the API replica on port {self.port} is ready")
        return self


class ExecutorProcess(Process):
    def __init__(self, executor_id: str, env: dict[str, str], *, metrics_port: int | None = None) -> None:
        self.executor_id = executor_id
        self.metrics_port = metrics_port
        args = ["executor", "--log-level", "info"]
        if metrics_port is not None:
            args += ["--metrics-port", str(metrics_port)]
        super().__init__(args, {**env, "HARNESS_EXECUTOR_ID": executor_id})

    def start(self, redis_url: str | None = None) -> ExecutorProcess:
        super().start()
        client = deployments.sync_client(redis_url or self.env["HARNESS_REDIS_URL"])

        def registered() -> bool:
            assert self.popen is not None
            if self.popen.poll() is not None:
                raise RuntimeError(f"executor exited: {self.stderr_tail()}")
            return client.zscore(keys.executors(), self.executor_id) is not None

        wait_until(registered, 30, f"executor {self.executor_id} has registered")
        client.close()
        return self


def turn_key(client: redis.Redis, tenant: str, turn_id: str, *, events: bool = False) -> str:
    """A turn's hash (or event log) key, found by the turn id alone: the key also names the turn's
    session, which a test holding only a turn id does not know. A key nobody has when none is there."""
    build = keys.turn_events if events else keys.turn
    for key in client.scan_iter(match=build(tenant, "*", turn_id), count=1000):
        return key.decode() if isinstance(key, bytes) else str(key)
    return build(tenant, "-", turn_id)
