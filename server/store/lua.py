"""Every Lua script the harness runs, each closing one race, each with its typed call.

A script is a frozen dataclass: its fields are the script's KEYS (annotated `Key`) and ARGV, in
that order, declared once. The Lua body reads them by name (`K.session`, `A.turn_id`) from tables
built from the same fields, and the call site fills them by name, so no positional list is written
anywhere. State names come from `turn_states.LUA_CONSTANTS` (`RUNNING`, ...), never a literal.

EVAL scripts (not Redis 7 Functions) so the embedded redis 6.2 and a production Redis run the same
code. redis-py's `Script` loads each by SHA and falls back to EVAL on NOSCRIPT.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, TypeVar, cast, get_type_hints

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript

from server.store.turn_states import LUA_CONSTANTS

R = TypeVar("R")

_KEY = "key"
_REST = "rest"
Key = Annotated[str, _KEY]
"""A field that is one of the script's KEYS (the cluster routes by them)."""
Rest = Annotated[tuple[str, ...], _REST]
"""The last field: any number of further ARGV (`ARGV[REST]` onwards in Lua)."""

# Redis's clock in milliseconds: leases must be judged by one clock, not each machine's.
_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""


class Script(Generic[R]):
    """A script's call: subclasses are frozen, keyword-only dataclasses with a `SOURCE`."""

    SOURCE: ClassVar[str]

    @classmethod
    @functools.cache
    def _layout(cls) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
        hints = get_type_hints(cls, include_extras=True)
        keys, args, rest = [], [], None
        for f in dataclasses.fields(cast(Any, cls)):
            meta = getattr(hints[f.name], "__metadata__", ())
            if _KEY in meta:
                keys.append(f.name)
            elif _REST in meta:
                rest = f.name
            else:
                args.append(f.name)
        return tuple(keys), tuple(args), rest

    @classmethod
    def lua(cls) -> str:
        keys, args, rest = cls._layout()
        named_keys = ", ".join(f"{name} = KEYS[{i}]" for i, name in enumerate(keys, 1))
        named_args = ", ".join(f"{name} = ARGV[{i}]" for i, name in enumerate(args, 1))
        lines = [LUA_CONSTANTS, f"local K = {{{named_keys}}}\n", f"local A = {{{named_args}}}\n"]
        if rest is not None:
            lines.append(f"local REST = {len(args) + 1}\n")
        return "".join(lines) + cls.SOURCE

    def keys(self) -> list[str]:
        return [getattr(self, name) for name in self._layout()[0]]

    def args(self) -> list[str | int]:
        _, args, rest = self._layout()
        values: list[str | int] = [getattr(self, name) for name in args]
        return values + list(getattr(self, rest)) if rest is not None else values


