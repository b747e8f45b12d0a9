"""Every Prometheus metric the harness exports, defined once (prometheus-client's default registry).

Two kinds of process export them: an API replica at `GET /metrics` on its HTTP port, and an
`agent-harness executor` on its own `--metrics-port`. Each counts what happens in that process, so
a cluster-wide figure is the sum over all scrape targets; `serve` with its in-process executor
exports both kinds from one endpoint, and `serve --workers N` the merged series of its N worker
processes (prometheus_client's multiprocess mode, see asgi_app; gauges say how they merge).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
from collections.abc import Callable
from typing import Any

import prometheus_client
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    make_asgi_app,
    start_http_server,
)
from prometheus_client.multiprocess import MultiProcessCollector

from server.domain.turn_state import CancelReason, TerminalState

# A `_created` series per counter and histogram doubles the series for a timestamp nobody graphs.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

_PREFIX = "agent_harness"

TURNS_STARTED = Counter(
    f"{_PREFIX}_turns_started",
    "Turns created through this API replica (START_TURN succeeded).",
)
TURNS_RUNNING = Gauge(
    f"{_PREFIX}_turns_running",
    "Turns this process's executor is running now.",
    multiprocess_mode="livesum",
)
TURNS_FINISHED = Counter(
    f"{_PREFIX}_turns_finished",
    "Terminal states this process recorded (the one FINISH_TURN that won), by status and cancel reason "
    "(reason is empty unless the status is cancelled).",
    ["status", "reason"],
)
CANCEL_REQUESTS = Counter(
    f"{_PREFIX}_cancel_requests",
    "Cancel requests answered by this API replica, by HTTP status.",
    ["outcome"],
)
CANCEL_DURATION = Histogram(
    f"{_PREFIX}_cancel_duration_seconds",
    "Time to answer a cancel request that found a running turn: until its terminal state was recorded "
    "(200) or the bound passed (424).",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TIME_TO_FIRST_EVENT = Histogram(
    f"{_PREFIX}_time_to_first_event_seconds",
    "Streaming create-turn requests: from the API handler receiving the request until it writes to the "
    "client the first event the executor appended (the first after turn.created; turns whose next event "
    "is turn.done are not observed). Includes picking an executor, START_TURN, the executor's inbox "
    "read and its first append: the harness's dispatch latency, not the model's time to first token.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SSE_STREAMS_OPEN = Gauge(
    f"{_PREFIX}_sse_streams_open",
    "Server-Sent Event streams (create-turn and subscribe) this API replica is serving now.",
    multiprocess_mode="livesum",
)
SSE_STREAMS_REFUSED = Counter(
    f"{_PREFIX}_sse_streams_refused",
    "Streams refused with 429 too_many_streams, by the cap reached: caller (one subject's streams on "
    "this replica) or replica (all of them).",
    ["cap"],
)
SSE_REDIS_READS = Gauge(
    f"{_PREFIX}_sse_redis_reads",
    "Redis reads in flight for this replica's streams, by kind: blocking (the fan-out's one XREAD "
    "BLOCK per zone, however many streams it serves) and replay (XRANGE of a stream catching up).",
    ["kind"],
    multiprocess_mode="livesum",
)
SSE_TURNS_WATCHED = Gauge(
    f"{_PREFIX}_sse_turns_watched",
    "Turns whose event logs this replica's fan-out follows live (one entry of its XREAD each).",
    multiprocess_mode="livesum",
)
REDIS_ERRORS = Counter(
    f"{_PREFIX}_redis_errors",
    "Failures to reach Redis, by where they happened: request (an API call answered 'store "
    "unavailable'), executor (heartbeat, inbox, cancel channel), reaper, stream (the streams' fan-out "
    "read failed and ended its streams).",
    ["source"],
)
ZONE_UP = Gauge(
    f"{_PREFIX}_zone_up",
    "Whether this process reaches the Redis of each zone it serves (1) or not (0), as of the last "
    "probe (every zone_probe_seconds, and on every /readyz).",
    ["zone"],
    multiprocess_mode="livemin",
)

CANCEL_OUTCOMES = ("200", "400", "403", "404", "412", "424", "500")
_TERMINAL = (
    ("done", ""),
    ("error", ""),
    *(("cancelled", reason.value) for reason in CancelReason),
)
for _outcome in CANCEL_OUTCOMES:
    CANCEL_REQUESTS.labels(_outcome)
for _status, _reason in _TERMINAL:
    TURNS_FINISHED.labels(_status, _reason)
for _cap in ("caller", "replica"):
    SSE_STREAMS_REFUSED.labels(_cap)
for _kind in ("blocking", "replay"):
    SSE_REDIS_READS.labels(_kind)
for _source in ("request", "executor", "reaper", "stream"):
    REDIS_ERRORS.labels(_source)


def turn_finished(state: TerminalState) -> None:
    TURNS_FINISHED.labels(state.status, getattr(state, "reason", "") or "").inc()


def cancel_answered(outcome: str, seconds: float | None) -> None:
    """One cancel request answered with HTTP status `outcome`; `seconds` when it found a running turn."""
    CANCEL_REQUESTS.labels(outcome).inc()
    if seconds is not None:
        CANCEL_DURATION.labels(outcome).observe(seconds)


def asgi_app() -> Any:
    """`GET /metrics` of an API replica (text exposition; OpenMetrics when the scraper asks). Under
    `serve --workers N` (server/workers.py) every worker's series merged, whichever worker answers:
    counters and histograms summed, each gauge by its `multiprocess_mode` (those of live workers)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") is None:
        return make_asgi_app()
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(BUILD_INFO)  # an Info lives in memory only: every worker reports the same one
    return make_asgi_app(registry)


