"""Traces, read from the SDK's in-memory exporter: one turn with a tool call and a cancel is one
trace, from the create-turn request's span on the API side to the executor's `invoke_agent`, `chat`
and `execute_tool` spans, with the GenAI semantic conventions' names and attributes.

The harness runs in-process (API and executor in one ServerThread), but the context still travels
through the turn record in Redis, as it does between processes: the executor's task is spawned from
its inbox reader, not from the request, so without the stored `traceparent` its spans would start a
trace of their own.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from testkit.api import http_client
from testkit.fakes import mcp_server
from testkit.processes import ApiProcess, ExecutorProcess, wait_until
from testkit.redis_clients import turn_key
from testkit.redis_server import RedisServer
from testkit.servers import AppThread
from testkit.sse import BackgroundStream, read_frames

ROOT = Path(__file__).resolve().parent.parent
TURNS_ROUTE = "POST /{tenantName}/v1/agents/sessions/{sessionId}/turns"


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    # The global provider can be set once per process: reuse one another module installed.
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield memory
    memory.shutdown()  # later spans are dropped, not kept for the rest of the session


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    exporter.clear()
    mcp_server.LOG.clear()
    return exporter


@pytest.fixture(scope="module")
def tools_server() -> Iterator[AppThread]:
    with AppThread(mcp_server.build().streamable_http_app()) as running:
        yield running


def _ours(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """The harness's spans (the MCP SDK, client and server, adds its own to the same trace)."""
    return [s for s in exporter.get_finished_spans() if s.instrumentation_scope.name == "agent_harness"]


def span_tree(spans: list[ReadableSpan]) -> str:
    """An indented tree of names, statuses, attributes and events, as printed in the report."""
    children: dict[int | None, list[ReadableSpan]] = {}
    ids = {s.context.span_id for s in spans}
    for s in sorted(spans, key=lambda s: s.start_time or 0):
        parent = s.parent.span_id if s.parent is not None and s.parent.span_id in ids else None
        children.setdefault(parent, []).append(s)
    lines: list[str] = []

    def show(span: ReadableSpan, depth: int) -> None:
        pad = "  " * depth
        status = span.status.status_code.name + (
            f" {span.status.description!r}" if span.status.description else ""
        )
        lines.append(f"{pad}{span.name}  [{span.kind.name}, {status}, trace {span.context.trace_id:032x}]")
        for key, value in sorted((span.attributes or {}).items()):
            lines.append(f"{pad}    {key} = {value!r}")
        for event in span.events:
            lines.append(f"{pad}    event {event.name} {dict(event.attributes or {})}")
        for child in children.get(span.context.span_id, []):
            show(child, depth + 1)

    for root in children.get(None, []):
        show(root, 0)
    return "\n".join(lines)


