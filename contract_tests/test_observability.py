"""Metrics, request ids and JSON logs, read from real processes as an operator would: an API
replica's `/metrics`, an executor's `--metrics-port`, and the lines each writes to stderr."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from testkit.api import http_client
from testkit.processes import ApiProcess, ExecutorProcess, free_port, wait_until
from testkit.sse import BackgroundStream, read_frames

ENV = {"HARNESS_HEARTBEAT_SECONDS": "0.25", "HARNESS_EXECUTOR_TTL_SECONDS": "2"}
TURN_BODY = {"input": [{"type": "user.message", "content": "one two three four five six"}]}


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(url, timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def json_lines(lines: list[str]) -> list[dict[str, Any]]:
    records = []
    for line in lines:
        record = json.loads(line)  # every line is one JSON object
        assert {"timestamp", "level", "logger", "message"} <= record.keys(), record
        records.append(record)
    return records


class Deployment:
    def __init__(self, redis_url: str) -> None:
        env = {**ENV, "HARNESS_REDIS_URL": redis_url}
        self.api = ApiProcess(env, log_level="info")
        self.executor = ExecutorProcess("exm", env, metrics_port=free_port())

    @property
    def api_metrics(self) -> str:
        return f"{self.api.root}/metrics"

    @property
    def executor_metrics(self) -> str:
        return f"http://127.0.0.1:{self.executor.metrics_port}/metrics"


@pytest.fixture
def deployment(redis_url: str) -> Iterator[Deployment]:
    running = Deployment(redis_url)
    running.api.start()
    running.executor.start()
    yield running
    running.api.stop()
    running.executor.stop()


def _session(client: httpx.Client, **params: int) -> str:
    manifest = {"name": "slow", "model": {"name": "scripted/echo", "params": params}}
    assert client.post("/registry/agents", json=manifest).status_code in (201, 409)
    response = client.post("/agents/sessions", json={"agent_name": "slow"})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def test_metrics_of_the_api_replica_and_the_executor(deployment: Deployment) -> None:
    with http_client(deployment.api.base_url) as client:
        session_id = _session(client, chunks=20, delay_ms=100)
        stream = BackgroundStream(client, f"/agents/sessions/{session_id}/turns", TURN_BODY).start()
        stream.wait_for(3)  # turn.created, model.message, a delta

        executor = scrape(deployment.executor_metrics)
        api = scrape(deployment.api_metrics)
        assert value(executor, "agent_harness_turns_running") == 1
        assert value(api, "agent_harness_sse_streams_open") == 1
        assert value(api, "agent_harness_turns_started_total") == 1

        assert client.post(f"/agents/sessions/{session_id}/cancel").status_code == 200
        stream.join()
        assert client.post(f"/agents/sessions/{session_id}/cancel").status_code == 200  # nothing running
        assert client.post("/agents/sessions/01m88zt2y234a5b9954rxha5ak.g/cancel").status_code == 404
        frames = read_frames(client, "POST", f"/agents/sessions/{session_id}/turns", json=TURN_BODY)
        assert frames[-1].data["state"]["status"] == "done"

        wait_until(
            lambda: value(scrape(deployment.api_metrics), "agent_harness_sse_streams_open") == 0,
            5,
            "both streams are closed",
        )
        executor = scrape(deployment.executor_metrics)
        api = scrape(deployment.api_metrics)

    # Executor side: the terminal states it wrote, and nothing running any more.
    assert value(executor, "agent_harness_turns_running") == 0
    finished = "agent_harness_turns_finished_total"
    assert value(executor, finished, status="cancelled", reason="client-cancelled") == 1
    assert value(executor, finished, status="done", reason="") == 1
    assert value(executor, finished, status="cancelled", reason="abandoned") == 0
    # API side: what its requests did.
    assert value(api, "agent_harness_turns_started_total") == 2
    assert value(api, "agent_harness_cancel_requests_total", outcome="200") == 2
    assert value(api, "agent_harness_cancel_requests_total", outcome="404") == 1
    assert value(api, "agent_harness_cancel_duration_seconds_count", outcome="200") == 1  # the running one
    assert 0 < value(api, "agent_harness_cancel_duration_seconds_sum", outcome="200") < 2
    assert value(api, "agent_harness_time_to_first_event_seconds_count") == 2
    # The executor's first event opens the reply before the model's first (100 ms) chunk: the time
    # measured is the harness's own dispatch, request to executor and back, so well under a second.
    assert 0 < value(api, "agent_harness_time_to_first_event_seconds_sum") < 2
    assert value(api, "agent_harness_time_to_first_event_seconds_bucket", le="1.0") == 2
    assert value(api, "agent_harness_redis_errors_total", source="request") == 0
    assert value(api, finished, status="done", reason="") == 0  # written by the executor, not here


def test_request_ids_are_echoed_and_logs_are_json_lines_with_their_context(deployment: Deployment) -> None:
    headers = {"Authorization": "Bearer alice"}
    with httpx.Client(base_url=f"{deployment.api.base_url}/v1", headers=headers, timeout=30) as client:
        session_id = _session(client, chunks=2, delay_ms=10)
        # The client's id, on a JSON response, an SSE stream and an error envelope.
        created = client.post(
            "/agents/sessions", json={"agent_name": "slow"}, headers={"X-Request-ID": "req-abc.1"}
        )
        assert created.headers["x-request-id"] == "req-abc.1"
        with client.stream(
            "POST",
            f"/agents/sessions/{session_id}/turns",
            json=TURN_BODY,
            headers={"X-Request-ID": "req-sse"},
        ) as streamed:
            assert streamed.headers["x-request-id"] == "req-sse"
            body = streamed.read().decode()
        turn_id = re.search(r'"turn_id":"([^"]+)"', body).group(1)  # type: ignore[union-attr]
        missing = client.get("/agents/sessions/nope/turns", headers={"X-Request-ID": "req-404"})
        assert missing.status_code in (400, 404) and missing.headers["x-request-id"] == "req-404"
        unauthenticated = httpx.get(
            f"{deployment.api.base_url}/v1/agents/sessions?agent_name=slow", headers={"X-Request-ID": "r-401"}
        )
        assert unauthenticated.status_code == 401 and unauthenticated.headers["x-request-id"] == "r-401"
        assert (
            httpx.get(deployment.api_metrics, headers={"X-Request-ID": "r-m"}).headers["x-request-id"]
            == "r-m"
        )
        # An id that is too long or not printable is replaced by a fresh one.
        for bad in ("x" * 129, "has space", "tab\there"):
            answered = client.get(f"/agents/sessions/{session_id}", headers={"X-Request-ID": bad})
            assert re.fullmatch(r"[0-9a-f]{32}", answered.headers["x-request-id"]), answered.headers
        generated = client.get(f"/agents/sessions/{session_id}").headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", generated)

    def api_records() -> list[dict[str, Any]]:
        return json_lines(deployment.api.log_lines())

    # The last request's access line is written last: once it is there, all are.
    wait_until(lambda: any(r.get("request_id") == generated for r in api_records()), 5, "the access lines")
    by_id = {r["request_id"]: r for r in api_records() if r["logger"] == "server.access"}
    assert (
        by_id["req-abc.1"] | {"level": "INFO", "tenant": "truefoundry", "status": 201} == by_id["req-abc.1"]
    )
    streamed_line = by_id["req-sse"]
    assert streamed_line["session_id"] == session_id and streamed_line["turn_id"] == turn_id
    assert streamed_line["message"] == f"POST /truefoundry/v1/agents/sessions/{session_id}/turns 200"
    assert by_id["req-404"]["status"] in (400, 404) and by_id["r-401"]["status"] == 401
    assert by_id[generated]["session_id"] == session_id

    # The executor's lines about a turn carry the turn's tenant, session and id.
    def turn_ended() -> list[dict[str, Any]]:
        return [r for r in json_lines(deployment.executor.log_lines()) if r.get("turn_id") == turn_id]

    wait_until(turn_ended, 5, "the executor logged the turn's end")
    assert turn_ended()[0] | {"tenant": "truefoundry", "session_id": session_id} == turn_ended()[0]
