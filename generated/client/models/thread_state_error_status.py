from typing import Literal

ThreadStateErrorStatus = Literal["error"]

THREAD_STATE_ERROR_STATUS_VALUES: set[ThreadStateErrorStatus] = {
    "error",
}


def check_thread_state_error_status(value: str) -> ThreadStateErrorStatus:
    if value in THREAD_STATE_ERROR_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {THREAD_STATE_ERROR_STATUS_VALUES!r}"
    )
