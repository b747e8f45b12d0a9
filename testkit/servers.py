"""Servers in this process: an ASGI app (the harness's, or a fake's) under uvicorn on a free loopback
port in a daemon thread, so SSE streams go over a real socket and are not buffered."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Self

import uvicorn
from starlette.types import ASGIApp

from server.app import create_app
from server.config import Settings
from testkit.api import tenant_url
from testkit.processes import free_port


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
        return tenant_url(self.root)
