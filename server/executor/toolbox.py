"""The tools of one turn: the agent's MCP servers, connected through the official `mcp` SDK.

A turn opens its servers when it starts (streamable HTTP for `url`, through the egress policy; a
subprocess over stdio for a `stdio` server the operator declared) and closes them when it ends, so
any executor can run any turn with nothing to share.
Tool calls run as awaits in the turn's task: cancelling the turn cancels the MCP request, which
the SDK turns into `notifications/cancelled` (or, on the 2026 HTTP wire, an aborted POST).
A server that cannot be used fails the turn with its name, its URL and the cause in plain words
(`MCP server 'repo' at https://...: connection refused`); the SDK reports an HTTP error status only
as a JSON-RPC stand-in ("Server returned an error response"), so each server's HTTP client records
the status of its last failed POST to say "HTTP 401 Unauthorized" instead.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent
from mcp_types import Tool as McpTool

from server import egress
from server.config import Settings
from server.executor.failures import layers, plain_cause
from server.executor.providers.base import ToolSpec
from server.secrets import SecretNotUsable, usable_value

ALL = "@all"
# An MCP tool's input schema goes to the model as function parameters; some servers omit it.
_EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}
# What the SDK says in place of an HTTP error status (mcp.client.streamable_http): nothing the
# server said, so not repeated after the status itself.
_SDK_STAND_INS = frozenset({"Server returned an error response", "Not Found", "Session terminated"})


class ToolboxError(Exception):
    """An MCP server of the agent cannot be used (unreachable, not allowed, clashing tool names)."""


@dataclass(frozen=True)
class Tool:
    spec: ToolSpec
    server: str
    needs_approval: bool


def _selected(tool: McpTool, selection: list[str]) -> bool:
    """Whether a selector list (names and the gateway's tags) picks the tool. Tags read the MCP
    annotations with the spec's defaults: not read-only, and destructive unless said otherwise."""
    hints = tool.annotations
    read_only = bool(hints and hints.read_only_hint)
    destructive = not read_only and not (hints and hints.destructive_hint is False)
    tags = {ALL: True, "@read-only": read_only, "@write": not read_only, "@destructive": destructive}
    return tool.name in selection or any(tags.get(item, False) for item in selection)


def where(server: dict[str, Any]) -> str:
    """`MCP server 'name' at URL` (or `(stdio 'git')`): how a turn's error names a server."""
    name = server.get("name")
    if stdio := server.get("stdio"):
        return f"MCP server {name!r} (stdio {stdio!r})"
    return f"MCP server {name!r} at {server.get('url')}"


def _result_text(result: CallToolResult) -> str:
    parts = [
        block.text if isinstance(block, TextContent) else json.dumps(block.model_dump(mode="json"))
        for block in result.content
    ]
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content))
    text = "\n".join(parts)
    return f"error: {text}" if result.is_error else text


