"""Runtime settings, read once from `HARNESS_*` environment variables."""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, IPvAnyNetwork, PrivateAttr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server import egress, stdio_servers
from server import secrets as agent_secrets
from server.egress import EgressPolicy
from server.secrets import DeclaredSecret
from server.stdio_servers import StdioServer

_EXECUTOR_ALPHABET = string.ascii_lowercase + string.digits


def random_executor_id() -> str:
    # Six characters, like the gateway's `ab12cd`: short enough for ids, 2e9 values per deployment.
    return "".join(secrets.choice(_EXECUTOR_ALPHABET) for _ in range(6))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HARNESS_", frozen=True)

    redis_url: str | None = Field(
        default=None, description="Redis of the home zone; unset starts an embedded redis-server."
    )
    zone: str = Field(default="g", pattern=r"^[a-z0-9]{1,16}$")
    # Other zones this process serves, as JSON `{"eu": "redis://..."}`: a session id's zone names
    # the Redis that owns it. The home zone (`zone`) uses `redis_url` unless listed here too.
    zones: dict[str, str] = Field(default_factory=dict)
    executor_id: str = Field(default_factory=random_executor_id, pattern=r"^[a-z0-9]{1,32}$")

    jwt_secret: str | None = None
    jwt_public_key_file: Path | None = None
    jwks_file: Path | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    admin_role: str = "admin"

    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # Terminal turns and their event logs are kept this long, then expire with their Redis keys.
    event_retention_seconds: int = Field(default=7 * 24 * 3600, ge=1)
    # An idle session (and a deleted session's tombstone) expires after this long.
    session_retention_seconds: int = Field(default=30 * 24 * 3600, ge=1)
    # How long cancel waits for the owning executor to record the terminal state before 424.
    cancel_timeout_seconds: float = Field(default=10.0, gt=0)
    # An SSE stream sends a comment this often so proxies keep idle connections open.
    sse_ping_seconds: float = Field(default=15.0, gt=0)
    # Executor liveness: heartbeat period; a turn's lease (and an executor's registration) lapses
    # after `executor_ttl_seconds` without one, and any process then finalises the turn.
    heartbeat_seconds: float = Field(default=1.0, gt=0)
    executor_ttl_seconds: float = Field(default=5.0, gt=0)
    # How long create-turn waits for a live executor before answering 503.
    executor_wait_seconds: float = Field(default=10.0, ge=0)
    # Bound on connecting to an agent's MCP servers (and listing their tools) at a turn's start.
    mcp_connect_timeout_seconds: float = Field(default=30.0, gt=0)
    # On SIGTERM an executor takes no new turns and lets running ones finish this long before it
    # cancels them (`abandoned`); an API replica lets in-flight requests finish this long.
    shutdown_grace_seconds: float = Field(default=30.0, ge=0)

    # --- Agents' secrets, egress and who may register agents (SECURITY.md) ---
    # Secrets a manifest may name, as JSON `{"name": {"env" | "file": ..., "allowed_urls": [...]}}`
    # and/or a YAML or JSON file of the same shape: the only values an agent can ever send anywhere.
    secrets: dict[str, Any] = Field(default_factory=dict)
    secrets_file: Path | None = None
    # Networks outbound model and MCP requests may reach although loopback, private, link-local...
    # (a JSON list of CIDRs). Empty: agents reach only public addresses.
    egress_allow_networks: list[IPvAnyNetwork] = Field(default_factory=list)
    # Callers holding this role (or admin_role) may create, replace and delete agents; in development
    # mode (no JWT key) anyone may.
    agent_admin_role: str = "agent-admin"
    # Stdio MCP servers a manifest may name (`stdio: <name>`), as JSON `{"name": {"command": "/abs/path",
    # "args": [...], "env": {...}}}` and/or a file of that shape; nothing in a manifest reaches a
    # command line.
    mcp_stdio_servers: dict[str, Any] = Field(default_factory=dict)
    mcp_stdio_servers_file: Path | None = None
    _secrets: dict[str, DeclaredSecret] = PrivateAttr(default_factory=dict)
    _stdio_servers: dict[str, StdioServer] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _load_declarations(self) -> Settings:
        # At start, so a bad declaration stops the process with the variable named, not a turn.
        self._secrets = agent_secrets.load(self.secrets, self.secrets_file)
        self._stdio_servers = stdio_servers.load(self.mcp_stdio_servers, self.mcp_stdio_servers_file)
        return self

    @property
    def declared_secrets(self) -> dict[str, DeclaredSecret]:
        return self._secrets

    @property
    def declared_stdio_servers(self) -> dict[str, StdioServer]:
        return self._stdio_servers

    @property
    def egress(self) -> EgressPolicy:
        return egress.policy(self.egress_allow_networks)

    # --- Redis bounds and zones ---

    # --- Streams: fan-out and caps ---

    # --- Authentication ---

    # --- Executors and housekeeping ---

    # --- Deployment and observability ---


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
