"""A demo MCP server (built with the `mcp` SDK) for trying tools and approvals locally.

    .venv/bin/python examples/mcp/demo_server.py --port 8765   # streamable HTTP at /mcp
    .venv/bin/python examples/mcp/demo_server.py               # stdio
"""

from __future__ import annotations

import argparse
import asyncio

from mcp.server.mcpserver import MCPServer

demo = MCPServer("demo-tools")


@demo.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@demo.tool()
async def sleep(seconds: float) -> str:
    """Wait, then say so (a slow tool to cancel)."""
    await asyncio.sleep(seconds)
    return f"slept {seconds}s"


@demo.tool()
def delete_branch(name: str) -> str:
    """Pretend to delete a git branch: the kind of call a human should approve."""
    return f"deleted branch {name}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, help="serve streamable HTTP on this port (default: stdio)")
    args = parser.parse_args()
    if args.port:
        demo.run("streamable-http", port=args.port)
    else:
        demo.run("stdio")
