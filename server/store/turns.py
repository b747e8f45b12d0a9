"""Turn records and their event logs: every Redis command the turn domain and the executor need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from server.store import events as event_log
from server.store import keys, lua
from server.store.records import TurnField, TurnRecord
from server.store.redis import Store, StreamEntry
from server.store.turn_states import Status


async def load(store: Store, tenant: str, turn_id: str) -> TurnRecord | None:
    fields = cast(dict[str, str], await store.redis.hgetall(keys.turn(tenant, turn_id)))
    return TurnRecord.decode(fields) if fields else None


async def exists(store: Store, tenant: str, turn_id: str) -> bool:
    return bool(await store.redis.exists(keys.turn(tenant, turn_id)))


async def pending(store: Store, tenant: str, turn_id: str) -> str:
    """The JSON list of tool calls the turn paused on, as stored ("" for none)."""
    return cast(str | None, await store.redis.hget(keys.turn(tenant, turn_id), TurnField.PENDING)) or ""


async def cancel_reason(store: Store, tenant: str, turn_id: str) -> str | None:
    """The reason of the first cancel recorded on the turn (REQUEST_CANCEL), if any."""
    return cast(str | None, await store.redis.hget(keys.turn(tenant, turn_id), TurnField.CANCEL)) or None


async def progress(store: Store, tenant: str, turn_id: str) -> tuple[Status | None, int]:
    """The turn's status (None: gone) and its log's last sequence number, read together: an event
    appended after this read is after that number."""
    status, seq = cast(
        list[str | None],
        await store.redis.hmget(keys.turn(tenant, turn_id), [TurnField.STATUS, TurnField.SEQ]),
    )
    return (Status(status) if status is not None else None), int(seq or 0)


@dataclass(frozen=True)
class NewTurn:
    """What START_TURN writes for a new turn, and what it checks first."""

    tenant: str
    session_id: str
    turn_id: str
    executor: str
    doc_json: str
    state_json: str
    created_event: str
    expected_last: str | None
    parent_id: str | None
    parent_pending: str
    consume_pending: bool
    agent_name: str
    owner: str
    now: str
    trace: str


async def start(store: Store, turn: NewTurn, *, retention_seconds: int, lease_ms: int) -> list[str]:
    """START_TURN; see store/lua.py for its answers."""
    t = turn.tenant
    return await store.scripts.run(
        lua.StartTurn(
            session=keys.session(t, turn.session_id),
            turn=keys.turn(t, turn.turn_id),
            events=keys.turn_events(t, turn.turn_id),
            inbox=keys.executor_inbox(turn.executor),
            leases=keys.leases(),
            parent=keys.turn(t, turn.parent_id or turn.turn_id),
            draining=keys.executor_draining(turn.executor),
            agent_index=keys.agent_sessions(t, turn.agent_name),
            owner_index=keys.agent_sessions_of(t, turn.agent_name, turn.owner),
            turn_id=turn.turn_id,
            doc=turn.doc_json,
            state=turn.state_json,
            created_event=turn.created_event,
            expected_last=turn.expected_last or "",
            now=turn.now,
            executor=turn.executor,
            tenant=t,
            retention_seconds=retention_seconds,
            lease_member=keys.lease_member(t, turn.turn_id),
            lease_ms=lease_ms,
            group=keys.EXECUTOR_GROUP,
            parent_pending=turn.parent_pending,
            consume_pending="1" if turn.consume_pending else "0",
            parent_id=turn.parent_id or "",
            cancel_channel=keys.executor_cancel_channel(turn.executor),
            trace=turn.trace,
        )
    )


async def append(store: Store, tenant: str, turn_id: str, event_json: str, sequence: int) -> int:
    """APPEND_EVENT: `sequence`, 0 when the turn ended, -1 when the number does not fit the log."""
    return await store.scripts.run(
        lua.AppendEvent(
            turn=keys.turn(tenant, turn_id),
            events=keys.turn_events(tenant, turn_id),
            event=event_json,
            sequence=sequence,
        )
    )


@dataclass(frozen=True)
class Ending:
    """What FINISH_TURN records."""

    status: str
    state_json: str
    done_event: str
    pending: str
    """The JSON list of tool calls a paused turn waits on ("" for none)."""
    now: str
    token: str
    """New for each call: a repeat after a lost reply finds its own (`finished_by`)."""


async def finish(
    store: Store,
    tenant: str,
    session_id: str,
    turn_id: str,
    ending: Ending,
    *,
    retention_seconds: int,
    lapsed_only: bool,
) -> int:
    """FINISH_TURN: `turn.done`'s sequence number, 0 if the turn had ended, -1 if `lapsed_only` and
    the lease is still held."""
    return await store.scripts.run(
        lua.FinishTurn(
            turn=keys.turn(tenant, turn_id),
            events=keys.turn_events(tenant, turn_id),
            session=keys.session(tenant, session_id),
            leases=keys.leases(),
            status=ending.status,
            state=ending.state_json,
            done_event=ending.done_event,
            turn_id=turn_id,
            retention_seconds=retention_seconds,
            now=ending.now,
            lease_member=keys.lease_member(tenant, turn_id),
            lapsed_only="1" if lapsed_only else "0",
            pending=ending.pending,
            token=ending.token,
        )
    )


async def drop_lease(store: Store, tenant: str, turn_id: str) -> None:
    """Forget the lease of a turn that is gone (expired): nothing is left to finalise."""
    await store.redis.zrem(keys.leases(), keys.lease_member(tenant, turn_id))


async def request_cancel(store: Store, tenant: str, turn_id: str, executor: str, reason: str) -> int:
    """REQUEST_CANCEL: 0 when the turn already ended, else 1 + how many processes heard it."""
    return await store.scripts.run(
        lua.RequestCancel(
            turn=keys.turn(tenant, turn_id),
            reason=reason,
            channel=keys.executor_cancel_channel(executor),
            turn_id=turn_id,
        )
    )


async def log(store: Store, tenant: str, turn_id: str) -> list[dict[str, Any]]:
    """The turn's whole event log, oldest first."""
    return await event_log.read_all(store.redis, tenant, turn_id)


