"""A draining executor reads its inbox on for deliveries picked before the drain (the inbox step
follows START_TURN), but only within the shutdown grace: a server told to stop at once does."""

from __future__ import annotations

import time

from contract_tests.conftest import settings_for
from testkit.servers import ServerThread

REDIS_TIMEOUT_SECONDS = 10.0


def test_with_no_grace_the_drain_does_not_wait_out_the_redis_timeout(redis_url: str) -> None:
    settings = settings_for(redis_url, shutdown_grace_seconds=0, redis_timeout_seconds=REDIS_TIMEOUT_SECONDS)
    server = ServerThread(settings).__enter__()
    started = time.monotonic()
    server.__exit__()
    took = time.monotonic() - started
    # Before, the settle read on for the whole Redis timeout whatever the grace.
    assert took < REDIS_TIMEOUT_SECONDS / 2, f"stopping took {took:.2f}s"
