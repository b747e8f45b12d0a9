from typing import Literal

TurnStateRunningStatus = Literal["running"]

TURN_STATE_RUNNING_STATUS_VALUES: set[TurnStateRunningStatus] = {
    "running",
}


def check_turn_state_running_status(value: str) -> TurnStateRunningStatus:
    if value in TURN_STATE_RUNNING_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TURN_STATE_RUNNING_STATUS_VALUES!r}"
    )
