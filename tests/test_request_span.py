"""With a tracing SDK, a request's SERVER span (`tracing.http_request`) is current while the request
runs, ends once however the request ends, and marks an error the way OpenTelemetry's own
`start_as_current_span` does: an exception is recorded and sets the status, a cancellation does not."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from server import tracing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """An SDK of this test's own: OpenTelemetry's global provider can be set only once a process."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    monkeypatch.setattr(tracing, "_tracer", provider.get_tracer("test"))
    yield exporter
    provider.shutdown()


def test_the_span_is_current_while_the_request_runs_and_ends_once(exported: InMemorySpanExporter) -> None:
    outside = trace.get_current_span()
    with tracing.http_request("GET", "/t/v1/agents/sessions/s", {"traceparent": TRACEPARENT}) as span:
        assert trace.get_current_span() is span
        tracing.http_route(span, "GET", "/{tenantName}/v1/agents/sessions/{sessionId}", 200)
    assert trace.get_current_span() is outside
    [finished] = exported.get_finished_spans()
    assert finished.name == "GET /{tenantName}/v1/agents/sessions/{sessionId}"
    assert finished.kind is trace.SpanKind.SERVER
    assert finished.parent is not None and f"{finished.parent.trace_id:032x}" == TRACE_ID
    assert finished.status.status_code is StatusCode.UNSET
    assert not finished.events


def test_an_exception_is_recorded_once_and_sets_the_error_status(exported: InMemorySpanExporter) -> None:
    with pytest.raises(RuntimeError), tracing.http_request("POST", "/t/v1/agents/sessions", {}):
        raise RuntimeError("boom")
    [finished] = exported.get_finished_spans()
    assert [event.name for event in finished.events] == ["exception"]
    assert finished.status.status_code is StatusCode.ERROR
    assert finished.status.description == "RuntimeError: boom"
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_a_cancellation_ends_the_span_without_an_error(exported: InMemorySpanExporter) -> None:
    with pytest.raises(asyncio.CancelledError), tracing.http_request("POST", "/t/v1/agents/sessions", {}):
        raise asyncio.CancelledError
    [finished] = exported.get_finished_spans()
    assert not finished.events
    assert finished.status.status_code is StatusCode.UNSET