# START_TURN: create a turn only if none runs in the session, in one step, so two concurrent
# create-turn requests can never both start one (the one-running-turn lock is the session's
# `running` field). The caller resolved `previous_turn_id: auto` against `last_turn`; the script
# re-checks it (compare-and-set) so a turn finishing in between cannot fork the chain silently.
# The turn's lease starts here, so a turn whose executor dies before even reading it still expires.
# The parent turn's `pending` approvals were checked against the input by the caller; the script
# re-checks they are unchanged (a cancel may have dropped them) and a resuming turn consumes them,
# so each pending tool call is answered once.
# An executor that has begun shutting down (its draining key exists) is refused, so no turn reaches
# an inbox nobody will read again; so is one nobody listens for (no subscriber on its cancel
# channel): a live executor subscribes before it takes any turn, and a killed one's subscription
# goes with its connection at once, long before its liveness entry lapses. The caller picks again.
# The session's index entries live as long as the session does (their TTL follows its own).
# Idempotent by the turn id (a new id per attempt, so the turn's hash exists only if this very call
# ran before): a repeat after a lost reply answers `ok` again, not `busy` with its own turn, and
# changes nothing (the parent's approvals were consumed once, by the first run).
# Returns: {"ok"} | {"missing"} | {"deleted"} | {"busy", running_turn_id} | {"moved", last_turn}
#          | {"stale"} (the parent's pending approvals changed) | {"draining"} | {"gone"} (the
#          executor does not listen)
@dataclass(frozen=True, kw_only=True)
class StartTurn(Script[list[str]]):
    session: Key
    turn: Key
    events: Key
    inbox: Key
    leases: Key
    parent: Key
    """The parent turn's hash (the new turn's own hash for a root turn)."""
    draining: Key
    agent_index: Key
    owner_index: Key
    turn_id: str
    doc: str
    state: str
    """The running state's JSON."""
    created_event: str
    """turn.created, sequence_number 1."""
    expected_last: str
    """`last_turn` as the caller resolved it ("" for none)."""
    now: str
    executor: str
    tenant: str
    retention_seconds: int
    lease_member: str
    lease_ms: int
    group: str
    parent_pending: str
    """The parent's pending JSON as checked ("" for none)."""
    consume_pending: str
    """"1" when this turn answers them."""
    parent_id: str
    cancel_channel: str
    trace: str
    """The request's W3C trace context as JSON ("" when not tracing; server/tracing.py)."""

    SOURCE = (
        _NOW_MS
        + """
if redis.call('EXISTS', K.turn) == 1 then return {'ok'} end
if redis.call('EXISTS', K.session) == 0 then return {'missing'} end
if redis.call('HGET', K.session, 'deleted') then return {'deleted'} end
local running = redis.call('HGET', K.session, 'running')
if running then return {'busy', running} end
local last = redis.call('HGET', K.session, 'last_turn') or ''
if last ~= A.expected_last then return {'moved', last} end
if (redis.call('HGET', K.parent, 'pending') or '') ~= A.parent_pending then return {'stale'} end
if redis.call('EXISTS', K.draining) == 1 then return {'draining'} end
if redis.call('PUBSUB', 'NUMSUB', A.cancel_channel)[2] == 0 then return {'gone'} end
if A.consume_pending == '1' then redis.call('HDEL', K.parent, 'pending') end
redis.call('HSET', K.session, 'running', A.turn_id, 'last_turn', A.turn_id, 'updated_at', A.now)
redis.call('EXPIRE', K.session, A.retention_seconds)
redis.call('EXPIRE', K.agent_index, A.retention_seconds)
redis.call('EXPIRE', K.owner_index, A.retention_seconds)
redis.call('HSET', K.turn, 'doc', A.doc, 'status', RUNNING, 'state', A.state,
           'seq', 1, 'executor', A.executor, 'prev', A.parent_id)
if A.trace ~= '' then redis.call('HSET', K.turn, 'trace', A.trace) end
redis.call('XADD', K.events, '0-1', 'e', A.created_event)
-- The executor's consumer group may be gone (a flushed or restarted Redis): recreate it, or the
-- entry would wait for a group nobody reads. pcall: BUSYGROUP when it exists is the usual case.
redis.pcall('XGROUP', 'CREATE', K.inbox, A.group, '0', 'MKSTREAM')
redis.call('XADD', K.inbox, '*', 'tenant', A.tenant, 'turn', A.turn_id)
redis.call('ZADD', K.leases, now + tonumber(A.lease_ms), A.lease_member)
return {'ok'}
"""
    )


# APPEND_EVENT: log an event under the sequence number its writer expects, unless the turn already
# ended, so nothing can follow `turn.done` (a late chunk from a cancelled provider is dropped here).
# The sequence number is spliced into the JSON object so the stored event carries it.
# Idempotent by that number: while a turn runs its executor is the only appender, so it knows the
# number each event gets (its own counter, from the `seq` it loaded). A repeat after a lost reply
# finds the number taken by the identical event and returns it, appending nothing; a number taken by
# a different event, or one past the next, means another writer or a lost append: refused.
# Returns: the sequence number, 0 when the turn is no longer running, -1 when the number does not fit
#          (taken by another event, or not the next).
@dataclass(frozen=True, kw_only=True)
class AppendEvent(Script[int]):
    turn: Key
    events: Key
    event: str
    """The event's JSON object without sequence_number."""
    sequence: int

    SOURCE = """
if redis.call('HGET', K.turn, 'status') ~= RUNNING then return 0 end
local n = tonumber(A.sequence)
local body = '{"sequence_number":' .. n .. ',' .. string.sub(A.event, 2)
local seq = tonumber(redis.call('HGET', K.turn, 'seq'))
if n <= seq then
  local stored = redis.call('XRANGE', K.events, '0-' .. n, '0-' .. n)
  if stored[1] and stored[1][2][2] == body then return n end
  return -1
end
if n ~= seq + 1 then return -1 end
redis.call('HSET', K.turn, 'seq', n)
redis.call('XADD', K.events, '0-' .. n, 'e', body)
return n
"""