def serve_http(port: int, host: str) -> Any:
    """The executor's own endpoint, on a thread: it has no HTTP server of its own."""
    server, _thread = start_http_server(port, addr=host)
    return server


# --- HTTP requests, build, executors (server/http_telemetry.py, server/executor/reaper.py) ---

HTTP_REQUESTS = Counter(
    f"{_PREFIX}_http_requests",
    "HTTP requests this API replica answered, by method, route template (the spec's path, ids as "
    "`{sessionId}`; `unmatched` for paths no route serves) and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    f"{_PREFIX}_http_request_duration_seconds",
    "Time until the response's headers were sent, by method, route template and status code: for an "
    "SSE stream, until it opened (its length is not the request's latency).",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BUILD_INFO = prometheus_client.Info(
    f"{_PREFIX}_build", "The running build: package version and Python version (always 1)."
)
EXECUTORS_LIVE = Gauge(
    f"{_PREFIX}_executors_live",
    "Executors registered live in a zone's Redis (heartbeat within the TTL, not draining), as this "
    "process's lease reaper last counted them: a cluster-wide figure every process reports, so take "
    "max, not sum.",
    ["zone"],
    multiprocess_mode="livemax",
)


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method, route, str(status or "none"))
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_REQUEST_DURATION.labels(*labels).observe(seconds)


def package_version() -> str:
    try:
        return importlib.metadata.version("agent-harness")
    except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


BUILD_INFO.info({"version": package_version(), "python": platform.python_version()})


def serve_executor_http(port: int, host: str, health: Callable[[], tuple[bool, dict[str, object]]]) -> Any:
    """The executor's endpoint, on a thread: `/metrics`, and `/healthz` answered by `health()` (200
    when healthy, else 503; a JSON body saying why). A thread, so it still answers when the event
    loop is stuck: then the heartbeat goes stale and `/healthz` says so."""
    server = serve_http(port, host)
    metrics_app = server.get_app()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != "/healthz":
            return metrics_app(environ, start_response)
        healthy, detail = health()
        body = json.dumps(detail).encode()
        status = "200 OK" if healthy else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    server.set_app(app)
    return server
