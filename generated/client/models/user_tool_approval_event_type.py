from typing import Literal

UserToolApprovalEventType = Literal["user.tool_approval"]

USER_TOOL_APPROVAL_EVENT_TYPE_VALUES: set[UserToolApprovalEventType] = {
    "user.tool_approval",
}


def check_user_tool_approval_event_type(value: str) -> UserToolApprovalEventType:
    if value in USER_TOOL_APPROVAL_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {USER_TOOL_APPROVAL_EVENT_TYPE_VALUES!r}"
    )