# FINISH_TURN: the terminal-once rule. The first caller to move a turn out of `running` records
# the state, appends the single `turn.done`, releases the session lock (only if it still names this
# turn) and starts the retention clock; every later caller (a racing cancel, timeout or executor)
# gets 0 and must not write anything.
# With `lapsed_only` = "1" it finishes the turn only if its lease has lapsed (a reaper, or a cancel
# aimed at a dead executor), so a live executor's turn is never finalised behind its back.
# A turn paused for approvals records the tool call ids it waits on (`pending`) in the same step,
# so the next turn's approvals are checked against exactly what the terminal state lists.
# Idempotent by the turn id (terminal once) and the caller's token (new for each call, `finished_by`
# on the turn): a repeat after a lost reply writes nothing and returns the sequence number its first
# run got, so the winner still learns it won; any other later caller gets 0.
# Returns: the sequence number of turn.done, 0 when the turn had already ended, -1 when the lease
#          was required to have lapsed and has not.
@dataclass(frozen=True, kw_only=True)
class FinishTurn(Script[int]):
    turn: Key
    events: Key
    session: Key
    leases: Key
    status: str
    state: str
    done_event: str
    """turn.done's JSON without sequence_number."""
    turn_id: str
    retention_seconds: int
    now: str
    lease_member: str
    lapsed_only: str
    pending: str
    """Pending tool call ids as a JSON list ("" for none)."""
    token: str

    SOURCE = (
        _NOW_MS
        + """
local status = redis.call('HGET', K.turn, 'status')
if status ~= RUNNING then
  redis.call('ZREM', K.leases, A.lease_member)
  if status and redis.call('HGET', K.turn, 'finished_by') == A.token then
    return tonumber(redis.call('HGET', K.turn, 'seq'))
  end
  return 0
end
if A.lapsed_only == '1' then
  local expiry = redis.call('ZSCORE', K.leases, A.lease_member)
  if expiry and tonumber(expiry) > now then return -1 end
end
local n = redis.call('HINCRBY', K.turn, 'seq', 1)
redis.call('HSET', K.turn, 'status', A.status, 'state', A.state, 'finished_by', A.token)
if A.pending ~= '' then redis.call('HSET', K.turn, 'pending', A.pending) end
local body = '{"sequence_number":' .. n .. ',' .. string.sub(A.done_event, 2)
redis.call('XADD', K.events, '0-' .. n, 'e', body)
if redis.call('HGET', K.session, 'running') == A.turn_id then
  redis.call('HDEL', K.session, 'running')
  redis.call('HSET', K.session, 'updated_at', A.now)
end
redis.call('EXPIRE', K.turn, A.retention_seconds)
redis.call('EXPIRE', K.events, A.retention_seconds)
redis.call('ZREM', K.leases, A.lease_member)
return n
"""
    )