async def log_exists(store: Store, tenant: str, turn_id: str) -> bool:
    return await event_log.exists(store.redis, tenant, turn_id)


async def wait_for_events(store: Store, tenant: str, turn_id: str, after: int, block_ms: int) -> bool:
    """Block until the log has an event past `after` (True) or `block_ms` passes (False)."""
    read = await store.zone.blocking_read(
        {keys.turn_events(tenant, turn_id): keys.event_stream_id(after)}, block_ms=block_ms
    )
    return bool(read)


@dataclass(frozen=True)
class Link:
    """One turn of a history chain."""

    turn_id: str
    status: str
    digest: str
    """Its history digest (JSON), "" until made."""

    @property
    def ended(self) -> bool:
        return self.status != Status.RUNNING


async def history_chain(store: Store, tenant: str, last_turn_id: str, most: int) -> list[Link]:
    """The turns up to `last_turn_id` along `prev`, newest first, at most `most`."""
    flat = await store.scripts.run(
        lua.HistoryChain(
            turn=keys.turn(tenant, last_turn_id),
            turn_id=last_turn_id,
            turn_prefix=keys.turn_prefix(tenant),
            most=most,
        )
    )
    return [Link(*flat[i : i + 3]) for i in range(0, len(flat), 3)]


async def logs(store: Store, tenant: str, turn_ids: list[str]) -> list[list[dict[str, Any]]]:
    """The event logs of several turns, in one pipelined read."""
    async with store.redis.pipeline(transaction=False) as pipe:
        for turn_id in turn_ids:
            pipe.xrange(keys.turn_events(tenant, turn_id))
        entries = cast(list[list[StreamEntry]], await pipe.execute())
    return [event_log.decode(e) for e in entries]


async def save_histories(store: Store, tenant: str, digests: dict[str, str]) -> None:
    """SAVE_HISTORY of each ended turn's digest, in one pipeline."""
    if not digests:
        return
    async with store.redis.pipeline(transaction=False) as pipe:
        for turn_id, digest in digests.items():
            await store.scripts.queue(lua.SaveHistory(turn=keys.turn(tenant, turn_id), digest=digest), pipe)
        await pipe.execute()
