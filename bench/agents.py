"""The load group's `scripted/echo` agents and the texts they echo back."""

from __future__ import annotations

from bench.config import LoadSizes

ECHO = "bench-echo"
FANOUT = "bench-fanout"
HELD = "bench-held"
IDLE = "bench-idle"
ONE_CHUNK = "bench-one-chunk"
MANY_CHUNKS = "bench-many-chunks"

ECHO_TEXT = "hello bench"
CHUNK = "lorem ip"
"""Eight characters: the text of every delta the fan-out and memory turns stream."""
IDLE_PARAMS = (2, 600_000)
"""A turn that runs and emits nothing for ten minutes (the spec's longest delay)."""
# A held turn must outlast its setup (a thousand streams opened a few dozen at a time) and the hold.
HELD_SETUP_ALLOWANCE_SECONDS = 120


def chunked_text(chunks: int) -> str:
    """A text scripted/echo splits into `chunks` deltas of exactly `CHUNK`."""
    return CHUNK * chunks


def held_chunks(sizes: LoadSizes) -> int:
    seconds = HELD_SETUP_ALLOWANCE_SECONDS + sizes.hold_seconds
    return max(2, min(10_000, int(seconds * 1000 / max(1, sizes.held_delay_ms))))


def load_agents(sizes: LoadSizes) -> dict[str, tuple[int, int]]:
    """name → (chunks, delay_ms)."""
    return {
        ECHO: (1, 0),
        FANOUT: (sizes.fanout_chunks, sizes.fanout_delay_ms),
        HELD: (held_chunks(sizes), sizes.held_delay_ms),
        IDLE: IDLE_PARAMS,
        ONE_CHUNK: (1, 0),
        MANY_CHUNKS: (sizes.memory_chunks, 0),
    }
