"""The long-lived objects of one server process, created at startup and closed at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from server import metrics
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
    zones_up: dict[str, bool] = field(default_factory=dict)
    """Each zone's state as of the last probe."""

    @property
    def store(self) -> Store:
        return self.stores[self.settings.zone]

    def zone(self, name: str) -> Store | None:
        return self.stores.get(name)

    @property
    def local_executor(self) -> str | None:
        return self.settings.executor_id if self.workers and not self.stopping.is_set() else None

    async def probe_zones(self) -> dict[str, bool]:
        """Ping every zone's Redis at once, each within the Redis timeout: whether each answers. Zones
        fail alone, so one that is down or hung is reported, logged and counted, and nothing else."""
        names = list(self.stores)
        answers = await asyncio.gather(*(self.stores[name].ping() for name in names))
        for name, up in zip(names, answers, strict=True):
            if self.zones_up.get(name, True) != up:
                if up:
                    log.warning("the Redis of zone %r answers again", name)
                else:
                    log.warning(
                        "the Redis of zone %r cannot be reached; its requests answer 'store unavailable' "
                        "until it does (check HARNESS_REDIS_URL / HARNESS_ZONES)",
                        name,
                    )
            self.zones_up[name] = up
            metrics.ZONE_UP.labels(name).set(1 if up else 0)
        return dict(zip(names, answers, strict=True))

    async def _probe_forever(self) -> None:
        while True:
            await self.probe_zones()
            await asyncio.sleep(self.settings.zone_probe_seconds)

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
        self.streams.wheel.wake_all()
        for worker in self.workers:
            worker.begin_drain()


async def _open_zones(settings: Settings) -> dict[str, Store]:
    """A Store per zone. A zone whose Redis is down at start opens all the same (redis-py connects on
    first use) and serves once its Redis answers: a replica starts with the zones it can reach, and
    with none (it then reports not ready until its home zone answers)."""
    urls: dict[str, str | None] = {settings.zone: settings.redis_url, **settings.zones}
    stores: dict[str, Store] = {}
    try:
        for name, url in urls.items():
            stores[name] = await Store.open(url, name, settings.redis_timeout_seconds)
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
    runtime = Runtime(settings, stores, TokenVerifier(settings), workers, reapers, streams)
    probe: asyncio.Task[None] | None = None
    try:
        await runtime.probe_zones()  # logs each zone that is down, before anything waits on it
        probe = asyncio.create_task(runtime._probe_forever(), name="zone-probe")
        # Together: each returns after its first attempt, so zones that are down or hung cost one
        # Redis timeout at start, not one each.
        await asyncio.gather(*(worker.start() for worker in workers))
        for reaper in reapers:
            reaper.start()
        yield runtime
    finally:
        await streams.close()
        if probe is not None:
            probe.cancel()
            await asyncio.gather(probe, return_exceptions=True)
        for reaper in reapers:
            await reaper.stop()
        await asyncio.gather(*(worker.stop() for worker in workers))
        for store in stores.values():
            await store.close()
