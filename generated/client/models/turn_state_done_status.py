from typing import Literal

TurnStateDoneStatus = Literal["done"]

TURN_STATE_DONE_STATUS_VALUES: set[TurnStateDoneStatus] = {
    "done",
}


def check_turn_state_done_status(value: str) -> TurnStateDoneStatus:
    if value in TURN_STATE_DONE_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TURN_STATE_DONE_STATUS_VALUES!r}"
    )
