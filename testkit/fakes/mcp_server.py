"""An MCP server built with the `mcp` SDK for the tests: served over streamable HTTP from a test's
thread, or over stdio when run as `python -m testkit.fakes.mcp_server`.

`sleep` and `dangerous` record what happened to them in `LOG` (same process only), so a test can
assert a call was cancelled mid-way, or never made.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations


@dataclass
class CallLog:
    events: list[tuple[str, str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, tool: str, what: str) -> None:
        with self.lock:
            self.events.append((tool, what, time.monotonic()))

    def of(self, tool: str) -> list[str]:
        with self.lock:
            return [what for name, what, _ in self.events if name == tool]

    def when(self, tool: str, what: str) -> float | None:
        with self.lock:
            return next((at for name, w, at in self.events if name == tool and w == what), None)

    def clear(self) -> None:
        with self.lock:
            self.events.clear()


LOG = CallLog()


def build() -> MCPServer:
    mcp = MCPServer("harness-test-tools", log_level="WARNING")

    @mcp.tool(annotations=ToolAnnotations(read_only_hint=True))
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @mcp.tool(annotations=ToolAnnotations(read_only_hint=True))
    async def sleep(seconds: float) -> str:
        """Sleep, then say so: a slow tool for cancellation tests."""
        LOG.note("sleep", "started")
        try:
            await asyncio.sleep(seconds)
        except BaseException:
            LOG.note("sleep", "cancelled")
            raise
        LOG.note("sleep", "finished")
        return f"slept {seconds}s"

    @mcp.tool(annotations=ToolAnnotations(destructive_hint=True))
    def dangerous(target: str) -> str:
        """A tool that must be approved by a human before it runs."""
        LOG.note("dangerous", f"ran on {target}")
        return f"dropped {target}"

    return mcp


if __name__ == "__main__":
    build().run("stdio")
