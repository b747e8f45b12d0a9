from typing import Literal

TurnStateCancelledStatus = Literal["cancelled"]

TURN_STATE_CANCELLED_STATUS_VALUES: set[TurnStateCancelledStatus] = {
    "cancelled",
}


def check_turn_state_cancelled_status(value: str) -> TurnStateCancelledStatus:
    if value in TURN_STATE_CANCELLED_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TURN_STATE_CANCELLED_STATUS_VALUES!r}"
    )
