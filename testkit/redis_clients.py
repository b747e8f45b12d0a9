"""Synchronous Redis clients for the tests' own reads (the server's are async), and the keys they look
up: whatever deployment (standalone, sentinel, cluster) a URL names."""

from __future__ import annotations

import os
from typing import Any

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.sentinel import Sentinel

from server.store import deployments, keys
from server.store.deployments import Mode

# The shared test Redis (tests flush their DB). Not a HARNESS_* variable: those are the server's
# settings, which the tests never take from the caller.
TEST_REDIS_URL = os.environ.get("AGENT_HARNESS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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
