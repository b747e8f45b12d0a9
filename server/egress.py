"""Where an agent's outbound requests (its model, its MCP servers) may go (SECURITY.md).

Loopback, link-local, private (RFC 1918, ULA, CGNAT), unspecified, multicast and reserved addresses
are refused unless the operator allows their network (`HARNESS_EGRESS_ALLOW_NETWORKS`): a manifest's
URL is chosen by whoever registers the agent, and must not turn the executors into a way into the
deployment's own network. Registration refuses what the URL itself says (an IP literal, `localhost`);
`EgressTransport` checks every address the host resolves to when it connects, and connects to the
address it checked, so a DNS answer that changes between the check and the connection cannot slip
past. The HTTP clients made here never follow redirects.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx2

from server.secrets import UrlPrefix

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_REFUSED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("loopback", ("127.0.0.0/8", "::1/128")),
    ("unspecified", ("0.0.0.0/8", "::/128")),
    ("link-local", ("169.254.0.0/16", "fe80::/10")),
    ("private", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10")),
    ("shared (CGNAT)", ("100.64.0.0/10",)),
    ("multicast", ("224.0.0.0/4", "ff00::/8")),
    ("reserved", ("240.0.0.0/4", "::/96")),
)
REFUSED_NETWORKS: tuple[tuple[str, Network], ...] = tuple(
    (kind, ipaddress.ip_network(cidr)) for kind, cidrs in _REFUSED for cidr in cidrs
)
# Names that mean this machine whatever DNS says (RFC 6761), refused at registration like 127.0.0.1.
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
# An upstream's answer reaches a turn's error only as this much printable text.
EXCERPT_CHARS = 200


class EgressRefused(httpx2.ConnectError):
    """An outbound request the policy refuses; a connect error to the SDKs that see it."""


@dataclass(frozen=True)
class EgressPolicy:
    allowed: tuple[Network, ...] = ()

    def refusal(self, address: Address) -> str | None:
        """Why `address` may not be reached (`loopback`...), or None when it may."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(address in network for network in self.allowed if network.version == address.version):
            return None
        for kind, network in REFUSED_NETWORKS:
            if network.version == address.version and address in network:
                return kind
        if address.is_private or address.is_reserved:
            return "private" if address.is_private else "reserved"
        return None

    def host_refusal(self, host: str) -> str | None:
        """What a URL's host says by itself (registration: no DNS lookup); None for a name that only
        resolution can judge."""
        host = host.strip("[]").lower().rstrip(".")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            is_local = host in _LOCAL_NAMES or host.endswith(".localhost")
            return None if not is_local else self.refusal(ipaddress.ip_address("127.0.0.1"))
        return self.refusal(address)

    def url_refusal(self, url: str) -> str | None:
        """Why a manifest's URL is refused at registration, as a sentence; None when it may be used."""
        try:
            parsed = httpx2.URL(url)
        except (httpx2.InvalidURL, ValueError):
            return "is not a valid URL"
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return "is not an http(s) URL with a host"
        if parsed.userinfo:
            return "must not carry credentials"
        kind = self.host_refusal(parsed.host)
        return f"reaches a {kind} address, which this deployment does not allow" if kind else None

    async def addresses(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to, if the policy allows each one (one refused address
        refuses the host: which of them the connection would use is not ours to pick)."""
        try:
            literal: Address | None = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            found = [literal]
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError:
                raise EgressRefused(f"cannot resolve {host!r}") from None
            found = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        for address in found:
            if kind := self.refusal(address):
                raise EgressRefused(
                    f"{host} resolves to a {kind} address, which this deployment does not allow"
                    if literal is None
                    else f"{host} is a {kind} address, which this deployment does not allow"
                )
        if not found:
            raise EgressRefused(f"cannot resolve {host!r}")
        return [str(address) for address in found]


def policy(allowed: Iterable[Network]) -> EgressPolicy:
    return EgressPolicy(tuple(allowed))


class EgressTransport(httpx2.AsyncBaseTransport):
    """Checks each request against the policy and connects to the checked address (the request keeps
    its Host header and TLS server name). With `credential_urls` (a secret rides in its headers) the
    request's URL must also be under one of them."""

    def __init__(self, egress: EgressPolicy, credential_urls: tuple[UrlPrefix, ...] | None = None) -> None:
        self._policy = egress
        self._credential_urls = credential_urls
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        if self._credential_urls is not None and not any(p.matches(url) for p in self._credential_urls):
            raise EgressRefused("the agent's secret is not usable for this URL", request=request)
        host = url.host
        try:
            addresses = await self._policy.addresses(host, url.port or (443 if url.scheme == "https" else 80))
        except EgressRefused as exc:
            raise EgressRefused(str(exc), request=request) from None
        extensions: dict[str, Any] = dict(request.extensions)
        if url.scheme == "https":
            extensions.setdefault("sni_hostname", host)
        last: httpx2.ConnectError | None = None
        for address in addresses:
            pinned = httpx2.Request(
                request.method,
                url.copy_with(host=address),
                headers=request.headers,
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return await self._inner.handle_async_request(pinned)
            except httpx2.ConnectError as exc:  # the next address, as a resolver-driven connect would
                last = exc
        assert last is not None
        raise last

    async def aclose(self) -> None:
        await self._inner.aclose()


def http_client(
    egress: EgressPolicy,
    *,
    headers: dict[str, str] | None = None,
    credential_urls: tuple[UrlPrefix, ...] | None = None,
    timeout: httpx2.Timeout | None = None,
) -> httpx2.AsyncClient:
    """An httpx client whose every request goes through the policy, never following a redirect.
    Environment proxies are not used (with a transport of its own, httpx does not mount them)."""
    return httpx2.AsyncClient(
        transport=EgressTransport(egress, credential_urls),
        headers=headers,
        timeout=timeout if timeout is not None else httpx2.Timeout(30.0, read=300.0),
        follow_redirects=False,
    )


def refusal_in(exc: BaseException) -> EgressRefused | None:
    """The policy's refusal behind an SDK's error (which wraps what the transport raised), if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, EgressRefused):
            return seen
        if isinstance(seen, BaseExceptionGroup):  # the MCP SDK's task groups
            for inner in seen.exceptions:
                if (found := refusal_in(inner)) is not None:
                    return found
        seen = seen.__cause__ or seen.__context__
    return None


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """At most `limit` printable characters of an upstream's answer, on one line: enough to say
    what went wrong, too little to read an internal service back through a turn's error."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
