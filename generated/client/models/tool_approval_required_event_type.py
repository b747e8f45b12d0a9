from typing import Literal

ToolApprovalRequiredEventType = Literal["tool.approval_required"]

TOOL_APPROVAL_REQUIRED_EVENT_TYPE_VALUES: set[ToolApprovalRequiredEventType] = {
    "tool.approval_required",
}


def check_tool_approval_required_event_type(
    value: str,
) -> ToolApprovalRequiredEventType:
    if value in TOOL_APPROVAL_REQUIRED_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {TOOL_APPROVAL_REQUIRED_EVENT_TYPE_VALUES!r}"
    )
