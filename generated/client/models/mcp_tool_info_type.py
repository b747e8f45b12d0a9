from typing import Literal

McpToolInfoType = Literal["mcp"]

MCP_TOOL_INFO_TYPE_VALUES: set[McpToolInfoType] = {
    "mcp",
}


def check_mcp_tool_info_type(value: str) -> McpToolInfoType:
    if value in MCP_TOOL_INFO_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MCP_TOOL_INFO_TYPE_VALUES!r}"
    )
