from typing import Literal

ToolResponseEventType = Literal["tool.response"]

TOOL_RESPONSE_EVENT_TYPE_VALUES: set[ToolResponseEventType] = {
    "tool.response",
}


def check_tool_response_event_type(value: str) -> ToolResponseEventType:
    if value in TOOL_RESPONSE_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TOOL_RESPONSE_EVENT_TYPE_VALUES!r}"
    )
