"""Operator metrics and the executor's health endpoint, scraped and parsed as Prometheus would:
per-route request counts and latency under route templates, the build info, live executors per
zone, no `_created` series, and an executor `/healthz` that follows its worker's state."""

from __future__ import annotations

import asyncio
import platform
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from contract_tests.conftest import settings_for
from server import metrics
from server.runtime import running
from testkit.processes import ExecutorProcess, free_port, wait_until
from testkit.redis_server import RedisServer
from testkit.servers import ServerThread

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
SESSION_ROUTE = "/{tenantName}/v1/agents/sessions/{sessionId}"


def scrape(url: str) -> tuple[Samples, str]:
    response = httpx.get(url, timeout=5)
    assert response.status_code == 200, response.text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    return samples, response.text


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_and_timed_by_route_template_method_and_status(
    server: ServerThread, client: httpx.Client
) -> None:
    missing = "01m88zt2y234a5b9954rxha5ak.g"
    requests = "agent_harness_http_requests_total"
    count = "agent_harness_http_request_duration_seconds_count"
    before, _ = scrape(f"{server.root}/metrics")

    assert client.get(f"/agents/sessions/{missing}").status_code == 404
    assert client.get(f"/agents/sessions/{missing}").status_code == 404
    assert client.delete(f"/agents/sessions/{missing}").status_code == 404
    assert httpx.get(f"{server.root}/healthz").status_code == 200
    assert httpx.get(f"{server.root}/no/such/path").status_code == 404
    after, text = scrape(f"{server.root}/metrics")

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew(requests, method="GET", route=SESSION_ROUTE, status="404") == 2
    assert grew(count, method="GET", route=SESSION_ROUTE, status="404") == 2
    assert grew(requests, method="DELETE", route=SESSION_ROUTE, status="404") == 1
    assert grew(requests, method="GET", route="/healthz", status="200") == 1
    assert grew(requests, method="GET", route="unmatched", status="404") == 1
    # The scrape before this one is counted under its own fixed route.
    assert value(after, requests, method="GET", route="/metrics", status="200") >= 1
    # Raw paths never become labels: no id, no unknown path.
    assert missing not in text and "/no/such/path" not in text
    assert 0 < value(after, "agent_harness_http_request_duration_seconds_sum", method="GET",
                     route=SESSION_ROUTE, status="404") < 60  # fmt: skip


def test_the_build_info_and_no_created_series(server: ServerThread) -> None:
    samples, _ = scrape(f"{server.root}/metrics")
    version = metrics.package_version()
    info = value(samples, "agent_harness_build_info", version=version, python=platform.python_version())
    assert info == 1 and version not in ("", "unknown")
    assert [name for name, _ in samples if name.endswith("_created")] == []
    # Counters and histograms are still there, just without their creation timestamps.
    assert any(name == "agent_harness_turns_started_total" for name, _ in samples)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path) as redis_server:
        yield redis_server


def test_live_executors_per_zone(own_redis: RedisServer, tmp_path: Path) -> None:
    # Two zones, each on a Redis of its own (the shared one has other tests' executors): each
    # zone's reaper counts that zone's executors, and this process runs one in each.
    (tmp_path / "eu").mkdir()
    eu = RedisServer(tmp_path / "eu")
    eu.start()
    try:
        settings = settings_for(own_redis.url, zones={"eu": eu.url}, heartbeat_seconds=0.2)
        with ServerThread(settings) as server:

            def live() -> tuple[float, float]:
                samples, _ = scrape(f"{server.root}/metrics")
                gauge = "agent_harness_executors_live"
                return value(samples, gauge, zone="g"), value(samples, gauge, zone="eu")

            wait_until(lambda: live() == (1, 1), 15, "each zone counts its live executor")
    finally:
        eu.kill()


def health(port: int) -> tuple[int, dict[str, Any]]:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    except httpx.HTTPError:
        return 0, {}
    return response.status_code, response.json()


def test_the_executor_healthz_follows_its_redis_connection_and_heartbeat(own_redis: RedisServer) -> None:
    env = {
        "HARNESS_REDIS_URL": own_redis.url,
        "HARNESS_HEARTBEAT_SECONDS": "0.25",
        "HARNESS_EXECUTOR_TTL_SECONDS": "2",
    }
    executor = ExecutorProcess(f"hz{secrets.token_hex(4)}", env, metrics_port=free_port())
    executor.start()
    port = executor.metrics_port
    assert port is not None
    try:
        wait_until(lambda: health(port)[0] == 200, 10, "the executor reports healthy")
        _, body = health(port)
        assert body["status"] == "ok"
        (worker,) = body["workers"]
        assert worker["cancel_channel_subscribed"] is True and worker["draining"] is False
        assert worker["executor_id"] == executor.executor_id and worker["zone"] == "g"
        assert 0 <= worker["heartbeat_age_seconds"] < 2
        scraped, _ = scrape(f"http://127.0.0.1:{port}/metrics")  # the same port still serves metrics
        assert [name for name, _ in scraped if name.endswith("_created")] == []

        own_redis.kill()  # its cancel channel goes, and no heartbeat reaches Redis any more
        wait_until(lambda: health(port)[0] == 503, 10, "the executor reports unhealthy")
        _, body = health(port)
        (worker,) = body["workers"]
        assert body["status"] == "unhealthy" and worker["cancel_channel_subscribed"] is False

        own_redis.start()  # back: it resubscribes and heartbeats again, no restart needed
        wait_until(lambda: health(port)[0] == 200, 20, "the executor is healthy again")
    finally:
        executor.stop()


async def test_a_worker_with_a_stale_heartbeat_or_draining_is_unhealthy(redis_url: str) -> None:
    # Heartbeats far apart, a short TTL: the one beat at start goes stale within the test.
    settings = settings_for(
        redis_url, executor_id=f"hz{secrets.token_hex(4)}", heartbeat_seconds=60, executor_ttl_seconds=1
    )
    async with running(settings) as runtime:
        (worker,) = runtime.workers
        assert worker.health()["healthy"] is True
        async with asyncio.timeout(10):
            while worker.health()["healthy"]:  # noqa: ASYNC110 (a state read, nothing to wait on)
                await asyncio.sleep(0.05)
        report = worker.health()
        assert report["cancel_channel_subscribed"] is True and report["draining"] is False
        assert float(report["heartbeat_age_seconds"]) > 1  # type: ignore[arg-type]

    settings = settings_for(redis_url, executor_id=f"hz{secrets.token_hex(4)}")
    async with running(settings) as runtime:
        (worker,) = runtime.workers
        assert worker.health()["healthy"] is True
        runtime.begin_shutdown()
        report = worker.health()
        assert report["draining"] is True and report["healthy"] is False