# HEARTBEAT: an executor proves it is alive and extends the lease of every turn it runs, and learns
# which it still holds. Only a lease that has not lapsed is extended: one finalised by a reaper
# (removed) is not resurrected, and one past its expiry belongs to the reapers already, so an
# executor can never take back a turn it may have been fenced from (and a reaper that sees a lease
# lapsed can always finalise it). A draining executor keeps its turns' leases but is not registered
# again (it must not be picked for new turns).
# Housekeeping rides along: members of the executors zset that lapsed over a TTL ago (dead
# executors) are dropped, and the zset expires a TTL after its newest member lapses (when every
# executor is gone); the inbox's TTL is pushed back, so a dead executor's inbox expires a while after
# its last heartbeat, but a restart under the same id within that time still finds its entries.
# Returns: the lease members it extended (the others are gone: their turns are not this executor's).
@dataclass(frozen=True, kw_only=True)
class Heartbeat(Script[list[str]]):
    executors: Key
    leases: Key
    draining: Key
    inbox: Key
    executor: str
    ttl_ms: int
    inbox_retention_seconds: int
    members: Rest
    """The lease members of its running turns."""

    SOURCE = (
        _NOW_MS
        + """
local ttl = tonumber(A.ttl_ms)
local expiry = now + ttl
if redis.call('EXISTS', K.draining) == 0 then redis.call('ZADD', K.executors, expiry, A.executor) end
redis.call('ZREMRANGEBYSCORE', K.executors, '-inf', '(' .. (now - ttl))
local newest = redis.call('ZRANGE', K.executors, -1, -1, 'WITHSCORES')
if newest[2] then redis.call('PEXPIREAT', K.executors, tonumber(newest[2]) + ttl) end
redis.call('EXPIRE', K.inbox, A.inbox_retention_seconds)
local renewed = {}
for i = REST, #ARGV do
  local held = redis.call('ZSCORE', K.leases, ARGV[i])
  if held and tonumber(held) > now then
    redis.call('ZADD', K.leases, 'XX', expiry, ARGV[i])
    renewed[#renewed + 1] = ARGV[i]
  end
end
return renewed
"""
    )


# BY_CLOCK: lease members whose expiry has passed, by Redis's clock.
@dataclass(frozen=True, kw_only=True)
class ByClock(Script[list[str]]):
    leases: Key
    limit: int

    SOURCE = (
        _NOW_MS
        + """
return redis.call('ZRANGEBYSCORE', K.leases, '-inf', '(' .. now, 'LIMIT', 0, tonumber(A.limit))
"""
    )


# CANDIDATES: the executors a new turn may go to, in one round trip: registered, unexpired, and
# listening on their cancel channel (a killed executor's subscription is gone at once, its liveness
# entry only after a TTL). Those that heartbeat recently come first: a frozen (SIGSTOPped) process
# keeps its subscription, so its only sign is a heartbeat that stops coming.
# A channel is `channel_prefix .. id .. channel_suffix`; an executor whose expiry is at least
# `recent_ms` ahead heartbeat recently.
# Returns: {recent ids, other listening ids}
@dataclass(frozen=True, kw_only=True)
class Candidates(Script[list[list[str]]]):
    executors: Key
    limit: int
    channel_prefix: str
    channel_suffix: str
    recent_ms: int

    SOURCE = (
        _NOW_MS
        + """
local ids = redis.call('ZRANGEBYSCORE', K.executors, now, '+inf', 'WITHSCORES', 'LIMIT', 0,
                       tonumber(A.limit))
if #ids == 0 then return {{}, {}} end
local channels = {}
for i = 1, #ids, 2 do channels[#channels + 1] = A.channel_prefix .. ids[i] .. A.channel_suffix end
local heard = redis.call('PUBSUB', 'NUMSUB', unpack(channels))
local recent, other = {}, {}
for i = 1, #ids, 2 do
  if heard[i + 1] > 0 then
    if tonumber(ids[i + 1]) >= now + tonumber(A.recent_ms) then
      recent[#recent + 1] = ids[i]
    else
      other[#other + 1] = ids[i]
    end
  end
end
return {recent, other}
"""
    )


