"""Every Lua script the harness runs, each closing one race.

EVAL scripts (not Redis 7 Functions) so the embedded redis 6.2 and a production Redis run the same
code. redis-py's `Script` loads each by SHA and falls back to EVAL on NOSCRIPT.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

# Redis's clock in milliseconds: leases must be judged by one clock, not each machine's.
_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

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
# KEYS: 1 session hash, 2 turn hash, 3 turn event stream, 4 executor inbox stream, 5 leases zset,
#       6 parent turn hash (the new turn's own hash for a root turn), 7 executor draining key,
#       8 the agent's session index, 9 the session owner's session index
# ARGV: 1 turn id, 2 turn doc JSON, 3 turn.created event JSON (sequence_number 1),
#       4 expected last_turn ("" for none), 5 now (ISO), 6 executor id, 7 tenant,
#       8 session retention seconds, 9 lease member, 10 lease ms, 11 executor consumer group,
#       12 the parent's pending JSON as checked ("" for none), 13 "1" to consume it,
#       14 the parent turn id ("" for a root turn), 15 the executor's cancel channel,
#       16 the request's W3C trace context as JSON ("" or absent when not tracing; server/tracing.py)
# Returns: {"ok"} | {"missing"} | {"deleted"} | {"busy", running_turn_id} | {"moved", last_turn}
#          | {"stale"} (the parent's pending approvals changed) | {"draining"} | {"gone"} (the
#          executor does not listen)
START_TURN = (
    _NOW_MS
    + """
