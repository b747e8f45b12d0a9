"""Every Redis key and channel name the harness uses, in one place.

Layout (all strings; `{t}` tenant, `{s}` session id, `{u}` turn id, `{e}` executor id):

    ah:{t}:agent:{name}                 hash   version, manifest, created_by, created_at, updated_at
    ah:{t}:agents                       zset   agent names (score 0, lexicographic)
    ah:{t}:session:{s}                  hash   doc, owner, manifest, updated_at, last_turn, running, deleted
    ah:{t}:agent-sessions:{name}        zset   session ids of an agent (score 0: ULID order = creation order)
    ah:{t}:agent-sessions:{name}:by:{o} zset   the same, for one owner subject id
    ah:{t}:turn:{u}                     hash   doc, status, state, seq, executor, prev (parent turn id),
                                               cancel, pending, history (its part of the conversation)
    ah:{t}:turn:{u}:events              stream entry id `0-<sequence_number>`, field `e` = event JSON
    ah:_:executors                      zset   executor id -> liveness expiry (Redis TIME, ms)
    ah:_:leases                         zset   `{t}/{u}` of every running turn -> lease expiry (ms)
    ah:_:executor:{e}:inbox             stream turns assigned to that executor (fields tenant, turn),
                                               read by consumer group `executor`
    ah:_:executor:{e}:cancel            pub/sub channel: turn ids to cancel now
    ah:_:executor:{e}:draining          string set while that executor shuts down: it takes no new turns

Keys shared by all tenants live under `ah:_:`. A tenant name starts with `[a-z0-9]` (TENANT in
server/tenancy.py), so no tenant's `ah:{t}:` can equal or prefix a global key, nor the reverse.

Lifetimes: the agent registry (`agent`, `agents`) is kept until deleted; a running turn's hash and
log, and `leases`, are kept until the turn ends (a reaper ends it when its executor dies), then the
turn's keys get the event retention. Every other key expires: sessions and their indexes with the
session retention (refreshed by each write), `executors` shortly after its last member lapsed (each
HEARTBEAT prunes members lapsed for over a TTL), an inbox `executor_inbox_retention_seconds` after
its executor's last heartbeat, `draining` after the shutdown grace period.

Every time in a lease or liveness score is Redis's own clock (TIME inside the scripts), so API
replicas and executors on different machines agree on expiry whatever their clocks say.
"""

from __future__ import annotations

PREFIX = "ah"
GLOBAL = f"{PREFIX}:_"
"""Where keys shared by all tenants live: `_` cannot begin a tenant name."""


def agent(tenant: str, name: str) -> str:
    return f"{PREFIX}:{tenant}:agent:{name}"


def agents(tenant: str) -> str:
    return f"{PREFIX}:{tenant}:agents"


def session(tenant: str, session_id: str) -> str:
    return f"{PREFIX}:{tenant}:session:{session_id}"


def agent_sessions(tenant: str, agent_name: str) -> str:
    return f"{PREFIX}:{tenant}:agent-sessions:{agent_name}"


def agent_sessions_of(tenant: str, agent_name: str, owner: str) -> str:
    return f"{agent_sessions(tenant, agent_name)}:by:{owner}"


def turn_prefix(tenant: str) -> str:
    """What a turn hash's key is before the turn id: the history script walks a chain with it."""
    return f"{PREFIX}:{tenant}:turn:"


def turn(tenant: str, turn_id: str) -> str:
    return f"{turn_prefix(tenant)}{turn_id}"


def turn_events(tenant: str, turn_id: str) -> str:
    return f"{turn(tenant, turn_id)}:events"


def executors() -> str:
    return f"{GLOBAL}:executors"


def leases() -> str:
    return f"{GLOBAL}:leases"


def lease_member(tenant: str, turn_id: str) -> str:
    # Tenants match `[a-z0-9._-]` and turn ids `[a-z0-9.]`, so `/` separates them unambiguously.
    return f"{tenant}/{turn_id}"


def parse_lease_member(member: str) -> tuple[str, str]:
    tenant, _, turn_id = member.partition("/")
    return tenant, turn_id


EXECUTOR_GROUP = "executor"


def executor_inbox(executor_id: str) -> str:
    return f"{GLOBAL}:executor:{executor_id}:inbox"


def executor_cancel_channel(executor_id: str) -> str:
    return f"{GLOBAL}:executor:{executor_id}:cancel"


# (prefix, suffix) of every executor's cancel channel, for a script that names them all
# (executor ids are `[a-z0-9]`, so `|` marks the id's place unambiguously).
_before, _, _after = executor_cancel_channel("|").partition("|")
EXECUTOR_CANCEL_CHANNEL: tuple[str, str] = (_before, _after)


def executor_draining(executor_id: str) -> str:
    return f"{GLOBAL}:executor:{executor_id}:draining"


def event_stream_id(sequence_number: int) -> str:
    """Stream entry id of an event: the sequence number is the entry id, so XRANGE resumes exactly."""
    return f"0-{sequence_number}"


def sequence_of(stream_id: str) -> int:
    return int(stream_id.split("-", 1)[1])
