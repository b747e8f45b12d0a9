"""Where the API is and who is calling: flags with environment fallbacks, turned into a generated client."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from generated.client import AuthenticatedClient, Client

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_TENANT = "truefoundry"
# Plain calls answer within seconds (a cancel waits for the executor, 10 s by default); streams have no
# read limit because a turn may sit quietly between events for as long as its model takes.
CALL_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
STREAM_TIMEOUT = httpx.Timeout(None, connect=10.0)
ResponseHook = Callable[[httpx.Response], Awaitable[None]]


@dataclass(frozen=True)
class Connection:
    base_url: str
    tenant: str
    token: str | None

    @property
    def api_url(self) -> str:
        """The generated client's base URL: the spec's server is `{scheme}://{host}/{tenantName}`."""
        return f"{self.base_url.rstrip('/')}/{self.tenant}"

    def client(self, *, on_response: ResponseHook | None = None) -> AuthenticatedClient | Client:
        httpx_args = {"event_hooks": {"response": [on_response]}} if on_response else {}
        if self.token:
            return AuthenticatedClient(
                base_url=self.api_url, token=self.token, timeout=CALL_TIMEOUT, httpx_args=httpx_args
            )
        return Client(base_url=self.api_url, timeout=CALL_TIMEOUT, httpx_args=httpx_args)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Connection:
        connection = cls(base_url=args.base_url, tenant=args.tenant, token=args.token or None)
        hint = connection.base_url_hint()
        if hint:
            print(f"warning: {hint}", file=sys.stderr)
        return connection

    def base_url_hint(self) -> str | None:
        """What is wrong with a base URL that already holds the tenant (or /v1): the paths are doubled."""
        segments = urlsplit(self.base_url).path.strip("/").split("/")
        if segments[-1] == self.tenant or segments[-2:] == [self.tenant, "v1"]:
            root = self.base_url.rstrip("/").rsplit(f"/{self.tenant}", 1)[0]
            return (
                f"--base-url {self.base_url} already contains the tenant {self.tenant!r}, so requests "
                f"would go to {self.api_url}/v1/...; give the server root instead (--base-url {root})"
            )
        return None


def connection_flags() -> argparse.ArgumentParser:
    """The flags every client command takes, as a parent parser (so they go after the subcommand)."""
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--base-url",
        default=os.environ.get("AGENT_HARNESS_URL", DEFAULT_BASE_URL),
        help="server root URL (env AGENT_HARNESS_URL, default %(default)s)",
    )
    group.add_argument(
        "--tenant",
        default=os.environ.get("AGENT_HARNESS_TENANT", DEFAULT_TENANT),
        help="tenant path segment (env AGENT_HARNESS_TENANT, default %(default)s)",
    )
    group.add_argument(
        "--token",
        default=os.environ.get("AGENT_HARNESS_TOKEN"),
        help="bearer token (env AGENT_HARNESS_TOKEN)",
    )
    return parser