# REQUEST_CANCEL: record the cancel request on the turn and push it to the owning executor in one
# step, so an executor that starts the turn after the PUBLISH still sees the recorded request.
# The first reason recorded wins (HSETNX): a later cancel cannot relabel an earlier one.
# PUBLISH reports how many subscribers heard it: a live executor always listens on its channel (it
# subscribes before taking any turn), so nobody hearing means the executor is gone.
# The message is `<turn id> <recorded reason>`: the executor cancels with the reason that won
# without reading it back (a client's cancel, or a next turn's interrupt).
# Idempotent as it stands: a repeat keeps the first reason (HSETNX) and publishes again, which the
# executor ignores (it interrupts a turn's task once); a turn that ended in between answers 0, which
# the caller reads as "terminal", as it is.
# Returns: 0 when the turn already ended, else 1 + the number of processes that heard the signal.
@dataclass(frozen=True, kw_only=True)
class RequestCancel(Script[int]):
    turn: Key
    reason: str
    channel: str
    turn_id: str

    SOURCE = """
if redis.call('HGET', K.turn, 'status') ~= RUNNING then return 0 end
redis.call('HSETNX', K.turn, 'cancel', A.reason)
local reason = redis.call('HGET', K.turn, 'cancel')
return 1 + redis.call('PUBLISH', A.channel, A.turn_id .. ' ' .. reason)
"""


# DROP_PENDING: a session cancel that finds no turn running drops the approvals its last turn waits
# on, in the same step as reading `running`, so a resume turn cannot start between the check and the
# drop and run the calls the cancel meant to drop (START_TURN consumes `pending` in its own step).
# Given a turn id, only that turn's, if it is still the last: a turn that paused just before the
# cancel reached it loses its approvals too, but a turn started after the cancel is left alone.
# Idempotent as it stands: HDEL of a field already deleted changes nothing, and the answer is the
# session's state at the repeat, which is as current as the first.
# Returns: {"busy", running turn id} (nothing dropped) | {"idle"}
@dataclass(frozen=True, kw_only=True)
class DropPending(Script[list[str]]):
    session: Key
    turn_prefix: str
    turn_id: str
    """"" for the session's last turn."""

    SOURCE = """
local running = redis.call('HGET', K.session, 'running')
if running then return {'busy', running} end
local last = redis.call('HGET', K.session, 'last_turn')
if last and (A.turn_id == '' or A.turn_id == last) then
  redis.call('HDEL', A.turn_prefix .. last, 'pending')
end
return {'idle'}
"""


# DELETE_SESSION: mark the session unusable and report its running turn in the same step, so no
# turn can start between the check and the mark (START_TURN refuses a deleted session). Its index
# entries go too: a listing never shows a deleted session, so it need not read past them.
# Idempotent by the call's time: `deleted` holds it, so a repeat after a lost reply (same ARGV) answers
# `ok` with the running turn again (its caller still has to cancel it) rather than "already deleted".
# Returns: {"missing"} | {"deleted"} | {"ok", running_turn_id or ""}
@dataclass(frozen=True, kw_only=True)
class DeleteSession(Script[list[str]]):
    session: Key
    agent_index: Key
    owner_index: Key
    retention_seconds: int
    now: str
    session_id: str

    SOURCE = """
if redis.call('EXISTS', K.session) == 0 then return {'missing'} end
local deleted = redis.call('HGET', K.session, 'deleted')
if deleted == A.now then return {'ok', redis.call('HGET', K.session, 'running') or ''} end
if deleted then return {'deleted'} end
redis.call('HSET', K.session, 'deleted', A.now, 'updated_at', A.now)
redis.call('EXPIRE', K.session, A.retention_seconds)
redis.call('ZREM', K.agent_index, A.session_id)
redis.call('ZREM', K.owner_index, A.session_id)
return {'ok', redis.call('HGET', K.session, 'running') or ''}
"""


# HISTORY_CHAIN: a turn's ancestry in one round trip instead of one per turn (a session's
# history is read before every model turn, so the walk would grow with the session's length).
# It follows each turn's `prev` (the parent START_TURN recorded) and builds the parent's key from
# the prefix: keys a script did not receive as KEYS are fine on the standalone Redis of each zone
# (the harness does not run on Redis Cluster).
# Returns: newest first, three items per turn: id, status, history digest ("" when not made yet);
#          the walk stops at a root turn or at a turn that expired.
@dataclass(frozen=True, kw_only=True)
class HistoryChain(Script[list[str]]):
    turn: Key
    """The newest turn's hash."""
    turn_id: str
    turn_prefix: str
    most: int

    SOURCE = """
local out = {}
local id, key = A.turn_id, K.turn
for _ = 1, tonumber(A.most) do
  local f = redis.call('HMGET', key, 'status', 'history', 'prev')
  if not f[1] then break end
  out[#out + 1] = id
  out[#out + 1] = f[1]
  out[#out + 1] = f[2] or ''
  if not f[3] or f[3] == '' then break end
  id, key = f[3], A.turn_prefix .. f[3]
end
return out
"""


