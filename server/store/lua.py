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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, TypeVar, cast, get_type_hints

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from server.store.turn_states import LUA_CONSTANTS

R = TypeVar("R")

_KEY = "key"
Key = Annotated[str, _KEY]
"""A field that is one of the script's KEYS (the cluster routes by them)."""

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
    def _layout(cls) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(KEYS, ARGV): the names of the fields annotated `Key`, then of the others, in order."""
        hints = get_type_hints(cls, include_extras=True)
        keys: list[str] = []
        args: list[str] = []
        for f in dataclasses.fields(cast(Any, cls)):
            (keys if _KEY in getattr(hints[f.name], "__metadata__", ()) else args).append(f.name)
        return tuple(keys), tuple(args)

    @classmethod
    def lua(cls) -> str:
        keys, args = cls._layout()
        named_keys = ", ".join(f"{name} = KEYS[{i}]" for i, name in enumerate(keys, 1))
        named_args = ", ".join(f"{name} = ARGV[{i}]" for i, name in enumerate(args, 1))
        return f"{LUA_CONSTANTS}local K = {{{named_keys}}}\nlocal A = {{{named_args}}}\n{cls.SOURCE}"

    def keys(self) -> list[str]:
        return [getattr(self, name) for name in self._layout()[0]]

    def args(self) -> list[str | int]:
        return [getattr(self, name) for name in self._layout()[1]]


# START_TURN: create a turn only if none runs in the session, in one step, so two concurrent
# create-turn requests can never both start one (the one-running-turn lock is the session's
# `running` field). The caller resolved `previous_turn_id: auto` against `last_turn`; the script
# re-checks it (compare-and-set) so a turn finishing in between cannot fork the chain silently.
# The turn's lease (`lease`, an expiry by Redis's clock) starts here, so a turn whose executor dies
# before even reading it still expires; the caller indexed it in its lease shard first, so a reaper
# finds it (ARCHITECTURE.md, "Two-step writes"), and delivers it to the executor's inbox after.
# The parent turn's `pending` approvals were checked against the input by the caller; the script
# re-checks they are unchanged (a cancel may have dropped them) and a resuming turn consumes them,
# so each pending tool call is answered once.
# Where every subscription is visible to every node (a standalone Redis) an executor nobody listens
# for is refused (`cancel_channel` names its channel; "" skips the check): a live executor
# subscribes before it takes any turn, and a killed one's subscription goes with its connection at
# once, long before its liveness entry lapses. The caller picks again.
# Idempotent by the turn id (a new id per attempt, so the turn's hash exists only if this very call
# ran before): a repeat after a lost reply answers `ok` again, not `busy` with its own turn, and
# changes nothing (the parent's approvals were consumed once, by the first run).
# Returns: {"ok"} | {"missing"} | {"deleted"} | {"busy", running_turn_id} | {"moved", last_turn}
#          | {"stale"} (the parent's pending approvals changed) | {"gone"} (the executor does not listen)
@dataclass(frozen=True, kw_only=True)
class StartTurn(Script[list[str]]):
    session: Key
    turn: Key
    events: Key
    parent: Key
    """The parent turn's hash (the new turn's own hash for a root turn)."""
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
    retention_seconds: int
    lease_ms: int
    parent_pending: str
    """The parent's pending JSON as checked ("" for none)."""
    consume_pending: str
    """"1" when this turn answers them."""
    parent_id: str
    ancestry: str
    """The ids of the turn's ancestors, newest first, comma-separated (the parent's id and its ancestry)."""
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
if A.cancel_channel ~= '' and redis.call('PUBSUB', 'NUMSUB', A.cancel_channel)[2] == 0 then
  return {'gone'}
