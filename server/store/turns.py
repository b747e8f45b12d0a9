"""Turn records and their event logs: every Redis command the turn domain and the executor need.

A turn's keys share its session's slot. Its lease is on the turn hash (`lease`); the lease shards
(`ah:_:{leases:<k>}`) only tell the reapers where to look, and the executor's inbox (its own slot)
only tells the executor what to run: both are written in steps of their own around START_TURN and
FINISH_TURN (ARCHITECTURE.md, "Two-step writes").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import orjson

from server.store import channels, keys, lua
from server.store import events as event_log
from server.store.logs import READ_COUNT
from server.store.records import SessionField, TurnField, TurnRecord
from server.store.redis import Store, StreamEntry
from server.store.topology import single_node
from server.store.turn_states import Status

ANCESTRY_LIMIT = 200
"""The most ancestors a turn records (and so the most turns a history replays): a very long
session sends the model its most recent turns."""


async def load(store: Store, tenant: str, session_id: str, turn_id: str) -> TurnRecord | None:
    fields = cast(dict[str, str], await store.redis.hgetall(keys.turn(tenant, session_id, turn_id)))
    return TurnRecord.decode(fields) if fields else None


async def load_for_run(
    store: Store, tenant: str, session_id: str, turn_id: str
) -> tuple[TurnRecord | None, dict[str, Any]]:
    """The turn and the manifest its session runs with ({} when gone), in one round trip."""
    async with store.redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.turn(tenant, session_id, turn_id))
        pipe.hget(keys.session(tenant, session_id), SessionField.MANIFEST)
        fields, manifest = await pipe.execute()
    record = TurnRecord.decode(cast(dict[str, str], fields)) if fields else None
    return record, json.loads(manifest) if manifest else {}


async def exists(store: Store, tenant: str, session_id: str, turn_id: str) -> bool:
    return bool(await store.redis.exists(keys.turn(tenant, session_id, turn_id)))


@dataclass(frozen=True)
class Parent:
    """What a new turn takes from the turn it chains from."""

    pending: str
    """The JSON list of tool calls the parent paused on, as stored ("" for none)."""
    ancestry: list[str]
    """The new turn's ancestors, newest (the parent) first."""


async def parent(store: Store, tenant: str, session_id: str, turn_id: str) -> Parent:
    pending, ancestry = cast(
        list[str | None],
        await store.redis.hmget(
            keys.turn(tenant, session_id, turn_id), [TurnField.PENDING, TurnField.ANCESTRY]
        ),
    )
    older = ancestry.split(",") if ancestry else []
    return Parent(pending or "", [turn_id, *older][:ANCESTRY_LIMIT])


async def cancel_reason(store: Store, tenant: str, session_id: str, turn_id: str) -> str | None:
    """The reason of the first cancel recorded on the turn (REQUEST_CANCEL), if any."""
    key = keys.turn(tenant, session_id, turn_id)
    return cast(str | None, await store.redis.hget(key, TurnField.CANCEL)) or None


