from typing import Literal

ThreadStateDoneStatus = Literal["done"]

THREAD_STATE_DONE_STATUS_VALUES: set[ThreadStateDoneStatus] = {
    "done",
}


def check_thread_state_done_status(value: str) -> ThreadStateDoneStatus:
    if value in THREAD_STATE_DONE_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {THREAD_STATE_DONE_STATUS_VALUES!r}"
    )
