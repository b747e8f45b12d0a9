"""Sentinels that hang (SIGSTOP: connections accepted, nothing answered) cost a new connection at most
the Redis timeout together, not the timeout each: redis-py asks them one after another."""

from __future__ import annotations

import os
import signal
import time

import pytest

from server.store.deployments import Mode
from server.store.redis import Store
from testkit.deployments import SentinelDeployment

TIMEOUT_SECONDS = 1.0

pytestmark = pytest.mark.parametrize("redis_deployment", [Mode.SENTINEL], indirect=True, scope="module")


async def test_two_hung_sentinels_of_three_still_find_the_primary_within_the_bound(
    redis_deployment: SentinelDeployment,
) -> None:
    hung = [node.process for node in redis_deployment.sentinels[:2]]  # the first ones asked
    store = await Store.open(redis_deployment.url, "g", TIMEOUT_SECONDS)
    try:
        for process in hung:
            assert process is not None
            os.kill(process.pid, signal.SIGSTOP)
        started = time.monotonic()
        assert await store.ping(), "the primary was not found within the bound"  # ping: at most the bound
        assert time.monotonic() - started < TIMEOUT_SECONDS + 0.5
    finally:
        for process in hung:
            assert process is not None
            os.kill(process.pid, signal.SIGCONT)
        await store.close()
