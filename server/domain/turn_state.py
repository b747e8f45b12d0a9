"""What a turn's terminal state says: the cancel reasons and the terminal states' wire shapes.

The state names and the terminal-once rule live in `server/store/turn_states.py`, which the Lua
scripts read them from too; `FINISH_TURN` enforces the rule in Redis (the first writer to move a
turn out of `running` wins and appends the single `turn.done`). This module decides what to write.
"""

from __future__ import annotations

from enum import StrEnum

from generated.models import TurnMetrics, TurnStateCancelled, TurnStateDone, TurnStateError
from server.store.turn_states import TERMINAL, Status, is_terminal

__all__ = ["TERMINAL", "CancelReason", "Status", "TerminalState", "cancelled", "failed", "is_terminal"]


class CancelReason(StrEnum):
    SERVER_EXECUTION_TIMEOUT = "server-execution-timeout"
    """The agent's `timeout_seconds` passed."""
    CLIENT_CANCELLED = "client-cancelled"
    """The cancel endpoint (or deleting the session) stopped it."""
    CANCELLED_FOR_NEXT_TURN = "cancelled-for-next-turn"
    """A newer turn replaced it."""
    ABANDONED = "abandoned"
    """Its executor went away (shutdown or lost lease)."""


def cancelled(completed_at: str, reason: CancelReason, metrics: TurnMetrics | None) -> TurnStateCancelled:
    return TurnStateCancelled.model_validate(
        {"status": "cancelled", "reason": reason.value, "completed_at": completed_at, "metrics": metrics}
    )


def failed(completed_at: str, message: str, metrics: TurnMetrics | None) -> TurnStateError:
    return TurnStateError.model_validate(
        {"status": "error", "message": message, "completed_at": completed_at, "metrics": metrics}
    )


TerminalState = TurnStateDone | TurnStateCancelled | TurnStateError