class Toolbox:
    """Async context manager: `tools` maps each name offered to the model to its server."""

    def __init__(self, servers: list[dict[str, Any]], settings: Settings) -> None:
        self.servers = servers
        self.settings = settings
        self.tools: dict[str, Tool] = {}
        self._clients: dict[str, Client] = {}
        self._stack = AsyncExitStack()
        # Per server name: the status line of its last POST answered 4xx/5xx.
        self._failed_status: dict[str, str] = {}

    async def open(self) -> None:
        """Connect every server and list its tools (bounded by the connect timeout). On failure the
        servers already connected stay open until `close()`: a cancelled turn records its terminal
        state first and closes them after, rather than wait for a stdio server to exit."""
        timeout = self.settings.mcp_connect_timeout_seconds
        connecting: dict[str, Any] = {}
        try:
            async with asyncio.timeout(timeout):
                for connecting in self.servers:
                    await self._open(connecting)
        except TimeoutError:
            # Raised only for this deadline (the turn's own timeout surfaces as a cancellation here),
            # and an unusable server is an error, not the turn running out of time.
            raise ToolboxError(
                f"{where(connecting)}: timed out (the agent's MCP servers must all connect within "
                f"{timeout:g}s, HARNESS_MCP_CONNECT_TIMEOUT_SECONDS)"
            ) from None

    async def close(self) -> None:
        await self._stack.aclose()

    async def __aenter__(self) -> Toolbox:
        try:
            await self.open()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _transport(self, server: dict[str, Any]) -> Any:
        name = server["name"]
        if stdio := server.get("stdio"):
            declared = self.settings.declared_stdio_servers.get(str(stdio))
            if declared is None:
                raise ToolboxError(
                    f"MCP server {name!r}: stdio server {stdio!r} is not declared on this executor "
                    "(HARNESS_MCP_STDIO_SERVERS)"
                )
            # All of it the operator's: program, arguments and environment (over the SDK's minimal
            # defaults: HOME, LOGNAME, PATH, SHELL, TERM, USER), nothing from the manifest.
            return StdioServerParameters(
                command=declared.command, args=list(declared.args), env=dict(declared.env)
            )
        url = server.get("url")
        if not url:
            # A snapshot from before stdio servers were declared (`command`) runs nothing.
            raise ToolboxError(f"MCP server {name!r} has neither a url nor a declared stdio server")
        headers = {}
        credential_urls = None
        if secret_name := server.get("bearer_token_secret"):
            try:
                token, secret = usable_value(self.settings.declared_secrets, str(secret_name), str(url))
            except SecretNotUsable as exc:
                raise ToolboxError(f"MCP server {name!r}: bearer_token_secret: {exc}") from None
            headers["Authorization"] = f"Bearer {token}"
            credential_urls = secret.prefixes
        http = egress.http_client(self.settings.egress, headers=headers, credential_urls=credential_urls)
        self._stack.push_async_callback(http.aclose)

        async def record_failure(response: httpx2.Response) -> None:
            if response.request.method == "POST" and response.status_code >= 400:
                self._failed_status[name] = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()

        http.event_hooks = {"response": [record_failure]}
        return streamable_http_client(str(url), http_client=http)

    async def _open(self, server: dict[str, Any]) -> None:
        name = server["name"]
        if name in self._clients:
            raise ToolboxError(f"two of the agent's MCP servers are named {name!r}")
        try:
            client = await self._stack.enter_async_context(Client(self._transport(server)))
            listed = []
            cursor: str | None = None
            while True:
                page = await client.list_tools(cursor=cursor)
                listed.extend(page.tools)
                cursor = page.next_cursor
                if not cursor:
                    break
        except ToolboxError:
            raise
        except Exception as exc:
            raise ToolboxError(f"{where(server)}: {self._cause(name, exc)}") from exc
        self._clients[name] = client
        enabled = server.get("enable_tools") or [ALL]
        disabled = server.get("disable_tools") or []
        approval = server.get("require_approval_for_tools") or []
        for tool in listed:
            if not _selected(tool, enabled) or _selected(tool, disabled):
                continue
            if tool.name in self.tools:
                raise ToolboxError(
                    f"tool {tool.name!r} is offered by both MCP servers {self.tools[tool.name].server!r} and "
                    f"{name!r}; narrow one server's enable_tools"
                )
            spec = ToolSpec(tool.name, tool.description or "", tool.input_schema or _EMPTY_SCHEMA)
            self.tools[tool.name] = Tool(spec, name, _selected(tool, approval))

    def _cause(self, name: str, exc: BaseException) -> str:
        """What went wrong with server `name`, in plain words; an MCP error the SDK made from an HTTP
        status is that status, with what the server said when it said something."""
        mcp_error = next((e for e in layers(exc) if isinstance(e, MCPError)), None)
        if mcp_error is None:
            return plain_cause(exc)
        status = self._failed_status.get(name)
        said = egress.excerpt(mcp_error.message)
        if status is None:
            return f"MCP error {mcp_error.code}: {said}"
        return status if mcp_error.message in _SDK_STAND_INS else f"{status}: {said}"

    def specs(self) -> list[ToolSpec]:
        return [tool.spec for tool in self.tools.values()]

    def needs_approval(self, name: str) -> bool:
        tool = self.tools.get(name)
        return tool is not None and tool.needs_approval

    def tool_info(self, name: str) -> dict[str, str]:
        """`ToolInfo` for a call; a name no server offers (a model's invention) keeps an empty server."""
        server = self.tools[name].server if name in self.tools else ""
        return {"type": "mcp", "server_id": server, "server_name": server, "name": name}

    async def call(self, name: str, arguments: str) -> str:
        """The tool's result as text for the model; failures become text too, so the model can react."""
        tool = self.tools.get(name)
        if tool is None:
            return f"error: no tool named {name!r} is available"
        try:
            parsed = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            return f"error: the arguments are not valid JSON ({exc})"
        if not isinstance(parsed, dict):
            return "error: the arguments must be a JSON object"
        self._failed_status.pop(tool.server, None)  # a status left from before says nothing of this call
        try:
            result = await self._clients[tool.server].call_tool(name, parsed)
        except Exception as exc:
            server = next(s for s in self.servers if s.get("name") == tool.server)
            return f"error: {where(server)}: {self._cause(tool.server, exc)}"
        return _result_text(result)
