from typing import Literal

ReadinessResponseStatus = Literal["ok"]

READINESS_RESPONSE_STATUS_VALUES: set[ReadinessResponseStatus] = {
    "ok",
}


def check_readiness_response_status(value: str) -> ReadinessResponseStatus:
    if value in READINESS_RESPONSE_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {READINESS_RESPONSE_STATUS_VALUES!r}"
    )
