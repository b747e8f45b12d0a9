"""What `agent-harness serve` says once it listens: where the API and its docs are, for which
tenant, and (in development mode) a token that works and a request to paste."""

from __future__ import annotations

import ipaddress
import logging
import shlex
from dataclasses import dataclass

log = logging.getLogger("server.cli")

SAMPLE_TOKEN = "dev-user"  # development mode takes any bearer token as the caller's identity


def reachable_host(host: str) -> str:
    """A host to put in a URL: a wildcard bind address becomes loopback, IPv6 gets brackets."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "127.0.0.1"
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "[::1]"
    return f"[{address}]" if address.version == 6 else str(address)


@dataclass(frozen=True)
class Banner:
    root: str  # http://host:port
    tenant: str
    development_mode: bool | None  # None: not known (the app's lifespan did not say)

    @classmethod
    def for_bind(cls, host: str, port: int, tenant: str, development_mode: bool | None) -> Banner:
        return cls(f"http://{reachable_host(host)}:{port}", tenant, development_mode)

    @property
    def base_url(self) -> str:
        return f"{self.root}/{self.tenant}"

    @property
    def docs_url(self) -> str:
        return f"{self.root}/docs/"

    @property
    def curl(self) -> str:
        header = shlex.quote(f"Authorization: Bearer {SAMPLE_TOKEN}")
        return f"curl -s -H {header} {self.base_url}/v1/registry/agents"

    def lines(self) -> list[str]:
        lines = [
            "agent-harness is serving",
            f"  API:    {self.base_url}   (tenant {self.tenant})",
            f"  Docs:   {self.docs_url}",
        ]
        if self.development_mode:
            lines += [
                f"  Token:  development mode: any bearer token works, e.g. {SAMPLE_TOKEN}",
                f"  Try:    {self.curl}",
            ]
        elif self.development_mode is False:
            lines.append("  Token:  a JWT the configured keys verify (Authorization: Bearer <token>)")
        return lines

    def announce(self) -> None:
        # One record: a text line block on a terminal, one JSON object (with the fields) otherwise.
        fields = {"base_url": self.base_url, "docs_url": self.docs_url, "default_tenant": self.tenant}
        if self.development_mode:
            fields["sample_token"] = SAMPLE_TOKEN
        log.info("\n".join(self.lines()), extra=fields)
