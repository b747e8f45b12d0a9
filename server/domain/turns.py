"""Turns as the API sees them: creating one (one running per session), reading, listing, streaming.

A new turn while one runs does what the request's `if_running` says, else the agent's
`config.if_running`: `reject` (409) or `interrupt`. An interrupt never overlaps two turns: the new
turn still goes through START_TURN, which refuses it while the session's `running` lock is held,
and the lock is released only by the FINISH_TURN that records the old turn's terminal state. So
the request cancels the turn START_TURN reported (`cancelled-for-next-turn`), waits as the cancel
endpoint does until that state is recorded (424 when a live executor stays silent), and tries
again. A turn another request started meanwhile is reported by the next START_TURN like any other
and is interrupted in its turn: of concurrent interrupting requests each starts its turn once,
one after another, and the last one started keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from generated.models import AgentRuntimeConfig, Turn
from server import tracing
from server.domain import events, pagination, sessions
from server.domain.context import CallContext
from server.domain.turn_state import CancelReason, is_terminal
from server.errors import Conflict, ExecutorTimeout, NoExecutor, NotFound, SessionNotUsable
from server.ids import new_turn_id
from server.store import executors
from server.store import turns as turn_store
from server.store.records import TurnRecord
from server.store.redis import StoreUnavailable, store_errors
from server.streams import Fanout
from server.streams.wheel import Wake
from server.timestamps import now_iso

log = logging.getLogger(__name__)

AUTO, NONE = "auto", "none"
_START_TURN_ATTEMPTS = 8
_EXECUTOR_POLL_SECONDS = 0.1


_RUNNING_STATE = events.to_json(events.RUNNING_STATE)


async def _fetch(ctx: CallContext, session_id: str, turn_id: str) -> TurnRecord | None:
    async with store_errors():
        return await turn_store.load(ctx.store, ctx.tenant, session_id, turn_id)


async def load(ctx: CallContext, session_id: str, turn_id: str, *, param: str = "turnId") -> TurnRecord:
    await sessions.load(ctx, session_id)
    record = await _fetch(ctx, session_id, turn_id)
    if record is None or record.session_id != session_id:
        raise NotFound(
            f"turn {turn_id!r} not found in session {session_id!r}", code="turn_not_found", param=param
        )
    return record


@dataclass(frozen=True)
class Parent:
    """The turn a new turn chains from, with the tool calls it paused on (as stored, and parsed)."""

    turn_id: str | None
    pending_raw: str = ""
    ancestry: list[str] = dataclasses.field(default_factory=list)
    """The new turn's ancestors, newest (this parent) first."""

    @property
    def pending(self) -> list[str]:
        return cast(list[str], json.loads(self.pending_raw)) if self.pending_raw else []


async def _parent(ctx: CallContext, session_id: str, last_turn: str | None, previous: str) -> Parent:
    turn_id = last_turn if previous == AUTO else None if previous == NONE else previous
    if turn_id is None:
        return Parent(None)
    async with store_errors():
        found = await turn_store.parent(ctx.store, ctx.tenant, session_id, turn_id)
    return Parent(turn_id, found.pending, found.ancestry)


def _check_input(items: list[dict[str, Any]], parent: Parent) -> bool:
    """Check the input against the parent's pending tool calls; True when it answers them."""
    answers = [i for i in items if i["type"] in ("user.tool_approval", "user.tool_response")]
    pending = parent.pending
    if not answers:
        if pending:
            raise Conflict(
                f"turn {parent.turn_id!r} is waiting for the approval of tool calls {', '.join(pending)}; "
                "answer each with a user.tool_approval item, or cancel the session to drop them",
                code="actions_pending",
                param="input",
            )
        return False
    if len(answers) != len(items):
        raise Conflict(
            "user messages cannot be mixed with tool approvals or tool responses",
            code="no_pending_action",
            param="input",
        )
    seen: set[str] = set()
    for index, item in enumerate(items):
        call_id = item["tool_call_id"]
        # A `user.tool_response` answers a client-side tool; this server never asks for one.
        if item["type"] != "user.tool_approval" or call_id not in pending or call_id in seen:
            what = "answered twice" if call_id in seen else "not a pending tool call to approve"
            raise Conflict(
                f"tool call {call_id!r} is {what} in this session",
                code="no_pending_action",
                param=f"input[{index}].tool_call_id",
            )
        seen.add(call_id)
    if missing := [call_id for call_id in pending if call_id not in seen]:
        raise Conflict(
            f"every pending tool call needs an answer; missing: {', '.join(missing)}",
            code="approvals_incomplete",
            param="input",
        )
    return True


