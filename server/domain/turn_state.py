"""The turn state machine: its states, its legal transitions (as data) and the terminal-once rule.

    running ──▶ done | cancelled | error        (no transition leaves a terminal state)

Terminal-once is enforced in Redis by `FINISH_TURN` (store/lua.py): the first writer to move a turn
out of `running` wins and appends the single `turn.done`; this module only decides what to write.
"""

from __future__ import annotations

from enum import StrEnum

from generated.models import TurnMetrics, TurnStateCancelled, TurnStateDone, TurnStateError


class Status(StrEnum):
    RUNNING = "running"
    """Executing on the executor named in the turn id."""
    DONE = "done"
    """The agent finished (a turn paused for human input is `done` with `required_actions`)."""
    CANCELLED = "cancelled"
    """Stopped before finishing; `reason` says by whom."""
    ERROR = "error"
    """The turn failed; `message` says why."""


class CancelReason(StrEnum):
    SERVER_EXECUTION_TIMEOUT = "server-execution-timeout"
    """The agent's `timeout_seconds` passed."""
    CLIENT_CANCELLED = "client-cancelled"
    """The cancel endpoint (or deleting the session) stopped it."""
    CANCELLED_FOR_NEXT_TURN = "cancelled-for-next-turn"
    """A newer turn replaced it."""
    ABANDONED = "abandoned"
    """Its executor went away (shutdown or lost lease)."""


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RUNNING: frozenset({Status.DONE, Status.CANCELLED, Status.ERROR}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.ERROR: frozenset(),
}

TERMINAL = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)


def can_transition(current: Status, new: Status) -> bool:
    return new in TRANSITIONS[current]


def is_terminal(status: str) -> bool:
    return Status(status) in TERMINAL


def cancelled(completed_at: str, reason: CancelReason, metrics: TurnMetrics | None) -> TurnStateCancelled:
    return TurnStateCancelled.model_validate(
        {"status": "cancelled", "reason": reason.value, "completed_at": completed_at, "metrics": metrics}
    )


def failed(completed_at: str, message: str, metrics: TurnMetrics | None) -> TurnStateError:
    return TurnStateError.model_validate(
        {"status": "error", "message": message, "completed_at": completed_at, "metrics": metrics}
    )


TerminalState = TurnStateDone | TurnStateCancelled | TurnStateError
