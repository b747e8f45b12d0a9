"""The three Redis deployments a zone's URL can name, and the clients each needs.

    redis://[user:pass@]host:port[/db]         rediss://...   one Redis (also unix:///path.sock)
    redis+cluster://[user:pass@]h:p[,h:p...]   rediss+cluster://...   Redis / Valkey Cluster
    redis+sentinel://[user:pass@]h:p[,h:p...]/<service>[/db]   rediss+sentinel://...

The URL's user and password are the data nodes' ACL credentials in every mode. Sentinels usually
guard themselves with a password of their own (`requirepass` in sentinel.conf) or none at all, so
they get only what the `sentinel_username` / `sentinel_password` query parameters say: sending the
data nodes' password to a sentinel that has none fails its AUTH, and guessing either way would be
wrong for someone. TLS (`rediss+...`) covers the sentinels and the data nodes alike.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl, unquote

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.exceptions import ClusterDownError, RedisClusterException, SlotNotCoveredError
from redis.exceptions import ConnectionError as RedisConnectionError


class Mode(Enum):
    STANDALONE = "standalone"
    CLUSTER = "cluster"
    SENTINEL = "sentinel"


_SCHEMES = {
    "redis": (Mode.STANDALONE, False),
    "rediss": (Mode.STANDALONE, True),
    "unix": (Mode.STANDALONE, False),
    "redis+cluster": (Mode.CLUSTER, False),
    "rediss+cluster": (Mode.CLUSTER, True),
    "redis+sentinel": (Mode.SENTINEL, False),
    "rediss+sentinel": (Mode.SENTINEL, True),
}
_DEFAULT_PORT = {Mode.CLUSTER: 6379, Mode.SENTINEL: 26379}
_TLS_OPTIONS = {"ssl_cert_reqs", "ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_check_hostname"}
_SENTINEL_OPTIONS = {"sentinel_username", "sentinel_password"}
_CERT_REQS = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}
_NODE = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]/\s]+))(?::(?P<port>\d{1,5}))?$")
_SERVICE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


_LEAST_SENTINEL_SECONDS = 0.25
"""A sentinel answers from memory in a millisecond or so; below this a busy one would look dead."""


class BadRedisUrl(ValueError):
    """A zone's URL that names no deployment we can connect to; the message says why, without the
    URL's password."""


@dataclass(frozen=True)
class Deployment:
    """What one zone's URL says: how to find its primaries, and how to talk to them."""

    mode: Mode
    url: str
    """As configured (standalone URLs go to redis-py's own parser, which knows every option)."""
    tls: bool = False
    nodes: tuple[tuple[str, int], ...] = ()
    """Cluster: startup nodes. Sentinel: the sentinels."""
    username: str | None = None
    password: str | None = None
    service: str | None = None
    db: int = 0
    tls_options: dict[str, Any] = field(default_factory=dict)
    sentinel_username: str | None = None
    sentinel_password: str | None = None

    def __repr__(self) -> str:  # never the password, in a log line or a traceback
        return f"Deployment({self.mode.value}, nodes={list(self.nodes)}, service={self.service!r})"


def parse(url: str, setting: str = "") -> Deployment:
    """The deployment `url` names; BadRedisUrl naming `setting` (when given) and the problem otherwise."""
    scheme, sep, rest = url.partition("://")
    named = f"{setting}: " if setting else ""
    if not sep or scheme.lower() not in _SCHEMES:
        raise BadRedisUrl(
            f"{named}unknown URL scheme {scheme.lower()!r} (use redis://, rediss://, unix://, "
            "redis+cluster://, rediss+cluster://, redis+sentinel:// or rediss+sentinel://)"
        )
    mode, tls = _SCHEMES[scheme.lower()]
    if mode is Mode.STANDALONE:
        return Deployment(mode, url, tls)
    where = f"{named}{scheme}://"
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username, password = unquote(user) or None, unquote(secret) if colon else None
    nodes = tuple(_node(part, mode, where) for part in hosts.split(","))
    options = _options(query, tls, mode, where)
    segments = [unquote(s) for s in path.split("/")] if path else []
    service, db = None, 0
    if mode is Mode.CLUSTER:
        if segments and segments not in (["0"], [""]):
            raise BadRedisUrl(f"{where} a cluster has only database 0; drop the path /{path}")
    else:
        if not segments or not segments[0]:
            raise BadRedisUrl(f"{where} needs the service name: {scheme}://host:port[,...]/<service>[/db]")
        if not _SERVICE.match(segments[0]) or len(segments) > 2:
            raise BadRedisUrl(f"{where} the path must be /<service>[/db], not /{path}")
        service = segments[0]
        db = _db(segments[1], where) if len(segments) == 2 and segments[1] else 0
    return Deployment(
        mode,
        url,
        tls,
        nodes,
        username,
        password,
        service,
        db,
        {k: v for k, v in options.items() if k in _TLS_OPTIONS},
        options.get("sentinel_username"),
        options.get("sentinel_password"),
    )


def _node(text: str, mode: Mode, where: str) -> tuple[str, int]:
    found = _NODE.match(text.strip())
    if not found:
        raise BadRedisUrl(f"{where} {text!r} is not host[:port] (hosts are separated by commas)")
    port = int(found["port"]) if found["port"] else _DEFAULT_PORT[mode]
    if not 0 < port < 65536:
        raise BadRedisUrl(f"{where} port {port} is out of range")
    return found["v6"] or found["host"], port


