"""The long-lived objects of one server process, created at startup and closed at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from server.auth import TokenVerifier
from server.config import Settings
from server.executor.reaper import LeaseReaper
from server.executor.worker import Worker
from server.store.redis import Store
from server.streams import Streams

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    stores: dict[str, Store]
    """One Store per zone; the home zone's holds the agent registry and the sessions created here."""
    verifier: TokenVerifier
    workers: list[Worker]
    reapers: list[LeaseReaper]
    streams: Streams
    """The SSE streams' caps and fan-out (one blocking read per zone)."""
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    """Set on the first shutdown signal: open streams end, no new turn goes to this process."""

    @property
    def store(self) -> Store:
        return self.stores[self.settings.zone]

    def zone(self, name: str) -> Store | None:
        return self.stores.get(name)

    @property
    def local_executor(self) -> str | None:
        return self.settings.executor_id if self.workers and not self.stopping.is_set() else None

    def begin_shutdown(self) -> None:
        """The first call ends open streams and starts draining the executor; a later one (a second
        signal) ends the executor's grace period at once."""
        if self.stopping.is_set():
            log.warning("second shutdown signal: abandoning running turns now")
            for worker in self.workers:
                worker.give_up()
            return
        log.info("shutting down: ending open streams, executor takes no new turns")
        self.stopping.set()
        for worker in self.workers:
            worker.begin_drain()


async def _open_zones(settings: Settings) -> dict[str, Store]:
    urls: dict[str, str | None] = {settings.zone: settings.redis_url, **settings.zones}
    stores: dict[str, Store] = {}
    try:
        for name, url in urls.items():
            store = await Store.open(url, name)
            stores[name] = store
            if not await store.ping():
                raise RuntimeError(
                    f"Redis of zone {name!r} at {url} is unreachable; start it, fix HARNESS_REDIS_URL / "
                    "HARNESS_ZONES, or unset HARNESS_REDIS_URL to use the embedded redis-server"
                )
    except BaseException:
        for store in stores.values():
            await store.close()
        raise
    return stores


@asynccontextmanager
async def running(settings: Settings, *, with_executor: bool = True) -> AsyncIterator[Runtime]:
    stores = await _open_zones(settings)
    # An executor serves every zone: one worker (inbox, heartbeat, cancel channel) per zone's Redis.
    workers = [Worker(store, settings) for store in stores.values()] if with_executor else []
    reapers = [LeaseReaper(store, settings) for store in stores.values()]
    streams = Streams(settings)
    try:
        for worker in workers:
            await worker.start()
        for reaper in reapers:
            reaper.start()
        yield Runtime(settings, stores, TokenVerifier(settings), workers, reapers, streams)
    finally:
        await streams.close()
        for reaper in reapers:
            await reaper.stop()
        for worker in workers:
            await worker.stop()
        for store in stores.values():
            await store.close()
