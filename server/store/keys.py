"""Every Redis key and channel name the harness uses, in one place.

Layout (`{t}` tenant, `{s}` session id, `{u}` turn id, `{e}` executor id; `{...}` in the keys
below are literal braces: Redis Cluster's hash tags, so every key one script touches is in one slot):

    ah:<t>:{<s>}:session                 hash   doc, owner, manifest, updated_at, last_turn, running, deleted
    ah:<t>:{<s>}:turn:<u>                hash   doc, status, state, seq, executor, lease, prev, ancestry,
                                                cancel, pending, history, finished_by, trace
    ah:<t>:{<s>}:turn:<u>:events         stream entry id `0-<sequence_number>`, field `e` = event JSON
    ah:{<t>}:agent:<name>                hash   version, manifest, created_by, created_at, updated_at
    ah:{<t>}:agents                      zset   agent names (score 0, lexicographic)
    ah:{<t>}:agent-sessions:<name>       zset   session ids of an agent (score 0: ULID order = creation order)
    ah:{<t>}:agent-sessions:<name>:by:<o> zset  the same, for one owner subject id
    ah:_:{executors}                     zset   executor id -> liveness expiry (Redis TIME, ms)
    ah:_:{executors}:draining:<e>        string set while that executor shuts down: not registered again
    ah:_:{leases:<k>}                    zset   `t/s/u` of running turns -> lease expiry hint (ms),
                                                k < LEASE_SHARDS
    ah:_:{x:<e>}:inbox                   stream turns assigned to that executor (fields tenant, session,
                                                turn), read by consumer group `executor`
    ah:_:executor:<e>:cancel             pub/sub channel: turn ids to cancel now

Slots: a session's hash, its turns and their logs share the session's slot; the agent registry and
the session indexes the tenant's; liveness and draining marks one slot; each lease shard and each
executor's inbox a slot of its own. Writes that span two slots are two steps (ARCHITECTURE.md,
"Two-step writes").

Keys shared by all tenants live under `ah:_:`. A tenant name starts with `[a-z0-9]` (TENANT in
server/tenancy.py), so no tenant's `ah:<t>:` or `ah:{<t>}:` can equal or prefix a global key.

Every time in a lease or liveness score is Redis's own clock (TIME inside the scripts), so API
replicas and executors on different machines agree on expiry whatever their clocks say.
"""

from __future__ import annotations

import zlib

PREFIX = "ah"
GLOBAL = f"{PREFIX}:_"
"""Where keys shared by all tenants live: `_` cannot begin a tenant name."""


def _tenant_tag(tenant: str) -> str:
    return f"{PREFIX}:{{{tenant}}}"


def agent(tenant: str, name: str) -> str:
    return f"{_tenant_tag(tenant)}:agent:{name}"


def agents(tenant: str) -> str:
    return f"{_tenant_tag(tenant)}:agents"


def agent_sessions(tenant: str, agent_name: str) -> str:
    return f"{_tenant_tag(tenant)}:agent-sessions:{agent_name}"


def agent_sessions_of(tenant: str, agent_name: str, owner: str) -> str:
    return f"{agent_sessions(tenant, agent_name)}:by:{owner}"


def _session_tag(tenant: str, session_id: str) -> str:
    return f"{PREFIX}:{tenant}:{{{session_id}}}"


def session(tenant: str, session_id: str) -> str:
    return f"{_session_tag(tenant, session_id)}:session"


def turn(tenant: str, session_id: str, turn_id: str) -> str:
    return f"{_session_tag(tenant, session_id)}:turn:{turn_id}"


def turn_events(tenant: str, session_id: str, turn_id: str) -> str:
    return f"{turn(tenant, session_id, turn_id)}:events"


def executors() -> str:
    return f"{GLOBAL}:{{executors}}"


def executor_draining(executor_id: str) -> str:
    return f"{executors()}:draining:{executor_id}"


LEASE_SHARDS = 8
"""How many zsets the lease index is spread over: each is one slot, so on a cluster the reapers'
scans and the index writes spread over as many nodes (a reaper reads every shard each period)."""


def lease_shard(session_id: str) -> int:
    return zlib.crc32(session_id.encode()) % LEASE_SHARDS


def lease_index(shard: int) -> str:
    return f"{GLOBAL}:{{leases:{shard}}}"


def lease_index_of(session_id: str) -> str:
    return lease_index(lease_shard(session_id))


def lease_member(tenant: str, session_id: str, turn_id: str) -> str:
    # Tenants match `[a-z0-9._-]`, session and turn ids `[a-z0-9.]`: `/` separates them unambiguously.
    return f"{tenant}/{session_id}/{turn_id}"


def parse_lease_member(member: str) -> tuple[str, str, str]:
    tenant, session_id, turn_id = member.split("/", 2)
    return tenant, session_id, turn_id


EXECUTOR_GROUP = "executor"


def executor_inbox(executor_id: str) -> str:
    return f"{GLOBAL}:{{x:{executor_id}}}:inbox"


def executor_cancel_channel(executor_id: str) -> str:
    return f"{GLOBAL}:executor:{executor_id}:cancel"


# (prefix, suffix) of every executor's cancel channel, for a script that names them all
# (executor ids are `[a-z0-9]`, so `|` marks the id's place unambiguously).
_before, _, _after = executor_cancel_channel("|").partition("|")
EXECUTOR_CANCEL_CHANNEL: tuple[str, str] = (_before, _after)


def event_stream_id(sequence_number: int) -> str:
    """Stream entry id of an event: the sequence number is the entry id, so XRANGE resumes exactly."""
    return f"0-{sequence_number}"


def sequence_of(stream_id: str) -> int:
    return int(stream_id.split("-", 1)[1])
