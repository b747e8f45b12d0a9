"""Runtime settings, read once from `HARNESS_*` environment variables."""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_EXECUTOR_ALPHABET = string.ascii_lowercase + string.digits


def random_executor_id() -> str:
    # Six characters, like the gateway's `ab12cd`: short enough for ids, 2e9 values per deployment.
    return "".join(secrets.choice(_EXECUTOR_ALPHABET) for _ in range(6))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HARNESS_", frozen=True)

    redis_url: str | None = Field(
        default=None,
        description="Redis of the home zone (`redis://` or `rediss://` URL); unset starts an embedded "
        "redis-server whose data goes with the process.",
    )
    zone: str = Field(
        default="g",
        pattern=r"^[a-z0-9]{1,16}$",
        description="Zone part of new session ids (`<ulid>.<zone>`): names the Redis that owns a session.",
    )
    # The home zone (`zone`) uses `redis_url` unless listed in `zones` too.
    zones: dict[str, str] = Field(
        default_factory=dict,
        description='Other zones this process serves, as JSON `{"eu": "redis://..."}`: a session id\'s '
        "zone names the Redis that owns it.",
    )
    executor_id: str = Field(
        default_factory=random_executor_id,
        pattern=r"^[a-z0-9]{1,32}$",
        description="Executor part of turn ids (`<ulid>.<zone>.<executor>`); unset: 6 random characters "
        "per process (set it only if each executor gets its own).",
    )

    jwt_secret: str | None = Field(
        default=None,
        description="HS256 secret callers' JWTs are signed with; no key at all: development mode.",
    )
    jwt_public_key_file: Path | None = Field(
        default=None, description="PEM file of the RS256 public key callers' JWTs are signed with."
    )
    jwks_file: Path | None = Field(
        default=None, description="JWKS file of the keys callers' JWTs are signed with."
    )
    jwt_audience: str | None = Field(default=None, description="When set, a JWT's `aud` must be this.")
    jwt_issuer: str | None = Field(default=None, description="When set, a JWT's `iss` must be this.")
    admin_role: str = Field(
        default="admin", description="A JWT whose `roles` claim holds it sees every session."
    )

    max_body_bytes: int = Field(default=1024 * 1024, ge=1, description="Larger request bodies get 413.")
    event_retention_seconds: int = Field(
        default=7 * 24 * 3600,
        ge=1,
        description="Terminal turns and their event logs are kept this long, then expire with their "
        "Redis keys.",
    )
    session_retention_seconds: int = Field(
        default=30 * 24 * 3600,
        ge=1,
        description="An idle session (and a deleted session's tombstone) expires after this long.",
    )
    cancel_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long cancel waits for the owning executor to record the terminal state before 424.",
    )
    sse_ping_seconds: float = Field(
        default=15.0,
        gt=0,
        description="An SSE stream sends a comment this often so proxies keep idle connections open.",
    )
    # A turn's lease (and an executor's registration) lapses after `executor_ttl_seconds` without a
    # heartbeat, and any process then finalises the turn.
    heartbeat_seconds: float = Field(default=1.0, gt=0, description="Executor heartbeat period.")
    executor_ttl_seconds: float = Field(
        default=5.0,
        gt=0,
        description="A turn's lease and an executor's registration lapse after this long without a "
        "heartbeat; any process then finalises the turn `abandoned`.",
    )
    executor_wait_seconds: float = Field(
        default=10.0, ge=0, description="How long create-turn waits for a live executor before answering 503."
    )
    # Empty by default, since a manifest naming any program would be remote code execution for
    # whoever may register agents.
    mcp_stdio_commands: list[str] = Field(
        default_factory=list,
        description="Local (stdio) MCP servers an agent manifest may start on the executors, as a JSON "
        "list of program names or paths.",
    )

    def allows_stdio(self, command: str) -> bool:
        """Whether a manifest's stdio MCP `command` is allowed here (listed by name or by path)."""
        return command in self.mcp_stdio_commands or Path(command).name in self.mcp_stdio_commands

    mcp_connect_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Bound on connecting to an agent's MCP servers (and listing their tools) at a "
        "turn's start.",
    )
    shutdown_grace_seconds: float = Field(
        default=30.0,
        ge=0,
        description="On SIGTERM an executor takes no new turns and lets running ones finish this long "
        "before it cancels them (`abandoned`); an API replica lets in-flight requests finish this long.",
    )

    # --- Agents' secrets, egress and who may register agents (SECURITY.md) ---

    # --- Redis bounds and zones ---

    # --- Streams: fan-out and caps ---

    # --- Authentication ---

    # --- Executors and housekeeping ---

    executor_inbox_retention_seconds: int = Field(
        default=24 * 3600,
        ge=1,
        description="A dead executor's inbox stream expires this long after its last heartbeat; an "
        "executor restarted under the same id within it still finds (and finalises) the turns it held. "
        "Keep it well above executor_ttl_seconds.",
    )

    # --- Deployment and observability ---
    log_format: Literal["auto", "text", "json"] = Field(
        default="auto",
        description="Log lines: `auto` is short text when stderr is a terminal and JSON otherwise (a "
        "collector's pipe); `--log-format` on the command line wins over this.",
    )
    # An explicit switch rather than "an OTLP endpoint is set": OTEL_* variables meant for some other
    # library in the process must not start exporting our traces. The SDK reads OTEL_* itself.
    otel_enabled: bool = Field(
        default=False,
        description="Export OpenTelemetry traces (HTTP requests, turns, model and tool calls) over OTLP "
        "http/protobuf; needs the `otel` extra. Endpoint, headers, service name and sampler come from "
        "the standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, default "
        "http://localhost:4318).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
