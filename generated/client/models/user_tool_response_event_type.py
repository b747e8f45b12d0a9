from typing import Literal

UserToolResponseEventType = Literal["user.tool_response"]

USER_TOOL_RESPONSE_EVENT_TYPE_VALUES: set[UserToolResponseEventType] = {
    "user.tool_response",
}


def check_user_tool_response_event_type(value: str) -> UserToolResponseEventType:
    if value in USER_TOOL_RESPONSE_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {USER_TOOL_RESPONSE_EVENT_TYPE_VALUES!r}"
    )
