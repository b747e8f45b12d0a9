"""Page tokens are keyset cursors whose forms the spec fixes (`*PageToken` parameters): the last
session id, agent name or sequence number returned, the turn to continue from, or, for a session's
events, `<turn id>:<sequence number>` of the next event. Only the last needs assembling."""

from __future__ import annotations


def session_event_token(turn_id: str, sequence_number: int) -> str:
    return f"{turn_id}:{sequence_number}"


def session_event_cursor(token: str) -> tuple[str, int]:
    turn_id, _, sequence_number = token.rpartition(":")
    return turn_id, int(sequence_number)
