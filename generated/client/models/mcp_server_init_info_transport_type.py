from typing import Literal

McpServerInitInfoTransportType = Literal["sse", "streamable-http"]

MCP_SERVER_INIT_INFO_TRANSPORT_TYPE_VALUES: set[McpServerInitInfoTransportType] = {
    "sse",
    "streamable-http",
}


def check_mcp_server_init_info_transport_type(
    value: str,
) -> McpServerInitInfoTransportType:
    if value in MCP_SERVER_INIT_INFO_TRANSPORT_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MCP_SERVER_INIT_INFO_TRANSPORT_TYPE_VALUES!r}"
    )