def _db(text: str, where: str) -> int:
    if not text.isdigit():
        raise BadRedisUrl(f"{where} the database must be a number, not {text!r}")
    return int(text)


def _options(query: str, tls: bool, mode: Mode, where: str) -> dict[str, Any]:
    allowed = (_TLS_OPTIONS if tls else set()) | (_SENTINEL_OPTIONS if mode is Mode.SENTINEL else set())
    options: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise BadRedisUrl(f"{where} unknown query parameter {name!r} (known here: {known})")
        if name == "ssl_cert_reqs":
            if value not in _CERT_REQS:
                raise BadRedisUrl(f"{where} ssl_cert_reqs must be none, optional or required")
            options[name] = _CERT_REQS[value]
        elif name == "ssl_check_hostname":
            if value.lower() not in ("true", "false", "1", "0"):
                raise BadRedisUrl(f"{where} ssl_check_hostname must be true or false")
            options[name] = value.lower() in ("true", "1")
        else:
            options[name] = value
    return options


class BoundedCluster(RedisCluster):
    """RedisCluster that retries a command once after a broken connection or a topology change
    (refreshing the slot map first: that is how a promotion is found), but never after a timeout,
    which would double the bound on a hung node as it would on a standalone Redis."""

    ERRORS_ALLOW_RETRY = (RedisConnectionError, ClusterDownError, SlotNotCoveredError)  # type: ignore[assignment]

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        """A cluster mid-failover answers CLUSTERDOWN for every slot (full coverage is required) or
        has a slot nobody serves: past the one retry, both are the store being unavailable."""
        try:
            return await super().execute_command(*args, **kwargs)
        except (ClusterDownError, SlotNotCoveredError) as exc:
            raise RedisConnectionError(f"the cluster is down: {exc}") from exc

    async def initialize(self, *args: Any, **kwargs: Any) -> BoundedCluster:
        """Reading the slot map fails with RedisClusterException (no RedisError) when no node answers:
        a cluster that cannot be reached is a broken connection like any other, "store unavailable"."""
        try:
            await super().initialize(*args, **kwargs)
        except RedisClusterException as exc:
            raise RedisConnectionError(str(exc)) from exc
        return self

    async def refresh_slots(self) -> None:
        """Re-read the slot map now (after a failover the cached one still names the dead primary)."""
        await self.initialize()
        try:
            await self.nodes_manager.initialize()
        except RedisClusterException as exc:
            raise RedisConnectionError(str(exc)) from exc


def _client_options(timeout: float, read_timeout: float, max_connections: int) -> dict[str, Any]:
    """What every client gets, whatever the deployment (see redis.connect)."""
    return {
        "decode_responses": True,
        "socket_connect_timeout": timeout,
        "socket_timeout": read_timeout,
        "max_connections": max_connections,
    }


def connect(deployment: Deployment, timeout: float, read_timeout: float, max_connections: int) -> Any:
    """A client for the deployment's primaries (`Redis` or `BoundedCluster`), each command bounded by
    the socket timeouts, one retry on a broken connection only. Nothing is sent yet."""
    common = _client_options(timeout, read_timeout, max_connections)
    if deployment.mode is Mode.STANDALONE:
        return Redis.from_url(
            deployment.url,
            **common,
            health_check_interval=30,
            retry_on_timeout=False,
            # After Redis restarts, each pooled connection it dropped fails once on first use; one
            # immediate retry on a fresh connection hides that, and a Redis still down fails as
            # before. Only a broken connection is retried: redis-py's default list also retries a
            # timeout, which doubled every bound (a hung Redis answered after twice the timeout).
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            retry_on_error=[RedisConnectionError],
        )
    tls: dict[str, Any] = {"ssl": True, **deployment.tls_options} if deployment.tls else {}
    auth: dict[str, Any] = {"username": deployment.username, "password": deployment.password}
    if deployment.mode is Mode.CLUSTER:
        return BoundedCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in deployment.nodes],
            **common,
            **auth,
            **tls,
            # The cluster client's own retry: once, then the caller hears "store unavailable".
            retry=Retry(NoBackoff(), 1),
        )
    sentinel_auth = {"username": deployment.sentinel_username, "password": deployment.sentinel_password}
    # redis-py asks the sentinels one after another until one names the primary: each gets a share of
    # the bound, so hung sentinels cost at most `timeout` together, not `timeout` each.
    each = max(timeout / len(deployment.nodes), min(timeout, _LEAST_SENTINEL_SECONDS))
    sentinels = Sentinel(  # type: ignore[no-untyped-call]
        list(deployment.nodes),
        sentinel_kwargs={
            "socket_connect_timeout": each,
            "socket_timeout": each,
            # The next sentinel is the retry (redis-py's default would try a hung one 4 times).
            "retry": Retry(NoBackoff(), 0),
            "decode_responses": True,
            **sentinel_auth,
            **tls,
        },
    )
    assert deployment.service is not None
    # Each new connection asks the sentinels for the primary; one to a primary that was demoted
    # answers READONLY, which redis-py turns into a broken connection, retried once on the new one.
    return sentinels.master_for(
        deployment.service,
        redis_class=Redis,
        **common,
        **auth,
        **tls,
        db=deployment.db,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        retry_on_error=[RedisConnectionError],
    )
