from typing import Literal

McpInitializeEventType = Literal["mcp.initialize"]

MCP_INITIALIZE_EVENT_TYPE_VALUES: set[McpInitializeEventType] = {
    "mcp.initialize",
}


def check_mcp_initialize_event_type(value: str) -> McpInitializeEventType:
    if value in MCP_INITIALIZE_EVENT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MCP_INITIALIZE_EVENT_TYPE_VALUES!r}"
    )
