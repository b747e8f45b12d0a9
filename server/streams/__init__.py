"""This replica's SSE streams: the caps on how many may be open, and one fan-out per zone."""

from __future__ import annotations

from server.config import Settings
from server.store.redis import Store
from server.streams.caps import Slot, StreamCaps, TooManyStreams
from server.streams.fanout import Fanout
from server.streams.wheel import PingWheel

__all__ = ["Fanout", "PingWheel", "Slot", "StreamCaps", "Streams", "TooManyStreams"]


class Streams:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.caps = StreamCaps(settings.max_streams_per_caller, settings.max_streams)
        self.wheel = PingWheel(settings.sse_ping_seconds)
        self._fanouts: dict[str, Fanout] = {}

    def fanout(self, store: Store) -> Fanout:
        found = self._fanouts.get(store.zone.name)
        if found is None or found.store is not store:
            found = self._fanouts[store.zone.name] = Fanout(store, self.settings)
        return found

    async def close(self) -> None:
        for fanout in self._fanouts.values():
            await fanout.close()
        self._fanouts.clear()
        await self.wheel.close()