def test_a_turn_with_a_tool_call_and_a_cancel_is_one_trace_from_the_request_to_the_tool(
    client: httpx.Client, tools_server: AppThread, spans: InMemorySpanExporter
) -> None:
    steps = [
        {"tool_calls": [{"name": "add", "arguments": {"a": 2, "b": 3}}]},
        {"tool_calls": [{"name": "sleep", "arguments": {"seconds": 30}}]},
        {"content": "never"},
    ]
    manifest = {
        "name": "tracer",
        "model": {"name": "scripted/script", "params": {"script": steps}},
        "mcp_servers": [{"name": "tools", "url": f"{tools_server.root}/mcp"}],
    }
    assert client.post("/registry/agents", json=manifest).status_code == 201
    session_id = client.post("/agents/sessions", json={"agent_name": "tracer"}).json()["data"]["id"]
    body = {"input": [{"type": "user.message", "content": "add, then nap"}]}
    stream = BackgroundStream(client, f"/agents/sessions/{session_id}/turns", body).start()
    wait_until(lambda: mcp_server.LOG.of("sleep") == ["started"], 15, "the second tool runs")
    assert client.post(f"/agents/sessions/{session_id}/cancel").status_code == 200
    frames = stream.join()
    turn_id = frames[0].data["turn_id"]
    assert frames[-1].data["state"]["reason"] == "client-cancelled"

    def finished() -> bool:
        names = [s.name for s in _ours(spans)]
        return "invoke_agent tracer" in names and TURNS_ROUTE in names

    wait_until(finished, 10, "the turn's and the request's spans have ended")
    ours = _ours(spans)
    print("\n" + span_tree(ours))  # the span tree of the report: `pytest -s` shows it

    by_name: dict[str, list[ReadableSpan]] = {}
    for s in ours:
        by_name.setdefault(s.name, []).append(s)
    (request,) = by_name[TURNS_ROUTE]
    (agent,) = by_name["invoke_agent tracer"]
    chats = sorted(by_name["chat script"], key=lambda s: s.start_time or 0)
    (add,) = by_name["execute_tool add"]
    (sleep,) = by_name["execute_tool sleep"]

    # One trace: request → invoke_agent → chat / execute_tool.
    trace_id = request.context.trace_id
    assert {s.context.trace_id for s in [agent, *chats, add, sleep]} == {trace_id}
    assert agent.parent is not None and agent.parent.span_id == request.context.span_id
    for child in [*chats, add, sleep]:
        assert child.parent is not None and child.parent.span_id == agent.context.span_id, child.name
    # The MCP SDK's own spans for the tool calls nest under ours, in the same trace.
    mcp_spans = [s for s in spans.get_finished_spans() if s.instrumentation_scope.name != "agent_harness"]
    assert any(s.parent is not None and s.parent.span_id == add.context.span_id for s in mcp_spans)

    # The HTTP span: named by its route template, never by the raw path with ids.
    assert request.kind is SpanKind.SERVER
    assert request.attributes is not None and request.attributes["http.route"] == TURNS_ROUTE.split(" ")[1]
    assert request.attributes["http.request.method"] == "POST"
    assert request.attributes["http.response.status_code"] == 200
    assert session_id in str(request.attributes["url.path"]) and session_id not in request.name

    # invoke_agent: the GenAI attributes, usage, and the cancel as an event and the status.
    assert agent.attributes is not None
    assert {k: agent.attributes[k] for k in ("gen_ai.operation.name", "gen_ai.agent.name")} == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "tracer",
    }
    assert agent.attributes["gen_ai.conversation.id"] == session_id
    assert agent.attributes["agent_harness.turn.id"] == turn_id
    assert agent.attributes["gen_ai.request.model"] == "script"
    assert agent.attributes["gen_ai.provider.name"] == "scripted"
    assert agent.attributes["gen_ai.usage.input_tokens"] > 0
    assert agent.attributes["agent_harness.turn.status"] == "cancelled"
    (cancelled,) = [e for e in agent.events if e.name == "gen_ai.turn.cancelled"]
    assert cancelled.attributes is not None
    assert cancelled.attributes["agent_harness.cancel.reason"] == "client-cancelled"
    assert agent.status.status_code is StatusCode.ERROR
    assert agent.status.description == "cancelled: client-cancelled"

    # chat: one per model call, each with its usage and finish reason.
    assert len(chats) == 2
    for chat in chats:
        assert chat.kind is SpanKind.CLIENT and chat.attributes is not None
        assert chat.attributes["gen_ai.operation.name"] == "chat"
        assert chat.attributes["gen_ai.request.model"] == "script"
        assert chat.attributes["gen_ai.usage.input_tokens"] > 0
        assert chat.attributes["gen_ai.usage.output_tokens"] == 1  # one tool call
        assert chat.attributes["gen_ai.response.finish_reasons"] == ("tool_calls",)

    # execute_tool: the call that finished, and the one the cancel interrupted.
    tool_calls = [c for f in frames if f.event == "tool.response" for c in [f.data["tool_call_id"]]]
    assert add.attributes is not None and sleep.attributes is not None
    assert add.attributes["gen_ai.operation.name"] == "execute_tool"
    assert add.attributes["gen_ai.tool.name"] == "add"
    assert add.attributes["gen_ai.tool.call.id"] == tool_calls[0]
    assert add.status.status_code is StatusCode.UNSET
    assert sleep.attributes["gen_ai.tool.name"] == "sleep"
    assert str(sleep.attributes["gen_ai.tool.call.id"]).startswith("call_")
    assert sleep.status.status_code is StatusCode.ERROR
    assert sleep.status.description == "cancelled: client-cancelled"
    assert sleep.attributes["error.type"] == "cancelled"


def test_the_trace_context_is_stored_on_the_turn_not_in_its_wire_document(
    client: httpx.Client, flush_redis: Any, spans: InMemorySpanExporter
) -> None:
    manifest = {"name": "plain", "model": {"name": "scripted/echo"}}
    assert client.post("/registry/agents", json=manifest).status_code == 201
    session_id = client.post("/agents/sessions", json={"agent_name": "plain"}).json()["data"]["id"]
    created = client.post(
        f"/agents/sessions/{session_id}/turns",
        json={"input": [{"type": "user.message", "content": "hi"}], "stream": False},
        headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    )
    assert created.status_code == 200, created.text
    turn = created.json()["data"]
    assert "trace" not in turn and "traceparent" not in str(turn)
    stored = flush_redis.hget(turn_key(flush_redis, "truefoundry", turn["id"]), "trace")
    # The caller's trace continues: its trace id, our request span as the parent.
    assert stored is not None and '"traceparent":"00-0af7651916cd43dd8448eb211c80319c-' in stored
    wait_until(lambda: any(s.name == "invoke_agent plain" for s in _ours(spans)), 10, "the turn's span ended")
    (agent,) = [s for s in _ours(spans) if s.name == "invoke_agent plain"]
    assert f"{agent.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"


# Blocks the SDK and every exporter the way a runtime-only install lacks them: the `otel` extra's
# packages cannot be imported; the API (a runtime dependency, which the MCP SDK imports too) can.
_WITHOUT_SDK = textwrap.dedent(
    """
    import sys

    class NoSdk:
        def find_spec(self, name, path=None, target=None):
            if name.startswith(("opentelemetry.sdk", "opentelemetry.exporter")):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoSdk())
    """
)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}  # the caller's collector
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )


