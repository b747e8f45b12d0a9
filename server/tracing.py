"""OpenTelemetry traces: a span per HTTP request, and per turn an `invoke_agent` span with a `chat`
span per model call and an `execute_tool` span per tool call (the GenAI semantic conventions).

Call sites use the OpenTelemetry API only, which does nothing until an SDK is installed: the SDK and
its OTLP exporter are the optional `otel` extra, imported by `configure` alone, so a server without
them starts and runs as usual. `HARNESS_OTEL_ENABLED` turns export on; the SDK reads the standard
`OTEL_*` variables (endpoint, headers, service name, sampler) itself.

One trace covers a turn across processes: create-turn stores the W3C trace context of its request
on the turn (`carrier()`, the turn hash's `trace` field), and the executor that runs the turn opens
`invoke_agent` as that context's child (`invoke_agent(..., carrier)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import platform
from collections.abc import Iterator
from contextvars import Token
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

if TYPE_CHECKING:
    from generated.models import ModelMessageEvent
    from server.config import Settings
    from server.domain.turn_state import TerminalState

log = logging.getLogger(__name__)

SERVICE_NAME = "agent-harness"
CANCELLED_EVENT = "gen_ai.turn.cancelled"
_tracer = trace.get_tracer("agent_harness")  # a proxy: it follows the provider `configure` sets


def configure(settings: Settings, version: str) -> bool:
    """Install the SDK with a batching OTLP exporter when `HARNESS_OTEL_ENABLED`; True if it did."""
    if not settings.otel_enabled:
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        raise SystemExit(
            "agent-harness: HARNESS_OTEL_ENABLED is set but the OpenTelemetry SDK is not installed: "
            "pip install 'agent-harness[otel]' (or unset HARNESS_OTEL_ENABLED)"
        ) from None
    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (read by Resource.create) win over our default.
    resource = Resource.create(
        {"service.version": version, "process.runtime.version": platform.python_version()}
    )
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)  # flushed at exit by the SDK's own atexit hook
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    log.info("tracing on: OTLP http/protobuf export")
    return True


# --- across processes: the turn record carries the trace context ---


def carrier() -> str:
    """The current W3C trace context (`traceparent`, `tracestate`) as JSON, "" when not tracing."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return json.dumps(headers, separators=(",", ":")) if headers else ""


def _context_of(stored: str | None) -> Any:
    if not stored:
        return None
    try:
        headers = json.loads(stored)
    except ValueError:
        return None
    return propagate.extract(headers) if isinstance(headers, dict) else None


# --- the HTTP request ---


class HttpSpan:
    """The SERVER span of one request, made current while the request runs (`with`, or `__enter__`
    and `__exit__` by hand). A small object, not a generator context manager: that frame would
    live as long as an SSE stream. `end`: whether leaving ends the span (ours) or not (the caller's,
    passed through)."""

    __slots__ = ("_end", "_token", "span")

    def __init__(self, span: Span, *, end: bool) -> None:
        self.span = span
        self._end = end
        self._token: Token[otel_context.Context] | None = None

    def __enter__(self) -> Span:
        self._token = otel_context.attach(trace.set_span_in_context(self.span))
        return self.span

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        # As `trace.use_span` does: only an `Exception` is an error (not a cancellation or exit).
        if self._token is not None:
            otel_context.detach(self._token)
            self._token = None
        if isinstance(exc, Exception) and self.span.is_recording():
            self.span.record_exception(exc)
            self.span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        if self._end:
            self.span.end()


class _Untraced:
    """No span and nothing attached: no SDK, and no trace context from the caller."""

    __slots__ = ()

    def __enter__(self) -> Span:
        return trace.INVALID_SPAN

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        return None


_UNTRACED = _Untraced()


def http_request(method: str, path: str, headers: dict[str, str]) -> HttpSpan | _Untraced:
    """A SERVER span for one request, child of the caller's `traceparent` if it sent one; named by
    `http_route` once routing knows the template (ids in raw paths would make every name unique)."""
    parent = propagate.extract(headers)
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider):
        # No SDK: no span of ours, but the caller's trace context still passes through to the turn
        # (`carrier()`), for executors that do trace. Without one, nothing is attached at all.
        passed = trace.get_current_span(parent)
        if not passed.get_span_context().is_valid:
            return _UNTRACED
        return HttpSpan(passed, end=False)
    span = _tracer.start_span(
        method,
        context=parent,
        kind=SpanKind.SERVER,
        attributes={"http.request.method": method, "url.path": path},
    )
    return HttpSpan(span, end=True)


