"""The long-lived objects of one server process, created at startup and closed at shutdown."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from server.auth import TokenVerifier
from server.config import Settings
from server.executor.reaper import LeaseReaper
from server.executor.worker import Worker
from server.store.redis import Store

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    store: Store
    verifier: TokenVerifier
    worker: Worker | None
    reaper: LeaseReaper

    @property
    def local_executor(self) -> str | None:
        return self.worker.executor_id if self.worker else None


@asynccontextmanager
async def running(settings: Settings, *, with_executor: bool = True) -> AsyncIterator[Runtime]:
    store = await Store.open(settings.redis_url, settings.zone)
    if not await store.ping():
        await store.close()
        raise RuntimeError(
            f"Redis at {settings.redis_url} is unreachable; start it or unset HARNESS_REDIS_URL "
            "to use the embedded redis-server"
        )
    worker = Worker(store, settings) if with_executor else None
    if worker:
        await worker.start()
    reaper = LeaseReaper(store, settings)
    reaper.start()
    try:
        yield Runtime(settings, store, TokenVerifier(settings), worker, reaper)
    finally:
        await reaper.stop()
        if worker:
            await worker.stop()
        await store.close()
