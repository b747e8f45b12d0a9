"""server/store/keys.py: tenant data lives under tenant-scoped keys; no two tenants ever share one;
and every script's keys share one hash slot, as the store calls it against a real Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.cluster import key_slot

from server import ids
from server.store import agents as agent_store
from server.store import executors, keys, lua
from server.store import sessions as session_store
from server.store import turns as turn_store
from server.store.redis import Store, Zone, connect
from server.tenancy import TENANT
from testkit.redis_clients import TEST_REDIS_URL as REDIS_URL

SESSION_ID = "01arz3ndektsv4rrffq69g5fav.g"
TURN_ID = "01arz3ndektsv4rrffq69g5fav.g.ab12cd"

# Every tenant-scoped key, as a function of the tenant, for fixed ids.
TENANT_KEYS: dict[str, Callable[[str], str]] = {
    "agent": lambda t: keys.agent(t, "support-bot"),
    "agents": lambda t: keys.agents(t),
    "session": lambda t: keys.session(t, SESSION_ID),
    "agent_sessions": lambda t: keys.agent_sessions(t, "support-bot"),
    "agent_sessions_of": lambda t: keys.agent_sessions_of(t, "support-bot", "user-1"),
    "turn": lambda t: keys.turn(t, SESSION_ID, TURN_ID),
    "turn_events": lambda t: keys.turn_events(t, SESSION_ID, TURN_ID),
}

tenants = st.from_regex(TENANT, fullmatch=True)


@pytest.mark.parametrize("kind", sorted(TENANT_KEYS))
def test_same_id_in_two_tenants_gets_two_keys(kind: str) -> None:
    key_of = TENANT_KEYS[kind]
    assert key_of("acme") != key_of("globex")


@given(a=tenants, b=tenants)
@settings(max_examples=200, deadline=None)
def test_no_key_of_one_tenant_is_a_key_of_another(a: str, b: str) -> None:
    keys_a = {key_of(a) for key_of in TENANT_KEYS.values()}
    keys_b = {key_of(b) for key_of in TENANT_KEYS.values()}
    assert (keys_a == keys_b) is (a == b)
    if a != b:
        assert not keys_a & keys_b


@given(tenant=tenants)
@settings(max_examples=100, deadline=None)
def test_the_tenant_of_a_key_can_be_read_back(tenant: str) -> None:
    for key_of in TENANT_KEYS.values():
        prefix, owner, _ = key_of(tenant).split(":", 2)
        assert (prefix, owner.removeprefix("{").removesuffix("}")) == (keys.PREFIX, tenant)


def test_different_kinds_of_data_never_share_a_key() -> None:
    all_keys = [key_of("acme") for key_of in TENANT_KEYS.values()]
    assert len(set(all_keys)) == len(all_keys)


def test_different_ids_get_different_keys() -> None:
    other_turn = "01arz3ndektsv4rrffq69g5fav.g.zz99"
    assert keys.turn("acme", SESSION_ID, TURN_ID) != keys.turn("acme", SESSION_ID, other_turn)
    assert keys.turn_events("acme", SESSION_ID, TURN_ID) != keys.turn_events("acme", SESSION_ID, other_turn)
    assert keys.turn("acme", SESSION_ID, TURN_ID) != keys.turn(
        "acme", "01arz3ndektsv4rrffq69g5fzz.g", TURN_ID
    )
    assert keys.agent_sessions_of("acme", "bot", "u1") != keys.agent_sessions_of("acme", "bot", "u2")
    assert keys.agent_sessions_of("acme", "bot", "u1") != keys.agent_sessions("acme", "bot")


def test_executor_keys_are_shared_by_all_tenants_and_per_executor() -> None:
    assert keys.executor_inbox("ab12cd") != keys.executor_inbox("zz99")
    assert keys.executor_cancel_channel("ab12cd") != keys.executor_inbox("ab12cd")
    assert keys.executors().startswith(f"{keys.PREFIX}:")


@pytest.mark.parametrize("sequence_number", [1, 2, 10, 999_999_999_999_999_999])
def test_event_stream_ids_round_trip_to_the_sequence_number(sequence_number: int) -> None:
    stream_id = keys.event_stream_id(sequence_number)
    assert stream_id == f"0-{sequence_number}"
    assert keys.sequence_of(stream_id) == sequence_number


# Every key (and channel) shared by all tenants, as a function of an executor id.
GLOBAL_KEYS: dict[str, Callable[[str], str]] = {
    "executors": lambda e: keys.executors(),
    "leases": lambda e: keys.lease_index(keys.LEASE_SHARDS - 1),
    "executor_inbox": keys.executor_inbox,
    "executor_cancel_channel": keys.executor_cancel_channel,
    "executor_draining": keys.executor_draining,
}

executor_ids = st.from_regex(r"^[a-z0-9]{1,32}$", fullmatch=True)
any_id = st.text(min_size=1, max_size=40)


@given(tenant=tenants, executor=executor_ids, name=any_id, owner=any_id, other=any_id)
@settings(max_examples=300, deadline=None)
def test_no_tenant_key_equals_or_prefixes_a_global_key(
    tenant: str, executor: str, name: str, owner: str, other: str
) -> None:
    """Whatever the ids inside them, so a SCAN or a prefix of one kind never reaches the other."""
    tenant_keys = [
        keys.agent(tenant, name),
        keys.agents(tenant),
        keys.session(tenant, other),
        keys.agent_sessions(tenant, name),
        keys.agent_sessions_of(tenant, name, owner),
        keys.turn(tenant, other, other),
        keys.turn_events(tenant, other, other),
    ]
    for global_key in (key_of(executor) for key_of in GLOBAL_KEYS.values()):
        for tenant_key in tenant_keys:
            assert not global_key.startswith(tenant_key), (global_key, tenant_key)
            assert not tenant_key.startswith(global_key), (tenant_key, global_key)


@pytest.mark.parametrize("tenant", ["executor", "executors", "leases", "_", "ah"])
def test_tenants_named_like_global_keys_do_not_meet_them(tenant: str) -> None:
    # `_` is no tenant (the name must start with a letter or digit); the others once collided.
    global_keys = {key_of("ab12cd") for key_of in GLOBAL_KEYS.values()}
    for key_of in TENANT_KEYS.values():
        key = key_of(tenant)
        assert key not in global_keys
        assert not any(key.startswith(g) or g.startswith(key) for g in global_keys)
    assert (TENANT.fullmatch(tenant) is None) is (tenant == "_")


def test_global_keys_live_in_a_namespace_no_tenant_can_name() -> None:
    namespace = keys.GLOBAL.removeprefix(f"{keys.PREFIX}:")
    assert TENANT.fullmatch(namespace) is None
    for key_of in GLOBAL_KEYS.values():
        assert key_of("ab12cd").startswith(f"{keys.GLOBAL}:")


def test_the_cancel_channel_parts_rebuild_every_channel() -> None:
    prefix, suffix = keys.EXECUTOR_CANCEL_CHANNEL
    assert f"{prefix}ab12cd{suffix}" == keys.executor_cancel_channel("ab12cd")


def test_a_lease_member_names_its_turn_and_reads_back() -> None:
    member = keys.lease_member("acme", SESSION_ID, TURN_ID)
    assert keys.parse_lease_member(member) == ("acme", SESSION_ID, TURN_ID)
    assert 0 <= keys.lease_shard(SESSION_ID) < keys.LEASE_SHARDS


def test_a_sessions_keys_share_its_slot_and_the_registry_its_tenants() -> None:
    session_slot = {
        key_slot(k.encode())
        for k in (
            keys.session("acme", SESSION_ID),
            keys.turn("acme", SESSION_ID, TURN_ID),
            keys.turn_events("acme", SESSION_ID, TURN_ID),
        )
    }
    tenant_slot = {
        key_slot(k.encode())
        for k in (
            keys.agent("acme", "bot"),
            keys.agents("acme"),
            keys.agent_sessions("acme", "bot"),
            keys.agent_sessions_of("acme", "bot", "u1"),
        )
    }
    assert len(session_slot) == 1
    assert len(tenant_slot) == 1
    assert key_slot(keys.executors().encode()) == key_slot(keys.executor_draining("ab12cd").encode())


NOW = "2026-01-01T00:00:00Z"
SUBJECT = {"subject_id": "alice", "subject_type": "user", "subject_slug": "alice"}


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = Store(Zone("g", connect(REDIS_URL, 2.0), connect(REDIS_URL, 2.0, blocking=True)))
    if not await opened.ping():
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield opened
    await opened.close()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[lua.Script[Any]]:
    """Every script call the store makes, as it makes it (still run against Redis)."""
    seen: list[lua.Script[Any]] = []
    run, script = lua.Scripts.run, lua.Batch.script

    async def recording_run(self: lua.Scripts, call: lua.Script[Any]) -> Any:
        seen.append(call)
        return await run(self, call)

    def recording_script(self: lua.Batch, call: lua.Script[Any]) -> None:
        seen.append(call)
        script(self, call)

    monkeypatch.setattr(lua.Scripts, "run", recording_run)
    monkeypatch.setattr(lua.Batch, "script", recording_script)
    return seen


async def test_every_script_the_store_runs_touches_one_slot(
    store: Store, calls: list[lua.Script[Any]]
) -> None:
    """The store's own key wiring, on a real Redis: each call's KEYS hash to one slot, so no script
    crosses slots on a cluster (and every script is exercised)."""
    tenant, executor = f"slots-{secrets.token_hex(4)}", f"sl{secrets.token_hex(5)}"
    session_id = f"{ids.new_ulid()}.g"
    turn_id = ids.new_turn_id(session_id, executor)
    doc = {"id": session_id, "agent_name": "bot", "type": "session", "agent_version": 1, "title": None,
           "created_by_subject": SUBJECT, "created_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    try:
        await agent_store.create(store, tenant, name="bot", manifest_json="{}", created_by="{}", now="n")
        await agent_store.replace(store, tenant, name="bot", manifest_json='{"v":2}', now="n2")
        await session_store.create(
            store, tenant, doc=doc, owner="alice", manifest_json="{}", now=NOW, retention_seconds=60
        )
        await executors.heartbeat(store, executor, 5, [], 60)
        await executors.candidates(store, 5, 1)
        new = turn_store.NewTurn(
            tenant=tenant, session_id=session_id, turn_id=turn_id, executor=executor, doc_json="{}",
            state_json="{}", created_event='{"type":"turn.created"}', expected_last=None, parent_id=None,
            parent_pending="", consume_pending=False, ancestry=[], agent_name="bot", owner="alice", now="n",
            trace="",
        )  # fmt: skip
        await turn_store.start(store, new, retention_seconds=60, lease_ms=5000)
        await turn_store.deliver(store, new)
        member = keys.lease_member(tenant, session_id, turn_id)
        await executors.heartbeat(store, executor, 5, [member], 60)
        await turn_store.append(store, tenant, session_id, turn_id, ['{"type":"x"}'], 2)
        await turn_store.request_cancel(store, tenant, session_id, turn_id, executor, "client-cancelled")
        await executors.lapsed_leases(store)
        ending = turn_store.Ending(status="done", state_json="{}", done_event='{"type":"turn.done"}',
                                   pending="", now="n", token="k")  # fmt: skip
        await turn_store.finish(
            store, tenant, session_id, turn_id, ending, retention_seconds=60, lapsed_only=True
        )
        await turn_store.finish(
            store, tenant, session_id, turn_id, ending, retention_seconds=60, lapsed_only=False,
            events=['{"type":"y"}'], first=3,
        )  # fmt: skip
        await turn_store.save_histories(store, tenant, session_id, {turn_id: "[]"})
        await turn_store.cancel_running(
            store, tenant, session_id, None, "client-cancelled", lambda _: executor
        )
        await session_store.drop_pending(store, tenant, session_id, turn_id)
        record = await session_store.load(store, tenant, session_id)
        assert record is not None
        await session_store.delete(store, tenant, record, retention_seconds=60, now="n3")
    finally:
        leftovers = [k async for k in store.redis.scan_iter(match=f"*{tenant}*")]
        leftovers += [keys.executor_inbox(executor), keys.executor_draining(executor)]
        await store.redis.delete(*leftovers)
        await store.redis.zrem(keys.executors(), executor)
    assert {type(call) for call in calls} == set(lua.ALL)
    for call in calls:
        names = call.keys()
        assert len({key_slot(name.encode()) for name in names}) == 1, (type(call).__name__, names)