if redis.call('EXISTS', KEYS[2]) == 1 then return {'ok'} end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
if redis.call('HGET', KEYS[1], 'deleted') then return {'deleted'} end
local running = redis.call('HGET', KEYS[1], 'running')
if running then return {'busy', running} end
local last = redis.call('HGET', KEYS[1], 'last_turn') or ''
if last ~= ARGV[4] then return {'moved', last} end
if (redis.call('HGET', KEYS[6], 'pending') or '') ~= ARGV[12] then return {'stale'} end
if redis.call('EXISTS', KEYS[7]) == 1 then return {'draining'} end
if redis.call('PUBSUB', 'NUMSUB', ARGV[15])[2] == 0 then return {'gone'} end
if ARGV[13] == '1' then redis.call('HDEL', KEYS[6], 'pending') end
redis.call('HSET', KEYS[1], 'running', ARGV[1], 'last_turn', ARGV[1], 'updated_at', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('EXPIRE', KEYS[8], ARGV[8])
redis.call('EXPIRE', KEYS[9], ARGV[8])
redis.call('HSET', KEYS[2], 'doc', ARGV[2], 'status', 'running', 'state', '{"status":"running"}',
           'seq', 1, 'executor', ARGV[6], 'prev', ARGV[14])
if (ARGV[16] or '') ~= '' then redis.call('HSET', KEYS[2], 'trace', ARGV[16]) end
redis.call('XADD', KEYS[3], '0-1', 'e', ARGV[3])
-- The executor's consumer group may be gone (a flushed or restarted Redis): recreate it, or the
-- entry would wait for a group nobody reads. pcall: BUSYGROUP when it exists is the usual case.
redis.pcall('XGROUP', 'CREATE', KEYS[4], ARGV[11], '0', 'MKSTREAM')
redis.call('XADD', KEYS[4], '*', 'tenant', ARGV[7], 'turn', ARGV[1])
redis.call('ZADD', KEYS[5], now + tonumber(ARGV[10]), ARGV[9])
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
# KEYS: 1 turn hash, 2 turn event stream
# ARGV: 1 event JSON object without sequence_number, 2 the sequence number it is to get
# Returns: the sequence number, 0 when the turn is no longer running, -1 when the number does not fit
#          (taken by another event, or not the next).
APPEND_EVENT = """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
local n = tonumber(ARGV[2])
local body = '{"sequence_number":' .. n .. ',' .. string.sub(ARGV[1], 2)
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq'))
if n <= seq then
  local stored = redis.call('XRANGE', KEYS[2], '0-' .. n, '0-' .. n)
  if stored[1] and stored[1][2][2] == body then return n end
  return -1
end
if n ~= seq + 1 then return -1 end
redis.call('HSET', KEYS[1], 'seq', n)
redis.call('XADD', KEYS[2], '0-' .. n, 'e', body)
return n
"""

# FINISH_TURN: the terminal-once rule. The first caller to move a turn out of `running` records
# the state, appends the single `turn.done`, releases the session lock (only if it still names this
# turn) and starts the retention clock; every later caller (a racing cancel, timeout or executor)
# gets 0 and must not write anything.
# With ARGV[8] = "1" it finishes the turn only if its lease has lapsed (a reaper, or a cancel
# aimed at a dead executor), so a live executor's turn is never finalised behind its back.
# A turn paused for approvals records the tool call ids it waits on (`pending`) in the same step,
# so the next turn's approvals are checked against exactly what the terminal state lists.
# Idempotent by the turn id (terminal once) and the caller's token (new for each call, `finished_by`
# on the turn): a repeat after a lost reply writes nothing and returns the sequence number its first
# run got, so the winner still learns it won; any other later caller gets 0.
# KEYS: 1 turn hash, 2 turn event stream, 3 session hash, 4 leases zset
# ARGV: 1 status, 2 state JSON, 3 turn.done event JSON without sequence_number, 4 turn id,
#       5 retention seconds, 6 now (ISO), 7 lease member, 8 "1" to require a lapsed lease,
#       9 pending tool call ids as a JSON list ("" for none), 10 the caller's token
# Returns: the sequence number of turn.done, 0 when the turn had already ended, -1 when the lease
#          was required to have lapsed and has not.
FINISH_TURN = (
    _NOW_MS
    + """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'running' then
  redis.call('ZREM', KEYS[4], ARGV[7])
  if status and redis.call('HGET', KEYS[1], 'finished_by') == ARGV[10] then
    return tonumber(redis.call('HGET', KEYS[1], 'seq'))
  end
  return 0
end
if ARGV[8] == '1' then
  local expiry = redis.call('ZSCORE', KEYS[4], ARGV[7])
  if expiry and tonumber(expiry) > now then return -1 end
end
local n = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'state', ARGV[2], 'finished_by', ARGV[10])
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'pending', ARGV[9]) end
local body = '{"sequence_number":' .. n .. ',' .. string.sub(ARGV[3], 2)
redis.call('XADD', KEYS[2], '0-' .. n, 'e', body)
if redis.call('HGET', KEYS[3], 'running') == ARGV[4] then
  redis.call('HDEL', KEYS[3], 'running')
  redis.call('HSET', KEYS[3], 'updated_at', ARGV[6])
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('ZREM', KEYS[4], ARGV[7])
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
# KEYS: 1 executors zset, 2 leases zset, 3 executor draining key, 4 executor inbox stream
# ARGV: 1 executor id, 2 ttl ms, 3 inbox retention seconds, 4.. lease members of its running turns
# Returns: the lease members it extended (the others are gone: their turns are not this executor's).
HEARTBEAT = (
    _NOW_MS
    + """
local ttl = tonumber(ARGV[2])
local expiry = now + ttl
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('ZADD', KEYS[1], expiry, ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - ttl))
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then redis.call('PEXPIREAT', KEYS[1], tonumber(newest[2]) + ttl) end
redis.call('EXPIRE', KEYS[4], ARGV[3])
local renewed = {}
for i = 4, #ARGV do
  local held = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if held and tonumber(held) > now then
    redis.call('ZADD', KEYS[2], 'XX', expiry, ARGV[i])
    renewed[#renewed + 1] = ARGV[i]
  end
end
return renewed
"""
)

# BY_CLOCK: lease members whose expiry has passed, by Redis's clock.
# KEYS: 1 leases zset
# ARGV: 1 limit
# Returns: the members.
BY_CLOCK = (
    _NOW_MS
    + """
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, tonumber(ARGV[1]))
"""
)

# CANDIDATES: the executors a new turn may go to, in one round trip: registered, unexpired, and
# listening on their cancel channel (a killed executor's subscription is gone at once, its liveness
# entry only after a TTL). Those that heartbeat recently come first: a frozen (SIGSTOPped) process
# keeps its subscription, so its only sign is a heartbeat that stops coming.
# KEYS: 1 executors zset
# ARGV: 1 limit, 2 cancel channel prefix, 3 cancel channel suffix (channel = prefix .. id .. suffix),
#       4 ms: an executor whose expiry is at least this far ahead heartbeat recently
# Returns: {recent ids, other listening ids}
CANDIDATES = (
    _NOW_MS
    + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
if #ids == 0 then return {{}, {}} end
local channels = {}
for i = 1, #ids, 2 do channels[#channels + 1] = ARGV[2] .. ids[i] .. ARGV[3] end
local heard = redis.call('PUBSUB', 'NUMSUB', unpack(channels))
local recent, other = {}, {}
for i = 1, #ids, 2 do
  if heard[i + 1] > 0 then
    if tonumber(ids[i + 1]) >= now + tonumber(ARGV[4]) then
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
# KEYS: 1 turn hash
# ARGV: 1 reason, 2 executor cancel channel, 3 turn id
# Returns: 0 when the turn already ended, else 1 + the number of processes that heard the signal.
REQUEST_CANCEL = """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSETNX', KEYS[1], 'cancel', ARGV[1])
local reason = redis.call('HGET', KEYS[1], 'cancel')
return 1 + redis.call('PUBLISH', ARGV[2], ARGV[3] .. ' ' .. reason)
"""

# DROP_PENDING: a session cancel that finds no turn running drops the approvals its last turn waits
# on, in the same step as reading `running`, so a resume turn cannot start between the check and the
# drop and run the calls the cancel meant to drop (START_TURN consumes `pending` in its own step).
# Given a turn id, only that turn's, if it is still the last: a turn that paused just before the
# cancel reached it loses its approvals too, but a turn started after the cancel is left alone.
# Idempotent as it stands: HDEL of a field already deleted changes nothing, and the answer is the
# session's state at the repeat, which is as current as the first.
# KEYS: 1 session hash
# ARGV: 1 turn key prefix, 2 turn id ("" for the session's last turn)
# Returns: {"running", turn id} (nothing dropped) | {"idle"}
DROP_PENDING = """
local running = redis.call('HGET', KEYS[1], 'running')
if running then return {'running', running} end
local last = redis.call('HGET', KEYS[1], 'last_turn')
if last and (ARGV[2] == '' or ARGV[2] == last) then redis.call('HDEL', ARGV[1] .. last, 'pending') end
return {'idle'}
"""

# DELETE_SESSION: mark the session unusable and report its running turn in the same step, so no
# turn can start between the check and the mark (START_TURN refuses a deleted session). Its index
# entries go too: a listing never shows a deleted session, so it need not read past them.
# Idempotent by the call's time: `deleted` holds it, so a repeat after a lost reply (same ARGV) answers
# `ok` with the running turn again (its caller still has to cancel it) rather than "already deleted".
# KEYS: 1 session hash, 2 the agent's session index, 3 the session owner's session index
# ARGV: 1 retention seconds for the tombstone, 2 now (ISO), 3 session id
# Returns: {"missing"} | {"deleted"} | {"ok", running_turn_id or ""}
DELETE_SESSION = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local deleted = redis.call('HGET', KEYS[1], 'deleted')
if deleted == ARGV[2] then return {'ok', redis.call('HGET', KEYS[1], 'running') or ''} end
if deleted then return {'deleted'} end
redis.call('HSET', KEYS[1], 'deleted', ARGV[2], 'updated_at', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
return {'ok', redis.call('HGET', KEYS[1], 'running') or ''}
"""

# HISTORY_CHAIN: a turn's ancestry in one round trip instead of one per turn (a session's
# history is read before every model turn, so the walk would grow with the session's length).
# It follows each turn's `prev` (the parent START_TURN recorded) and builds the parent's key from
# the prefix: keys a script did not receive as KEYS are fine on the standalone Redis of each zone
# (the harness does not run on Redis Cluster).
# KEYS: 1 the newest turn's hash
# ARGV: 1 that turn's id, 2 the turn key prefix, 3 the most turns to return
# Returns: newest first, three items per turn: id, status, history digest ("" when not made yet);
#          the walk stops at a root turn or at a turn that expired.
HISTORY_CHAIN = """
local out = {}
local id, key = ARGV[1], KEYS[1]
for _ = 1, tonumber(ARGV[3]) do
  local f = redis.call('HMGET', key, 'status', 'history', 'prev')
  if not f[1] then break end
  out[#out + 1] = id
  out[#out + 1] = f[1]
  out[#out + 1] = f[2] or ''
  if not f[3] or f[3] == '' then break end
  id, key = f[3], ARGV[2] .. f[3]
end
return out
"""

# SAVE_HISTORY: keep a finished turn's history digest beside it. Only an ended turn's log is
# final (nothing follows `turn.done`); a turn that expired meanwhile is not recreated without its
# TTL. HSETNX: two executors deriving it at once store the same value once.
# KEYS: 1 turn hash
# ARGV: 1 digest JSON
# Returns: 1 when stored, 0 otherwise.
SAVE_HISTORY = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'running' then return 0 end
return redis.call('HSETNX', KEYS[1], 'history', ARGV[1])
"""

# CREATE_AGENT: register a name only if it is free, with its index entry, so two creates of one
# name cannot both succeed (the loser gets 409).
# Idempotent by its content and time: a repeat after a lost reply finds the agent exactly as it made
# it (version 1, same manifest, creator and time) and answers "created" again, not "taken".
# KEYS: 1 agent hash, 2 agents index zset
# ARGV: 1 name, 2 manifest JSON, 3 creator subject JSON, 4 now (ISO)
# Returns: 1 when created, 0 when the name is taken.
CREATE_AGENT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  local f = redis.call('HMGET', KEYS[1], 'version', 'manifest', 'created_by', 'created_at')
  if f[1] == '1' and f[2] == ARGV[2] and f[3] == ARGV[3] and f[4] == ARGV[4] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'version', 1, 'manifest', ARGV[2], 'created_by', ARGV[3],
           'created_at', ARGV[4], 'updated_at', ARGV[4])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1
"""

# REPLACE_AGENT: bump the version and store the manifest only if the agent still exists, so a
# replace racing a delete cannot resurrect it.
# Idempotent by its content and time: a repeat after a lost reply finds its own manifest and time
# and returns the version it made, instead of counting the one replace twice.
# KEYS: 1 agent hash
# ARGV: 1 manifest JSON, 2 now (ISO)
# Returns: the new version, or 0 when the agent does not exist.
REPLACE_AGENT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local f = redis.call('HMGET', KEYS[1], 'manifest', 'updated_at', 'version')
if f[1] == ARGV[1] and f[2] == ARGV[2] then return tonumber(f[3]) end
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'manifest', ARGV[1], 'updated_at', ARGV[2])
return v
"""


class Scripts:
    """The scripts registered on one Redis client."""

    def __init__(self, redis: Redis) -> None:
        self.start_turn: AsyncScript = redis.register_script(START_TURN)
        self.append_event: AsyncScript = redis.register_script(APPEND_EVENT)
        self.finish_turn: AsyncScript = redis.register_script(FINISH_TURN)
        self.heartbeat: AsyncScript = redis.register_script(HEARTBEAT)
        self.by_clock: AsyncScript = redis.register_script(BY_CLOCK)
        self.candidates: AsyncScript = redis.register_script(CANDIDATES)
        self.request_cancel: AsyncScript = redis.register_script(REQUEST_CANCEL)
        self.delete_session: AsyncScript = redis.register_script(DELETE_SESSION)
        self.drop_pending: AsyncScript = redis.register_script(DROP_PENDING)
        self.history_chain: AsyncScript = redis.register_script(HISTORY_CHAIN)
        self.save_history: AsyncScript = redis.register_script(SAVE_HISTORY)
        self.create_agent: AsyncScript = redis.register_script(CREATE_AGENT)
        self.replace_agent: AsyncScript = redis.register_script(REPLACE_AGENT)
