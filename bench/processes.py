"""The servers under test, each a `python -m server.cli` subprocess logging to a temp file.

Children run in their own session (a Ctrl-C in the terminal reaches only the bench, which then
stops them in order) and, on Linux, get SIGTERM should the bench itself die without cleaning up.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from redis.asyncio import Redis

from bench.config import TENANT
from server.store import keys

_REPO = Path(__file__).resolve().parent.parent
_PR_SET_PDEATHSIG = 1
_STOP_SECONDS = 10
_READY_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ServerProcess:
    """One `agent-harness` subcommand; `stop()` is idempotent and safe from atexit."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.args = args
        self.env = {**os.environ, **env}
        fd, path = tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")
        os.close(fd)
        self.log = Path(path)
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "server.cli", *self.args],
                cwd=_REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        atexit.register(self.stop)

    def check_alive(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited; log {self.log}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(_STOP_SECONDS)

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

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def _env(redis_url: str, executor_id: str) -> dict[str, str]:
    # The bench holds all its streams with one token: the per-caller stream cap must not be its limit.
    return {
        "HARNESS_REDIS_URL": redis_url,
        "HARNESS_EXECUTOR_ID": executor_id,
        "HARNESS_MAX_STREAMS_PER_CALLER": "100000",
        "HARNESS_MAX_STREAMS": "100000",
    }


def api_process(
    redis_url: str, executor_id: str, *, with_executor: bool, name: str | None = None
) -> tuple[ServerProcess, int]:
    port = free_port()
    args = ["serve", "--port", str(port), "--log-level", "warning"]
    if not with_executor:
        args.append("--no-executor")
    name = name or ("serve" if with_executor else "api")
    return ServerProcess(name, args, _env(redis_url, executor_id)), port


def executor_process(redis_url: str, executor_id: str, name: str = "executor") -> ServerProcess:
    return ServerProcess(name, ["executor", "--log-level", "info"], _env(redis_url, executor_id))


def raise_fd_limit(needed: int) -> int:
    """Raise this process's open-file limit (the servers inherit it) towards `needed`, within the
    hard limit: a held SSE stream costs a socket here, and one socket plus one Redis connection in
    the API. Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/{TENANT}"


async def wait_ready(process: ServerProcess, port: int) -> None:
    deadline = time.monotonic() + _READY_SECONDS
    async with httpx.AsyncClient(timeout=1) as client:
        while True:
            process.check_alive()
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{process.name} not ready after {_READY_SECONDS}s; log {process.log}")
            await asyncio.sleep(0.05)


async def wait_registered(process: ServerProcess, redis: Redis, executor_id: str) -> None:
    deadline = time.monotonic() + _READY_SECONDS
    while await redis.zscore(keys.executors(), executor_id) is None:
        process.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"executor {executor_id} did not register; log {process.log}")
        await asyncio.sleep(0.05)
