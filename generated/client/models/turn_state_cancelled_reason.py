from typing import Literal

TurnStateCancelledReason = Literal[
    "abandoned",
    "cancelled-for-next-turn",
    "client-cancelled",
    "server-execution-timeout",
]

TURN_STATE_CANCELLED_REASON_VALUES: set[TurnStateCancelledReason] = {
    "abandoned",
    "cancelled-for-next-turn",
    "client-cancelled",
    "server-execution-timeout",
}


def check_turn_state_cancelled_reason(value: str) -> TurnStateCancelledReason:
    if value in TURN_STATE_CANCELLED_REASON_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TURN_STATE_CANCELLED_REASON_VALUES!r}"
    )