end
if A.consume_pending == '1' then redis.call('HDEL', K.parent, 'pending') end
redis.call('HSET', K.session, 'running', A.turn_id, 'last_turn', A.turn_id, 'updated_at', A.now)
redis.call('EXPIRE', K.session, A.retention_seconds)
redis.call('HSET', K.turn, 'doc', A.doc, 'status', RUNNING, 'state', A.state, 'seq', 1,
           'executor', A.executor, 'lease', now + tonumber(A.lease_ms), 'prev', A.parent_id,
           'ancestry', A.ancestry)
if A.trace ~= '' then redis.call('HSET', K.turn, 'trace', A.trace) end
redis.call('XADD', K.events, '0-1', 'e', A.created_event)
return {'ok'}
"""
    )


# DELIVER: put a started turn in its executor's inbox (START_TURN's second step, on the executor's
# slot). Safe to repeat: the executor runs a turn once whatever number of entries name it, and only
# while the turn hash says it runs there. The executor's consumer group may be gone (a flushed or
# restarted Redis): it is recreated, or the entry would wait for a group nobody reads (pcall:
# BUSYGROUP when it exists is the usual case).
# Returns: the entry id.
@dataclass(frozen=True, kw_only=True)
class Deliver(Script[str]):
    inbox: Key
    group: str
    tenant: str
    session_id: str
    turn_id: str

    SOURCE = """
redis.pcall('XGROUP', 'CREATE', K.inbox, A.group, '0', 'MKSTREAM')
return redis.call('XADD', K.inbox, '*', 'tenant', A.tenant, 'session', A.session_id, 'turn', A.turn_id)
"""


# LEASE_HINT: a running turn's entry in its lease shard, scored with its lease expiry as Redis's
# clock will have it `ms` from now, so the reapers find it when it lapses. Written before START_TURN
# (a crash between the two leaves a hint to a turn that is not there, which a reaper drops), and with
# `existing_only` = "1" by heartbeats, which only move a hint the turn still has. The truth is the
# turn's own `lease`: a reaper re-checks it before it finalises anything.
# Returns: 1 when added, 0 otherwise.
@dataclass(frozen=True, kw_only=True)
class LeaseHint(Script[int]):
    index: Key
    member: str
    ms: int
    existing_only: str

    SOURCE = (
        _NOW_MS
        + """
if A.existing_only == '1' then
  return redis.call('ZADD', K.index, 'XX', now + tonumber(A.ms), A.member)
end
return redis.call('ZADD', K.index, now + tonumber(A.ms), A.member)
"""
    )


# APPEND_EVENTS: log events, in order, under the sequence numbers their writer expects (`first`,
# `first` + 1, ...), unless the turn already ended, so nothing can follow `turn.done` (a late chunk
# from a cancelled provider is dropped here). Events produced together (a zero-delay model's whole
# answer) go in one call: one round trip instead of one each.
# Each sequence number is spliced into its JSON object so the stored event carries it.
# Idempotent by those numbers: while a turn runs its executor is the only appender, so it knows the
# number each event gets (its own counter, from the `seq` it loaded). A repeat after a lost reply
# finds each number taken by the identical event and skips it, appending nothing; a number taken by a
# different event, or one past the next, means another writer or a lost append: refused there (the
# events before it stay logged, none after it is written).
# Returns: the last event's sequence number, 0 when the turn is no longer running, -1 when a number
#          does not fit (taken by another event, or not the next).
@dataclass(frozen=True, kw_only=True)
class AppendEvents(Script[int]):
    turn: Key
    events: Key
    bodies: bytes
    """A JSON list of the events' JSON objects (as strings), each without sequence_number."""
    first: int

    SOURCE = """
if redis.call('HGET', K.turn, 'status') ~= RUNNING then return 0 end
local before = tonumber(redis.call('HGET', K.turn, 'seq'))
local seq = before
local n = tonumber(A.first) - 1
for _, event in ipairs(cjson.decode(A.bodies)) do
  n = n + 1
  local body = '{"sequence_number":' .. n .. ',' .. string.sub(event, 2)
  if n <= seq then
    local stored = redis.call('XRANGE', K.events, '0-' .. n, '0-' .. n)
    if not (stored[1] and stored[1][2][2] == body) then n = -1 break end
  elseif n ~= seq + 1 then
    n = -1 break
  else
    redis.call('XADD', K.events, '0-' .. n, 'e', body)
    seq = n
  end
end
if seq > before then redis.call('HSET', K.turn, 'seq', seq) end
return n
"""


