from typing import Literal

ToolResponseRequiredEventType = Literal["tool.response_required"]

TOOL_RESPONSE_REQUIRED_EVENT_TYPE_VALUES: set[ToolResponseRequiredEventType] = {
    "tool.response_required",
}


def check_tool_response_required_event_type(
    value: str,
) -> ToolResponseRequiredEventType:
    if value in TOOL_RESPONSE_REQUIRED_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TOOL_RESPONSE_REQUIRED_EVENT_TYPE_VALUES!r}"
    )