def test_the_server_imports_and_runs_without_the_otel_extra() -> None:
    done = _python(
        _WITHOUT_SDK
        + textwrap.dedent(
            """
            import server.cli, server.app, server.executor.loop, server.tracing
            from server.app import create_app
            from server.config import Settings
            from server import tracing
            create_app(Settings())  # the whole app builds
            assert tracing.configure(Settings(), "test") is False  # off: nothing to import
            with tracing.invoke_agent({"name": "a"}, "s", "t", None) as span:
                tracing.turn_ended(span, None)  # the API's no-op spans
            assert tracing.carrier() == ""
            assert not [m for m in sys.modules if m.startswith("opentelemetry.sdk")]
            try:
                tracing.configure(Settings(otel_enabled=True), "test")
            except SystemExit as exit:
                print(exit.code)
            """
        )
    )
    assert done.returncode == 0, done.stderr
    assert "HARNESS_OTEL_ENABLED is set but the OpenTelemetry SDK is not installed" in done.stdout
    assert "agent-harness[otel]" in done.stdout


def test_enabling_tracing_installs_the_sdk_with_an_otlp_exporter() -> None:
    done = _python(
        textwrap.dedent(
            """
            from opentelemetry import trace
            from opentelemetry.sdk.trace import TracerProvider
            from server import tracing
            from server.config import Settings
            assert tracing.configure(Settings(otel_enabled=True), "1.2.3") is True
            provider = trace.get_tracer_provider()
            assert isinstance(provider, TracerProvider)
            attributes = provider.resource.attributes
            print(attributes["service.name"], attributes["service.version"])
            exporter = provider._active_span_processor._span_processors[0]._batch_processor._exporter
            print(type(exporter).__module__)
            """
        )
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    assert lines[0] == "agent-harness 1.2.3"
    assert lines[1] == "opentelemetry.exporter.otlp.proto.http.trace_exporter"


class OtlpReceiver:
    """An OTLP/HTTP trace endpoint on loopback that keeps what it receives (a collector stand-in)."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self.services: set[str] = set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = ExportTraceServiceRequest.FromString(
                    self.rfile.read(int(self.headers["Content-Length"]))
                )
                with receiver.lock:
                    for resource_spans in request.resource_spans:
                        for attribute in resource_spans.resource.attributes:
                            if attribute.key == "service.name":
                                receiver.services.add(attribute.value.string_value)
                        for scope_spans in resource_spans.scope_spans:
                            receiver.spans.extend(scope_spans.spans)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def named(self, name: str) -> list[Any]:
        with self.lock:
            return [s for s in self.spans if s.name == name]


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    running = OtlpReceiver()
    running.thread.start()
    yield running
    running.server.shutdown()


def test_an_api_replica_and_an_executor_export_one_trace_over_otlp(
    tmp_path: Path, receiver: OtlpReceiver
) -> None:
    """Two processes, as deployed: the executor's spans continue the replica's request trace. On a
    Redis of their own, so no other test's executor (which exports nothing) can be picked for the turn."""
    with RedisServer(tmp_path) as private:
        _export_one_trace(private.url, receiver)


def _export_one_trace(redis_url: str, receiver: OtlpReceiver) -> None:
    env = {
        "HARNESS_REDIS_URL": redis_url,
        "HARNESS_OTEL_ENABLED": "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within a tenth of a second, not five
    }
    api = ApiProcess(env).start()
    executor = ExecutorProcess(f"ot{secrets.token_hex(4)}", env).start()
    try:
        with http_client(api.base_url) as client:
            manifest = {"name": "otlp", "model": {"name": "scripted/echo"}}
            assert client.post("/registry/agents", json=manifest).status_code == 201
            session = client.post("/agents/sessions", json={"agent_name": "otlp"}).json()["data"]["id"]
            body = {"input": [{"type": "user.message", "content": "hi there"}]}
            frames = read_frames(client, "POST", f"/agents/sessions/{session}/turns", json=body)
            assert frames[-1].data["state"]["status"] == "done"
        wait_until(
            lambda: receiver.named("invoke_agent otlp") and receiver.named(TURNS_ROUTE),
            60,  # the batch exporter sends every few seconds; a loaded CI machine is slower
            "both processes exported their spans",
        )
    finally:
        api.stop()
        executor.stop()
    (request,) = receiver.named(TURNS_ROUTE)
    (agent,) = receiver.named("invoke_agent otlp")
    (chat,) = receiver.named("chat echo")
    assert agent.trace_id == request.trace_id == chat.trace_id
    assert agent.parent_span_id == request.span_id and chat.parent_span_id == agent.span_id
    attributes = {a.key: a.value.string_value for a in agent.attributes}
    assert attributes["gen_ai.conversation.id"] == session
    assert receiver.services == {"agent-harness"}
