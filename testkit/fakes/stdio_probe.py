"""A stdio MCP server that tells what it was started with: `whoami` answers its arguments and its
environment, so a test can prove a declared server runs with exactly the operator's fixed args and
env (`python -m testkit.fakes.stdio_probe ...`)."""

from __future__ import annotations

import json
import os
import sys

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations


def build() -> MCPServer:
    mcp = MCPServer("harness-stdio-probe", log_level="WARNING")

    @mcp.tool(annotations=ToolAnnotations(read_only_hint=True))
    def whoami() -> str:
        """This process's arguments (after the module) and environment."""
        return json.dumps({"args": sys.argv[1:], "env": dict(os.environ)})

    return mcp


if __name__ == "__main__":
    build().run("stdio")