async def _await_executor(ctx: CallContext) -> str:
    """A live executor for the turn; with none alive (a deploy rolling its executors, say) the
    request waits for one, up to `executor_wait_seconds`, rather than creating a turn nobody runs."""
    deadline = asyncio.get_running_loop().time() + ctx.settings.executor_wait_seconds
    while True:
        async with store_errors():
            executor = await executors.pick(
                ctx.store,
                ttl_seconds=ctx.settings.executor_ttl_seconds,
                heartbeat_seconds=ctx.settings.heartbeat_seconds,
                local=ctx.local_executor,
            )
        if executor is not None:
            return executor
        if asyncio.get_running_loop().time() >= deadline:
            raise NoExecutor(
                f"no executor became available within {ctx.settings.executor_wait_seconds:g}s; retry later"
            )
        await asyncio.sleep(_EXECUTOR_POLL_SECONDS)


INTERRUPT = "interrupt"


def if_running(body: dict[str, Any], manifest: dict[str, Any]) -> str:
    """The request's choice, else the agent's as the session's manifest snapshot has it; a snapshot
    taken before the field existed gets the spec's default from the generated model."""
    config = AgentRuntimeConfig.model_validate(manifest.get("config") or {})
    return str(body.get("if_running") or config.if_running)


async def _interrupt(ctx: CallContext, session_id: str, turn_id: str) -> None:
    """Cancel a running turn for the next one; return once its terminal state is recorded (its
    FINISH_TURN also releases the session's `running` lock). The cancel endpoint's path: a dead
    executor's turn is finalised here, a live but silent one answers 424 and no turn is created."""
    try:
        await sessions.cancel_turn(ctx, session_id, turn_id, CancelReason.CANCELLED_FOR_NEXT_TURN)
    except ExecutorTimeout as exc:
        raise ExecutorTimeout(f"{exc.message}; no new turn was created") from exc


@dataclass
class _Outcome:
    result: Any = None


@asynccontextmanager
async def _start_outcome(ctx: CallContext, new_turn: turn_store.NewTurn) -> AsyncIterator[_Outcome]:
    """START_TURN's reply. When the store fails mid-call the reply is unknown (the script may have run,
    its answer lost): the turn counts as started if it exists, else the request answers 400 "store
    unavailable". A failed attempt is never followed by another under a new turn id, which could run
    the client's one request twice; START_TURN's own repeat (redis-py retries once on a broken
    connection) answers `ok` for a turn it already created."""
    outcome = _Outcome()
    try:
        async with store_errors():
            yield outcome
    except StoreUnavailable:
        async with store_errors():
            if not await turn_store.exists(ctx.store, ctx.tenant, new_turn.session_id, new_turn.turn_id):
                raise
        with contextlib.suppress(StoreUnavailable):
            # Its inbox step may be what failed: it is safe to repeat (else the lease lapses unrenewed
            # and a reaper finalises the turn, as for a dead executor).
            async with store_errors():
                await turn_store.deliver(ctx.store, new_turn)
        outcome.result = ["ok"]