async def progress(store: Store, tenant: str, session_id: str, turn_id: str) -> tuple[Status | None, int]:
    """The turn's status (None: gone) and its log's last sequence number, read together: an event
    appended after this read is after that number."""
    status, seq = cast(
        list[str | None],
        await store.redis.hmget(keys.turn(tenant, session_id, turn_id), [TurnField.STATUS, TurnField.SEQ]),
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
    ancestry: list[str]
    agent_name: str
    owner: str
    now: str
    trace: str

    @property
    def lease_member(self) -> str:
        return keys.lease_member(self.tenant, self.session_id, self.turn_id)


def _hint(turn: NewTurn, lease_ms: int) -> lua.LeaseHint:
    return lua.LeaseHint(
        index=keys.lease_index_of(turn.session_id), member=turn.lease_member, ms=lease_ms, existing_only="0"
    )


def _start(turn: NewTurn, lease_ms: int, retention_seconds: int, check_listeners: bool) -> lua.StartTurn:
    t, s = turn.tenant, turn.session_id
    return lua.StartTurn(
        session=keys.session(t, s),
        turn=keys.turn(t, s, turn.turn_id),
        events=keys.turn_events(t, s, turn.turn_id),
        parent=keys.turn(t, s, turn.parent_id or turn.turn_id),
        turn_id=turn.turn_id,
        doc=turn.doc_json,
        state=turn.state_json,
        created_event=turn.created_event,
        expected_last=turn.expected_last or "",
        now=turn.now,
        executor=turn.executor,
        retention_seconds=retention_seconds,
        lease_ms=lease_ms,
        parent_pending=turn.parent_pending,
        consume_pending="1" if turn.consume_pending else "0",
        parent_id=turn.parent_id or "",
        ancestry=",".join(turn.ancestry),
        cancel_channel=keys.executor_cancel_channel(turn.executor) if check_listeners else "",
        trace=turn.trace,
    )


def _deliver(turn: NewTurn) -> lua.Deliver:
    return lua.Deliver(
        inbox=keys.executor_inbox(turn.executor),
        group=keys.EXECUTOR_GROUP,
        tenant=turn.tenant,
        session_id=turn.session_id,
        turn_id=turn.turn_id,
    )


async def start(store: Store, turn: NewTurn, *, retention_seconds: int, lease_ms: int) -> list[str]:
    """START_TURN between its two other steps: the lease hint before (a running turn is never
    unindexed), the inbox entry and the session indexes' TTL after. On one node the three go in one
    pipeline, executed in order (the entry is delivered whatever START_TURN answers: the executor
    skips an entry whose turn does not run there); on a cluster one after another.
    Returns START_TURN's answer (see store/lua.py)."""
    index_ttl = [
        keys.agent_sessions(turn.tenant, turn.agent_name),
        keys.agent_sessions_of(turn.tenant, turn.agent_name, turn.owner),
    ]
    one_node = single_node(store)
    if one_node:

        def build(batch: lua.Batch) -> None:
            batch.script(_hint(turn, lease_ms))
            batch.script(_start(turn, lease_ms, retention_seconds, True))
            batch.script(_deliver(turn))
            for index in index_ttl:
                batch.pipe.expire(index, retention_seconds)

        _, result, *_ = await store.scripts.pipelined(build)
    else:
        await store.scripts.run(_hint(turn, lease_ms))
        result = await store.scripts.run(_start(turn, lease_ms, retention_seconds, False))
    if result[0] != "ok":
        await drop_hint(store, turn.tenant, turn.session_id, turn.turn_id)
    elif not one_node:
        await deliver(store, turn)
        async with store.redis.pipeline(transaction=False) as pipe:
            for index in index_ttl:
                pipe.expire(index, retention_seconds)
            await pipe.execute()
    return cast(list[str], result)


async def deliver(store: Store, turn: NewTurn) -> None:
    """The inbox step alone (safe to repeat): for a START_TURN whose reply was lost but which ran."""
    await store.scripts.run(_deliver(turn))


async def append(
    store: Store, tenant: str, session_id: str, turn_id: str, events: list[str], first: int
) -> int:
    """APPEND_EVENTS of `events` as numbers `first`, `first` + 1, ...: the last number, 0 when the
    turn ended, -1 when a number does not fit the log."""
    return await store.scripts.run(
        lua.AppendEvents(
            turn=keys.turn(tenant, session_id, turn_id),
            events=keys.turn_events(tenant, session_id, turn_id),
            bodies=orjson.dumps(events),
            first=first,
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
    move_stale_hint: bool = False,
    events: list[str] | None = None,
    first: int = 0,
) -> tuple[int | None, int]:
    """FINISH_TURN, then the lease hint goes (a crash between the two leaves a hint a reaper drops);
    given `events`, the turn's last ones (numbered from `first`) go first, by APPEND_EVENTS, and
    FINISH_TURN records the end only if they were logged (on one node all three in one round trip).
    Returns APPEND_EVENTS's answer (None without events) and `turn.done`'s sequence number, 0 if the
    turn had ended, -1 if `lapsed_only` and the lease is still held (with `move_stale_hint`, a
    reaper's call, the hint then moves to the lease's expiry), -2 if the events were not logged."""
    append = None
    if events:
        append = lua.AppendEvents(
            turn=keys.turn(tenant, session_id, turn_id),
            events=keys.turn_events(tenant, session_id, turn_id),
            bodies=orjson.dumps(events),
            first=first,
        )
    call = lua.FinishTurn(
        turn=keys.turn(tenant, session_id, turn_id),
        events=keys.turn_events(tenant, session_id, turn_id),
        session=keys.session(tenant, session_id),
        status=ending.status,
        state=ending.state_json,
        done_event=ending.done_event,
        turn_id=turn_id,
        retention_seconds=retention_seconds,
        now=ending.now,
        lapsed_only="1" if lapsed_only else "0",
        pending=ending.pending,
        token=ending.token,
        after=str(first + len(events) - 1) if events else "",
    )
    member, index = keys.lease_member(tenant, session_id, turn_id), keys.lease_index_of(session_id)
    if not lapsed_only and single_node(store):
        # Never -1 without `lapsed_only`: the hint goes in the same round trip. On -2 (the events
        # were refused) the turn still runs, so its hint is put back before anything else.

        def build(batch: lua.Batch) -> None:
            if append is not None:
                batch.script(append)
            batch.script(call)
            batch.pipe.zrem(index, member)

        replies = await store.scripts.pipelined(build)
        appended = int(replies[0]) if append is not None else None
        sequence = int(replies[-2])
        if sequence == -2:
            await _rehint(store, tenant, session_id, turn_id, existing_only=False)
        return appended, sequence
    appended = None
    if append is not None and (appended := await store.scripts.run(append)) <= 0:
        return appended, 0 if appended == 0 else -2
    sequence = await store.scripts.run(call)
    if sequence >= 0:
        await store.redis.zrem(index, member)
    elif move_stale_hint:
        await _rehint(store, tenant, session_id, turn_id)
    return appended, sequence


async def _rehint(
    store: Store, tenant: str, session_id: str, turn_id: str, *, existing_only: bool = True
) -> None:
    """Move a stale hint to the lease's own expiry: it was renewed after the hint last moved (or,
    not `existing_only`, put back the hint of a turn that still runs after all)."""
    lease = await store.redis.hget(keys.turn(tenant, session_id, turn_id), TurnField.LEASE)
    if lease is not None:
        member = keys.lease_member(tenant, session_id, turn_id)
        await store.redis.zadd(keys.lease_index_of(session_id), {member: int(lease)}, xx=existing_only)


async def drop_hint(store: Store, tenant: str, session_id: str, turn_id: str) -> None:
    """Forget the lease hint of a turn that is not running (never started, or gone)."""
    await store.redis.zrem(keys.lease_index_of(session_id), keys.lease_member(tenant, session_id, turn_id))


@dataclass(frozen=True)
class CancelSignal:
    """A cancel recorded on a running turn and pushed to its executor."""

    turn_id: str
    heard: int
    """How many processes heard the push (0: its executor is gone)."""
    seq: int
    """The turn log's last sequence number when the cancel was recorded: `turn.done` comes after."""


async def request_cancel(
    store: Store, tenant: str, session_id: str, turn_id: str, executor: str, reason: str
) -> CancelSignal | None:
    """REQUEST_CANCEL, with its signal; None when the turn already ended. On one node the publish is
    an ordinary PUBLISH inside the script (channels are no keys, so the script stays on the session's
    slot). A cluster's executors listen on sharded channels, which a script may only publish to in its
    own slot: there the publish is a second step (a caller that dies between them got no 200 and
    retries; an executor that loads the turn meanwhile sees the recorded reason)."""
    channel = keys.executor_cancel_channel(executor)
    one_node = single_node(store)
    signalled, recorded, seq = await store.scripts.run(
        lua.RequestCancel(
            turn=keys.turn(tenant, session_id, turn_id),
            reason=reason,
            channel=channel if one_node else "",
            turn_id=turn_id,
        )
    )
    if not signalled:
        return None
    return await _signal(store, turn_id, channel, int(signalled), str(recorded), int(seq), one_node)


async def _signal(
    store: Store, turn_id: str, channel: str, signalled: int, recorded: str, seq: int, one_node: bool
) -> CancelSignal:
    """The signal a cancel script reported: on a cluster, the sharded publish it left to the caller."""
    if not one_node:
        signalled = 1 + await channels.publish(store.zone, channel, f"{turn_id} {recorded}")
    return CancelSignal(turn_id, signalled - 1, seq)


_CANCEL_ATTEMPTS = 8


async def cancel_running(
    store: Store,
    tenant: str,
    session_id: str,
    last_turn: str | None,
    reason: str,
    executor_of: Callable[[str], str],
) -> CancelSignal | None:
    """CANCEL_SESSION: cancel the session's running turn (its signal), or, with none running, drop the
    last turn's approvals (None). `last_turn` is the session's as loaded; a session that moved on
    since is tried again with the turn it names now. `executor_of` names a turn id's executor."""
    expected = last_turn or ""
    one_node = single_node(store)
    for _ in range(_CANCEL_ATTEMPTS):
        channel = keys.executor_cancel_channel(executor_of(expected)) if expected else ""
        session = keys.session(tenant, session_id)
        result = await store.scripts.run(
            lua.CancelSession(
                session=session,
                turn=keys.turn(tenant, session_id, expected) if expected else session,
                turn_id=expected,
                reason=reason,
                channel=channel if one_node else "",
            )
        )
        match result:
            case ["busy", signalled, recorded, seq]:
                return await _signal(
                    store, expected, channel, int(signalled), str(recorded), int(seq), one_node
                )
            case ["moved", turn_id]:
                expected = str(turn_id)
            case _:
                return None
    return None


async def read_until_done(
    store: Store, tenant: str, session_id: str, turn_id: str, after: int, block_ms: int
) -> tuple[int, Status | None]:
    """Block until the log has events past `after` or `block_ms` passes: the last sequence number
    read (`after` when none came) and the terminal status `turn.done` carried, if it came."""
    read = await store.zone.blocking_read(
        {keys.turn_events(tenant, session_id, turn_id): keys.event_stream_id(after)},
        block_ms=block_ms,
        count=READ_COUNT,  # a chatty turn's events since the cancel come in bounded pages
    )
    for _, entries in read:
        if not entries:
            continue
        last_id, last = entries[-1]
        after = keys.sequence_of(last_id)
        # Nothing follows `turn.done`, so only the last entry read can be it: decode that one alone.
        if '"turn.done"' in last["e"] and (event := orjson.loads(last["e"]))["type"] == "turn.done":
            return after, Status(event["state"]["status"])
    return after, None


def log_key(tenant: str, session_id: str, turn_id: str) -> str:
    """The turn's event log, as the stream fan-out names it."""
    return keys.turn_events(tenant, session_id, turn_id)


async def log(store: Store, tenant: str, session_id: str, turn_id: str) -> list[dict[str, Any]]:
    """The turn's whole event log, oldest first."""
    return await event_log.read_all(store.redis, tenant, session_id, turn_id)


async def log_exists(store: Store, tenant: str, session_id: str, turn_id: str) -> bool:
    return await event_log.exists(store.redis, tenant, session_id, turn_id)


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


async def history_chain(store: Store, tenant: str, session_id: str, ancestry: list[str]) -> list[Link]:
    """The turns of `ancestry` (newest first) as they are now, in one pipelined read (they share
    the session's slot); the chain stops at the first that expired."""
    async with store.redis.pipeline(transaction=False) as pipe:
        for turn_id in ancestry:
            pipe.hmget(keys.turn(tenant, session_id, turn_id), [TurnField.STATUS, TurnField.HISTORY])
        rows = cast(list[list[str | None]], await pipe.execute())
    links: list[Link] = []
    for turn_id, (status, digest) in zip(ancestry, rows, strict=True):
        if status is None:
            break
        links.append(Link(turn_id, status, digest or ""))
    return links


async def logs(store: Store, tenant: str, session_id: str, turn_ids: list[str]) -> list[list[dict[str, Any]]]:
    """The event logs of several turns, in one pipelined read."""
    async with store.redis.pipeline(transaction=False) as pipe:
        for turn_id in turn_ids:
            pipe.xrange(keys.turn_events(tenant, session_id, turn_id))
        entries = cast(list[list[StreamEntry]], await pipe.execute())
    return [event_log.decode(e) for e in entries]


async def save_histories(store: Store, tenant: str, session_id: str, digests: dict[str, str]) -> None:
    """SAVE_HISTORY of each ended turn's digest, in one pipeline."""
    if not digests:
        return

    def build(batch: lua.Batch) -> None:
        for turn_id, digest in digests.items():
            batch.script(lua.SaveHistory(turn=keys.turn(tenant, session_id, turn_id), digest=digest))

    await store.scripts.pipelined(build)
