from typing import Literal

ApprovalAllowStatus = Literal["allow"]

APPROVAL_ALLOW_STATUS_VALUES: set[ApprovalAllowStatus] = {
    "allow",
}


def check_approval_allow_status(value: str) -> ApprovalAllowStatus:
    if value in APPROVAL_ALLOW_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {APPROVAL_ALLOW_STATUS_VALUES!r}"
    )