# FINISH_TURN: the terminal-once rule. The first caller to move a turn out of `running` records
# the state, appends the single `turn.done`, releases the session lock (only if it still names this
# turn) and starts the retention clock; every later caller (a racing cancel, timeout or executor)
# gets 0 and must not write anything. (Its lease shard's hint goes in a second step, by the caller.)
# With `lapsed_only` = "1" it finishes the turn only if its lease has lapsed (a reaper, or a cancel
# aimed at a dead executor), so a live executor's turn is never finalised behind its back.
# A turn paused for approvals records the tool call ids it waits on (`pending`) in the same step,
# so the next turn's approvals are checked against exactly what the terminal state lists.
# With `after` (a sequence number; "" for none) it finishes the turn only if its log ends there:
# the executor sends its last events (APPEND_EVENTS) and this in one pipeline, and a refused append
# must not be followed by a `turn.done` that hides it.
# Idempotent by the turn id (terminal once) and the caller's token (new for each call, `finished_by`
# on the turn): a repeat after a lost reply writes nothing and returns the sequence number its first
# run got, so the winner still learns it won; any other later caller gets 0.
# Returns: the sequence number of turn.done, 0 when the turn had already ended (or is gone), -1 when
#          the lease was required to have lapsed and has not, -2 when the log does not end at `after`.
@dataclass(frozen=True, kw_only=True)
class FinishTurn(Script[int]):
    turn: Key
    events: Key
    session: Key
    status: str
    state: str
    done_event: str
    """turn.done's JSON without sequence_number."""
    turn_id: str
    retention_seconds: int
    now: str
    lapsed_only: str
    pending: str
    """Pending tool call ids as a JSON list ("" for none)."""
    token: str
    after: str = ""

    SOURCE = (
        _NOW_MS
        + """
local status = redis.call('HGET', K.turn, 'status')
if status ~= RUNNING then
  if status and redis.call('HGET', K.turn, 'finished_by') == A.token then
    return tonumber(redis.call('HGET', K.turn, 'seq'))
  end
  return 0
end
if A.lapsed_only == '1' and tonumber(redis.call('HGET', K.turn, 'lease') or 0) > now then return -1 end
if A.after ~= '' and tonumber(redis.call('HGET', K.turn, 'seq')) ~= tonumber(A.after) then return -2 end
local n = redis.call('HINCRBY', K.turn, 'seq', 1)
redis.call('HSET', K.turn, 'status', A.status, 'state', A.state, 'finished_by', A.token)
redis.call('HDEL', K.turn, 'lease')
if A.pending ~= '' then redis.call('HSET', K.turn, 'pending', A.pending) end
local body = '{"sequence_number":' .. n .. ',' .. string.sub(A.done_event, 2)
redis.call('XADD', K.events, '0-' .. n, 'e', body)
if redis.call('HGET', K.session, 'running') == A.turn_id then
  redis.call('HDEL', K.session, 'running')
  redis.call('HSET', K.session, 'updated_at', A.now)
end
redis.call('EXPIRE', K.turn, A.retention_seconds)
redis.call('EXPIRE', K.events, A.retention_seconds)
return n
"""
    )


