"""server/ids.py: session ids `<ulid>.<zone>`, turn ids `<ulid>.<zone>.<executor>`, lower-case ULIDs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from ulid import ULID

from server.ids import TurnId, new_session_id, new_turn_id, new_ulid, ulid_ceiling, ulid_floor, zone_of

LOWER_ULID = re.compile(r"[0-7][0-9a-hjkmnp-tv-z]{25}")


def _pattern(spec: dict[str, Any], name: str) -> re.Pattern[str]:
    return re.compile(spec["components"]["schemas"][name]["pattern"])


def test_new_ulid_is_a_lower_case_crockford_ulid() -> None:
    ulid = new_ulid()
    assert LOWER_ULID.fullmatch(ulid)
    assert ULID.from_str(ulid.upper())  # a real ULID, only lower-cased


def test_ulids_created_one_after_another_sort_in_creation_order() -> None:
    # The store orders sessions by id (zset score 0): lexicographic order must be creation order.
    ulids = [new_ulid() for _ in range(200)]
    assert ulids == sorted(ulids)
    assert len(set(ulids)) == len(ulids)


def test_new_session_id_matches_the_spec_and_carries_the_zone(spec: dict[str, Any]) -> None:
    session_id = new_session_id("eu1")
    assert _pattern(spec, "SessionIdString").match(session_id)
    ulid, zone = session_id.split(".")
    assert LOWER_ULID.fullmatch(ulid)
    assert zone == "eu1"


def test_new_turn_id_matches_the_spec_and_takes_the_sessions_zone(spec: dict[str, Any]) -> None:
    session_id = new_session_id("eu1")
    turn_id = new_turn_id(session_id, "ab12cd")
    assert _pattern(spec, "TurnIdString").match(turn_id)
    parsed = TurnId.parse(turn_id)
    assert (parsed.zone, parsed.executor) == ("eu1", "ab12cd")
    assert LOWER_ULID.fullmatch(parsed.ulid)
    assert parsed.ulid != session_id.split(".")[0]


def test_zone_of_reads_the_zone_of_a_session_id() -> None:
    assert zone_of("01arz3ndektsv4rrffq69g5fav.g") == "g"


def test_turn_id_parse_splits_into_its_three_parts() -> None:
    assert TurnId.parse("01arz3ndektsv4rrffq69g5fav.g.ab12cd") == TurnId(
        "01arz3ndektsv4rrffq69g5fav", "g", "ab12cd"
    )


@pytest.mark.parametrize(
    "not_a_turn_id",
    ["01arz3ndektsv4rrffq69g5fav.g", "01arz3ndektsv4rrffq69g5fav", "01arz3ndektsv4rrffq69g5fav.g.ab.cd", ""],
)
def test_turn_id_parse_refuses_ids_without_exactly_three_parts(not_a_turn_id: str) -> None:
    with pytest.raises(ValueError):
        TurnId.parse(not_a_turn_id)


def test_zone_of_refuses_an_id_without_a_zone() -> None:
    with pytest.raises(IndexError):
        zone_of("01arz3ndektsv4rrffq69g5fav")


@pytest.mark.parametrize("ms", [0, 1, 1_700_000_000_000, 1_700_000_000_003, 1_767_225_599_999, 2**42])
def test_ulid_floor_and_ceiling_bracket_every_ulid_of_that_millisecond(ms: int) -> None:
    floor, ceiling = ulid_floor(ms), ulid_ceiling(ms)
    assert LOWER_ULID.fullmatch(floor)
    assert LOWER_ULID.fullmatch(ceiling)
    for _ in range(20):
        ulid = str(ULID.from_timestamp(ms)).lower()
        assert floor <= ulid <= ceiling
    assert ULID.from_str(floor.upper()).milliseconds == ms
    assert ULID.from_str(ceiling.upper()).milliseconds == ms


@pytest.mark.parametrize("ms", [1, 1_700_000_000_000, 1_700_000_000_004])
def test_adjacent_milliseconds_have_disjoint_ulid_ranges(ms: int) -> None:
    assert ulid_ceiling(ms - 1) < ulid_floor(ms)
    assert ulid_ceiling(ms) < ulid_floor(ms + 1)
