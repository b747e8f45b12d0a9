from typing import Literal

ApprovalDenyStatus = Literal["deny"]

APPROVAL_DENY_STATUS_VALUES: set[ApprovalDenyStatus] = {
    "deny",
}


def check_approval_deny_status(value: str) -> ApprovalDenyStatus:
    if value in APPROVAL_DENY_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {APPROVAL_DENY_STATUS_VALUES!r}"
    )
