from typing import Literal

McpAuthRequiredEventType = Literal["mcp.auth_required"]

MCP_AUTH_REQUIRED_EVENT_TYPE_VALUES: set[McpAuthRequiredEventType] = {
    "mcp.auth_required",
}


def check_mcp_auth_required_event_type(value: str) -> McpAuthRequiredEventType:
    if value in MCP_AUTH_REQUIRED_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MCP_AUTH_REQUIRED_EVENT_TYPE_VALUES!r}"
    )