# SAVE_HISTORY: keep a finished turn's history digest beside it. Only an ended turn's log is
# final (nothing follows `turn.done`); a turn that expired meanwhile is not recreated without its
# TTL. HSETNX: two executors deriving it at once store the same value once.
# Returns: 1 when stored, 0 otherwise.
@dataclass(frozen=True, kw_only=True)
class SaveHistory(Script[int]):
    turn: Key
    digest: str

    SOURCE = """
local status = redis.call('HGET', K.turn, 'status')
if not status or status == RUNNING then return 0 end
return redis.call('HSETNX', K.turn, 'history', A.digest)
"""


# CREATE_AGENT: register a name only if it is free, with its index entry, so two creates of one
# name cannot both succeed (the loser gets 409).
# Idempotent by its content and time: a repeat after a lost reply finds the agent exactly as it made
# it (version 1, same manifest, creator and time) and answers "created" again, not "taken".
# Returns: 1 when created, 0 when the name is taken.
@dataclass(frozen=True, kw_only=True)
class CreateAgent(Script[int]):
    agent: Key
    agents: Key
    name: str
    manifest: str
    created_by: str
    """The creator's subject JSON."""
    now: str

    SOURCE = """
if redis.call('EXISTS', K.agent) == 1 then
  local f = redis.call('HMGET', K.agent, 'version', 'manifest', 'created_by', 'created_at')
  if f[1] == '1' and f[2] == A.manifest and f[3] == A.created_by and f[4] == A.now then return 1 end
  return 0
end
redis.call('HSET', K.agent, 'version', 1, 'manifest', A.manifest, 'created_by', A.created_by,
           'created_at', A.now, 'updated_at', A.now)
redis.call('ZADD', K.agents, 0, A.name)
return 1
"""


# REPLACE_AGENT: bump the version and store the manifest only if the agent still exists, so a
# replace racing a delete cannot resurrect it.
# Idempotent by its content and time: a repeat after a lost reply finds its own manifest and time
# and returns the version it made, instead of counting the one replace twice.
# Returns: the new version, or 0 when the agent does not exist.
@dataclass(frozen=True, kw_only=True)
class ReplaceAgent(Script[int]):
    agent: Key
    manifest: str
    now: str

    SOURCE = """
if redis.call('EXISTS', K.agent) == 0 then return 0 end
local f = redis.call('HMGET', K.agent, 'manifest', 'updated_at', 'version')
if f[1] == A.manifest and f[2] == A.now then return tonumber(f[3]) end
local v = redis.call('HINCRBY', K.agent, 'version', 1)
redis.call('HSET', K.agent, 'manifest', A.manifest, 'updated_at', A.now)
return v
"""


ALL: tuple[type[Script[Any]], ...] = (
    StartTurn,
    AppendEvent,
    FinishTurn,
    Heartbeat,
    ByClock,
    Candidates,
    RequestCancel,
    DropPending,
    DeleteSession,
    HistoryChain,
    SaveHistory,
    CreateAgent,
    ReplaceAgent,
)


class Scripts:
    """The scripts registered on one Redis client; `run` calls one by its typed call."""

    def __init__(self, redis: Redis) -> None:
        self._registered: dict[type[Script[Any]], AsyncScript] = {
            cls: redis.register_script(cls.lua()) for cls in ALL
        }

    async def run(self, call: Script[R]) -> R:
        script = self._registered[type(call)]
        return cast(R, await script(keys=call.keys(), args=call.args()))

    async def queue(self, call: Script[Any], pipe: Pipeline) -> None:
        """Add the call to a pipeline (its reply comes with the pipeline's)."""
        await self._registered[type(call)](keys=call.keys(), args=call.args(), client=pipe)
