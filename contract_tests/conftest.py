"""Fixtures: the real Redis (flushed per test), live servers, and an authenticated client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from server.config import Settings
from server.store.deployments import Mode
from testkit.api import http_client
from testkit.deployments import FULL_MATRIX, Launched, launch
from testkit.redis_clients import TEST_REDIS_URL
from testkit.redis_server import RedisServer
from testkit.servers import ServerThread


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def standalone_redis_url() -> Iterator[str]:
    """The Redis at AGENT_HARNESS_TEST_REDIS_URL or, when none answers, a redis-server of our own."""
    if _answers(TEST_REDIS_URL):
        yield TEST_REDIS_URL
        return
    with RedisServer(persist=False, db=15) as own:
        yield own.url


ACROSS = [Mode.STANDALONE, Mode.SENTINEL, Mode.CLUSTER]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `every_deployment` runs against standalone, sentinel and cluster Redis in every
    run; the tests of a module with `ACROSS_DEPLOYMENTS = True` do so under `make test-cluster`
    (AGENT_HARNESS_TEST_DEPLOYMENTS=all) and against standalone Redis otherwise."""
    if "redis_deployment" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("every_deployment")
    if marker or (FULL_MATRIX and getattr(metafunc.module, "ACROSS_DEPLOYMENTS", False)):
        params = [pytest.param(mode, id=mode.value) for mode in ACROSS]
        metafunc.parametrize("redis_deployment", params, indirect=True, scope="module")


@pytest.fixture(scope="session")
def launched(standalone_redis_url: str) -> Iterator[dict[Mode, Launched]]:
    """Each deployment a test asked for, started once per session (on first use), stopped at its end."""
    started: dict[Mode, Launched] = {}
    yield started
    for deployment in started.values():
        deployment.stop()


@pytest.fixture(scope="module")
def redis_deployment(
    request: pytest.FixtureRequest, launched: dict[Mode, Launched], standalone_redis_url: str
) -> Launched:
    """The deployment this module's tests run against: standalone unless parametrised."""
    mode = getattr(request, "param", Mode.STANDALONE)
    if mode not in launched:
        launched[mode] = launch(mode, standalone_redis_url)
    return launched[mode]


@pytest.fixture(scope="module")
def redis_url(redis_deployment: Launched) -> str:
    return redis_deployment.url


@pytest.fixture(autouse=True)
def flush_redis(redis_deployment: Launched) -> Iterator[Any]:
    """Every primary flushed; the test's own synchronous client (a cluster's sees every node)."""
    redis_deployment.flush()
    client = redis_deployment.client()
    yield client
    client.close()


# The tests' model and MCP servers listen on loopback, which the egress policy refuses by default.
LOOPBACK = ["127.0.0.0/8", "::1/128"]


def settings_for(redis_url: str, **overrides: Any) -> Settings:
    # A test server stops with turns still running: a short drain keeps teardown quick.
    defaults = {"shutdown_grace_seconds": 0.5, "egress_allow_networks": LOOPBACK}
    return Settings(redis_url=redis_url, **{**defaults, **overrides})


@pytest.fixture(scope="module")
def server(redis_url: str) -> Iterator[ServerThread]:
    """One API server with its in-process executor, shared by a module's tests."""
    with ServerThread(settings_for(redis_url, cancel_timeout_seconds=5)) as running:
        yield running


@pytest.fixture
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with http_client(server.base_url) as c:
        yield c


def make_agent(client: httpx.Client, name: str, *, chunks: int = 1, delay_ms: int = 0) -> dict[str, Any]:
    manifest = {
        "name": name,
        "model": {"name": "scripted/echo", "params": {"chunks": chunks, "delay_ms": delay_ms}},
    }
    response = client.post("/registry/agents", json=manifest)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


@pytest.fixture
def echo_agent(client: httpx.Client) -> str:
    make_agent(client, "echo")
    return "echo"


@pytest.fixture
def slow_agent(client: httpx.Client) -> str:
    make_agent(client, "slow", chunks=50, delay_ms=100)
    return "slow"