async def create(ctx: CallContext, session_id: str, body: dict[str, Any]) -> Turn:
    record = await sessions.load(ctx, session_id)
    when_busy = if_running(body, record.manifest)
    items: list[dict[str, Any]] = body.get("input") or []
    previous = body.get("previous_turn_id", AUTO)
    if previous not in (AUTO, NONE):
        await load(ctx, session_id, previous, param="previous_turn_id")
    _check_input(
        items, await _parent(ctx, session_id, record.last_turn, previous)
    )  # before waiting for an executor
    executor = await _await_executor(ctx)
    for _ in range(_START_TURN_ATTEMPTS):
        parent = await _parent(ctx, session_id, record.last_turn, previous)
        resumes = _check_input(items, parent)
        turn_id = new_turn_id(session_id, executor)
        now = now_iso()
        doc = {
            "id": turn_id,
            "session_id": session_id,
            "previous_turn_id": parent.turn_id,
            "input": items,
            "created_by_subject": ctx.caller.subject.model_dump(),
            "created_at": now,
        }
        created = events.turn_created(turn_id, parent.turn_id, items, ctx.caller.subject, now)
        new_turn = turn_store.NewTurn(
            tenant=ctx.tenant,
            session_id=session_id,
            turn_id=turn_id,
            executor=executor,
            doc_json=json.dumps(doc),
            state_json=_RUNNING_STATE,
            created_event=created,
            expected_last=record.last_turn,
            parent_id=parent.turn_id,
            parent_pending=parent.pending_raw,
            consume_pending=resumes,
            ancestry=parent.ancestry,
            agent_name=record.session.agent_name,
            owner=record.owner,
            now=now,
            trace=tracing.carrier(),
        )
        async with _start_outcome(ctx, new_turn) as outcome:
            outcome.result = await turn_store.start(
                ctx.store,
                new_turn,
                retention_seconds=ctx.settings.session_retention_seconds,
                lease_ms=int(ctx.settings.executor_ttl_seconds * 1000),
            )
        match outcome.result:
            case ["ok"]:
                return Turn.model_validate({**doc, "state": events.to_dict(events.RUNNING_STATE)})
            case ["missing"]:
                raise NotFound(
                    f"session {session_id!r} not found", code="session_not_found", param="sessionId"
                )
            case ["deleted"]:
                raise SessionNotUsable(f"session {session_id!r} was deleted", param="sessionId")
            case ["busy", running] if when_busy == INTERRUPT:
                await _interrupt(ctx, session_id, running)
                record = await sessions.load(ctx, session_id)  # `last_turn` is the interrupted turn
            case ["busy", running]:
                raise Conflict(
                    f"turn {running!r} is still running in this session; cancel it, wait for it, "
                    'or send "if_running": "interrupt" to replace it',
                    code="turn_running",
                )
            case ["gone"]:
                # It died since we picked it (nobody listens on its cancel channel): pick again
                # among the others; no turn was created.
                ctx = dataclasses.replace(ctx, local_executor=None)
                executor = await _await_executor(ctx)
            case _:
                # The last turn moved, or the parent's pending approvals changed: look again.
                record = await sessions.load(ctx, session_id)
    raise Conflict("the session's last turn kept changing; retry", code="turn_chain_contention")


async def get(ctx: CallContext, session_id: str, turn_id: str) -> Turn:
    return (await load(ctx, session_id, turn_id)).turn()


async def list_page(
    ctx: CallContext, session_id: str, page_token: str | None, limit: int
) -> tuple[list[Turn], str | None]:
    """Newest first along the ancestor chain of the last turn (or of the page token's turn)."""
    record = await sessions.load(ctx, session_id)
    cursor = (
        (await load(ctx, session_id, page_token, param="page_token")).id if page_token else record.last_turn
    )
    turns: list[Turn] = []
    while cursor and len(turns) <= limit:
        found = await _fetch(ctx, session_id, cursor)
        if found is None:
            break  # older turns expired with their retention
        turns.append(found.turn())
        cursor = found.previous_turn_id
    next_token = turns[limit].id if len(turns) > limit else None
    return turns[:limit], next_token


async def persisted_events(
    ctx: CallContext, session_id: str, turn_id: str, *, lifecycle: bool
) -> list[dict[str, Any]]:
    async with store_errors():
        turn_log = await turn_store.log(ctx.store, ctx.tenant, session_id, turn_id)
    return events.persisted(turn_log, lifecycle=lifecycle)