# LIVENESS: an executor proves it is alive and listening: with `listening` = "0" (its cancel
# channel's subscription is down) it is not registered, so the entry of one that cannot hear
# cancels lapses within a TTL: on a cluster, where PUBSUB NUMSUB sees one node's subscribers, this
# is the only sign. A draining executor is not registered again (it must not be picked for new turns).
# Housekeeping rides along: members that lapsed over a TTL ago (dead executors) are dropped, and the
# zset expires a TTL after its newest member lapses (when every executor is gone).
# Returns: 1 when registered, 0 otherwise.
@dataclass(frozen=True, kw_only=True)
class Liveness(Script[int]):
    executors: Key
    draining: Key
    executor: str
    ttl_ms: int
    listening: str

    SOURCE = (
        _NOW_MS
        + """
local ttl = tonumber(A.ttl_ms)
local registered = 0
if A.listening == '1' and redis.call('EXISTS', K.draining) == 0 then
  redis.call('ZADD', K.executors, now + ttl, A.executor)
  registered = 1
end
redis.call('ZREMRANGEBYSCORE', K.executors, '-inf', '(' .. (now - ttl))
local newest = redis.call('ZRANGE', K.executors, -1, -1, 'WITHSCORES')
if newest[2] then redis.call('PEXPIREAT', K.executors, tonumber(newest[2]) + ttl) end
return registered
"""
    )


# RENEW_LEASE: extend one running turn's lease, if it is still this executor's and has not lapsed.
# A lease finalised by a reaper (the turn ended) is not resurrected, and one past its expiry belongs
# to the reapers already, so an executor never takes back a turn it may have been fenced from (and a
# reaper that sees a lease lapsed can always finalise it). The answer is the fencing signal: 0 means
# the turn is no longer this executor's to run.
# Returns: 1 when extended, 0 otherwise.
@dataclass(frozen=True, kw_only=True)
class RenewLease(Script[int]):
    turn: Key
    executor: str
    ttl_ms: int

    SOURCE = (
        _NOW_MS
        + """
local f = redis.call('HMGET', K.turn, 'status', 'executor', 'lease')
if f[1] ~= RUNNING or f[2] ~= A.executor or tonumber(f[3] or 0) <= now then return 0 end
redis.call('HSET', K.turn, 'lease', now + tonumber(A.ttl_ms))
return 1
"""
    )


# BY_CLOCK: lease hints of one shard whose expiry has passed, by Redis's clock.
@dataclass(frozen=True, kw_only=True)
class ByClock(Script[list[str]]):
    index: Key
    limit: int

    SOURCE = (
        _NOW_MS
        + """
return redis.call('ZRANGEBYSCORE', K.index, '-inf', '(' .. now, 'LIMIT', 0, tonumber(A.limit))
"""
    )


