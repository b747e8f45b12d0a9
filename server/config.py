"""Runtime settings, read once from `HARNESS_*` environment variables."""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    # Local (stdio) MCP servers an agent manifest may start on the executors, as a JSON list of
    # program names or paths. Empty: none, since a manifest naming any program would be remote code
    # execution for whoever may register agents.
    mcp_stdio_commands: list[str] = Field(default_factory=list)

    def allows_stdio(self, command: str) -> bool:
        """Whether a manifest's stdio MCP `command` is allowed here (listed by name or by path)."""
        return command in self.mcp_stdio_commands or Path(command).name in self.mcp_stdio_commands

    # Bound on connecting to an agent's MCP servers (and listing their tools) at a turn's start.
    mcp_connect_timeout_seconds: float = Field(default=30.0, gt=0)
    # On SIGTERM an executor takes no new turns and lets running ones finish this long before it
    # cancels them (`abandoned`); an API replica lets in-flight requests finish this long.
    shutdown_grace_seconds: float = Field(default=30.0, ge=0)

    # --- Agents' secrets, egress and who may register agents (SECURITY.md) ---

    # --- Redis bounds and zones ---

    # --- Streams: fan-out and caps ---
    # Open SSE streams (create-turn and subscribe) one caller (token subject) may hold on one API
    # replica, and all callers together; past either a new stream is refused (429 too_many_streams).
    max_streams_per_caller: int = Field(default=100, ge=1)
    max_streams: int = Field(default=10_000, ge=1)
    # The fan-out's one blocking read per zone waits this long (XREAD BLOCK) before it checks that
    # the logs it watches still exist (a stream whose log expired ends).
    stream_block_seconds: float = Field(default=5.0, gt=0)
    # A stream read with no answer this long past its block means Redis is lost (hung or
    # blackholed, not only refusing): the replica's streams end at a frame boundary, resumable.
    stream_read_grace_seconds: float = Field(default=3.0, gt=0)
    # Events buffered per stream for a slow client; one further behind re-reads from the log.
    stream_buffer_events: int = Field(default=1024, ge=1)

    # --- Authentication ---

    # --- Executors and housekeeping ---

    # --- Deployment and observability ---


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
