"""An executor starting while its Redis loses its keys (flushed or restarted) still starts."""

from __future__ import annotations

import redis

from contract_tests.conftest import settings_for
from server.executor.worker import Worker
from server.store import executors, keys
from server.store.redis import Store


async def test_an_inbox_gone_before_the_previous_incarnation_check_does_not_crash_the_start(
    redis_url: str, flush_redis: redis.Redis
) -> None:
    settings = settings_for(redis_url, executor_id="exstart")
    store = await Store.open(redis_url, settings.zone)
    worker = Worker(store, settings)
    try:
        await executors.ensure_inbox(store, worker.executor_id)
        flush_redis.delete(keys.executor_inbox(worker.executor_id))  # as a flush between the two steps

        await worker._finalise_previous_incarnation()

        groups = flush_redis.xinfo_groups(keys.executor_inbox(worker.executor_id))
        assert [group["name"] for group in groups] == [keys.EXECUTOR_GROUP]
    finally:
        await store.close()
