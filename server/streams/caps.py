"""How many SSE streams one caller, and this replica, may hold open at once.

Counted per replica, in memory: a stream is a connection to this process, so its cost (a socket, a
buffer, a place in the fan-out) is this process's, and a cap needs no Redis round trip. A slot is
taken before anything else happens (before create-turn creates its turn) and given back when the
response ends, however it ends.
"""

from __future__ import annotations

from collections import Counter

from server import metrics
from server.errors import TooManyRequests

RETRY_AFTER_SECONDS = 5


class TooManyStreams(TooManyRequests):
    code = "too_many_streams"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class Slot:
    """One open stream's place under the caps; `release` is idempotent."""

    def __init__(self, caps: StreamCaps, caller: tuple[str, str]) -> None:
        self._caps: StreamCaps | None = caps
        self.caller = caller

    def release(self) -> None:
        if self._caps is not None:
            self._caps._release(self.caller)
            self._caps = None


class StreamCaps:
    def __init__(self, per_caller: int, total: int) -> None:
        self.per_caller = per_caller
        self.total = total
        self._by_caller: Counter[tuple[str, str]] = Counter()
        self._open = 0

    def acquire(self, tenant: str, subject_id: str) -> Slot:
        caller = (tenant, subject_id)
        if self._by_caller[caller] >= self.per_caller:
            metrics.SSE_STREAMS_REFUSED.labels("caller").inc()
            raise TooManyStreams(
                f"this caller already holds {self.per_caller} open streams on this server (the most "
                f"allowed); close one, or retry after {RETRY_AFTER_SECONDS}s"
            )
        if self._open >= self.total:
            metrics.SSE_STREAMS_REFUSED.labels("replica").inc()
            raise TooManyStreams(
                f"this server holds {self.total} open streams (the most it serves at once); "
                f"retry after {RETRY_AFTER_SECONDS}s, possibly on another replica"
            )
        self._by_caller[caller] += 1
        self._open += 1
        return Slot(self, caller)

    def _release(self, caller: tuple[str, str]) -> None:
        self._open -= 1
        self._by_caller[caller] -= 1
        if self._by_caller[caller] <= 0:
            del self._by_caller[caller]