# CANDIDATES: the executors a new turn may go to, in one round trip: registered, unexpired, and
# listening on their cancel channel (a killed executor's subscription is gone at once, its liveness
# entry only after a TTL). Those that heartbeat recently come first: a frozen (SIGSTOPped) process
# keeps its subscription, so its only sign is a heartbeat that stops coming.
# A channel is `channel_prefix .. id .. channel_suffix`; an executor whose expiry is at least
# `recent_ms` ahead heartbeat recently. With `check_listeners` = "0" (a cluster, where PUBSUB NUMSUB
# sees only its own node's subscribers) liveness alone says it listens: an executor heartbeats only
# while subscribed.
# Returns: {recent ids, other listening ids}
@dataclass(frozen=True, kw_only=True)
class Candidates(Script[list[list[str]]]):
    executors: Key
    limit: int
    channel_prefix: str
    channel_suffix: str
    recent_ms: int
    check_listeners: str

    SOURCE = (
        _NOW_MS
        + """
local ids = redis.call('ZRANGEBYSCORE', K.executors, now, '+inf', 'WITHSCORES', 'LIMIT', 0,
                       tonumber(A.limit))
if #ids == 0 then return {{}, {}} end
local heard = {}
if A.check_listeners == '1' then
  local channels = {}
  for i = 1, #ids, 2 do channels[#channels + 1] = A.channel_prefix .. ids[i] .. A.channel_suffix end
  heard = redis.call('PUBSUB', 'NUMSUB', unpack(channels))
end
local recent, other = {}, {}
for i = 1, #ids, 2 do
  if A.check_listeners ~= '1' or heard[i + 1] > 0 then
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
# Returns: {0, '', 0} when the turn already ended, else {1 + the number of processes that heard the
#          signal, the recorded reason, the log's last sequence number (where to wait from)}.
@dataclass(frozen=True, kw_only=True)
class RequestCancel(Script[list[Any]]):
    turn: Key
    reason: str
    channel: str
    """"" on a cluster: the caller publishes (sharded), the script only records."""
    turn_id: str

    SOURCE = """
if redis.call('HGET', K.turn, 'status') ~= RUNNING then return {0, '', 0} end
redis.call('HSETNX', K.turn, 'cancel', A.reason)
local reason = redis.call('HGET', K.turn, 'cancel')
local seq = tonumber(redis.call('HGET', K.turn, 'seq') or 0)
if A.channel == '' then return {1, reason, seq} end
return {1 + redis.call('PUBLISH', A.channel, A.turn_id .. ' ' .. reason), reason, seq}
"""


# With no turn running: drop the approvals of the turn the caller named (K.turn, A.turn_id) while it
# is still the session's last (a turn started after it is left alone), else name the last turn.
_DROP_IF_LAST = """
local last = redis.call('HGET', K.session, 'last_turn') or ''
if last ~= A.turn_id then return {'moved', last} end
if last ~= '' then redis.call('HDEL', K.turn, 'pending') end
return {'idle'}
"""


# DROP_PENDING: a turn that ended other than cancelled as a session cancel came (it paused for
# approvals meanwhile) has its approvals dropped, in the same step as reading `running`, so a resume
# turn cannot start between the check and the drop and run the calls the cancel meant to drop
# (START_TURN consumes `pending` in its own step). The script drops them only while the turn is still
# the session's last, so a turn started after the cancel is left alone. (With no turn running at
# the cancel, CANCEL_SESSION does this itself.)
# Idempotent as it stands: HDEL of a field already deleted changes nothing, and the answer is the
# session's state at the repeat, which is as current as the first.
# Returns: {"busy", running turn id} (nothing dropped) | {"idle"} | {"moved", last turn id}
@dataclass(frozen=True, kw_only=True)
class DropPending(Script[list[str]]):
    session: Key
    turn: Key
    turn_id: str

    SOURCE = (
        """
local running = redis.call('HGET', K.session, 'running')
if running then return {'busy', running} end
"""
        + _DROP_IF_LAST
    )


# CANCEL_SESSION: a session cancel in one step. With a turn running, REQUEST_CANCEL's work on it
# (record the first reason, push it to the owning executor) plus the log position to wait from, so
# the caller's next command is the blocking read that brings `turn.done`. With none, DROP_PENDING's
# work (drop the last turn's approvals, in the same step as reading `running`, so a resume turn
# cannot start between the check and the drop). The caller names the turn it takes to be the last
# (from the session it loaded); the running turn is always the last one, so a session that moved on
# answers `moved` with the turn to name instead, and nothing is written.
# Idempotent as REQUEST_CANCEL and DROP_PENDING are: a repeat keeps the first reason and publishes
# again (the executor interrupts a turn once); HDEL of a dropped field changes nothing.
# Returns: {"busy", 1 + processes that heard it, recorded reason, log seq} | {"idle"}
#          | {"moved", the session's running or last turn id}
@dataclass(frozen=True, kw_only=True)
class CancelSession(Script[list[Any]]):
    session: Key
    turn: Key
    """The hash of the turn taken to be the last (the session's own key when there is none)."""
    turn_id: str
    """"" when the session has no turn."""
    reason: str
    channel: str
    """The turn's executor's cancel channel; "" on a cluster (the caller publishes, sharded)."""

    SOURCE = (
        """
local running = redis.call('HGET', K.session, 'running')
if running then
  if running ~= A.turn_id then return {'moved', running} end
  if redis.call('HGET', K.turn, 'status') ~= RUNNING then return {'idle'} end
  redis.call('HSETNX', K.turn, 'cancel', A.reason)
  local reason = redis.call('HGET', K.turn, 'cancel')
  local seq = tonumber(redis.call('HGET', K.turn, 'seq') or 0)
  local heard = 1
  if A.channel ~= '' then heard = 1 + redis.call('PUBLISH', A.channel, A.turn_id .. ' ' .. reason) end
  return {'busy', heard, reason, seq}
end
"""
        + _DROP_IF_LAST
    )


# DELETE_SESSION: mark the session unusable and report its running turn in the same step, so no
# turn can start between the check and the mark (START_TURN refuses a deleted session). Its index
# entries go in a second step, by the caller (a listing drops any it finds left over).
# Idempotent by the call's time: `deleted` holds it, so a repeat after a lost reply (same ARGV) answers
# `ok` with the running turn again (its caller still has to cancel it) rather than "already deleted".
# Returns: {"missing"} | {"deleted"} | {"ok", running_turn_id or ""}
@dataclass(frozen=True, kw_only=True)
class DeleteSession(Script[list[str]]):
    session: Key
    retention_seconds: int
    now: str

    SOURCE = """
if redis.call('EXISTS', K.session) == 0 then return {'missing'} end
local deleted = redis.call('HGET', K.session, 'deleted')
if deleted == A.now then return {'ok', redis.call('HGET', K.session, 'running') or ''} end
if deleted then return {'deleted'} end
redis.call('HSET', K.session, 'deleted', A.now, 'updated_at', A.now)
redis.call('EXPIRE', K.session, A.retention_seconds)
return {'ok', redis.call('HGET', K.session, 'running') or ''}
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
    Deliver,
    LeaseHint,
    AppendEvents,
    FinishTurn,
    Liveness,
    RenewLease,
    ByClock,
    Candidates,
    RequestCancel,
    CancelSession,
    DropPending,
    DeleteSession,
    SaveHistory,
    CreateAgent,
    ReplaceAgent,
)


class Batch:
    """Commands for one pipeline: scripts by their typed call, anything else on `pipe`."""

    def __init__(self, pipe: Pipeline, registered: dict[type[Script[Any]], AsyncScript]) -> None:
        self.pipe = pipe
        self._registered = registered

    def script(self, call: Script[Any]) -> None:
        keys = call.keys()
        # As a plain command: a cluster pipeline refuses `.evalsha()` but routes EVALSHA by its keys.
        self.pipe.execute_command("EVALSHA", self._registered[type(call)].sha, len(keys), *keys, *call.args())


class Scripts:
    """The scripts registered on one Redis client; `run` calls one by its typed call, `pipelined`
    sends several (and other commands) in one round trip."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._registered: dict[type[Script[Any]], AsyncScript] = {
            cls: redis.register_script(cls.lua()) for cls in ALL
        }

    async def run(self, call: Script[R]) -> R:
        script = self._registered[type(call)]
        return cast(R, await script(keys=call.keys(), args=call.args()))

    async def pipelined(self, build: Callable[[Batch], None]) -> list[Any]:
        """One round trip for what `build` queues. redis-py's own pipelined scripts cost a second one
        (SCRIPT EXISTS before every pipeline), so scripts go as plain EVALSHA; a NOSCRIPT (Redis
        restarted, or its scripts flushed) loads them all and sends the batch again. Every script a
        batch holds is safe to repeat (store/lua.py's idempotence notes; ARCHITECTURE.md)."""
        for attempt in range(2):
            async with self._redis.pipeline(transaction=False) as pipe:
                build(Batch(pipe, self._registered))
                replies: list[Any] = await pipe.execute(raise_on_error=False)
            if attempt == 0 and any(isinstance(reply, NoScriptError) for reply in replies):
                for script in self._registered.values():
                    await self._redis.script_load(script.script)
                continue
            for reply in replies:
                if isinstance(reply, Exception):
                    raise reply
            break
        return replies
