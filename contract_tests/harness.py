"""Servers for the contract tests: the real app on a real port, so SSE streams are not buffered."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import uvicorn

from server.app import create_app
from server.config import Settings

TENANT = "truefoundry"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """The app under uvicorn on its own event loop in a daemon thread."""

    def __init__(
        self, settings: Settings, *, with_executor: bool = True, agent_paths: list[Path] | None = None
    ) -> None:
        self.port = free_port()
        app = create_app(settings, with_executor=with_executor, agent_paths=agent_paths)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=lambda: asyncio.run(self._server.serve()), daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What a client of the gateway is configured with: the URL up to the tenant."""
        return f"{self.root}/{TENANT}"

    def __enter__(self) -> ServerThread:
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
