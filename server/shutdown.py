"""Graceful shutdown of `agent-harness serve`: what happens between SIGTERM and exit.

uvicorn, on SIGTERM, stops accepting connections and waits (up to `timeout_graceful_shutdown`) for
open responses to finish before it runs the lifespan shutdown. Open SSE streams would never finish by
themselves, and an in-process executor would keep taking turns all that time, so the signal must
reach the app at once: `ServerWithShutdown` forwards it to the runtime, which ends every open stream
at a frame boundary and starts the executor's drain (see Runtime.begin_shutdown). A second signal
cuts the executor's grace period short.

SIGINT (Ctrl-C at a terminal) takes the same path. The terminal sends it to the whole foreground
process group, so the embedded redis-server runs in a session of its own (server/store/embedded.py)
and stays up until the drain has recorded every turn's end. uvicorn re-raises a captured signal once
it has shut down; for SIGINT that is a KeyboardInterrupt traceback after a clean stop, so a served
Ctrl-C is not re-raised and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

import uvicorn


class ShutdownSignal:
    """Carries a signal from uvicorn's handler to the app's event loop."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handler: Callable[[], None] | None = None

    def bind(self, handler: Callable[[], None]) -> None:
        """Called by the app's lifespan once its runtime is up."""
        self._loop = asyncio.get_running_loop()
        self._handler = handler

    def unbind(self) -> None:
        self._loop = self._handler = None

    def request(self) -> None:
        """Safe in a signal handler: it only schedules the handler on the loop."""
        loop, handler = self._loop, self._handler
        if loop is not None and handler is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(handler)


class ServerWithShutdown(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, shutdown: ShutdownSignal) -> None:
        super().__init__(config)
        self.shutdown_signal = shutdown

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self.shutdown_signal.request()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            # Reached only after a clean shutdown: the interrupt has been handled in full.
            self._captured_signals = [s for s in self._captured_signals if s != signal.SIGINT]