async def list_events(
    ctx: CallContext, session_id: str, turn_id: str, page_token: str | None, limit: int, order: str
) -> tuple[list[dict[str, Any]], str | None]:
    record = await load(ctx, session_id, turn_id)
    if not record.terminal:
        raise Conflict(
            "the turn is still running; subscribe to it instead", code="turn_running", param="turnId"
        )
    content = await persisted_events(ctx, session_id, turn_id, lifecycle=False)
    if order == "desc":
        content.reverse()
    if page_token:
        bound = int(page_token)
        content = [
            e
            for e in content
            if (e["sequence_number"] > bound if order == "asc" else e["sequence_number"] < bound)
        ]
    next_token = str(content[limit - 1]["sequence_number"]) if len(content) > limit else None
    return content[:limit], next_token


async def list_session_events(
    ctx: CallContext, session_id: str, page_token: str | None, last_turn_id: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first across the turn chain; a page token is the (turn, sequence) of the next item."""
    record = await sessions.load(ctx, session_id)
    bound: int | None = None
    if page_token:
        turn_id, bound = pagination.session_event_cursor(page_token)
        cursor: str | None = (await load(ctx, session_id, turn_id, param="page_token")).id
    else:
        cursor = record.last_turn
        if last_turn_id:
            cursor = (await load(ctx, session_id, last_turn_id, param="last_turn_id")).id
    items: list[dict[str, Any]] = []
    while cursor and len(items) <= limit:
        turn = await _fetch(ctx, session_id, cursor)
        if turn is None:
            break
        if turn.terminal:
            for event in reversed(await persisted_events(ctx, session_id, cursor, lifecycle=True)):
                if bound is None or event["sequence_number"] <= bound:
                    items.append({"turn_id": cursor, "event": event})
        bound = None
        cursor = turn.previous_turn_id
    next_token = None
    if len(items) > limit:
        following = items[limit]
        next_token = pagination.session_event_token(
            following["turn_id"], following["event"]["sequence_number"]
        )
    return items[:limit], next_token


async def open_stream(ctx: CallContext, session_id: str, turn_id: str) -> None:
    """Check that a turn's log can be streamed (the session is usable and the log not expired)."""
    await load(ctx, session_id, turn_id)
    async with store_errors():
        if not await turn_store.log_exists(ctx.store, ctx.tenant, session_id, turn_id):
            raise SessionNotUsable(
                f"the event log of turn {turn_id!r} has expired", code="event_log_expired", param="turnId"
            )


async def stream(
    fanout: Fanout, tenant: str, session_id: str, turn_id: str, after: int, wake: Wake | None = None
) -> AsyncGenerator[dict[str, Any] | None, None] | None:
    """Events after `after`, replayed from the log and then live, ending with `turn.done`; None
    each time `wake` is set while it waits for a live event (see Fanout.follow). None instead of
    events when there are none to send (an ended turn's log ends before `after`, or the store
    failed before the first).

    It ends when the turn ends whatever `after` is: a position past the end of a running turn
    waits for its `turn.done` (and does not send it), one past the end of an ended turn ends at
    once. It also ends, after a complete event, when the turn's log expires under it or Redis is
    lost (the client resumes with Last-Event-ID): a response already under way cannot become an
    error envelope. The caller closes it (`aclose`) as soon as it stops, so its watch is left at
    once, not at collection.
    """
    try:
        async with store_errors():
            status, seq = await fanout.bounded(turn_store.progress(fanout.store, tenant, session_id, turn_id))
    except (StoreUnavailable, TimeoutError) as exc:
        log.info("stream of turn %s ends before its first event: %s", turn_id, exc or "Redis timed out")
        return None
    log_key = turn_store.log_key(tenant, session_id, turn_id)
    if status is not None and is_terminal(status):
        # Everything is in the log already: no live feed needed.
        return fanout.replay(log_key, after) if after < seq else None
    return fanout.follow(log_key, after, seq, wake)
