"""The agent loop of one turn: model → tool calls → tool results → model, until the model stops.

A turn ends in exactly one terminal state:
- `done`: the model answered without tool calls (`output` is that message), or a tool call needs a
  human's approval: the turn pauses, `done` with the `tool.approval_required` event in
  `required_actions`; the next turn's `user.tool_approval` items resume it here;
- `error`: the model still wanted tools after `iteration_limit` model calls, a provider or MCP
  server failed, or the configuration is unusable;
- `cancelled`: a cancel (`client-cancelled`), the agent's `timeout_seconds`
  (`server-execution-timeout`) or a shutdown (`abandoned`) interrupted whatever was awaited: the
  model stream (its HTTP request is closed), a tool call (its MCP request is cancelled).

The terminal state is recorded before the MCP connections close, so a cancel is answered without
waiting for a server to hang up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from generated.models import (
    InputTokensBreakdown,
    ModelMessageEvent,
    ModelMessageUsage,
    TurnMetrics,
    TurnStateDone,
)
from server import logs, tracing
from server.config import Settings
from server.domain import events, execution, turn_state
from server.domain.execution import Fence, OutOfSequence, TurnEnded, TurnJob
from server.domain.turn_state import CancelReason, TerminalState
from server.executor import history
from server.executor.event_writer import EventWriter
from server.executor.history import Conversation, PendingCall
from server.executor.providers import Providers
from server.executor.providers.base import ModelProvider, ModelRequest, ProviderConfigError, Usage
from server.executor.toolbox import Toolbox, ToolboxError
from server.ids import new_ulid
from server.store.redis import Store
from server.timestamps import now_iso

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_ITERATION_LIMIT = 100
DEFAULT_TIMEOUT_SECONDS = 600
# A cancelled model call never reports usage; its tokens are estimated: ~4 characters a token in,
# one token a streamed chunk out (how OpenAI-compatible servers stream).
_CHARS_PER_TOKEN = 4


class IterationLimit(Exception):
    pass


class TurnRun:
    """One execution of a turn; keeps its token counts so a cancelled turn still reports them."""

    def __init__(
        self,
        store: Store,
        job: TurnJob,
        settings: Settings,
        providers: Providers,
        fence: Fence | None = None,
    ) -> None:
        self.store = store
        self.job = job
        self.settings = settings
        self.providers = providers
        self.fence = fence or Fence()
        self._events = EventWriter(store, job, self.fence)
        self.input_tokens = 0
        self.output_tokens = 0
        self.cache_read_tokens = 0
        self._estimated = Usage(0, 0)  # the in-flight model call's estimate, until it reports usage

    def metrics(self) -> TurnMetrics:
        input_tokens = self.input_tokens + self._estimated.input_tokens
        output_tokens = self.output_tokens + self._estimated.output_tokens
        return TurnMetrics(
            total_input_tokens=input_tokens,
            total_output_tokens=output_tokens,
            total_tokens=input_tokens + output_tokens,
            total_cache_read_tokens=self.cache_read_tokens or None,
        )

    def _emit(self, event_json: str) -> int:
        """Queue the next event (appended behind the loop: server/executor/event_writer.py)."""
        return self._events.emit(event_json)

    @property
    def _config(self) -> dict[str, Any]:
        return self.job.manifest.get("config") or {}

    async def execute(self) -> TerminalState | None:
        """Run the turn and record its terminal state; None when another writer ended it first."""
        toolbox = Toolbox(self.job.manifest.get("mcp_servers") or [], self.settings)
        try:
            try:
                async with asyncio.timeout(self._config.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)):
                    await toolbox.open()
                    state = await self._loop(toolbox)
            except TimeoutError:
                state = self._cancelled(CancelReason.SERVER_EXECUTION_TIMEOUT)
            except asyncio.CancelledError as exc:
                # Handled here, so the task must not stay marked as cancelling (the MCP SDK's anyio
                # scopes, closed below, would read that as their own cancellation).
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                if self.fence.is_set:
                    return None  # fenced: the reapers finalise it; nothing more is written here
                state = self._cancelled(await self._cancel_reason(exc))
            except TurnEnded:
                self.fence.released = True
                return None
            except (ToolboxError, ProviderConfigError, IterationLimit) as exc:
                state = turn_state.failed(now_iso(), str(exc), self.metrics())
            except Exception as exc:
                log.exception("turn %s failed", self.job.turn_id)
                state = turn_state.failed(now_iso(), f"{type(exc).__name__}: {exc}", self.metrics())
            if self.fence.is_set:
                return None
            if (ended := await self._record(state)) is None:
                return None
            state, finished = ended
            if finished:
                log.info("turn %s ended %s", self.job.turn_id, state.status)
            self.fence.released = True
            return state
        finally:
            await _close_quietly(toolbox)

    async def _record(self, state: TerminalState) -> tuple[TerminalState, bool] | None:
        """Record the terminal state after the events still queued, in one round trip: (the state
        recorded, whether this call was the first to end the turn), or None when the turn ended
        under it (another writer) or was fenced. An append that was refused or failed ends the turn
        in `error` instead, as if the loop had raised it."""
        job, retention = self.job, self.settings.event_retention_seconds
        events: list[str] = []
        first = 0
        try:
            events, first = await _to_the_end(self._events.take_rest())
        except TurnEnded:
            self.fence.released = True
            return None
        except Exception as exc:  # an earlier append refused (OutOfSequence) or failed
            log.exception("turn %s failed", job.turn_id)
            state = turn_state.failed(now_iso(), f"{type(exc).__name__}: {exc}", self.metrics())
        if self.fence.is_set:
            return None
        try:
            finish = execution.finish(
                self.store, job.tenant, job.session_id, job.turn_id, state, retention,
                last_events=events, first=first,
            )  # fmt: skip
            return state, await _to_the_end(finish)
        except TurnEnded:
            self.fence.released = True
            return None
        except OutOfSequence as exc:  # the last events were refused: nothing was recorded
            log.exception("turn %s failed", job.turn_id)
            state = turn_state.failed(now_iso(), f"{type(exc).__name__}: {exc}", self.metrics())
        finish = execution.finish(self.store, job.tenant, job.session_id, job.turn_id, state, retention)
        return state, await _to_the_end(finish)

    def _cancelled(self, reason: CancelReason) -> TerminalState:
        return turn_state.cancelled(now_iso(), reason, self.metrics())

    async def _cancel_reason(self, exc: asyncio.CancelledError) -> CancelReason:
        """Why the task was cancelled. The worker cancels with the reason as the message, but a
        cancellation caught and re-raised by an SDK's anyio scope (an MCP connect, say) arrives
        with that scope's message instead: then a client's cancel is the one recorded on the turn,
        and anything else is the shutdown."""
        if (reason := _reason_of(exc)) is not None:
            return reason
        try:
            recorded = await execution.recorded_cancel(
                self.store, self.job.tenant, self.job.session_id, self.job.turn_id
            )
        except Exception:
            recorded = None
        return recorded or CancelReason.ABANDONED

    async def _loop(self, toolbox: Toolbox) -> TerminalState:
        if toolbox.servers:
            servers = [{"id": s["name"], "name": s["name"]} for s in toolbox.servers]
            for server, info in zip(toolbox.servers, servers, strict=True):
                if server.get("url"):
                    info["transport_type"] = "streamable-http"
            self._emit(events.mcp_initialize(servers, now_iso()))
        conversation = await history.load(self.store, self.job.tenant, self.job.session_id, self.job.ancestry)
        for item in self.job.input:
            if item["type"] == "user.message":
                conversation.add_user(item.get("content"))
        if conversation.outstanding:
            await self._answer_outstanding(conversation, toolbox)
        conversation.settle()  # calls left unanswered (approvals dropped, a turn with no input)

        model = self.job.manifest.get("model") or {}
        provider = self.providers.for_model(model)
        limit = self._config.get("iteration_limit", DEFAULT_ITERATION_LIMIT)
        for _ in range(limit):
            with tracing.chat(model) as span:
                message = await self._model_call(provider, model, conversation, toolbox)
                tracing.chat_answered(span, message)
            conversation.add_assistant(message.model_dump(mode="json", exclude_none=True))
            if not message.tool_calls:
                return self._done(message)
            paused = [call for call in conversation.outstanding if toolbox.needs_approval(call.name)]
            for call in conversation.outstanding:
                if call not in paused:
                    await self._run_tool(conversation, toolbox, call)
            if paused:
                action = events.tool_approval_required(message.id, [call.id for call in paused], now_iso())
                action.sequence_number = self._emit(events.to_json(action))
                return TurnStateDone.model_validate(
                    {
                        "status": "done",
                        "required_actions": [action],
                        "completed_at": now_iso(),
                        "metrics": self.metrics(),
                    }
                )
        raise IterationLimit(
            f"iteration limit reached: the model still called tools after {limit} model calls "
            "(the agent's config.iteration_limit)"
        )

    def _done(self, message: ModelMessageEvent) -> TerminalState:
        return TurnStateDone.model_validate(
            {
                "status": "done",
                "output": message,
                "required_actions": [],
                "completed_at": now_iso(),
                "metrics": self.metrics(),
            }
        )

    async def _answer_outstanding(self, conversation: Conversation, toolbox: Toolbox) -> None:
        """Resume a paused turn: run the approved calls, report the denied ones to the model."""
        decisions = {
            item["tool_call_id"]: item["approval"]
            for item in self.job.input
            if item["type"] == "user.tool_approval"
        }
        for call in list(conversation.outstanding):
            decision = decisions.get(call.id)
            if decision is None:
                continue  # not answered (the approvals were dropped): history stands in for it
            if decision["status"] == "allow":
                await self._run_tool(conversation, toolbox, call)
            else:
                reason = decision.get("reason")
                content = "error: the user denied this tool call" + (f": {reason}" if reason else "")
                self._emit(events.tool_response(call.id, content, now_iso()))
                conversation.add_tool_result(call.id, content)

    async def _run_tool(self, conversation: Conversation, toolbox: Toolbox, call: PendingCall) -> None:
        await self._events.settle()  # its log took what came before, so the turn still runs
        if self.fence.is_set:
            raise TurnEnded(self.job.turn_id)  # no side effect starts once the turn is fenced
        with tracing.execute_tool(call.name, call.id):
            content = await toolbox.call(call.name, call.arguments)
        self._emit(events.tool_response(call.id, content, now_iso()))
        conversation.add_tool_result(call.id, content)

    async def _model_call(
        self, provider: ModelProvider, model: dict[str, Any], conversation: Conversation, toolbox: Toolbox
    ) -> ModelMessageEvent:
        """One streamed model call: the base `model.message`, its deltas, and the merged message."""
        request = ModelRequest(
            params=model.get("params") or {},
            instructions=self.job.manifest.get("instructions"),
            messages=list(conversation.messages),
            tools=toolbox.specs(),
        )
        message_id, created_at = new_ulid(), now_iso()
        self._emit(events.model_message_base(message_id, created_at))
        content = ""
        finish_reason: str | None = None
        usage: Usage | None = None
        calls: dict[int, dict[str, Any]] = {}
        chunks = 0
        prompt_estimate = len(json.dumps(request.messages)) // _CHARS_PER_TOKEN
        self._estimated = Usage(prompt_estimate, 0)
        async for chunk in provider.stream(request):
            delta: dict[str, Any] = {}
            if chunk.content:
                content += chunk.content
                chunks += 1
            for piece in chunk.tool_calls:
                chunks += 1
                out: dict[str, Any] = {"index": piece.index}
                call = calls.get(piece.index)
                if call is None:
                    # Some OpenAI-compatible servers send calls without ids; the result must name one.
                    call = calls[piece.index] = {
                        "id": piece.id or f"call_{new_ulid()}",
                        "name": "",
                        "arguments": "",
                    }
                    out["id"], out["type"] = call["id"], "function"
                elif piece.id:
                    call["id"] = out["id"] = piece.id
                function: dict[str, str] = {}
                if piece.name:
                    call["name"] += piece.name
                    function["name"] = piece.name
                    out["tool_info"] = toolbox.tool_info(call["name"])
                if piece.arguments:
                    call["arguments"] += piece.arguments
                    function["arguments"] = piece.arguments
                if function:
                    out["function"] = function
                delta.setdefault("tool_calls", []).append(out)
            self._estimated = Usage(prompt_estimate, chunks)
            if chunk.finish_reason:
                finish_reason = chunk.finish_reason
            if chunk.usage:
                usage = chunk.usage
            if chunk.content or delta:
                self._emit(events.model_message_delta(message_id, now_iso(), chunk.content, **delta))
        usage = usage or Usage(prompt_estimate, chunks)
        self._estimated = Usage(0, 0)
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.cache_read_tokens += usage.cache_read_tokens or 0
        wire_usage = ModelMessageUsage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            input_tokens_breakdown=InputTokensBreakdown(
                harness=0, skills=0, instructions=0, tool_definitions=0, messages=usage.input_tokens
            ),
        )
        # Usage arrives after the finish reason (OpenAI's `include_usage`): one closing delta has both.
        self._emit(
            events.model_message_delta(message_id, now_iso(), finish_reason=finish_reason, usage=wire_usage)
        )
        return ModelMessageEvent.model_validate(
            {
                "type": "model.message",
                "id": message_id,
                "thread_id": events.MAIN_THREAD,
                "created_at": created_at,
                "content": content,
                "finish_reason": finish_reason,
                "usage": wire_usage,
                "tool_calls": [
                    {
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": call["name"], "arguments": call["arguments"]},
                        "tool_info": toolbox.tool_info(call["name"]),
                    }
                    for _, call in sorted(calls.items())
                ]
                or None,
            }
        )


def _reason_of(exc: asyncio.CancelledError) -> CancelReason | None:
    """The reason the worker cancelled with (the cancellation's message), if it is one."""
    with contextlib.suppress(IndexError, ValueError):
        return CancelReason(exc.args[0])
    return None


async def _to_the_end(write: Coroutine[Any, Any, T]) -> T:
    """Await a terminal-state write to its end even if this task is cancelled meanwhile (a repeated
    signal, or the shutdown abandoning what still runs): cut short, it would leave the turn running
    until its lease lapsed, and then be recorded `abandoned` though it had finished."""
    inner = asyncio.ensure_future(write)
    interrupted = 0
    while True:
        try:
            result = await asyncio.shield(inner)
            break
        except asyncio.CancelledError:
            if inner.cancelled():
                raise
            interrupted += 1  # the cancel is moot now: the turn is ending anyway
    task = asyncio.current_task()
    if interrupted and task is not None:
        while task.cancelling():  # signals that came together were delivered as one
            task.uncancel()
    return result


async def _close_quietly(toolbox: Toolbox) -> None:
    try:
        await toolbox.close()
    except Exception:
        log.warning("closing the MCP servers of a turn failed", exc_info=True)


async def run_turn(
    store: Store,
    settings: Settings,
    providers: Providers,
    tenant: str,
    session_id: str,
    turn_id: str,
    *,
    stopping: bool,
    fence: Fence | None = None,
) -> None:
    """Load a turn and run it to its terminal state (cancelled at once if a cancel came first).
    Once `fence` is set (the worker lost the turn's lease) nothing more is written for the turn."""
    hold = fence or Fence()

    async def cancel(reason: CancelReason) -> TerminalState | None:
        state: TerminalState | None = None
        if not hold.is_set:
            state = turn_state.cancelled(now_iso(), reason, None)
            retention = settings.event_retention_seconds
            await _to_the_end(execution.finish(store, tenant, session_id, turn_id, state, retention))
        hold.released = True
        return state

    try:
        job = await execution.load_job(store, tenant, session_id, turn_id, settings.executor_id)
    except asyncio.CancelledError as exc:
        await cancel(_reason_of(exc) or CancelReason.CLIENT_CANCELLED)
        return
    if job is None:
        return
    logs.bind(session_id=job.session_id)
    # A child of the create-turn request's span: one trace from the API replica to here.
    with tracing.invoke_agent(job.manifest, job.session_id, job.turn_id, job.trace) as span:
        state: TerminalState | None
        if job.cancel_requested or stopping:
            # The cancel was recorded before this executor started the turn (or it is shutting down).
            state = await cancel(CancelReason(job.cancel_requested or CancelReason.ABANDONED.value))
        else:
            state = await TurnRun(store, job, settings, providers, hold).execute()
        tracing.turn_ended(span, state)
