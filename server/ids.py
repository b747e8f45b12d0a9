"""Identifiers: sessions `<ulid>.<zone>`, turns `<ulid>.<zone>.<executor>`, events plain ULIDs.

The patterns themselves live in the spec (`SessionIdString`, `TurnIdString`); connexion rejects
malformed ids before a handler runs, so this module only builds and splits ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ulid import ULID


def new_ulid(at: datetime | None = None) -> str:
    return str(ULID.from_datetime(at) if at else ULID()).lower()


def new_session_id(zone: str, at: datetime | None = None) -> str:
    """`at` is the session's `created_at`, so time-bounded listings over ids agree with it."""
    return f"{new_ulid(at)}.{zone}"


def new_turn_id(session_id: str, executor_id: str) -> str:
    return f"{new_ulid()}.{zone_of(session_id)}.{executor_id}"


def zone_of(session_id: str) -> str:
    return session_id.split(".")[1]


@dataclass(frozen=True)
class TurnId:
    ulid: str
    zone: str
    executor: str

    @classmethod
    def parse(cls, turn_id: str) -> TurnId:
        ulid, zone, executor = turn_id.split(".")
        return cls(ulid, zone, executor)


_MAX_ULID_MS = 2**48 - 1


def _time_prefix(ms: int) -> str:
    # A time before 1970 or after ULIDs end (year 10889) bounds nothing more than the ends do.
    return str(ULID.from_timestamp(max(0, min(ms, _MAX_ULID_MS)) / 1000)).lower()[:10]


def ulid_floor(ms: int) -> str:
    """Smallest ULID of a millisecond: lexicographic bounds for time-range queries on ids."""
    return _time_prefix(ms) + "0" * 16


def ulid_ceiling(ms: int) -> str:
    return _time_prefix(ms) + "z" * 16
