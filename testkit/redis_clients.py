"""Synchronous Redis clients for the tests' own reads (the server's are async), and the keys they look
up: whatever deployment (standalone, sentinel, cluster) a URL names."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.sentinel import Sentinel

from server.store import deployments, keys
from server.store.deployments import Mode


def _with_db(url: str, offset: int) -> str:
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db - offset) % 16}"))


def worker_db_url(url: str, worker: str | None) -> str:
    """The test DB of one pytest-xdist worker: `gwN` takes the URL's DB minus 2N (wrapping below 0),
    so workers that each flush their DB per test never flush each other's; the DB just below is
    the worker's second (`second_db_url`)."""
    if not worker or not worker.startswith("gw"):
        return url
    return _with_db(url, 2 * int(worker[2:]))


def second_db_url(url: str) -> str:
    """A second logical DB beside a test DB, for tests of two zones on one Redis."""
    return _with_db(url, 1)


# The shared test Redis (tests flush their DB). Not a HARNESS_* variable: those are the server's
# settings, which the tests never take from the caller.
TEST_REDIS_URL = worker_db_url(
    os.environ.get("AGENT_HARNESS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    os.environ.get("PYTEST_XDIST_WORKER"),
)


def sync_client(url: str) -> Any:
    """A synchronous client for any of the three URL forms (tests only: the server's are async)."""
    deployment = deployments.parse(url)
    auth: dict[str, Any] = {"username": deployment.username, "password": deployment.password}
    if deployment.mode is Mode.STANDALONE:
        return redis.Redis.from_url(url, decode_responses=True)
    if deployment.tls:
        auth.update(ssl=True, **deployment.tls_options)
    if deployment.mode is Mode.CLUSTER:
        nodes = [ClusterNode(host, port) for host, port in deployment.nodes]  # type: ignore[no-untyped-call]
        return RedisCluster(startup_nodes=nodes, decode_responses=True, socket_timeout=5, **auth)
    assert deployment.service is not None
    sentinel_auth: dict[str, Any] = {
        "username": deployment.sentinel_username,
        "password": deployment.sentinel_password,
    }
    if deployment.tls:
        sentinel_auth.update(ssl=True, **deployment.tls_options)
    sentinels = Sentinel(  # type: ignore[no-untyped-call]
        list(deployment.nodes), sentinel_kwargs={"socket_timeout": 2, **sentinel_auth}
    )
    return sentinels.master_for(  # type: ignore[no-untyped-call]
        deployment.service, decode_responses=True, socket_timeout=5, db=deployment.db, **auth
    )


def turn_key(client: redis.Redis, tenant: str, turn_id: str, *, events: bool = False) -> str:
    """A turn's hash (or event log) key, found by the turn id alone: the key also names the turn's
    session, which a test holding only a turn id does not know. A key nobody has when none is there."""
    build = keys.turn_events if events else keys.turn
    for key in client.scan_iter(match=build(tenant, "*", turn_id), count=1000):
        return key.decode() if isinstance(key, bytes) else str(key)
    return build(tenant, "-", turn_id)
