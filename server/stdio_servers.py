"""Stdio MCP servers the operator declares (SECURITY.md): a name, an absolute executable path, fixed
arguments and a fixed environment. A manifest names one (`stdio: <name>`) and nothing it says reaches
a command line: letting a manifest pick a program and its arguments would be code execution on the
executors for whoever may register agents.

    {"demo": {"command": "/usr/bin/python3", "args": ["-m", "examples.mcp.demo_server"], "env": {}}}

The process gets the declared `env` over the mcp SDK's minimal defaults (HOME, LOGNAME, PATH, SHELL,
TERM, USER), never the executor's own environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from server.secrets import declarations


class StdioServer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("command")
    @classmethod
    def _absolute(cls, command: str) -> str:
        # No PATH lookup: which program runs must not depend on the executor's PATH.
        if not Path(command).is_absolute():
            raise ValueError(f"command {command!r} must be an absolute path")
        return command


def load(inline: Mapping[str, Any], file: Path | None) -> dict[str, StdioServer]:
    """Every declared server, validated; the error names the variable and the server."""
    servers: dict[str, StdioServer] = {}
    for name, body in declarations("MCP_STDIO_SERVERS", inline, file).items():
        try:
            servers[name] = StdioServer.model_validate(body)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            raise ValueError(f"HARNESS_MCP_STDIO_SERVERS: server {name!r}: {problems}") from None
    return servers
