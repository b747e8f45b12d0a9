from typing import Literal

TurnStateErrorStatus = Literal["error"]

TURN_STATE_ERROR_STATUS_VALUES: set[TurnStateErrorStatus] = {
    "error",
}


def check_turn_state_error_status(value: str) -> TurnStateErrorStatus:
    if value in TURN_STATE_ERROR_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TURN_STATE_ERROR_STATUS_VALUES!r}"
    )
