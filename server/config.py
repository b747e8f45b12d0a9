"""Runtime settings, read once from `HARNESS_*` environment variables."""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, IPvAnyNetwork, PrivateAttr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server import egress, stdio_servers
from server import secrets as agent_secrets
from server.egress import EgressPolicy
from server.secrets import DeclaredSecret
from server.stdio_servers import StdioServer
from server.store import deployments

_EXECUTOR_ALPHABET = string.ascii_lowercase + string.digits


def random_executor_id() -> str:
    # Six characters, like the gateway's `ab12cd`: short enough for ids, 2e9 values per deployment.
    return "".join(secrets.choice(_EXECUTOR_ALPHABET) for _ in range(6))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HARNESS_", frozen=True)

    redis_url: str | None = Field(
        default=None,
        description="Redis of the home zone: `redis://` / `rediss://` (one Redis), `redis+cluster://"
        "[user:pass@]host:port[,host:port...]` (Redis Cluster), `redis+sentinel://[user:pass@]host:port"
        "[,...]/<service>[/db][?sentinel_password=...]` (Sentinel), `rediss+...` for TLS (docs/deploy.md); "
        "unset starts an embedded redis-server whose data goes with the process.",
    )
    zone: str = Field(
        default="g",
        pattern=r"^[a-z0-9]{1,16}$",
        description="Zone part of new session ids (`<ulid>.<zone>`): names the Redis that owns a session.",
    )
    # The home zone (`zone`) uses `redis_url` unless listed in `zones` too.
    zones: dict[str, str] = Field(
        default_factory=dict,
        description='Other zones this process serves, as JSON `{"eu": "redis://..."}` (any URL form '
        "HARNESS_REDIS_URL takes): a session id's zone names the Redis that owns it.",
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
    secrets: dict[str, Any] = Field(
        default_factory=dict,
        description='Secrets a manifest may name, as JSON `{"name": {"env" | "file": ..., "allowed_urls": '
        "[...]}}`: the only values an agent can ever send, and only to those URLs (SECURITY.md).",
    )
    secrets_file: Path | None = Field(
        default=None, description="A YAML or JSON file of secrets, of the same shape as HARNESS_SECRETS."
    )
    egress_allow_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Networks outbound model and MCP requests may reach although loopback, private or "
        'link-local, as a JSON list of CIDRs (`["127.0.0.0/8"]`). Empty: agents reach public addresses only.',
    )
    agent_admin_role: str = Field(
        default="agent-admin",
        description="Callers holding this role (or the admin role) may create, replace and delete agents; "
        "in development mode anyone may.",
    )
    mcp_stdio_servers: dict[str, Any] = Field(
        default_factory=dict,
        description='Stdio MCP servers a manifest may name (`stdio: <name>`), as JSON `{"name": {"command": '
        '"/abs/path", "args": [...], "env": {...}}}`; nothing in a manifest reaches a command line.',
    )
    mcp_stdio_servers_file: Path | None = Field(
        default=None, description="A YAML or JSON file of stdio MCP servers, of the same shape."
    )
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
    redis_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Every ordinary Redis command (and connecting) answers within this, or the request "
        'gets 400 "store unavailable"; blocking reads get their block on top.',
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_url_names_a_deployment(cls, url: str | None) -> str | None:
        # At start, so a mistyped URL stops the process with the variable named, not the first request.
        if url is not None:
            deployments.parse(url)  # the CLI's message names HARNESS_REDIS_URL
        return url

    @field_validator("zones")
    @classmethod
    def _zone_urls_name_deployments(cls, zones: dict[str, str]) -> dict[str, str]:
        for name, url in zones.items():
            deployments.parse(url, f"zone {name!r}")
        return zones

    zone_probe_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often each zone's Redis is pinged in the background (the `agent_harness_zone_up` "
        "gauge, a log line when a zone goes down or comes back); /readyz also pings on every call.",
    )

    # --- Streams: fan-out and caps ---
    max_streams_per_caller: int = Field(
        default=100,
        ge=1,
        description="Open SSE streams (create-turn and subscribe) one caller (token subject) may hold on one "
        "API replica; past it a new stream is refused (429 too_many_streams).",
    )
    max_streams: int = Field(
        default=10_000, ge=1, description="Open SSE streams one API replica serves, all callers together."
    )
    stream_block_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Each of the streams' blocking reads (XREAD BLOCK, up to 256 turn logs each) waits this "
        "long before it checks that the logs it watches still exist (a stream whose log expired ends).",
    )
    stream_read_grace_seconds: float = Field(
        default=3.0,
        gt=0,
        description="A stream read with no answer this long past its block means Redis is lost (hung or "
        "blackholed): the replica's streams end at a frame boundary, resumable elsewhere.",
    )
    stream_buffer_events: int = Field(
        default=1024,
        ge=1,
        description="Events buffered per stream for a slow client; one further behind re-reads from the log.",
    )

    # --- Authentication ---
    jwt_jwks_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="An identity provider's JWKS endpoint (Keycloak, Auth0, Entra ID, ...): keys are "
        "fetched lazily, cached, and refetched when a token names an unknown kid.",
    )
    jwt_jwks_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Bound on one JWKS fetch; a request waiting on it gets 401 past it."
    )
    jwt_jwks_cache_seconds: float = Field(
        default=300.0, gt=0, description="How long fetched JWKS keys are kept."
    )
    jwt_jwks_refresh_cooldown_seconds: float = Field(
        default=10.0,
        ge=0,
        description="At most one refetch for unknown kids this often, so made-up kids cannot flood the IdP.",
    )
    jwt_subject_claim: str = Field(
        default="sub",
        min_length=1,
        description="Claim naming the caller; a dotted path (`a.b`) reaches into an object claim when no "
        "claim has the whole name.",
    )
    jwt_tenant_claim: str = Field(
        default="tenant",
        min_length=1,
        description="Claim naming the caller's tenant; when present it must equal the URL's tenant.",
    )
    jwt_roles_claim: str = Field(
        default="roles",
        min_length=1,
        description="Claim holding the caller's roles (a string or a list of strings), e.g. "
        "`realm_access.roles` for Keycloak.",
    )

    # --- Executors and housekeeping ---

    executor_inbox_retention_seconds: int = Field(
        default=24 * 3600,
        ge=1,
        description="A dead executor's inbox stream expires this long after its last heartbeat; an "
        "executor restarted under the same id within it still finds (and finalises) the turns it held. "
        "Keep it well above executor_ttl_seconds.",
    )
    # Fencing (ARCHITECTURE.md "Fencing"): an executor cancels a turn whose lease it could not renew
    # in time itself, before any reaper may finalise the turn, so no side effect follows `turn.done`.
    heartbeat_timeout_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Bound on one executor heartbeat (at most executor_ttl_seconds minus the fence "
        "margin: a slower answer could not renew a lease in time); the next beat is sent instead.",
    )
    fence_margin_seconds: float = Field(
        default=1.0,
        gt=0,
        description="An executor that has not renewed a turn's lease for executor_ttl_seconds minus "
        "this (at most a quarter of the TTL) cancels the turn itself and writes nothing more for it; "
        "reapers finalise it once the lease lapses, at the earliest a TTL after the last renewal.",
    )

    @property
    def fence_margin(self) -> float:
        """The fence margin in force: at most a quarter of the TTL, so short test TTLs still work."""
        return min(self.fence_margin_seconds, self.executor_ttl_seconds / 4)

    @property
    def heartbeat_timeout(self) -> float:
        """The heartbeat bound in force: below the time a renewal leaves before the fence fires."""
        return min(self.heartbeat_timeout_seconds, self.executor_ttl_seconds - self.fence_margin)

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

    # --- Serving: API worker processes and response validation (agent-harness serve) ---
    workers: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="API worker processes `serve` runs on its one port (`--workers` wins over this), "
        "each with its own in-process executor unless `--no-executor`; unset: one per CPU the process "
        "may use (affinity, cgroup quota) in production, 1 in development (the embedded store, or no "
        "JWT key configured).",
    )
    validate_responses: bool | None = Field(
        default=None,
        description="Check every JSON response against the spec before it leaves (a nonconforming one "
        "becomes a 500): a development and testing aid that re-parses each body. Unset: on in "
        "development (the embedded store, or no JWT key configured), off in production; the tests "
        "turn it on.",
    )

    @property
    def development(self) -> bool:
        """The embedded store or no JWT key (any bearer token accepted, as TokenVerifier's development
        mode): either means a developer's machine, never a deployment, so the serving defaults favour
        checks and one process over throughput."""
        verifies_tokens = any((self.jwt_secret, self.jwt_public_key_file, self.jwks_file, self.jwt_jwks_url))
        return self.redis_url is None or not verifies_tokens

    @property
    def responses_validated(self) -> bool:
        return self.development if self.validate_responses is None else self.validate_responses


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
