from typing import Literal

IfRunning = Literal["interrupt", "reject"]

IF_RUNNING_VALUES: set[IfRunning] = {
    "interrupt",
    "reject",
}


def check_if_running(value: str) -> IfRunning:
    if value in IF_RUNNING_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {IF_RUNNING_VALUES!r}"
    )