def http_route(span: Span, method: str, route: str, status: int) -> None:
    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    if status:
        span.set_attribute("http.response.status_code", status)
    if status >= 500 or not status:
        span.set_status(Status(StatusCode.ERROR))
        span.set_attribute("error.type", str(status or "no response"))


# --- a turn on the executor (GenAI semantic conventions) ---


def _model_attributes(model: dict[str, Any]) -> dict[str, str]:
    # `openai-compatible/gpt-4o` → provider `openai-compatible`, model `gpt-4o`.
    provider, _, name = str(model.get("name", "")).partition("/")
    return {"gen_ai.provider.name": provider, "gen_ai.request.model": name or provider}


@contextlib.contextmanager
def invoke_agent(
    manifest: dict[str, Any], session_id: str, turn_id: str, stored_context: str | None
) -> Iterator[Span]:
    agent = str(manifest.get("name", ""))
    with _span(
        f"invoke_agent {agent}",
        SpanKind.INTERNAL,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": agent,
            "gen_ai.conversation.id": session_id,
            "agent_harness.turn.id": turn_id,
            **_model_attributes(manifest.get("model") or {}),
        },
        context=_context_of(stored_context),
    ) as span:
        yield span


def turn_ended(span: Span, state: TerminalState | None) -> None:
    """The turn's outcome on its span: usage, status, and a cancel's reason as an event."""
    if state is None:  # another writer ended the turn first
        span.set_attribute("agent_harness.turn.status", "ended-elsewhere")
        return
    span.set_attribute("agent_harness.turn.status", state.status)
    metrics = getattr(state, "metrics", None)
    if metrics is not None:
        span.set_attribute("gen_ai.usage.input_tokens", metrics.total_input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", metrics.total_output_tokens)
    if state.status == "cancelled":
        reason = str(getattr(state, "reason", ""))
        span.add_event(CANCELLED_EVENT, {"agent_harness.cancel.reason": reason})
        span.set_attribute("error.type", "cancelled")
        span.set_status(Status(StatusCode.ERROR, f"cancelled: {reason}"))
    elif state.status == "error":
        span.set_attribute("error.type", "turn_error")
        span.set_status(Status(StatusCode.ERROR, str(getattr(state, "error", "") or "error")))


@contextlib.contextmanager
def chat(model: dict[str, Any]) -> Iterator[Span]:
    attributes = _model_attributes(model)
    with _span(
        f"chat {attributes['gen_ai.request.model']}",
        SpanKind.CLIENT,
        {"gen_ai.operation.name": "chat", **attributes},
    ) as span:
        yield span


def chat_answered(span: Span, message: ModelMessageEvent) -> None:
    if message.usage is not None:
        span.set_attribute("gen_ai.usage.input_tokens", message.usage.input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", message.usage.output_tokens)
    if message.finish_reason:
        span.set_attribute("gen_ai.response.finish_reasons", [str(message.finish_reason)])


@contextlib.contextmanager
def execute_tool(name: str, call_id: str) -> Iterator[Span]:
    with _span(
        f"execute_tool {name}",
        SpanKind.INTERNAL,
        {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.type": "function",
        },
    ) as span:
        yield span


@contextlib.contextmanager
def _span(name: str, kind: SpanKind, attributes: dict[str, Any], context: Any = None) -> Iterator[Span]:
    """A span that also marks a cancellation: the API records only `Exception`s, and a cancelled
    turn interrupts its model or tool call with `CancelledError`."""
    with _tracer.start_as_current_span(name, kind=kind, attributes=attributes, context=context) as span:
        try:
            yield span
        except asyncio.CancelledError as exc:
            span.set_attribute("error.type", "cancelled")
            span.set_status(Status(StatusCode.ERROR, f"cancelled: {exc.args[0] if exc.args else ''}"))
            raise
