"""An API replica without a tracing SDK still passes the caller's trace context on to the turn it
starts (`carrier()`), so executors that do trace make their spans children of the client's trace;
without a `traceparent` nothing is attached."""

from __future__ import annotations

import pytest
from opentelemetry import trace

from server import tracing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture(autouse=True)
def no_tracing_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenTelemetry's global provider is set once per process: a test of a traced server that
    ran earlier in this worker would otherwise have installed an SDK."""
    monkeypatch.setattr(trace, "get_tracer_provider", trace.NoOpTracerProvider)


def test_the_callers_trace_context_reaches_the_turn() -> None:
    with tracing.http_request("POST", "/t/v1/agents/sessions/s/turns", {"traceparent": TRACEPARENT}):
        carried = tracing.carrier()
    assert TRACE_ID in carried
    assert tracing.carrier() == ""


def test_no_traceparent_carries_nothing() -> None:
    with tracing.http_request("POST", "/t/v1/agents/sessions/s/turns", {}):
        assert tracing.carrier() == ""
